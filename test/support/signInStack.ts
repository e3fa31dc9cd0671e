/**
 * The web app with sign-in, for one test file: the engine (a worker on the Temporal dev server), a
 * real OpenID provider (the local one, oidc-provider, with the accounts a test gives it; or another
 * one a test starts, such as Keycloak), and the HTTP server configured as a company would configure
 * it (issuer, client id, client secret), on free loopback ports. `http` signs in over plain HTTP, following the redirects itself with one cookie jar per
 * origin, as a browser would.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { fileTokenRegistry } from '../../src/http/core/tokenRegistry.js';
import { createLinks, type Links } from '../../src/http/core/links.js';
import { createOidcSignIn } from '../../src/http/core/oidc.js';
import { createSessions, type Sessions } from '../../src/http/core/session.js';
import { createApp, listen, type HttpServer } from '../../src/http/server.js';
import { startLocalProvider, type LocalAccount } from '../../src/local/oidcProvider.js';
import { freePort } from '../../src/local/temporalServer.js';
import { startHarness, type Harness } from './harness.js';
import { LINK_SECRET, reviewLinkIn, sinkNotifier } from './reviewStack.js';
import { startSmtpSink, type ReceivedMail, type SmtpSink } from './smtpSink.js';

/** The identity provider the web app is registered at, as the web app is configured with it. */
export interface StackProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  stop(): Promise<void>;
}

export interface SignInStack {
  harness: Harness;
  provider: StackProvider;
  links: Links;
  /** The same secret and settings as the server's: lets a test mint a cookie the server would accept. */
  sessions: Sessions;
  http: HttpServer;
  /** With `mail`: the SMTP server the engine's emails reach, their review links pointing at this stack's server. */
  sink?: SmtpSink;
  /** The review link in a received email. */
  linkIn(mail: ReceivedMail): string;
  stop(): Promise<void>;
}

export interface SignInStackOptions {
  /** The MLTRL_OPERATORS the server is configured with. */
  operators?: string[];
  /** Emails over real SMTP to a sink (`sink`), instead of the harness's list of notifications. */
  mail?: boolean;
  /** Personal API tokens listed in a registry file of the test's own (the web app's /tokens page). */
  tokens?: boolean;
  /** Another provider than the local one, started for the web app's URLs (the accounts are then its own). */
  provider?: (app: { redirectUri: string; postLogoutRedirectUri: string }) => Promise<StackProvider>;
}

export async function startSignInStack(accounts: LocalAccount[], options: SignInStackOptions = {}): Promise<SignInStack> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const links = createLinks({ secret: LINK_SECRET, publicUrl: baseUrl, ttlMs: 60 * 60_000 });
  const sessions = createSessions({ secret: LINK_SECRET, publicUrl: baseUrl, ttlMs: 60 * 60_000 });
  const sink = options.mail ? await startSmtpSink() : undefined;
  const app = { redirectUri: `${baseUrl}/auth/callback`, postLogoutRedirectUri: `${baseUrl}/` };
  // The engine and the provider start side by side: each takes a while (a workflow bundle; a JVM).
  const [started, providerStarted] = await Promise.allSettled([
    startHarness(sink ? { notifier: sinkNotifier(sink, links) } : {}),
    options.provider ? options.provider(app) : startLocalProvider({ port: 0, ...app, accounts: () => Promise.resolve(accounts) }),
  ]);
  if (started.status === 'rejected' || providerStarted.status === 'rejected') {
    if (started.status === 'fulfilled') await started.value.stop();
    if (providerStarted.status === 'fulfilled') await providerStarted.value.stop();
    await sink?.stop();
    throw started.status === 'rejected' ? started.reason : (providerStarted as PromiseRejectedResult).reason;
  }
  const harness = started.value;
  const provider: StackProvider = providerStarted.value;
  const tokens = options.tokens ? fileTokenRegistry(join(mkdtempSync(join(tmpdir(), 'mltrl-tokens-')), 'api-tokens.json')) : undefined;
  const signIn = createOidcSignIn({ issuer: provider.issuer, clientId: provider.clientId, clientSecret: provider.clientSecret, redirectUri: `${baseUrl}/auth/callback` });
  const operators = options.operators ?? [];
  const http = await listen(createApp({ client: harness.client, taskQueue: harness.taskQueue, links, identity: { signIn, sessions, operators }, operators, ...(tokens ? { tokens } : {}) }), '127.0.0.1', port);
  return {
    harness,
    provider,
    links,
    sessions,
    http,
    ...(sink ? { sink } : {}),
    linkIn: reviewLinkIn(baseUrl),
    async stop() {
      await http.close();
      await provider.stop();
      await harness.stop();
      await sink?.stop();
    },
  };
}

