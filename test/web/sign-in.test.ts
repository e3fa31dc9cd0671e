/**
 * Sign-in with OpenID Connect through a real provider (oidc-provider on a free port), never a stub:
 * Chromium through the authorization code flow with PKCE to `/me` and back out; then, over plain
 * HTTP, what must be refused: an altered session cookie, an account whose email the provider has
 * not verified, a callback whose state or PKCE verifier does not match the sign-in that began it;
 * and a provider that cannot be discovered at the configured issuer, which the sign-in page explains.
 * A review link keeps working with no session at all.
 */
import { Hono } from 'hono';
import { createOidcSignIn } from '../../src/http/core/oidc.js';
import { createApp } from '../../src/http/server.js';
import { freePort } from '../../src/local/temporalServer.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type Browser } from '../support/browser.js';
import { LEAD, OWNER, project, reviewer } from '../support/fixtures.js';
import { CookieJar, follow, signInAtProvider, useSignInStack, visit } from '../support/signInStack.js';
import { fillCard, startAndReach, submit } from '../workflow/steps.js';

const UNVERIFIED = { email: 'mallory@elsewhere.example', name: 'Mallory Unverified', emailVerified: false };
const stack = useSignInStack([
  { ...LEAD, note: 'project owner' },
  { ...OWNER, note: 'component owner' },
  UNVERIFIED,
]);
const definition = project();

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
  await startAndReach(stack().harness.client, stack().harness.taskQueue, definition);
});
afterAll(async () => {
  await browser?.close();
});

