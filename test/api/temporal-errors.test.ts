/**
 * What Temporal refuses reaches an API client in the API's error shape with a 4xx or 503, never a
 * bare 500: a payload over the server's blob limit, a workflow that does not exist, a server that
 * is gone. Against a dev server of this file's own, started with a small blob limit (so a project
 * file under the HTTP body limit is over Temporal's) and stopped mid-test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, listen, type HttpServer } from '../../src/http/server.js';
import { createLinks } from '../../src/http/core/links.js';
import { SEARCH_ATTRIBUTES, freePort, temporalCliPath } from '../../src/local/temporalServer.js';
import { ETHICS, LEAD, project } from '../support/fixtures.js';
import { eventually } from '../support/harness.js';

/** Bytes: a project of 100 components is well over it, and well under the HTTP body limit. */
const BLOB_LIMIT = 16_000;

let server: ChildProcess | undefined;
let client: Client;
let http: HttpServer;
let lead: string;

beforeAll(async () => {
  const port = await freePort();
  server = spawn(
    temporalCliPath(),
    [
      'server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'error',
      '--dynamic-config-value', `limit.blobSize.error=${BLOB_LIMIT}`,
      '--dynamic-config-value', `limit.blobSize.warn=${BLOB_LIMIT / 2}`,
      ...Object.entries(SEARCH_ATTRIBUTES).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]),
    ],
    { stdio: 'ignore' },
  );
  // No retries: once the server is stopped below, a call fails at once instead of backing off for seconds.
  const connection = await eventually(() => Connection.connect({ address: `127.0.0.1:${port}`, interceptors: [], connectTimeout: '1 second' }));
  client = new Client({ connection });
  await eventually(() => client.workflowService.getSystemInfo({}));
  const httpPort = await freePort();
  const links = createLinks({ secret: 'temporal-errors-secret-0123456789abcdef', publicUrl: `http://127.0.0.1:${httpPort}`, ttlMs: 60_000 });
  http = await listen(createApp({ client, taskQueue: 'temporal-errors', links }), '127.0.0.1', httpPort);
  lead = await links.personToken(LEAD.email);
}, 150_000);

afterAll(async () => {
  await http?.close();
  await client?.connection.close().catch(() => undefined);
  server?.kill('SIGKILL');
});

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`${http.url}/api${path}`, {
    method,
    headers: { authorization: `Bearer ${lead}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, json: await response.json() };
}

describe('Temporal errors through the HTTP API', () => {
  it('a project over the blob limit: 400 naming the limit; nothing is started', async () => {
    const definition = project();
    definition.components = Array.from({ length: 100 }, (_, i) => ({ ...definition.components[0], id: `component-${i}`, name: `Component ${i} ${'x'.repeat(150)}` }));
    expect(JSON.stringify(definition).length).toBeGreaterThan(BLOB_LIMIT);
    const answer = await api('POST', '/projects', definition);
    expect(answer).toEqual({ status: 400, json: { error: { kind: 'invalid', message: expect.stringMatching(/^the input is too large for Temporal: Blob data size exceeds limit/) as unknown } } });
    const started = await client.workflow.getHandle(`project/${definition.id}`).describe().then(() => true, () => false);
    expect(started).toBe(false);
  });

  it('a component that does not exist: 404 for reads, submits and verdicts', async () => {
    const path = '/projects/no-such-project/components/no-such-component';
    for (const [method, tail, body] of [['GET', '', undefined], ['GET', '/card', undefined], ['POST', '/submit', { ethics: ETHICS }], ['POST', '/verdicts', { reviewId: 'r1', verdict: 'approve' }]] as const) {
      const answer = await api(method, `${path}${tail}`, body);
      expect(answer, `${method} ${tail}`).toMatchObject({ status: 404, json: { error: { kind: 'not-found', message: expect.stringContaining('not found') as unknown } } });
    }
    expect(await api('GET', '/projects/no-such-project')).toMatchObject({ status: 404, json: { error: { kind: 'not-found' } } });
  });

  it('a server that is gone: 503 unavailable, for reads and for acts', async () => {
    server!.kill('SIGKILL');
    await eventually(async () => expect(server!.exitCode !== null || server!.signalCode !== null).toBe(true));
    const reads = await api('GET', '/projects/any/components/thing');
    expect(reads).toMatchObject({ status: 503, json: { error: { kind: 'unavailable', message: expect.stringMatching(/^Temporal is unavailable: /) as unknown } } });
    const acts = await api('POST', '/projects', project());
    expect(acts).toMatchObject({ status: 503, json: { error: { kind: 'unavailable' } } });
    expect((await api('GET', '/projects')).status).toBe(503);
  });
});
