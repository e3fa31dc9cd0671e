/** How a failure becomes an HTTP status: one mapping for the JSON API and the web pages. */
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { InputError, quoted } from '../../machines/validation.js';
import { ClientError } from '../client.js';

export interface Problem {
  status: ContentfulStatusCode;
  kind: 'invalid' | 'unauthorized' | 'forbidden' | 'refused' | 'conflict' | 'not-found' | 'unavailable' | 'internal';
  message: string;
}

/** A request without a valid token: nothing about who is acting can be taken from the body. */
export class Unauthorized extends Error {
  override readonly name = 'Unauthorized';
}

/** A valid token that does not cover what was asked (another review, another kind of action). */
export class Forbidden extends Error {
  override readonly name = 'Forbidden';
}

/** A body over the server's size limit: refused before any route reads it. */
export class TooLarge extends Error {
  override readonly name = 'TooLarge';
}

/**
 * A request path in a message: quoted and cut as input is, so a long path gives a short line. JSON
 * strings keep U+2028, U+2029 and NEL as they are, and a reader takes them as line breaks: escape them.
 */
export function pathText(path: string): string {
  return quoted(path).replace(/[\u0085\u2028\u2029]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const STATUS: Record<ClientError['kind'], ContentfulStatusCode> = {
  invalid: 400,
  refused: 409,
  conflict: 409,
  'not-found': 404,
  unavailable: 503,
};

export function problemFor(error: unknown): Problem {
  if (error instanceof Unauthorized) return { status: 401, kind: 'unauthorized', message: error.message };
  if (error instanceof Forbidden) return { status: 403, kind: 'forbidden', message: error.message };
  if (error instanceof InputError) return { status: 400, kind: 'invalid', message: error.message };
  if (error instanceof TooLarge) return { status: 413, kind: 'invalid', message: error.message };
  if (error instanceof ClientError) return { status: STATUS[error.kind], kind: error.kind, message: error.message };
  return { status: 500, kind: 'internal', message: 'internal error: see the server log' };
}
