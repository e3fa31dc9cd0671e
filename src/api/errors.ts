/** How a failure becomes an HTTP status: one mapping for the JSON API and the web pages. */
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { InputError } from '../../machines/validation.js';
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
  if (error instanceof ClientError) return { status: STATUS[error.kind], kind: error.kind, message: error.message };
  return { status: 500, kind: 'internal', message: 'internal error: see the server log' };
}