describe('signing in with OpenID Connect', () => {
  it('signs a person in through the provider (code + PKCE), shows who they are and their roles, and signs them out', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${stack().http.url}/projects/${definition.id}`);
    // Readable without signing in, as before; the header offers to sign in.
    await expect.poll(() => page.locator('h1').textContent()).toContain('Neuropathology copilot');
    await Promise.all([page.waitForURL(`${stack().provider.issuer}/interaction/**`), page.getByRole('link', { name: 'Sign in' }).click()]);
    expect(await page.locator('main').innerText()).toContain('Local development provider, not for production');

    await Promise.all([page.waitForURL(`${stack().http.url}/projects/${definition.id}`), page.getByRole('button', { name: new RegExp(LEAD.email) }).click()]);
    // Back on the page the person started from, signed in.
    await expect.poll(() => page.locator('header.site').innerText()).toContain(LEAD.name);

    await page.getByRole('link', { name: LEAD.name }).click();
    await page.waitForURL(`${stack().http.url}/me`);
    const me = await page.locator('main').innerText();
    expect(me).toContain(`Signed in as ${LEAD.email}`);
    expect(await page.locator(`tr[data-component="${definition.id}//owner"]`).innerText()).toContain('owner');

    const cookies = await browser.context.cookies(stack().http.url);
    const session = cookies.find((c) => c.name === 'mltrl-session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });

    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('Signed out');
    expect((await browser.context.cookies(stack().http.url)).some((c) => c.name === 'mltrl-session')).toBe(false);
    // The provider's own session is the provider's: the page offers its sign-out too.
    expect(await page.getByRole('link', { name: 'sign out there too' }).getAttribute('href')).toMatch(new RegExp(`^${stack().provider.issuer}/session/end\\?`));
    await page.goto(`${stack().http.url}/`);
    expect(await page.locator('header.site').innerText()).toContain('Sign in');
    expect(await page.locator('header.site').innerText()).not.toContain(LEAD.name);
    await page.close();
  });

  it('shows a component owner the components they own', async () => {
    const jar = new CookieJar();
    const { callback } = await signInAtProvider(jar, stack(), OWNER.email);
    const landed = await follow(jar, callback);
    expect(landed.url).toBe(`${stack().http.url}/me`);
    const body = await landed.response.text();
    expect(body).toContain(`Signed in as <strong>${OWNER.email}</strong>`);
    expect(body).toContain(`data-component="${definition.id}/anomaly-model/component owner"`);
  });

  it('refuses an altered session cookie: the person is signed out, and the cookie dropped', async () => {
    const jar = new CookieJar();
    const { callback } = await signInAtProvider(jar, stack(), LEAD.email);
    expect((await follow(jar, callback)).response.status).toBe(200);
    const cookie = jar.get(stack().http.url, 'mltrl-session')!;
    const [header, payload, signature] = cookie.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;

    // Someone else's email with the old signature; and the right payload with one signature character changed.
    const forgedPayload = `${header}.${Buffer.from(JSON.stringify({ ...claims, sub: OWNER.email })).toString('base64url')}.${signature}`;
    const flipped = `${header}.${payload}.${signature.slice(0, -2)}${signature.at(-2) === 'A' ? 'B' : 'A'}${signature.at(-1)}`;
    for (const altered of [forgedPayload, flipped, 'not-a-token']) {
      jar.set(stack().http.url, 'mltrl-session', altered);
      const me = await visit(jar, `${stack().http.url}/me`);
      expect(me.status).toBe(302);
      expect(me.headers.get('location')).toBe('/auth/sign-in?returnTo=%2Fme');
      expect(jar.get(stack().http.url, 'mltrl-session')).toBeUndefined();
    }
    jar.set(stack().http.url, 'mltrl-session', forgedPayload);
    const home = await (await visit(jar, `${stack().http.url}/`)).text();
    expect(home).toContain('>Sign in</a>');
    expect(home).not.toContain(OWNER.name);
  });

  it('refuses an account whose email the provider has not verified', async () => {
    const jar = new CookieJar();
    const { callback } = await signInAtProvider(jar, stack(), UNVERIFIED.email);
    const answer = await visit(jar, callback);
    expect(answer.status).toBe(403);
    expect(await answer.text()).toContain(`the identity provider has not verified the email ${UNVERIFIED.email} (email_verified is not true)`);
    expect(jar.get(stack().http.url, 'mltrl-session')).toBeUndefined();
  });

  it('refuses a callback whose state is not the one this browser\'s sign-in sent', async () => {
    const jar = new CookieJar();
    const first = await signInAtProvider(jar, stack(), LEAD.email);
    // A second sign-in in the same browser replaces the first one's cookie: the first callback no longer matches.
    const other = new CookieJar();
    const second = await visit(other, `${stack().http.url}/auth/sign-in?returnTo=%2Fme`);
    jar.set(stack().http.url, 'mltrl-sign-in', other.get(stack().http.url, 'mltrl-sign-in')!);
    expect(second.status).toBe(302);
    const answer = await visit(jar, first.callback);
    expect(answer.status).toBe(403);
    expect(await answer.text()).toContain('unexpected &quot;state&quot; response parameter value');
    expect(jar.get(stack().http.url, 'mltrl-session')).toBeUndefined();

    // Without the sign-in cookie at all (another browser, or after ten minutes): not a sign-in.
    const stranger = await visit(new CookieJar(), first.callback);
    expect(stranger.status).toBe(400);
    expect(await stranger.text()).toContain('This sign-in was not started in this browser');
  });

  it('refuses a code redeemed with another PKCE verifier: the provider will not exchange it', async () => {
    const jar = new CookieJar();
    const { callback, authorize } = await signInAtProvider(jar, stack(), LEAD.email);
    const params = new URL(authorize).searchParams;
    // A sign-in cookie the server accepts (signed with its secret), with the right state and nonce but another verifier.
    const mint = new Hono().get('/', async (c) => {
      await stack().sessions.beginSignIn(c, { state: params.get('state')!, nonce: params.get('nonce')!, verifier: 'x'.repeat(43), returnTo: '/me' });
      return c.text('');
    });
    const minted = await mint.request('/');
    jar.take(stack().http.url, minted);
    const answer = await visit(jar, callback);
    expect(answer.status).toBe(403);
    expect(await answer.text()).toContain('invalid_grant');
    expect(jar.get(stack().http.url, 'mltrl-session')).toBeUndefined();
  });

  it('says sign-in is unavailable, and why, when the provider cannot be discovered at the configured issuer', async () => {
    const { port } = new URL(stack().provider.issuer);
    const closed = await freePort();
    const cases = [
      // A realm or tenant misspelt: the provider answers 404 at the discovery URL.
      [`${stack().provider.issuer}/realms/nope`, `HTTP 404 from ${stack().provider.issuer}/realms/nope/.well-known/openid-configuration`],
      // The provider reached under another spelling than its own issuer (as `…/realms/ml/` is not Keycloak's `…/realms/ml`).
      [`http://localhost:${port}`, `its discovery document names the issuer ${stack().provider.issuer}: set MLTRL_OIDC_ISSUER to exactly that`],
      // Nothing listening.
      [`http://127.0.0.1:${closed}`, `fetch failed: connect ECONNREFUSED 127.0.0.1:${closed}`],
    ] as const;
    for (const [issuer, why] of cases) {
      const signIn = createOidcSignIn({ issuer, clientId: stack().provider.clientId, clientSecret: stack().provider.clientSecret, redirectUri: `${stack().http.url}/auth/callback` });
      const app = createApp({ client: stack().harness.client, taskQueue: stack().harness.taskQueue, links: stack().links, identity: { signIn, sessions: stack().sessions, operators: [] }, operators: [] });
      const answer = await app.request(`${stack().http.url}/auth/sign-in?returnTo=%2Fme`);
      expect(answer.status, issuer).toBe(502);
      const body = await answer.text();
      expect(body).toContain('Sign-in is unavailable');
      expect(body).toContain(`sign-in: discovery of the identity provider ${issuer} failed (${why})`);
      expect(body).toContain('href="/auth/sign-in?returnTo=%2Fme"');
      // No sign-in was begun: nothing for a callback to finish.
      expect(answer.headers.getSetCookie().some((c) => c.startsWith('mltrl-sign-in='))).toBe(false);
    }
  });

  it('still lets a review link act without anyone signed in', async () => {
    const component = await startAndReach(stack().harness.client, stack().harness.taskQueue, project({ id: `${definition.id}-r` }));
    await fillCard(component);
    const review = await submit(component);
    const { url } = await stack().links.reviewUrl({ reviewer: reviewer('research-lead', 1).email, projectId: `${definition.id}-r`, componentId: 'anomaly-model', reviewId: review.id });
    const answer = await visit(new CookieJar(), url);
    expect(answer.status).toBe(200);
    const body = await answer.text();
    expect(body).toContain(`You are answering as <strong>${reviewer('research-lead', 1).email}</strong>`);
    // No sign-in link on a review page: it would carry the link's token into the sign-in's returnTo.
    expect(body).not.toContain('/auth/sign-in');
  });
});
