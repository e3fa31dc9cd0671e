/**
 * Signing in and out of the web app (OpenID Connect, ../core/oidc.ts), and `/me`: who you are and
 * what you are on which project. Every other page reads as before without signing in; a review link
 * still acts on its own, with no session.
 */
import { Hono, type Context } from 'hono';
import { html } from 'hono/html';
import { htmlTable } from '../../render/tables.js';
import { readPeople } from '../../portfolio/people.js';
import { notRead } from '../../portfolio/report.js';
import type { AppDependencies, Identity } from '../core/dependencies.js';
import { ProviderUnavailable } from '../core/oidc.js';
import { problemFor } from '../core/problems.js';
import { localPath } from '../core/session.js';
import { componentPath } from './fragments.js';
import { layout, messagePage } from './layout.js';
import { signInHref } from './viewer.js';

const HOME = [{ href: '/', text: 'All projects' }];

export function signInPages(deps: AppDependencies, identity: Identity | undefined): Hono {
  const web = new Hono();
  const redirectUri = new URL('auth/callback', deps.links.dashboardUrl()).href;

  if (!identity) {
    const notOffered = messagePage('Sign-in is not set up', 'info', [html`This server has no identity provider (MLTRL_OIDC_ISSUER). Its pages read without signing in.`], HOME);
    for (const path of ['/auth/sign-in', '/auth/callback', '/me']) web.get(path, (c) => c.html(notOffered, 404));
    return web;
  }
  const { signIn, sessions } = identity;

  // The provider could not be used (unreachable, or its settings wrong): a page that says so and why,
  // rather than an internal error; the reason names only the issuer, which every sign-in shows anyway.
  const unavailable = (c: Context, error: ProviderUnavailable, returnTo: string) => {
    console.error('mltrl web:', error.message);
    return c.html(
      messagePage('Sign-in is unavailable', 'error', [html`mltrl could not use its identity provider. Try again in a minute; if it goes on, tell whoever runs mltrl.`, html`${error.message}`], [{ href: signInHref(c, returnTo), text: 'Try again' }, ...HOME]),
      502,
    );
  };

  web.get('/auth/sign-in', async (c) => {
    const returnTo = localPath(c.req.query('returnTo'));
    let begun;
    try {
      begun = await signIn.begin(returnTo);
    } catch (error) {
      if (error instanceof ProviderUnavailable) return unavailable(c, error, returnTo);
      throw error;
    }
    await sessions.beginSignIn(c, begun.flow);
    return c.redirect(begun.url.href, 302);
  });

  web.get('/auth/callback', async (c) => {
    const flow = await sessions.takeSignIn(c);
    const again = [{ href: signInHref(c, flow?.returnTo ?? '/'), text: 'Sign in again' }, ...HOME];
    if (!flow) {
      return c.html(messagePage('Sign-in expired', 'error', [html`This sign-in was not started in this browser, or was started more than ten minutes ago.`], again), 400);
    }
    // The provider's parameters, on the registered redirect URI (the public URL, not the Host this request came in on).
    const callback = new URL(redirectUri);
    callback.search = new URL(c.req.url).search;
    try {
      const person = await signIn.finish(callback, flow);
      await sessions.start(c, person);
      return c.redirect(localPath(flow.returnTo), 303);
    } catch (error) {
      if (error instanceof ProviderUnavailable) return unavailable(c, error, flow.returnTo);
      const problem = problemFor(error);
      if (problem.status === 500) console.error('mltrl web: sign-in:', error);
      return c.html(messagePage('Not signed in', 'error', [html`${problem.status === 500 ? 'sign-in: something went wrong; try again' : problem.message}`], again), problem.status === 500 ? 502 : problem.status);
    }
  });

  web.post('/auth/sign-out', async (c) => {
    sessions.end(c);
    c.set('person', undefined);
    const atProvider = await signIn.providerSignOutUrl(deps.links.dashboardUrl());
    return c.html(
      messagePage('Signed out', 'ok', [html`You are signed out of mltrl.`, ...(atProvider ? [html`You may still be signed in at your identity provider: <a href="${atProvider}">sign out there too</a>.`] : [])], HOME),
    );
  });

  web.get('/me', async (c) => {
    const person = c.get('person');
    if (!person) return c.redirect(signInHref(c), 302);
    let known;
    try {
      known = await readPeople(deps.client, deps.taskQueue);
    } catch (error) {
      const problem = problemFor(error);
      return c.html(messagePage('Unavailable', 'error', [html`${problem.message}`], HOME), problem.status);
    }
    const mine = known.people.find((p) => p.email === person.email);
    return c.html(
      layout(
        'You',
        html`<h1>${person.name}</h1>
<p>Signed in as <strong>${person.email}</strong>.</p>
${known.unreadable.length ? html`<div class="notice" role="status"><p>${notRead(known.unreadable)}: roles there are not shown.</p></div>` : ''}
<section class="panel" aria-labelledby="roles"><h2 id="roles">Your projects and roles</h2>
${mine?.roles.length
  ? htmlTable(
      ['Project', 'Role', 'Component'],
      mine.roles.map((r) => ({
        component: `${r.projectId}/${r.componentId ?? ''}/${r.role}`,
        cells: [html`<a href="/projects/${r.projectId}">${r.projectName}</a>`, r.role, r.componentId ? html`<a href="${componentPath(r.projectId, r.componentId)}">${r.componentId}</a>` : '-'],
      })),
      { rowHeaders: true },
    )
  : html`<p>No running project names ${person.email} as an owner, component owner or reviewer.</p>`}
</section>
${c.get('operator') || mine?.roles.some((r) => r.role === 'owner') ? html`<p><a href="/operators">Re-review schedules</a>${c.get('operator') ? ' of every project: you are an operator' : ' of the projects you own'}: trigger, pause or unpause them.</p>` : ''}`,
      ),
    );
  });

  return web;
}
