/** How a failure becomes an HTTP status: one mapping for the JSON API and the web pages. */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { InputError, quoted } from '../../../machines/validation.js';
import { ClientError } from '../../runtime/client.js';
import { TooManyTokens } from './tokenRegistry.js';

export interface Problem {
  status: ContentfulStatusCode;
  kind: 'invalid' | 'too-large' | 'unauthorized' | 'forbidden' | 'misdirected' | 'rate-limited' | 'refused' | 'conflict' | 'not-found' | 'unavailable' | 'internal';
  message: string;
  /** Seconds, for a 429's Retry-After. */
  retryAfter?: number;
}

/** A request without a valid token: nothing about who is acting can be taken from the body. */
export class Unauthorized extends Error {
  override readonly name = 'Unauthorized';
}

/** A valid token that does not cover what was asked (another review, another kind of action). */
export class Forbidden extends Error {
  override readonly name = 'Forbidden';
}

/** A request for a host this server does not serve (DNS rebinding): refused before anything else. */
export class Misdirected extends Error {
  override readonly name = 'Misdirected';
}

/** Over the per-address or per-token request budget; `retryAfter` in seconds. */
export class RateLimited extends Error {
  override readonly name = 'RateLimited';
  constructor(
    message: string,
    readonly retryAfter: number,
  ) {
    super(message);
  }
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
  if (error instanceof TooLarge) return { status: 413, kind: 'too-large', message: error.message };
  if (error instanceof Misdirected) return { status: 421, kind: 'misdirected', message: error.message };
  if (error instanceof RateLimited) return { status: 429, kind: 'rate-limited', message: error.message, retryAfter: error.retryAfter };
  if (error instanceof TooManyTokens) return { status: 409, kind: 'conflict', message: error.message };
  if (error instanceof ClientError) return { status: STATUS[error.kind], kind: error.kind, message: error.message };
  return { status: 500, kind: 'internal', message: 'internal error: see the server log' };
}

/** The API's error shape, `{ error: { kind, message } }`, with Retry-After on a 429. */
export function errorResponse(c: Context, error: unknown, logPrefix: string): Response {
  const problem = problemFor(error);
  if (problem.status === 500) console.error(logPrefix, error);
  if (problem.retryAfter !== undefined) c.header('Retry-After', String(problem.retryAfter));
  return c.json({ error: { kind: problem.kind, message: problem.message } }, problem.status);
}