export function useSignInStack(accounts: LocalAccount[], options: SignInStackOptions = {}): () => SignInStack {
  let stack: SignInStack | undefined;
  beforeAll(async () => {
    stack = await startSignInStack(accounts, options);
  });
  afterAll(async () => {
    await stack?.stop();
  });
  return () => {
    if (!stack) throw new Error('the sign-in stack is not running (use it inside a test)');
    return stack;
  };
}

/** Cookies by origin, as Set-Cookie left them (paths ignored: each test's flow uses its own jar). */
export class CookieJar {
  private readonly byOrigin = new Map<string, Map<string, string>>();

  header(url: string): string {
    return [...(this.byOrigin.get(new URL(url).origin) ?? new Map<string, string>()).entries()].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  get(url: string, name: string): string | undefined {
    return this.byOrigin.get(new URL(url).origin)?.get(name);
  }

  set(url: string, name: string, value: string): void {
    const origin = new URL(url).origin;
    const jar = this.byOrigin.get(origin) ?? new Map<string, string>();
    jar.set(name, value);
    this.byOrigin.set(origin, jar);
  }

  take(url: string, response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const name = pair.slice(0, pair.indexOf('=')).trim();
      const value = pair.slice(pair.indexOf('=') + 1).trim();
      const gone = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a)) || attributes.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a));
      if (gone) this.byOrigin.get(new URL(url).origin)?.delete(name);
      else this.set(url, name, value);
    }
  }
}

/** One request as a browser would send it: its cookies, no redirect followed. */
export async function visit(jar: CookieJar, url: string, init: { method?: string; body?: string; origin?: string } = {}): Promise<Response> {
  const headers: Record<string, string> = { cookie: jar.header(url) };
  if (init.body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
  if (init.origin) headers['origin'] = init.origin;
  const response = await fetch(url, { method: init.method ?? 'GET', headers, redirect: 'manual', ...(init.body !== undefined ? { body: init.body } : {}) });
  jar.take(url, response);
  return response;
}

/** Follow redirects with the jar until a page answers, or until `stop` says this URL is where to pause. */
export async function follow(jar: CookieJar, url: string, stop: (url: string) => boolean = () => false): Promise<{ url: string; response: Response }> {
  let current = url;
  for (let hops = 0; hops < 10; hops++) {
    const response = await visit(jar, current);
    const location = response.headers.get('location');
    if (response.status < 300 || response.status >= 400 || !location) return { url: current, response };
    current = new URL(location, current).href;
    if (stop(current)) return { url: current, response };
  }
  throw new Error(`more than 10 redirects from ${url}`);
}

/**
 * Through the provider's sign-in page as `email`, up to the provider's redirect back to the web
 * app's callback: the callback URL (code, state, iss), not yet visited.
 */
export async function signInAtProvider(jar: CookieJar, stack: SignInStack, email: string, returnTo = '/me'): Promise<{ callback: string; authorize: string }> {
  const start = await visit(jar, `${stack.http.url}/auth/sign-in?returnTo=${encodeURIComponent(returnTo)}`);
  if (start.status !== 302) throw new Error(`sign-in did not redirect: ${start.status} ${await start.text()}`);
  const authorize = start.headers.get('location')!;
  const atPage = await follow(jar, authorize);
  const uid = /\/interaction\/([A-Za-z0-9_-]+)$/.exec(atPage.url)?.[1];
  if (!uid) throw new Error(`no sign-in page at the provider: ${atPage.url} ${atPage.response.status}`);
  const posted = await visit(jar, `${stack.provider.issuer}/interaction/${uid}/login`, { method: 'POST', body: new URLSearchParams({ email }).toString(), origin: stack.provider.issuer });
  if (posted.status !== 303) throw new Error(`the provider refused the sign-in: ${posted.status} ${await posted.text()}`);
  const back = await follow(jar, new URL(posted.headers.get('location')!, stack.provider.issuer).href, (url) => url.startsWith(`${stack.http.url}/auth/callback`));
  if (!back.url.startsWith(`${stack.http.url}/auth/callback`)) throw new Error(`the provider did not send the browser back: ${back.url} ${back.response.status}`);
  return { callback: back.url, authorize };
}
