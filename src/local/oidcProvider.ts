/**
 * A real OpenID provider for the local stack and the tests: the `oidc-provider` package (a certified
 * OpenID Provider) on loopback, with one registered client (the web app), the authorization code
 * flow with PKCE, and a sign-in page that lists the accounts it knows and asks no password. It is
 * for development on one machine only: every page says so, and `npm start` uses a provider of your
 * own as soon as MLTRL_OIDC_ISSUER is set.
 *
 * Accounts are asked for at each sign-in (`accounts`), so people added to a project since the
 * provider started can sign in. Their email is verified unless an account says otherwise (what the
 * tests use to show such a sign-in is refused).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { html } from 'hono/html';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type KoaContextWithOIDC } from 'oidc-provider';
import { htmlString, type Html } from '../render/markup.js';

export interface LocalAccount {
  email: string;
  name: string;
  /** False for an account whose email the provider has "not verified": the web app refuses it. */
  emailVerified?: boolean;
  /** What the sign-in page says about the person (their roles). */
  note?: string;
}

export interface LocalProviderOptions {
  host?: string;
  /** 0 picks a free one. */
  port: number;
  /** The web app's callback, `<public URL>/auth/callback`, and where sign-out returns. */
  redirectUri: string;
  postLogoutRedirectUri: string;
  accounts: () => Promise<LocalAccount[]>;
}

export interface LocalProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  stop(): Promise<void>;
}

export const LOCAL_CLIENT_ID = 'mltrl-web';
const SCOPE = 'openid email profile';
const WARNING = 'Local development provider, not for production: anyone who reaches this page can sign in as anyone listed.';

function page(title: string, body: Html): string {
  return htmlString(html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title} — local sign-in</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:1rem auto;padding:0 1rem;line-height:1.5}
.warning{border-left:4px solid #b42318;background:#fef3f2;padding:.75rem 1rem}
button{font:inherit;min-height:44px;padding:.5rem 1rem;margin:.25rem 0;width:100%;text-align:left;border:1px solid #4b5563;border-radius:.375rem;background:#fff;cursor:pointer}
button:focus-visible{outline:3px solid #f59e0b}.muted{color:#4b5563}ul{list-style:none;padding:0}</style></head>
<body><main><p class="warning" role="note"><strong>${WARNING}</strong></p><h1>${title}</h1>${body}</main></body></html>`);
}

async function formBody(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 16_384) throw new Error('form too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}


export async function startLocalProvider(options: LocalProviderOptions): Promise<LocalProvider> {
  const host = options.host ?? '127.0.0.1';
  const clientSecret = randomBytes(32).toString('base64url');
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), alg: 'RS256', use: 'sig', kid: 'local' };
  let known = new Map<string, LocalAccount>();
  const refresh = async () => {
    known = new Map((await options.accounts()).map((account) => [account.email, account]));
    return known;
  };

  // Listen first: the issuer is this server's own address, and its port may be picked here.
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const issuer = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  const provider = new Provider(issuer, {
    clients: [{ client_id: LOCAL_CLIENT_ID, client_secret: clientSecret, redirect_uris: [options.redirectUri], post_logout_redirect_uris: [options.postLogoutRedirectUri], grant_types: ['authorization_code'], response_types: ['code'] }],
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    // The ID token carries the email itself, as Google's and Keycloak's do.
    conformIdTokenClaims: false,
    // Seconds: a sign-in page stays usable ten minutes, a provider session a working day.
    ttl: { AuthorizationCode: 60, IdToken: 3_600, AccessToken: 3_600, Interaction: 600, Session: 86_400, Grant: 86_400 },
    features: { devInteractions: { enabled: false } },
    async findAccount(_ctx: KoaContextWithOIDC, id: string) {
      const account = known.get(id) ?? (await refresh()).get(id);
      if (!account) return undefined;
      return { accountId: id, claims: () => ({ sub: id, email: account.email, email_verified: account.emailVerified ?? true, name: account.name }) };
    },
    // The web app is first-party: no consent screen, the grant covers the scopes it asks.
    async loadExistingGrant(ctx: KoaContextWithOIDC) {
      const grantId = ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session!.grantIdFor(ctx.oidc.client!.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client!.clientId, accountId: ctx.oidc.session!.accountId! });
      grant.addOIDCScope(SCOPE);
      await grant.save();
      return grant;
    },
  });
  provider.on('server_error', (_ctx: unknown, error: Error) => console.error('mltrl local sign-in:', error));
  const callback = provider.callback();
  // Browsers hold form-action to the whole redirect chain after a post: the sign-in ends at the web app's callback.
  const policy = `default-src 'none'; style-src 'unsafe-inline'; form-action 'self' ${new URL(options.redirectUri).origin}; frame-ancestors 'none'`;
  const send = (res: ServerResponse, status: number, body: string) => {
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'content-security-policy': policy });
    res.end(body);
  };

  async function interaction(req: IncomingMessage, res: ServerResponse, uid: string, action: string | undefined): Promise<void> {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) return send(res, 400, page('Sign-in expired', html`<p>Start again from the web app.</p>`));
    if (req.method === 'GET' && action === undefined) {
      const accounts = [...(await refresh()).values()].sort((a, b) => a.email.localeCompare(b.email));
      return send(
        res,
        200,
        page(
          'Sign in to mltrl',
          html`<p>Choose who you are. These are the people of the loaded projects.</p>
<form method="post" action="/interaction/${uid}/login"><ul>
${accounts.map((a) => html`<li><button type="submit" name="email" value="${a.email}"><strong>${a.name}</strong> &lt;${a.email}&gt;${a.note ? html`<br><span class="muted">${a.note}</span>` : ''}</button></li>`)}
</ul></form>
${accounts.length === 0 ? html`<p>No people yet: start a project (<code>npx mltrl project start examples/neuro-copilot.json</code>), then reload.</p>` : ''}
<form method="post" action="/interaction/${uid}/abort"><button type="submit">Cancel</button></form>`,
        ),
      );
    }
    if (req.method === 'POST' && action === 'login') {
      const email = (await formBody(req)).get('email') ?? '';
      if (!(await refresh()).has(email)) return send(res, 400, page('Unknown person', html`<p>No loaded project names ${email}.</p>`));
      return provider.interactionFinished(req, res, { login: { accountId: email } }, { mergeWithLastSubmission: false });
    }
    if (req.method === 'POST' && action === 'abort') {
      return provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'the person cancelled the sign-in' }, { mergeWithLastSubmission: false });
    }
    send(res, 404, page('Not found', html`<p>Nothing here.</p>`));
  }

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const match = /^\/interaction\/([A-Za-z0-9_-]+)(?:\/(login|abort))?$/.exec(new URL(req.url ?? '/', issuer).pathname);
    if (!match) return void callback(req, res);
    interaction(req, res, match[1], match[2]).catch((error: unknown) => {
      // An expired or unknown interaction (oidc-provider's SessionNotFound) is the common case here.
      if (!res.headersSent) send(res, 400, page('Sign-in expired', html`<p>${error instanceof Error ? error.message : String(error)}. Start again from the web app.</p>`));
    });
  });

  return {
    issuer,
    clientId: LOCAL_CLIENT_ID,
    clientSecret,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
