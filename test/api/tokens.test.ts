/**
 * The tokens themselves, over real HTTP: JWTs whose kind is fixed by `typ` and `aud`, refused when
 * respelled (strict base64url), when of the other kind, or unsigned; and secret rotation: a server
 * given the old secret as MLTRL_LINK_SECRET_PREVIOUS still takes links signed with it, signs only
 * with the new one, and once the previous secret is removed refuses the old links.
 */
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { createApp, listen, type HttpServer } from '../../src/http/server.js';
import { loadConfig } from '../../src/runtime/config.js';
import { httpDependenciesFromConfig } from '../../src/runtime/httpDependencies.js';
import { createLinks, type Links } from '../../src/http/core/links.js';
import { freePort } from '../../src/local/temporalServer.js';
import { statusQuery } from '../../workflows/definitions.js';
import { LEAD, project, reviewer } from '../support/fixtures.js';
import { LINK_SECRET, useReviewStack } from '../support/reviewStack.js';
import { fillCard, startAndReach, submit } from '../workflow/steps.js';

const stack = useReviewStack();

const RL1 = reviewer('research-lead', 1).email;
const NEW_SECRET = 'the-secret-after-rotation-0123456789abcdef';
type ErrorBody = { error: { kind: string; message: string } };

/** An HTTP server on the stack's worker and Temporal, with links signed as `settings` say. */
async function serverWith(settings: { secret: string; previousSecret?: string }): Promise<{ http: HttpServer; links: Links }> {
  const port = await freePort();
  const links = createLinks({ ...settings, publicUrl: `http://127.0.0.1:${port}`, ttlMs: 60 * 60_000 });
  const http = await listen(createApp({ client: stack().harness.client, taskQueue: stack().harness.taskQueue, links }), '127.0.0.1', port);
  return { http, links };
}

async function getProjects(url: string, token: string): Promise<{ status: number; json: ErrorBody }> {
  const response = await fetch(`${url}/api/projects`, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, json: (await response.json()) as ErrorBody };
}

