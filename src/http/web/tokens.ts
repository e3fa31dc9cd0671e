/**
 * The signed-in person's personal API tokens (`/tokens`): make one (a name and a lifetime), see it
 * once with how to use it from the CLI and from curl, and list the live ones (name, made, expires;
 * never the token). Made by the same registry as `POST /api/tokens` (../core/tokenRegistry.ts):
 * a token is minted, recorded and listed in one place, whichever side asked.
 */
import { Hono, type Context } from 'hono';
import { html } from 'hono/html';
import { utcMinute } from '../../../machines/dates.js';
import type { Html } from '../../render/markup.js';
import { htmlTable } from '../../render/tables.js';
import type { AppDependencies } from '../core/dependencies.js';
import type { Person } from '../core/session.js';
import { TokenRequest, TooManyTokens, type TokenEntry, type TokenRegistry } from '../core/tokenRegistry.js';
import { addError, fieldError, fieldId, field, formErrors, postedText, signedIn, zodErrors, type FieldErrors } from './forms.js';
import { layout, messagePage } from './layout.js';

/** The lifetimes offered; the registry takes any duration up to 366 days (an API call may ask for another). */
const LIFETIMES = [
  ['1 day', '1 day'],
  ['7 days', '7 days'],
  ['30 days', '30 days'],
  ['90 days', '90 days'],
  ['365 days', '1 year'],
] as const;
const DEFAULT_LIFETIME = '30 days';

/** What a person types to use a token: the API's address, as this server's public URL gives it. */
/** The server's address, as MLTRL_API_URL takes it (the CLI adds /api itself). */
export const serverUrlOf = (deps: Pick<AppDependencies, 'links'>) => deps.links.dashboardUrl().replace(/\/+$/, '');

function tokenList(entries: readonly TokenEntry[], fresh?: string): Html {
  if (entries.length === 0) return html`<p class="muted">You have no live tokens.</p>`;
  return htmlTable(
    ['Name', 'Made', 'Expires'],
    entries.map((entry) => ({ cells: [html`${entry.name}${entry.id === fresh ? html` <span class="state">new</span>` : ''}`, utcMinute(entry.createdAt), utcMinute(entry.expiresAt)] })),
    { rowHeaders: true, caption: 'Your live tokens, newest first. Expired tokens drop off the list.' },
  );
}

/** The token, once, with the two ways to use it. */
function madeSection(deps: AppDependencies, made: { token: string; entry: TokenEntry }): Html {
  const server = serverUrlOf(deps);
  return html`<section class="panel" aria-labelledby="made"><h2 id="made">Your new token: ${made.entry.name}</h2>
<div class="notice ok" role="status"><p>Copy it now: it is shown <strong>only this once</strong> and is not kept on the server. It works until ${utcMinute(made.entry.expiresAt)} and acts as you.</p></div>
<div class="field"><label for="new-token">Token</label><input type="text" id="new-token" readonly value="${made.token}" spellcheck="false" autocomplete="off" class="code" /></div>
<h3>From the CLI</h3>
<pre class="command" tabindex="0" aria-label="Commands for the CLI"><code>export MLTRL_API_URL=${server}
export MLTRL_API_TOKEN=${made.token}
npx mltrl projects</code></pre>
<h3>From curl, or any HTTP client</h3>
<pre class="command" tabindex="0" aria-label="A request with curl"><code>curl -H "Authorization: Bearer $MLTRL_API_TOKEN" ${server}/api/me</code></pre>
<p class="muted">Every route is in the <a href="/api/reference">API reference</a>.</p>
</section>`;
}

function tokensPage(deps: AppDependencies, person: Person, entries: readonly TokenEntry[], state: { errors?: FieldErrors; form?: Record<string, string>; made?: { token: string; entry: TokenEntry } } = {}): Html {
  const errors = state.errors ?? new Map<string, string[]>();
  const chosen = state.form?.['validFor'] ?? DEFAULT_LIFETIME;
  const validForDescribed = [`${fieldId('validFor')}-hint`, errors.has('validFor') ? `${fieldId('validFor')}-error` : ''].filter(Boolean).join(' ');
  return layout(
    'API tokens',
    html`<p><a href="/">All projects</a> › API tokens</p>
<h1>Your API tokens</h1>
<p>A personal token lets the CLI, a script or curl act as <strong>${person.email}</strong> through the HTTP API, as this page does. Keep it like a password.</p>
${state.made ? madeSection(deps, state.made) : ''}
<form method="post" action="/tokens" class="action" aria-labelledby="create-title">
<h2 id="create-title">Make a token</h2>${formErrors(errors, 'No token was made')}
${field('name', 'Name', errors, { required: true, value: state.made ? '' : state.form?.['name'], hint: 'What it is for, so you know it in the list, e.g. "laptop CLI".', attrs: html` maxlength="80" autocomplete="off"` })}
<div class="field"><label for="${fieldId('validFor')}">Lifetime</label><p class="hint" id="${fieldId('validFor')}-hint">It stops working after this; make a new one then.</p>
<select id="${fieldId('validFor')}" name="validFor" aria-describedby="${validForDescribed}"${errors.has('validFor') ? html` aria-invalid="true"` : ''}>${LIFETIMES.map(([value, label]) => html`<option value="${value}"${value === chosen ? ' selected' : ''}>${label}</option>`)}</select>${fieldError('validFor', errors)}</div>
<button type="submit">Make the token</button>
</form>
<section class="panel" aria-labelledby="list"><h2 id="list">Live tokens</h2>${tokenList(entries, state.made?.entry.id)}</section>`,
  );
}

const notOffered = (c: Context) =>
  c.html(messagePage('API tokens are not offered here', 'info', [html`This server keeps no token list (MLTRL_TOKEN_REGISTRY). Ask for a token with <code>npx mltrl token --as &lt;email&gt;</code>.`], [{ href: '/', text: 'All projects' }]), 404);

export function tokenPages(deps: AppDependencies): Hono {
  const web = new Hono();
  const registry: TokenRegistry | undefined = deps.tokens;

  web.get('/tokens', async (c) => {
    const person = signedIn(c);
    if (!('email' in person)) return person;
    if (!registry) return notOffered(c);
    return c.html(tokensPage(deps, person, await registry.list(person.email)));
  });

  web.post('/tokens', async (c) => {
    const person = signedIn(c);
    if (!('email' in person)) return person;
    if (!registry) return notOffered(c);
    const form = await postedText(c);
    const request = TokenRequest.safeParse({ name: form['name'] ?? '', validFor: form['validFor'] || DEFAULT_LIFETIME });
    if (!request.success) return c.html(tokensPage(deps, person, await registry.list(person.email), { errors: zodErrors(request.error), form }), 400);
    let made;
    try {
      made = await registry.create(deps.links, person.email, request.data);
    } catch (error) {
      if (!(error instanceof TooManyTokens)) throw error;
      const errors: FieldErrors = new Map();
      addError(errors, '', error.message);
      return c.html(tokensPage(deps, person, await registry.list(person.email), { errors, form }), 409);
    }
    // Answered here, not after a redirect: the token exists only in this response.
    return c.html(tokensPage(deps, person, await registry.list(person.email), { made }), 201);
  });

  return web;
}
