/**
 * The API's routes, each declared once with the zod schemas it validates: registering a route here
 * both mounts its handler on Hono and records it for the OpenAPI document (./openapi.ts), so the
 * document cannot list a route that does not exist, nor miss one that does.
 */
import type { Context, Hono } from 'hono';
import type { z } from 'zod';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** Which token a route takes (src/http/core/auth.ts): none, a person token, or a person token or this component's review link. */
export type TokenKind = 'none' | 'person' | 'person-or-review-link';

export interface Operation {
  method: Method;
  /** OpenAPI's spelling, `/projects/{projectId}`; mounted under /api. */
  path: string;
  operationId: string;
  tag: string;
  summary: string;
  /** Who may call it, beyond the token: the rule in words, for the reference page. */
  who?: string;
  token: TokenKind;
  query?: z.ZodType;
  body?: z.ZodType;
  /** The success status and what it answers. */
  status: 200 | 201;
  response: z.ZodType;
  responseDescription: string;
}

/** `{projectId}` → `:projectId`, Hono's spelling. */
export const honoPath = (path: string) => path.replace(/\{(\w+)\}/g, ':$1');

/** The parameters a path names, in order. */
export const pathParameters = (path: string) => [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);

export class Operations {
  readonly list: Operation[] = [];

  constructor(private readonly api: Hono) {}

  add(operation: Operation, handler: (c: Context) => Response | Promise<Response>): void {
    if (this.list.some((o) => o.operationId === operation.operationId)) throw new Error(`operation ${operation.operationId} declared twice`);
    this.list.push(operation);
    this.api.on(operation.method.toUpperCase(), honoPath(operation.path), handler);
  }
}
