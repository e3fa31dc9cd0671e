/**
 * The OpenAPI 3.1 document of the JSON API, built from the routes' own declarations
 * (./operations.ts) with zod 4's `z.toJSONSchema`: request bodies and queries are the very schemas
 * the routes validate with, converted as input (what a client may send), answers as output. OpenAPI
 * 3.1 schemas are JSON Schema 2020-12, which is what zod emits.
 */
import { z } from 'zod';
import { Slug } from '../../../machines/model.js';
import { pathParameters, type Operation } from './operations.js';
import { ErrorBody } from './schemas.js';

type JsonSchema = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  // `any` for what JSON Schema cannot say (a transform's output, a custom refine): the route still checks it.
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
  return rest;
}

const ERRORS: Record<string, string> = {
  '400': 'invalid input: the message names the field and the rule',
  '401': 'no token, or a token this server did not issue or that has expired',
  '403': 'the token does not cover this',
  '404': 'no such project, component or schedule',
  '409': "a rule refused it (the message says which), or the id is taken",
  '413': 'a body over 1 MiB',
  '429': 'over the rate limit; see Retry-After',
  '503': 'Temporal is unavailable or too slow',
};

const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });

function queryParameters(query: z.ZodType | undefined): unknown[] {
  if (!query) return [];
  const schema = jsonSchema(query, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(schema.properties ?? {}).map(([name, property]) => ({
    name,
    in: 'query',
    required: schema.required?.includes(name) ?? false,
    schema: property,
  }));
}

function operationObject(op: Operation): Record<string, unknown> {
  const slug = jsonSchema(Slug, 'input');
  const parameters = [...pathParameters(op.path).map((name) => ({ name, in: 'path', required: true, schema: slug })), ...queryParameters(op.query)];
  const errors = Object.fromEntries(
    Object.entries(ERRORS).filter(([status]) => (op.token === 'none' ? ['429', '503'].includes(status) : true)).map(([status, description]) => [status, errorResponse(description)]),
  );
  return {
    operationId: op.operationId,
    tags: [op.tag],
    summary: op.summary,
    description: [op.who ? `Who: ${op.who}.` : undefined, TOKEN_TEXT[op.token]].filter(Boolean).join(' '),
    ...(op.token === 'none' ? { security: [] } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(op.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(op.body, 'input') } } } } : {}),
    responses: {
      [String(op.status)]: { description: op.responseDescription, content: { 'application/json': { schema: jsonSchema(op.response, 'output') } } },
      ...errors,
    },
  };
}

const TOKEN_TEXT: Record<Operation['token'], string> = {
  none: 'No token needed.',
  person: 'Takes a person token (`mltrl token`, or made from the web app); who is acting is its person, never a field of the body.',
  'person-or-review-link': "Takes a person token, or a review link's token of this very component.",
};

/** The document, with a `/api` server so its paths read as the routes are mounted. */
export function openApiDocument(operations: readonly Operation[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) (paths[op.path] ??= {})[op.method] = operationObject(op);
  return {
    openapi: '3.1.0',
    info: {
      title: 'mltrl API',
      version: '1',
      description:
        'Machine Learning Technology Readiness Levels: every CLI command as a route, acting as the bearer token\'s person. Errors are `{ "error": { "kind", "message" } }`.',
    },
    servers: [{ url: '/api' }],
    security: [{ bearer: [] }],
    paths,
    components: {
      schemas: { Error: jsonSchema(ErrorBody, 'output') },
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A person token, or a review link token where a route says so.' } },
    },
  };
}
