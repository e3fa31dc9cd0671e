/**
 * Sign-in's configuration, validated with the rest at start-up (each error naming its variable),
 * and its session cookies across a rotation of the link secret they are keyed from.
 */
import { Hono, type Context } from 'hono';
import { describe, expect, it } from 'vitest';
import { emailIn } from '../../src/http/core/oidc.js';
import { createSessions, localPath, type Sessions } from '../../src/http/core/session.js';
import { loadConfig } from '../../src/runtime/config.js';

const OLD = 'old-secret-for-sessions-0123456789-abcdef';
const NEW = 'new-secret-for-sessions-0123456789-abcdef';

describe('sign-in configuration', () => {
  it('takes an https issuer with its client, or an http one on loopback; refuses the rest naming the variable', () => {
    const config = loadConfig({ MLTRL_OIDC_ISSUER: 'https://login.example.com/realms/ml', MLTRL_OIDC_CLIENT_ID: 'mltrl', MLTRL_OIDC_CLIENT_SECRET: 's3cret' });
    expect(config).toMatchObject({ MLTRL_OIDC_ISSUER: 'https://login.example.com/realms/ml', MLTRL_OIDC_CLIENT_ID: 'mltrl', MLTRL_SESSION_TTL: '12 hours' });
    expect(loadConfig({ MLTRL_OIDC_ISSUER: 'http://127.0.0.1:8281', MLTRL_OIDC_CLIENT_ID: 'mltrl-web' }).MLTRL_OIDC_CLIENT_SECRET).toBeUndefined();
    expect(() => loadConfig({ MLTRL_OIDC_ISSUER: 'http://login.example.com', MLTRL_OIDC_CLIENT_ID: 'x' })).toThrow(/MLTRL_OIDC_ISSUER: must be an https:\/\/ URL \(http:\/\/ only for a provider on loopback\)/);
    expect(() => loadConfig({ MLTRL_OIDC_ISSUER: 'login.example.com', MLTRL_OIDC_CLIENT_ID: 'x' })).toThrow(/MLTRL_OIDC_ISSUER: must be the identity provider's issuer URL/);
    expect(() => loadConfig({ MLTRL_OIDC_ISSUER: 'https://login.example.com' })).toThrow(/MLTRL_OIDC_CLIENT_ID: required when MLTRL_OIDC_ISSUER is set/);
    expect(() => loadConfig({ MLTRL_OIDC_CLIENT_SECRET: 'x' })).toThrow(/MLTRL_OIDC_CLIENT_SECRET: needs MLTRL_OIDC_ISSUER/);
    expect(() => loadConfig({ MLTRL_SESSION_TTL: 'forever' })).toThrow(/MLTRL_SESSION_TTL/);
  });

  it('reads the verified-email claim: email_verified by default, another claim name for providers without it (Entra ID: xms_edov)', () => {
    expect(loadConfig({}).MLTRL_OIDC_EMAIL_VERIFIED_CLAIM).toBe('email_verified');
    expect(loadConfig({ MLTRL_OIDC_EMAIL_VERIFIED_CLAIM: 'xms_edov' }).MLTRL_OIDC_EMAIL_VERIFIED_CLAIM).toBe('xms_edov');
    expect(() => loadConfig({ MLTRL_OIDC_EMAIL_VERIFIED_CLAIM: 'email verified' })).toThrow(/MLTRL_OIDC_EMAIL_VERIFIED_CLAIM: must be a claim name/);
  });

  it('counts an email as verified only when the configured claim is exactly true', () => {
    const entra = { email: 'ada@contoso.example', xms_edov: true };
    expect(emailIn(entra)).toEqual({ email: 'ada@contoso.example', verified: false });
    expect(emailIn(entra, 'xms_edov')).toEqual({ email: 'ada@contoso.example', verified: true });
    expect(emailIn({ email: 'ada@contoso.example', xms_edov: 'true' }, 'xms_edov')?.verified).toBe(true);
    expect(emailIn({ email: 'ada@contoso.example', xms_edov: 1 }, 'xms_edov')?.verified).toBe(false);
    expect(emailIn({ email: 'ada@contoso.example', email_verified: true, xms_edov: false }, 'xms_edov')?.verified).toBe(false);
    expect(emailIn({ xms_edov: true }, 'xms_edov')).toBeUndefined();
  });

  it('reads MLTRL_OPERATORS as emails, comma-separated; a typo is refused rather than granting nobody', () => {
    expect(loadConfig({}).MLTRL_OPERATORS).toEqual([]);
    expect(loadConfig({ MLTRL_OPERATORS: ' Ops@Lab.example, sre@lab.example ,' }).MLTRL_OPERATORS).toEqual(['ops@lab.example', 'sre@lab.example']);
    expect(() => loadConfig({ MLTRL_OPERATORS: 'ops@lab.example; sre@lab.example' })).toThrow(/MLTRL_OPERATORS.*must be an email address/);
  });
});

/** Runs one handler against a session store and returns the Set-Cookie lines and its answer. */
async function run(sessions: Sessions, handler: (s: Sessions, c: Context) => Promise<string>, cookie = ''): Promise<{ body: string; setCookie: string[] }> {
  const app = new Hono().get('/', async (c) => c.text(await handler(sessions, c)));
  const response = await app.request('/', { headers: { cookie } });
  return { body: await response.text(), setCookie: response.headers.getSetCookie() };
}

describe('session cookies', () => {
  it('survive a rotation of the link secret while the previous one is kept, and are HttpOnly, SameSite=Lax, Secure with __Host- on https', async () => {
    const before = createSessions({ secret: OLD, publicUrl: 'https://mltrl.example.com', ttlMs: 3_600_000 });
    const started = await run(before, async (s, c) => {
      await s.start(c, { email: 'lead@lab.example', name: 'Lee Lead' });
      return 'ok';
    });
    const line = started.setCookie[0];
    expect(line).toMatch(/^__Host-mltrl-session=[^;]+; Max-Age=3600; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
    const cookie = line.split(';')[0];

    const rotated = createSessions({ secret: NEW, previousSecret: OLD, publicUrl: 'https://mltrl.example.com', ttlMs: 3_600_000 });
    expect((await run(rotated, async (s, c) => (await s.read(c))?.email ?? 'nobody', cookie)).body).toBe('lead@lab.example');
    const dropped = createSessions({ secret: NEW, publicUrl: 'https://mltrl.example.com', ttlMs: 3_600_000 });
    const refused = await run(dropped, async (s, c) => (await s.read(c))?.email ?? 'nobody', cookie);
    expect(refused.body).toBe('nobody');
    expect(refused.setCookie[0]).toMatch(/^__Host-mltrl-session=; Max-Age=0/);
  });

  it('expire after the session time', async () => {
    let now = Date.now();
    const sessions = createSessions({ secret: NEW, publicUrl: 'http://127.0.0.1:8280', ttlMs: 60_000, now: () => now });
    const started = await run(sessions, async (s, c) => {
      await s.start(c, { email: 'lead@lab.example', name: 'Lee Lead' });
      return 'ok';
    });
    const cookie = started.setCookie[0].split(';')[0];
    expect(cookie.startsWith('mltrl-session=')).toBe(true);
    expect((await run(sessions, async (s, c) => (await s.read(c))?.email ?? 'nobody', cookie)).body).toBe('lead@lab.example');
    now += 61_000;
    expect((await run(sessions, async (s, c) => (await s.read(c))?.email ?? 'nobody', cookie)).body).toBe('nobody');
  });

  it('return only to a path on this site after signing in', () => {
    expect(localPath('/projects/p?state=paused')).toBe('/projects/p?state=paused');
    for (const elsewhere of ['https://evil.example/', '//evil.example/', '/\\evil.example', 'javascript:alert(1)', undefined, '/\nSet-Cookie: x']) expect(localPath(elsewhere)).toBe('/');
  });
});
