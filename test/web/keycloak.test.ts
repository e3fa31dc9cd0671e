/**
 * Sign-in through a real company-grade identity provider: Keycloak (the pinned release that
 * scripts/install-keycloak.sh installs), in development mode on a free loopback port, with the realm
 * and client of docs/keycloak/mltrl-realm.json (confidential client, standard flow, PKCE S256, a valid
 * redirect URI and post-logout redirect URI) and two users with passwords: one whose email Keycloak
 * has verified, one whose email it has not. The web app is configured with the realm's issuer, the
 * client id and its secret, as the README tells an operator to.
 *
 * Chromium signs in on Keycloak's own login page (username and password), lands back signed in as
 * the user's email with their roles, signs out of mltrl and then of Keycloak (RP-initiated logout,
 * Keycloak's confirmation), after which Keycloak asks for the password again. The unverified user
 * gets past Keycloak's login and is refused by mltrl with the page that says why. An issuer spelt
 * with a trailing slash (another issuer, to OpenID Connect) is refused at discovery with the issuer
 * Keycloak names.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOidcSignIn } from '../../src/http/core/oidc.js';
import { launchPeople, type People } from '../support/browser.js';
import { LEAD, project } from '../support/fixtures.js';
import { startTestKeycloak, type KeycloakUser, type TestKeycloak } from '../support/keycloak.js';
import { PATIENCE_MS } from '../support/patience.js';
import { startSignInStack, type SignInStack } from '../support/signInStack.js';
import { startAndReach } from '../workflow/steps.js';

const [leadFirst = '', leadLast = ''] = LEAD.name.split(' ');
const VERIFIED: KeycloakUser = { username: 'lee', email: LEAD.email, emailVerified: true, firstName: leadFirst, lastName: leadLast, password: randomBytes(12).toString('base64url') };
const UNVERIFIED: KeycloakUser = { username: 'mallory', email: 'mallory@elsewhere.example', emailVerified: false, firstName: 'Mallory', lastName: 'Unverified', password: randomBytes(12).toString('base64url') };
const definition = project();

let keycloak: TestKeycloak | undefined;
let stack: SignInStack | undefined;
let people: People | undefined;

beforeAll(async () => {
  stack = await startSignInStack([], {
    provider: async (app) => {
      keycloak = await startTestKeycloak({ ...app, users: [VERIFIED, UNVERIFIED] });
      return keycloak;
    },
  });
  people = await launchPeople();
  await startAndReach(stack.harness.client, stack.harness.taskQueue, definition);
}, 4 * PATIENCE_MS);

afterAll(async () => {
  await people?.close();
  // The stack stops the provider it was given: Keycloak too.
  await stack?.stop();
}, PATIENCE_MS);

function running() {
  if (!stack || !keycloak || !people) throw new Error('the stack with Keycloak is not running');
  return { app: stack.http.url, keycloak, people };
}

describe('signing in through Keycloak', () => {
  it('signs a person in with their Keycloak password, as their verified email, and out of mltrl and of Keycloak', async () => {
    const { app, keycloak, people } = running();
    expect(keycloak.version).toMatch(/^Keycloak - Version 26\./);
    const page = await people.newPerson();
    await page.goto(`${app}/projects/${definition.id}`);
    await Promise.all([page.waitForURL(`${keycloak.issuer}/protocol/openid-connect/auth?**`), page.getByRole('link', { name: 'Sign in' }).click()]);
    // What the web app asked Keycloak for: the code flow, PKCE S256, the three scopes, state and nonce.
    const asked = new URL(page.url()).searchParams;
    expect(Object.fromEntries(['response_type', 'client_id', 'scope', 'code_challenge_method', 'redirect_uri'].map((k) => [k, asked.get(k)]))).toEqual({
      response_type: 'code',
      client_id: 'mltrl-web',
      scope: 'openid email profile',
      code_challenge_method: 'S256',
      redirect_uri: `${app}/auth/callback`,
    });
    expect(asked.get('state')).toBeTruthy();
    expect(asked.get('nonce')).toBeTruthy();

    // Keycloak's own login page.
    await page.getByLabel('Username or email').fill(VERIFIED.username);
    await page.getByLabel('Password', { exact: true }).fill(VERIFIED.password);
    await Promise.all([page.waitForURL(`${app}/projects/${definition.id}`), page.getByRole('button', { name: 'Sign In' }).click()]);
    // Keycloak's `name` claim is first and last name.
    await expect.poll(() => page.locator('header.site').innerText()).toContain(LEAD.name);

    await page.goto(`${app}/me`);
    expect(await page.locator('main').innerText()).toContain(`Signed in as ${LEAD.email}`);
    expect(await page.locator(`tr[data-component="${definition.id}//owner"]`).innerText()).toContain('owner');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('Signed out');
    expect((await page.context().cookies(app)).some((c) => c.name === 'mltrl-session')).toBe(false);
    // RP-initiated logout at Keycloak's end_session_endpoint, back to the dashboard.
    const there = page.getByRole('link', { name: 'sign out there too' });
    const logout = new URL((await there.getAttribute('href'))!);
    expect(`${logout.origin}${logout.pathname}`).toBe(`${keycloak.issuer}/protocol/openid-connect/logout`);
    expect(Object.fromEntries(logout.searchParams)).toEqual({ client_id: 'mltrl-web', post_logout_redirect_uri: `${app}/` });
    await there.click();
    // Without an id_token_hint Keycloak asks before it ends its session.
    await expect.poll(() => page.locator('body').innerText()).toContain('Do you want to log out?');
    await Promise.all([page.waitForURL(`${app}/`), page.getByRole('button', { name: 'Logout' }).click()]);
    expect(await page.locator('header.site').innerText()).not.toContain(LEAD.name);

    // Keycloak's session is over too: signing in again asks for the password, it does not sign in silently.
    await Promise.all([page.waitForURL(`${keycloak.issuer}/protocol/openid-connect/auth?**`), page.getByRole('link', { name: 'Sign in' }).click()]);
    await page.getByLabel('Password', { exact: true }).waitFor({ state: 'visible' });
    expect(page.url()).toMatch(new RegExp(`^${keycloak.issuer}/protocol/openid-connect/auth\\?`));
    await page.context().close();
  });

  it('has Keycloak refuse an authorization request without PKCE for this client (the realm file asks for S256)', async () => {
    const { app, keycloak } = running();
    const plain = new URL(`${keycloak.issuer}/protocol/openid-connect/auth`);
    plain.search = new URLSearchParams({ client_id: keycloak.clientId, response_type: 'code', scope: 'openid email profile', redirect_uri: `${app}/auth/callback`, state: 'no-pkce-state-0001' }).toString();
    const answer = await fetch(plain, { redirect: 'manual' });
    expect(answer.status).toBe(302);
    const back = new URL(answer.headers.get('location')!);
    expect(`${back.origin}${back.pathname}`).toBe(`${app}/auth/callback`);
    expect(back.searchParams.get('error')).toBe('invalid_request');
    expect(back.searchParams.get('error_description')).toMatch(/code_challenge/);
  });

  it('names Keycloak\'s own issuer when MLTRL_OIDC_ISSUER is spelt with a trailing slash', async () => {
    const { app, keycloak } = running();
    const signIn = createOidcSignIn({ issuer: `${keycloak.issuer}/`, clientId: keycloak.clientId, clientSecret: keycloak.clientSecret, redirectUri: `${app}/auth/callback` });
    await expect(signIn.begin('/')).rejects.toThrow(`sign-in: discovery of the identity provider ${keycloak.issuer}/ failed (its discovery document names the issuer ${keycloak.issuer}: set MLTRL_OIDC_ISSUER to exactly that)`);
  });

  it('refuses a Keycloak user whose email Keycloak has not verified, with a page that says so', async () => {
    const { app, keycloak, people } = running();
    const page = await people.newPerson();
    await page.goto(`${app}/`);
    await Promise.all([page.waitForURL(`${keycloak.issuer}/protocol/openid-connect/auth?**`), page.getByRole('link', { name: 'Sign in' }).click()]);
    await page.getByLabel('Username or email').fill(UNVERIFIED.username);
    await page.getByLabel('Password', { exact: true }).fill(UNVERIFIED.password);
    const [answer] = await Promise.all([page.waitForResponse((r) => r.url().startsWith(`${app}/auth/callback?`)), page.getByRole('button', { name: 'Sign In' }).click()]);
    expect(answer.status()).toBe(403);
    await expect.poll(() => page.locator('h1').textContent()).toBe('Not signed in');
    expect(await page.locator('main').innerText()).toContain(`the identity provider has not verified the email ${UNVERIFIED.email} (email_verified is not true); mltrl names people by verified email only`);
    expect((await page.context().cookies(app)).some((c) => c.name === 'mltrl-session')).toBe(false);
    await page.context().close();
  });
});
