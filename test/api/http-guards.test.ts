/**
 * The HTTP surface's guards over real sockets: the Host check (DNS rebinding), the Origin check on
 * the review page's form posts, `Cache-Control: no-store` on cards, statuses and review pages, and
 * rate limits per address and per token (429, the API's error shape, Retry-After), the pages' own
 * budget, and the caps on live-update streams.
 */
import { request, type ClientRequest } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createApp, listen, type HttpServer } from '../../src/http/server.js';
import { freePort } from '../../src/local/temporalServer.js';
import { statusQuery } from '../../workflows/definitions.js';
import { LEAD, project, reviewer } from '../support/fixtures.js';
import { useReviewStack } from '../support/reviewStack.js';
import { fillCard, startAndReach, submit } from '../workflow/steps.js';

const stack = useReviewStack();

const RL1 = reviewer('research-lead', 1).email;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * One request with the headers exactly as given (fetch will not send another Host), optionally from
 * another loopback source address (127.0.0.2, …) so per-address budgets can be told apart.
 */
function raw(url: string, options: { method?: string; headers?: Record<string, string>; body?: string; from?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const req = request(
      { host: target.hostname, port: target.port, path: `${target.pathname}${target.search}`, method: options.method ?? 'GET', headers: options.headers, ...(options.from ? { localAddress: options.from } : {}) },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** A live-update stream, answered once its headers arrive; `close` hangs it up as a closed tab does. */
function openStream(url: string, from: string): Promise<{ status: number; type: string; close: () => void }> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const req: ClientRequest = request({ host: target.hostname, port: target.port, path: target.pathname, localAddress: from }, (res) => {
      res.on('error', () => undefined);
      resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), close: () => req.destroy() });
    });
    req.on('error', reject);
    req.end();
  });
}

async function openReview() {
  const definition = project();
  const component = await startAndReach(stack().harness.client, stack().harness.taskQueue, definition);
  await fillCard(component);
  const review = await submit(component);
  const { url } = await stack().links.reviewUrl({ reviewer: RL1, projectId: definition.id, componentId: 'anomaly-model', reviewId: review.id });
  return { definition, component, review, link: url };
}

