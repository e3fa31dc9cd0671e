/**
 * Parsers for command-line values, built on the domain's zod schemas so the CLI accepts exactly
 * what the workflows accept. Each names the option it parses in its error, and quotes the value with
 * `quoted`: escaped and cut when long, so a 20,000-character argument gives a short line.
 */
import { readFileSync } from 'node:fs';
import { Email, Level, SLUG, Slug } from '../../machines/model.js';
import { quoted } from '../../machines/validation.js';
import { UsageError } from './errors.js';

export interface ComponentRef {
  projectId: string;
  componentId: string;
}

export const formatRef = (ref: ComponentRef) => `${ref.projectId}/${ref.componentId}`;

const SLUG_RULE = 'a lower-case slug (a-z, 0-9 and -, not starting with -)';

export function parseRef(value: string): ComponentRef {
  const parts = value.split('/');
  if (parts.length !== 2 || !parts.every((part) => SLUG.test(part))) {
    throw new UsageError(`ref: ${quoted(value)} must be <projectId>/<componentId>, each ${SLUG_RULE}`);
  }
  return { projectId: parts[0], componentId: parts[1] };
}

/** `status` takes either a project id or a component ref. */
export function parseTarget(value: string): { projectId: string } | ComponentRef {
  return value.includes('/') ? parseRef(value) : { projectId: slug('projectId')(value) };
}

export const slug = (flag: string) => (value: string) => {
  if (!Slug.safeParse(value).success) throw new UsageError(`${flag}: ${quoted(value)} must be ${SLUG_RULE}`);
  return value;
};

export const email = (flag: string) => (value: string) => {
  const result = Email.safeParse(value);
  if (!result.success) throw new UsageError(`${flag}: ${quoted(value)} must be an email address`);
  return result.data;
};

export const level = (flag: string) => (value: string) => {
  const result = Level.safeParse(/^\s*-?\d+\s*$/.test(value) ? Number(value) : Number.NaN);
  if (!result.success) throw new UsageError(`${flag}: ${quoted(value)} must be a whole number from 0 to 9`);
  return result.data;
};

/** Repeatable option: `--task a --task b`. */
export const collect = (value: string, previous: string[] = []) => [...previous, value];

/** Repeatable `key=value` option into a record: `--answer bias=... --answer harm=...`. */
export const keyValue = (flag: string) => (value: string, previous: Record<string, string> = {}) => {
  const at = value.indexOf('=');
  if (at <= 0) throw new UsageError(`${flag}: ${quoted(value)} must be key=value`);
  return { ...previous, [value.slice(0, at).trim()]: value.slice(at + 1) };
};

/** Parse a JSON file; `what` names it in errors (e.g. "project file"). */
export function readJsonFile(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`${what}: cannot read ${quoted(path)}${code === 'ENOENT' ? ': no such file' : code ? ` (${code})` : ''}`);
  }
  return parseJson(text, `${what} ${quoted(path)}`);
}

/** An option given as inline JSON or as `@file.json`. */
export function readJsonArg(value: string, flag: string): unknown {
  return value.startsWith('@') ? readJsonFile(value.slice(1), flag) : parseJson(value, flag);
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UsageError(`${what}: not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
}
