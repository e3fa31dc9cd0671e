/**
 * What every request passes before a route sees it: the Host check (DNS rebinding), the Origin
 * check on form posts (CSRF, hono's `csrf`), rate limits per address and per token
 * (`hono-rate-limiter`), and `Cache-Control: no-store` on everything that carries a card, a status
 * or a token. Each refusal is an error `problemFor` maps, so the API answers in its JSON shape and
 * the pages with a page.
 */
import { createHash } from 'node:crypto';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import { csrf } from 'hono/csrf';
import { rateLimiter } from 'hono-rate-limiter';
import { bearerIn } from './auth.js';
import { LOOPBACK_HOSTS } from '../../runtime/loopback.js';
import { Forbidden, Misdirected, RateLimited, pathText } from './problems.js';

/** The hostnames this server answers for (any port: the server may listen anywhere): the public URL's, and loopback. */
function hostnames(publicUrl: string): Set<string> {
  return new Set([...LOOPBACK_HOSTS, new URL(publicUrl).hostname]);
}

/**
 * Refuse a request whose Host is not ours (421): a page on another site that resolves its own name
 * to this server's address (DNS rebinding) would otherwise read the API as if it were same-origin.
 */
export function hostCheck(publicUrl: string): MiddlewareHandler {
  const allowed = hostnames(publicUrl);
  const shown = [...allowed].join(', ');
  return async (c, next) => {
    // The node server builds the URL from the Host header (and refuses a request without one).
    const host = new URL(c.req.url).hostname;
    if (!allowed.has(host)) throw new Misdirected(`host: this server answers for ${shown} (any port), not ${pathText(host)}; set MLTRL_PUBLIC_URL to the address people use`);
    await next();
  };
}

/**
 * Form posts (the review page's verdicts) only from our own pages: hono's `csrf` decides from
 * `Origin` and `Sec-Fetch-Site`; the origin may be the public URL's or any loopback one. JSON
 * requests are not checked here: a browser cannot send them cross-site without a CORS preflight,
 * which this server never grants, and they carry their token in a header a page cannot set.
 */
export function originCheck(publicUrl: string): MiddlewareHandler {
  const publicOrigin = new URL(publicUrl).origin;
  const allowedOrigin = (origin: string) => {
    if (origin === publicOrigin) return true;
    try {
      const url = new URL(origin);
      return (url.protocol === 'http:' || url.protocol === 'https:') && LOOPBACK_HOSTS.has(url.hostname);
    } catch {
      return false;
    }
  };
  const check = csrf({ origin: allowedOrigin });
  return async (c, next) => {
    // Ask the library for its verdict alone, so a refusal becomes our error, in our shape.
    let passed = false;
    try {
      await check(c, () => {
        passed = true;
        return Promise.resolve();
      });
    } catch {
      passed = false;
    }
    if (!passed) {
      const origin = c.req.header('origin');
      throw new Forbidden(`origin: forms are accepted from ${publicOrigin} or loopback pages only, not from ${origin === undefined ? 'a request without an Origin header' : pathText(origin)}`);
    }
    await next();
  };
}

/** The address the request came from; in-process requests (tests' `app.request`) have none. */
export function clientAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'in-process';
  }
}

/** The token a request presents: the bearer token, or the one in a review link's path. */
function presentedToken(c: Context): string | undefined {
  return bearerIn(c) ?? /^\/review\/([^/]+)/.exec(c.req.path)?.[1];
}

const digest = (text: string) => createHash('sha256').update(text).digest('base64url');

/**
 * Two budgets of `perMinute` requests: one per client address, one per token (so one leaked token
 * cannot be hammered from many addresses). Over either: 429 with Retry-After. In memory, per
 * process: behind a load balancer each API process counts for itself.
 */
export function rateLimits(perMinute: number): MiddlewareHandler[] {
  const refuse = (what: string) => (c: Context) => {
    const info = c.get('rateLimit') as { resetTime?: Date } | undefined;
    const retryAfter = Math.max(1, Math.ceil(((info?.resetTime?.getTime() ?? Date.now() + 60_000) - Date.now()) / 1000));
    throw new RateLimited(`rate limit: more than ${perMinute} requests a minute from ${what}; retry in ${retryAfter} s`, retryAfter);
  };
  return [
    rateLimiter({ windowMs: 60_000, limit: perMinute, standardHeaders: 'draft-6', keyGenerator: (c) => `address:${clientAddress(c)}`, handler: refuse('this address') }),
    rateLimiter({
      windowMs: 60_000,
      limit: perMinute,
      standardHeaders: 'draft-6',
      skip: (c) => presentedToken(c) === undefined,
      keyGenerator: (c) => `token:${digest(presentedToken(c) ?? '')}`,
      handler: refuse('this token'),
    }),
  ];
}

/** Cards, statuses and review links must not sit in a browser's or a proxy's cache. */
export const noStore: MiddlewareHandler = async (c, next) => {
  await next();
  c.header('Cache-Control', 'no-store');
};