describe('tokens', () => {
  it('are JWTs (HS256) naming their kind in typ and aud, with iat, exp and a unique jti', async () => {
    const person = await stack().links.personToken(LEAD.email);
    const { url } = await stack().links.reviewUrl({ reviewer: RL1, projectId: 'p', componentId: 'c', reviewId: 'r1' });
    const review = url.slice(url.lastIndexOf('/') + 1);
    expect(decodeProtectedHeader(person)).toEqual({ alg: 'HS256', typ: 'mltrl-person+jwt' });
    expect(decodeProtectedHeader(review)).toEqual({ alg: 'HS256', typ: 'mltrl-review+jwt' });
    const claims = decodeJwt(review);
    expect(claims).toMatchObject({ iss: 'mltrl', aud: 'mltrl:review', sub: RL1, projectId: 'p', componentId: 'c', reviewId: 'r1' });
    expect(claims.exp! - claims.iat!).toBe(3600);
    expect(decodeJwt(person)).toMatchObject({ aud: 'mltrl:api', sub: LEAD.email });
    expect(decodeJwt(person).jti).not.toBe(decodeJwt(await stack().links.personToken(LEAD.email)).jti);
  });

  it('refuse a token respelled with characters base64url does not have, or with non-canonical bits', async () => {
    const definition = project();
    const component = await startAndReach(stack().harness.client, stack().harness.taskQueue, definition);
    await fillCard(component);
    const review = await submit(component);
    const { url } = await stack().links.reviewUrl({ reviewer: RL1, projectId: definition.id, componentId: 'anomaly-model', reviewId: review.id });
    const page = (link: string, init?: RequestInit) => fetch(link, init);

    // `!!` appended to a link: the old tokens' decoder skipped it and the link still verified.
    const bang = await page(`${url}!!`);
    expect(bang.status).toBe(403);
    expect(await bang.text()).toContain('This review link is not valid');
    const posted = await page(`${url}!!`, { method: 'POST', headers: { origin: stack().http.url }, body: new URLSearchParams({ verdict: 'approve', confirm: 'yes' }) });
    expect(posted.status).toBe(403);
    // The signature's last character carries two unused bits: another spelling of the same bytes.
    const last = url.at(-1)!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const sibling = alphabet[alphabet.indexOf(last) ^ 1];
    expect(Buffer.from(url.slice(url.lastIndexOf('.') + 1), 'base64url')).toEqual(Buffer.from(`${url.slice(url.lastIndexOf('.') + 1, -1)}${sibling}`, 'base64url'));
    expect((await page(`${url.slice(0, -1)}${sibling}`)).status).toBe(403);
    // Unsigned (alg none) with the same claims.
    const [, payload] = url.slice(url.lastIndexOf('/') + 1).split('.');
    const unsigned = `${Buffer.from('{"alg":"none","typ":"mltrl-review+jwt"}').toString('base64url')}.${payload}.`;
    expect((await page(`${stack().http.url}/review/${unsigned}`)).status).toBe(403);

    // The same for the API's bearer tokens: 401, the API's error shape.
    const lead = await stack().links.personToken(LEAD.email);
    const refused = await getProjects(stack().http.url, `${lead}!!`);
    expect(refused).toEqual({ status: 401, json: { error: { kind: 'unauthorized', message: 'authorization: the token is not a token this server issued' } } });
    expect((await getProjects(stack().http.url, lead)).status).toBe(200);

    expect(await component.query(statusQuery)).toMatchObject({ level: 0, openReview: { id: review.id, answered: [] } });
    // And the intact link still works.
    expect((await page(url)).status).toBe(200);
  });

  it('rotate: the previous secret verifies until it is removed; tokens are signed with the current one', async () => {
    const definition = project();
    const component = await startAndReach(stack().harness.client, stack().harness.taskQueue, definition);
    await fillCard(component);
    const review = await submit(component);
    // Issued before the rotation, under the stack's secret.
    const oldLink = (await stack().links.reviewUrl({ reviewer: RL1, projectId: definition.id, componentId: 'anomaly-model', reviewId: review.id })).url;
    const oldToken = oldLink.slice(oldLink.lastIndexOf('/') + 1);
    const oldPerson = await stack().links.personToken(LEAD.email);

    const rotating = await serverWith({ secret: NEW_SECRET, previousSecret: LINK_SECRET });
    const rotated = await serverWith({ secret: NEW_SECRET });
    try {
      // While the previous secret is kept: old links and tokens work.
      expect((await fetch(`${rotating.http.url}/review/${oldToken}`)).status).toBe(200);
      expect((await getProjects(rotating.http.url, oldPerson)).status).toBe(200);
      // New tokens are signed with the current secret only: the old server does not take them.
      const fresh = await rotating.links.personToken(LEAD.email);
      expect((await getProjects(rotated.http.url, fresh)).status).toBe(200);
      expect(await getProjects(stack().http.url, fresh)).toMatchObject({ status: 401, json: { error: { message: /signature does not match/ } } });

      // Once the previous secret is removed: the old link is refused as forged, and nothing is recorded.
      const gone = await fetch(`${rotated.http.url}/review/${oldToken}`, { method: 'POST', headers: { origin: rotated.http.url }, body: new URLSearchParams({ verdict: 'approve', confirm: 'yes' }) });
      expect(gone.status).toBe(403);
      expect(await gone.text()).toContain('its signature does not match');
      expect((await getProjects(rotated.http.url, oldPerson)).status).toBe(401);
      expect(await component.query(statusQuery)).toMatchObject({ openReview: { id: review.id, answered: [] } });

      // A rotated server's own review link is answered there.
      const answered = await fetch(`${rotating.http.url}/review/${oldToken}`, { method: 'POST', headers: { origin: rotating.http.url }, body: new URLSearchParams({ verdict: 'approve', confirm: 'yes' }) });
      expect(answered.status).toBe(200);
      expect(await component.query(statusQuery)).toMatchObject({ level: 1, openReview: null });
    } finally {
      await rotating.http.close();
      await rotated.http.close();
    }
  });

  it('the previous secret and the rate limit are validated with the other variables', async () => {
    expect(() => loadConfig({ MLTRL_LINK_SECRET_PREVIOUS: 'short' })).toThrow(/MLTRL_LINK_SECRET_PREVIOUS: must be at least 32 characters/);
    expect(() => loadConfig({ MLTRL_LINK_SECRET: NEW_SECRET, MLTRL_LINK_SECRET_PREVIOUS: NEW_SECRET })).toThrow(/MLTRL_LINK_SECRET_PREVIOUS: must differ from MLTRL_LINK_SECRET/);
    expect(() => loadConfig({ MLTRL_API_RATE_LIMIT: '0' })).toThrow(/MLTRL_API_RATE_LIMIT: must be a whole number of requests per minute/);
    expect(() => loadConfig({ MLTRL_API_RATE_LIMIT: 'lots' })).toThrow(/MLTRL_API_RATE_LIMIT/);
    expect(loadConfig({}).MLTRL_API_RATE_LIMIT).toBe(600);
    expect(() => loadConfig({ MLTRL_LIVE_STREAMS_PER_ADDRESS: '0' })).toThrow(/MLTRL_LIVE_STREAMS_PER_ADDRESS: must be a whole number of streams from 1 to 1000/);
    expect(loadConfig({}).MLTRL_LIVE_STREAMS_PER_ADDRESS).toBe(32);
    expect(httpDependenciesFromConfig(loadConfig({ MLTRL_LIVE_STREAMS_PER_ADDRESS: '200' }), { client: stack().harness.client, links: stack().links, identity: undefined }).liveStreamLimits).toEqual({ perAddress: 200, total: 1_000 });
    expect(loadConfig({ MLTRL_LINK_SECRET: NEW_SECRET, MLTRL_LINK_SECRET_PREVIOUS: LINK_SECRET }).MLTRL_LINK_SECRET_PREVIOUS).toBe(LINK_SECRET);

    // `mltrl token` signs with the current secret: the rotated server takes its token.
    const out: string[] = [];
    const code = await main(['node', 'mltrl', 'token', '--as', LEAD.email], { out: (t) => out.push(t), err: (t) => out.push(t) }, { MLTRL_LINK_SECRET: NEW_SECRET, MLTRL_LINK_SECRET_PREVIOUS: LINK_SECRET });
    expect(code).toBe(0);
    const rotated = await serverWith({ secret: NEW_SECRET });
    try {
      expect((await getProjects(rotated.http.url, out.join('').trim())).status).toBe(200);
    } finally {
      await rotated.http.close();
    }
  });
});
