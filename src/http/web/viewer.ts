/**
 * Who is looking at a page, for the page shell (./layout.ts): every page shows who is signed in, or
 * a sign-in link. The shell reads it from the request's context (hono's `contextStorage`) so the
 * pages, which only render, need not pass it along.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { tryGetContext } from 'hono/context-storage';
import { html } from 'hono/html';
import type { Html } from '../../render/markup.js';
import type { Person, Sessions } from '../core/session.js';

declare module 'hono' {
  interface ContextVariableMap {
    /** The signed-in person; unset when nobody is. */
    person: Person | undefined;
    /** Whether this server offers sign-in at all (MLTRL_OIDC_* or the local provider). */
    signInOffered: boolean;
    /** The signed-in person is listed in MLTRL_OPERATORS: the header links to the re-review schedules. */
    operator: boolean;
    /** This server keeps personal API tokens (a token registry): the header links to /tokens. */
    tokensOffered: boolean;
  }
}

/** Reads the session cookie once per page request. */
export function viewer(sessions: Sessions | undefined, operators: readonly string[] = [], tokensOffered = false): MiddlewareHandler {
  return async (c, next) => {
    c.set('signInOffered', sessions !== undefined);
    c.set('tokensOffered', tokensOffered);
    const person = sessions ? await sessions.read(c) : undefined;
    c.set('person', person);
    c.set('operator', person !== undefined && operators.includes(person.email));
    await next();
  };
}

/** Where a sign-in link brings the person back to: the page they are on. */
export function signInHref(c: Context, returnTo = `${c.req.path}${new URL(c.req.url).search}`): string {
  return `/auth/sign-in?${new URLSearchParams({ returnTo }).toString()}`;
}

/** The header's right-hand side: who is signed in and a sign-out button, or a sign-in link. */
export function viewerNav(): Html | string {
  const c = tryGetContext();
  if (!c?.get('signInOffered')) return '';
  const person = c.get('person');
  // Review links sign nobody in: no sign-in link on a page opened from one (it would leave the token in returnTo).
  if (!person && c.req.path.startsWith('/review/')) return '';
  return person
    ? html`<span class="viewer">${c.get('operator') ? html`<a class="nav" href="/operators">Re-reviews</a>` : ''}${c.get('tokensOffered') ? html`<a class="nav" href="/tokens">API tokens</a>` : ''}<a class="nav" href="/me" title="${person.email}">${person.name}</a>
<form method="post" action="/auth/sign-out" class="sign-out"><button type="submit">Sign out</button></form></span>`
    : html`<span class="viewer"><a class="nav" href="${signInHref(c)}">Sign in</a></span>`;
}
