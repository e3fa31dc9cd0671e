/**
 * The API's reference page at /api/reference: the OpenAPI document (./openapi.ts) read back as one
 * server-rendered page, with no script and nothing from another site — each route with its token,
 * who may call it, its parameters, its body's fields and its answers; every schema in full under a
 * disclosure. It lives beside the API (not in ../web/) because it is the API's own documentation.
 */
import { html } from 'hono/html';
import { openApiDocument } from './openapi.js';
import type { Operation } from './operations.js';

type Schema = { type?: unknown; properties?: Record<string, Schema>; required?: string[]; description?: string; enum?: unknown[]; const?: unknown; pattern?: string; minLength?: number; maxLength?: number; minimum?: number; maximum?: number; default?: unknown; items?: Schema; anyOf?: Schema[] };
interface Parameter {
  name: string;
  in: string;
  required: boolean;
  schema: Schema;
}
interface OperationObject {
  operationId: string;
  summary: string;
  description: string;
  parameters?: Parameter[];
  requestBody?: { content: { 'application/json': { schema: Schema } } };
  responses: Record<string, { description: string; content?: { 'application/json': { schema: Schema } } }>;
}

/** A schema's type and rules in a few words: `string, 1 to 80 characters`, `one of approve, …`. */
function typeText(schema: Schema): string {
  if (schema.enum) return `one of ${schema.enum.map(String).join(', ')}`;
  if (schema.const !== undefined) return `exactly ${JSON.stringify(schema.const)}`;
  if (schema.anyOf) return schema.anyOf.map(typeText).join(' or ');
  const rules: string[] = [];
  if (schema.minLength !== undefined || schema.maxLength !== undefined) rules.push(`${schema.minLength ?? 0} to ${schema.maxLength ?? '…'} characters`);
  if (schema.minimum !== undefined || schema.maximum !== undefined) rules.push(`${schema.minimum ?? '…'} to ${schema.maximum ?? '…'}`);
  if (schema.pattern) rules.push(`matching ${schema.pattern}`);
  if (schema.default !== undefined) rules.push(`default ${JSON.stringify(schema.default)}`);
  const type = schema.type === 'array' && schema.items ? `array of ${typeText(schema.items)}` : Array.isArray(schema.type) ? schema.type.join(' or ') : typeof schema.type === 'string' ? schema.type : 'any';
  return [type, ...rules].join(', ');
}

function fieldsTable(caption: string, rows: { name: string; required: boolean; schema: Schema }[]) {
  if (rows.length === 0) return '';
  return html`<table><caption>${caption}</caption><thead><tr><th scope="col">name</th><th scope="col">required</th><th scope="col">type and rules</th></tr></thead>
<tbody>${rows.map((row) => html`<tr><td><code>${row.name}</code></td><td>${row.required ? 'yes' : 'no'}</td><td>${typeText(row.schema)}${row.schema.description ? html` — ${row.schema.description}` : ''}</td></tr>`)}</tbody></table>`;
}

const schemaBlock = (summary: string, schema: Schema) => html`<details><summary>${summary}</summary><pre><code>${JSON.stringify(schema, null, 2)}</code></pre></details>`;

function operationSection(method: string, path: string, op: OperationObject) {
  const parameters = op.parameters ?? [];
  const body = op.requestBody?.content['application/json'].schema;
  const bodyRows = Object.entries(body?.properties ?? {}).map(([name, schema]) => ({ name, required: body?.required?.includes(name) ?? false, schema }));
  const [success, ...errors] = Object.entries(op.responses);
  return html`<section class="card" aria-labelledby="${op.operationId}">
<h3 id="${op.operationId}"><code>${method.toUpperCase()} /api${path}</code></h3>
<p>${op.summary}. ${op.description}</p>
${fieldsTable('Path parameters', parameters.filter((p) => p.in === 'path'))}
${fieldsTable('Query parameters', parameters.filter((p) => p.in === 'query'))}
${body ? html`${fieldsTable('Body (JSON) fields', bodyRows)}${schemaBlock('Body schema', body)}` : ''}
${success ? html`<p><strong>${success[0]}</strong>: ${success[1].description}.</p>${success[1].content ? schemaBlock(`${success[0]} answer schema`, success[1].content['application/json'].schema) : ''}` : ''}
<p>Errors: ${errors.map(([status, response], i) => html`${i ? '; ' : ''}<strong>${status}</strong> ${response.description}`)}.</p>
</section>`;
}

export function referencePage(operations: readonly Operation[]) {
  const document = openApiDocument(operations) as { paths: Record<string, Record<string, OperationObject>> };
  const tags = [...new Set(operations.map((op) => op.tag))];
  const sections = tags.map((tag) => {
    const ops = operations.filter((op) => op.tag === tag);
    return html`<h2 id="tag-${tag}">${tag}</h2>${ops.map((op) => operationSection(op.method, op.path, document.paths[op.path][op.method]))}`;
  });
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8" />
<meta name="viewport" content="width=device-width, initial-scale=1" />
<title>API reference — mltrl</title>
<link rel="stylesheet" href="/assets/style.css" />
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="site"><nav aria-label="Site"><a href="/">mltrl · ML readiness levels</a> <a class="nav" href="/">Projects</a> <a class="nav" href="/api/reference">API</a></nav></header>
<main id="main">
<h1>API reference</h1>
<p>Every route takes <code>Authorization: Bearer &lt;token&gt;</code> unless it says otherwise; who is acting is the token's person, never a field of the body. Errors are <code>{ "error": { "kind", "message" } }</code>. The same document as OpenAPI 3.1: <a href="/api/openapi.json">/api/openapi.json</a>.</p>
<nav aria-label="Sections"><ul>${tags.map((tag) => html`<li><a href="#tag-${tag}">${tag}</a> (${operations.filter((op) => op.tag === tag).length})</li>`)}</ul></nav>
${sections}
</main>
</body>
</html>`;
}