describe('the HTTP surface', () => {
  it('answers only for its public host and loopback: another Host gets 421 (DNS rebinding)', async () => {
    const lead = await stack().links.personToken(LEAD.email);
    const port = new URL(stack().http.url).port;
    const rebound = await raw(`${stack().http.url}/api/projects`, { headers: { host: `attacker.example:${port}`, authorization: `Bearer ${lead}` } });
    expect(rebound.status).toBe(421);
    expect(JSON.parse(rebound.body)).toEqual({ error: { kind: 'misdirected', message: expect.stringMatching(/^host: this server answers for .*127\.0\.0\.1.* not "attacker\.example"/) as unknown } });
    const page = await raw(`${stack().http.url}/`, { headers: { host: 'attacker.example' } });
    expect(page.status).toBe(421);
    expect(page.body).toContain('Wrong address');
    // Loopback names with any port, and the public URL's host, are served.
    for (const host of [`127.0.0.1:${port}`, 'localhost:1', `[::1]:${port}`, '127.0.0.1']) {
      expect((await raw(`${stack().http.url}/api/projects`, { headers: { host, authorization: `Bearer ${lead}` } })).status).toBe(200);
    }
  });

  it('takes review form posts only with its own or a loopback Origin; nothing is recorded otherwise', async () => {
    const { component, review, link } = await openReview();
    const form = new URLSearchParams({ verdict: 'approve', confirm: 'yes' }).toString();
    const post = (headers: Record<string, string>) => raw(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: form });

    const foreign: Record<string, string>[] = [{ origin: 'https://attacker.example' }, {}, { origin: 'null' }, { 'sec-fetch-site': 'cross-site', origin: 'http://127.0.0.1.attacker.example' }];
    for (const headers of foreign) {
      const refused = await post(headers);
      expect(refused.status).toBe(403);
      expect(refused.body).toContain('origin: forms are accepted from');
    }
    // The API's JSON answers the same check in its error shape (a form-encoded post to the API).
    const api = await raw(`${stack().http.url}/api/projects`, { method: 'POST', headers: { 'content-type': 'text/plain', origin: 'https://attacker.example' }, body: '{}' });
    expect(api.status).toBe(403);
    expect(JSON.parse(api.body)).toMatchObject({ error: { kind: 'forbidden', message: expect.stringMatching(/^origin: /) as unknown } });
    expect(await component.query(statusQuery)).toMatchObject({ openReview: { id: review.id, answered: [] } });

    const accepted = await post({ origin: stack().http.url });
    expect(accepted.status).toBe(200);
    expect(await component.query(statusQuery)).toMatchObject({ level: 1, openReview: null });
  });

  it('sends Cache-Control: no-store with review pages, statuses and cards', async () => {
    const { definition, link } = await openReview();
    const lead = await stack().links.personToken(LEAD.email);
    const base = `${stack().http.url}/api/projects/${definition.id}/components/anomaly-model`;
    const answers = [
      await raw(link),
      await raw(base, { headers: { authorization: `Bearer ${lead}` } }),
      await raw(`${base}/card`, { headers: { authorization: `Bearer ${lead}` } }),
      await raw(`${stack().http.url}/api/projects/${definition.id}`, { headers: { authorization: `Bearer ${lead}` } }),
      await raw(`${stack().http.url}/projects/${definition.id}/components/anomaly-model`),
      await raw(`${base}/card`), // an error carries no card, and is not cached either
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 401]);
    for (const answer of answers) expect(answer.headers['cache-control']).toBe('no-store');
  });

  it('limits requests per address and per token: 429 in the API error shape, with Retry-After', async () => {
    const port = await freePort();
    const http: HttpServer = await listen(createApp({ client: stack().harness.client, taskQueue: stack().harness.taskQueue, links: stack().links, rateLimitPerMinute: 3 }), '127.0.0.1', port);
    try {
      const url = `http://127.0.0.1:${port}/api/projects`;
      const lead = await stack().links.personToken(LEAD.email);
      const other = await stack().links.personToken(reviewer('qa', 1).email);
      const get = (token: string, from: string) => raw(url, { headers: { authorization: `Bearer ${token}` }, from });

      // Per address: three requests from 127.0.0.2, with two different tokens; the fourth is refused.
      expect((await get(lead, '127.0.0.2')).status).toBe(200);
      expect((await get(other, '127.0.0.2')).status).toBe(200);
      expect((await get(other, '127.0.0.2')).status).toBe(200);
      const byAddress = await get(lead, '127.0.0.2');
      expect(byAddress.status).toBe(429);
      expect(JSON.parse(byAddress.body)).toEqual({ error: { kind: 'rate-limited', message: expect.stringMatching(/^rate limit: more than 3 requests a minute from this address; retry in \d+ s$/) as unknown } });
      expect(Number(byAddress.headers['retry-after'])).toBeGreaterThan(0);
      expect(Number(byAddress.headers['retry-after'])).toBeLessThanOrEqual(60);

      // Per token: `other` has had two; one more from a fresh address is its third, the next its fourth.
      expect((await get(other, '127.0.0.3')).status).toBe(200);
      const byToken = await get(other, '127.0.0.4');
      expect(byToken.status).toBe(429);
      expect(JSON.parse(byToken.body)).toMatchObject({ error: { kind: 'rate-limited', message: expect.stringContaining('from this token') as unknown } });
      expect(byToken.headers['retry-after']).toBeDefined();
      // A fresh address with a fresh token is not held back by either.
      expect((await get(await stack().links.personToken(reviewer('qa', 2).email), '127.0.0.5')).status).toBe(200);
    } finally {
      await http.close();
    }
  });

  it('gives the pages a budget of their own: 429 as a page, while the API and the stylesheet still answer', async () => {
    const port = await freePort();
    const http: HttpServer = await listen(createApp({ client: stack().harness.client, taskQueue: stack().harness.taskQueue, links: stack().links, rateLimitPerMinute: 3 }), '127.0.0.1', port);
    try {
      const base = `http://127.0.0.1:${port}`;
      for (let i = 0; i < 3; i++) expect((await raw(`${base}/`, { from: '127.0.0.6' })).status).toBe(200);
      const refused = await raw(`${base}/operators`, { from: '127.0.0.6' });
      expect(refused.status).toBe(429);
      expect(refused.headers['content-type']).toContain('text/html');
      expect(refused.body).toMatch(/rate limit: more than 3 requests a minute from this address; retry in \d+ s/);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      expect((await raw(`${base}/assets/style.css`, { from: '127.0.0.6' })).status).toBe(200);
      const lead = await stack().links.personToken(LEAD.email);
      expect((await raw(`${base}/api/projects`, { headers: { authorization: `Bearer ${lead}` }, from: '127.0.0.6' })).status).toBe(200);
      expect((await raw(`${base}/`, { from: '127.0.0.7' })).status).toBe(200);
    } finally {
      await http.close();
    }
  });

  it('holds live-update streams to a few per address and a ceiling in all, and never watches what does not exist', async () => {
    const definition = project();
    await startAndReach(stack().harness.client, stack().harness.taskQueue, definition);
    const port = await freePort();
    const http: HttpServer = await listen(
      createApp({ client: stack().harness.client, taskQueue: stack().harness.taskQueue, links: stack().links, liveStreamLimits: { perAddress: 2, total: 3 } }),
      '127.0.0.1',
      port,
    );
    const live = `http://127.0.0.1:${port}/projects/${definition.id}/components/anomaly-model/live`;
    const streams: { close: () => void }[] = [];
    try {
      const missing = await openStream(`http://127.0.0.1:${port}/projects/${definition.id}/components/no-such-component/live`, '127.0.0.8');
      missing.close();
      expect([missing.status, missing.type]).toEqual([404, expect.stringContaining('text/html')]);

      for (const from of ['127.0.0.8', '127.0.0.8', '127.0.0.9']) {
        const stream = await openStream(live, from);
        streams.push(stream);
        expect([stream.status, stream.type]).toEqual([200, expect.stringContaining('text/event-stream')]);
      }
      const third = await raw(live, { from: '127.0.0.8' });
      expect(third.status).toBe(429);
      expect(third.body).toContain('live updates: 2 pages from this address are already following changes');
      const overAll = await raw(live, { from: '127.0.0.10' });
      expect(overAll.status).toBe(503);
      expect(overAll.body).toContain('live updates: this server is following 3 pages');

      // A closed tab gives its stream back: another address may then follow the page.
      streams.shift()!.close();
      await expect
        .poll(async () => {
          const next = await openStream(live, '127.0.0.10');
          if (next.status === 200) streams.push(next);
          else next.close();
          return next.status;
        })
        .toBe(200);
    } finally {
      for (const stream of streams) stream.close();
      await http.close();
    }
  });
});
