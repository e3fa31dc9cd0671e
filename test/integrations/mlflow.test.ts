/**
 * MLflow's Model Registry, both ways, against a real MLflow server: a component linked to a
 * registered model climbs to Level 9 and MLflow's version carries its level, phase and card, with
 * the approval alias; a new version registered in MLflow reaches mltrl by a signed webhook and
 * sends the component back to 7 (the alias removed); deliveries that are unsigned, badly signed or
 * replayed are refused and change nothing; the catch-up reports a version no webhook announced.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { DEFAULT_MLFLOW_ALIAS, MLFLOW_ACTOR } from '../../machines/integrations.js';
import { componentPageUrl } from '../../src/http/core/links.js';
import { createApp, listen, type HttpServer } from '../../src/http/server.js';
import { createLinks } from '../../src/http/core/links.js';
import { catchUpMlflow } from '../../src/integrations/mlflowLinks.js';
import { mlflowRegistry, type MlflowRegistry } from '../../src/integrations/mlflowRegistry.js';
import type { MlflowServer } from '../../src/local/mlflow.js';
import { freePort } from '../../src/local/temporalServer.js';
import { cardQuery, historyQuery, statusQuery } from '../../workflows/definitions.js';
import { FULL_CARD, OWNER, project } from '../support/fixtures.js';
import { eventually, startHarness, type Harness } from '../support/harness.js';
import { startTestMlflow } from '../support/mlflow.js';
import { PATIENCE_MS } from '../support/patience.js';
import { climb, startAndReach } from '../workflow/steps.js';
import { updateCardUpdate } from '../../workflows/definitions.js';

const SECRET = `mlflow-webhook-${randomUUID()}`;

let mlflow: MlflowServer;
let harness: Harness;
let http: HttpServer;
let registry: MlflowRegistry;
let publicUrl: string;

async function mlflowCall(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${mlflow.url}/api/2.0/mlflow/${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

const newVersion = async (model: string) =>
  Number(((await mlflowCall('POST', 'model-versions/create', { name: model, source: `s3://models/${model}/${randomUUID()}` })).model_version as { version: string }).version);

const linkedProject = (model: string, card = { ...FULL_CARD, versions: { code: '0.3.0', model: '1.0.0', data: '1.0.0' } }) => ({
  definition: project({ components: [{ id: 'anomaly-model', name: 'Anomaly detector', kind: 'model', entryLevel: 0, owner: OWNER, integrations: { mlflow: { model } } }] }),
  card,
});

beforeAll(async () => {
  mlflow = await startTestMlflow();
  registry = mlflowRegistry(mlflow.url);
  const port = await freePort();
  publicUrl = `http://127.0.0.1:${port}`;
  harness = await startHarness({ mlflow: { mlflowUrl: mlflow.url, publicUrl } });
  const links = createLinks({ secret: 'test-secret-for-review-links-0123456789', publicUrl, ttlMs: 60 * 60_000 });
  http = await listen(createApp({ client: harness.client, taskQueue: harness.taskQueue, links, mlflowWebhookSecret: SECRET }), '127.0.0.1', port);
  // Before any model version exists: MLflow caches, per event, which webhooks listen (60 s).
  await mlflowCall('POST', 'webhooks', {
    name: 'mltrl',
    url: `${publicUrl}/integrations/mlflow`,
    events: [
      { entity: 'MODEL_VERSION', action: 'CREATED' },
      { entity: 'MODEL_VERSION_ALIAS', action: 'CREATED' },
    ],
    secret: SECRET,
  });
}, 3 * PATIENCE_MS);

/** POST a delivery to mltrl signed as MLflow signs it, under the webhook's secret. */
async function signedDelivery(delivery: Record<string, unknown>): Promise<Response> {
  const body = JSON.stringify(delivery);
  const id = randomUUID();
  const at = new Date();
  const signature = new Webhook(new Uint8Array(Buffer.from(SECRET, 'utf8')), { format: 'raw' }).sign(id, at, body);
  const headers = { 'content-type': 'application/json', 'x-mlflow-delivery-id': id, 'x-mlflow-timestamp': String(Math.floor(at.getTime() / 1000)), 'x-mlflow-signature': signature };
  return fetch(`${http.url}/integrations/mlflow`, { method: 'POST', headers, body });
}

afterAll(async () => {
  await http?.close();
  await harness?.stop();
  await mlflow?.stop();
});

describe('a component linked to an MLflow registered model', () => {
  const model = `slide-anomaly-${randomUUID().slice(0, 8)}`;
  const { definition, card } = linkedProject(model);

  it('tags the model version on every level change and sets the approval alias at Level 9', async () => {
    await mlflowCall('POST', 'registered-models/create', { name: model });
    expect(await newVersion(model)).toBe(1);
    const handle = await startAndReach(harness.client, harness.taskQueue, definition);
    await handle.executeUpdate(updateCardUpdate, { args: [{ by: OWNER.email, patch: card }] });
    await eventually(async () => expect((await registry.modelVersion(model, 1))?.tags['mltrl.level']).toBe('0'));
    expect(await registry.aliasVersion(model, DEFAULT_MLFLOW_ALIAS)).toBeUndefined();

    await climb(handle, 9);
    const tagged = await eventually(async () => {
      const version = await registry.modelVersion(model, 1);
      expect(version?.tags).toMatchObject({ 'mltrl.level': '9', 'mltrl.phase': 'deployment', 'mltrl.card': componentPageUrl(publicUrl, definition.id, 'anomaly-model') });
      expect(version?.aliases).toContain(DEFAULT_MLFLOW_ALIAS);
      return version;
    });
    expect(tagged?.version).toBe(1);
    expect(await registry.aliasVersion(model, DEFAULT_MLFLOW_ALIAS)).toBe(1);
    // The activity's outcome reaches the history in the workflow task after it completes: wait for it.
    const syncs = await eventually(async () => {
      const found = (await handle.query(historyQuery)).filter((e) => e.what === 'syncMlflow');
      expect(found.at(-1)?.why).toBe(`MLflow ${model} version 1: level 9, deployment, alias ${DEFAULT_MLFLOW_ALIAS} set`);
      return found;
    });
    // One per level from 0 to 9 (the card's version set at 0 is the same version 1).
    expect(syncs.every((e) => e.outcome === 'done')).toBe(true);
  }, 4 * PATIENCE_MS);

  it('refuses unsigned, badly signed and stale deliveries, and they change nothing', async () => {
    const handle = harness.client.workflow.getHandle(`component/${definition.id}/anomaly-model`);
    const body = JSON.stringify({ entity: 'model_version', action: 'created', timestamp: new Date().toISOString(), data: { name: model, version: '99', source: 's3://x', run_id: null, tags: {}, description: null } });
    const post = (headers: Record<string, string>) => fetch(`${http.url}/integrations/mlflow`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    const id = randomUUID();
    const now = Math.floor(Date.now() / 1000);
    const wrong = new Webhook(new Uint8Array(Buffer.from('not-the-secret-at-all', 'utf8')), { format: 'raw' }).sign(id, new Date(now * 1000), body);
    const right = new Webhook(new Uint8Array(Buffer.from(SECRET, 'utf8')), { format: 'raw' });

    const unsigned = await post({});
    expect(unsigned.status).toBe(401);
    expect(((await unsigned.json()) as { error: string }).error).toMatch(/unsigned delivery: missing x-mlflow-delivery-id/);
    const forged = await post({ 'x-mlflow-delivery-id': id, 'x-mlflow-timestamp': String(now), 'x-mlflow-signature': wrong });
    expect(forged.status).toBe(401);
    const stale = await post({ 'x-mlflow-delivery-id': id, 'x-mlflow-timestamp': String(now - 3600), 'x-mlflow-signature': right.sign(id, new Date((now - 3600) * 1000), body) });
    expect(stale.status).toBe(401);
    expect(((await stale.json()) as { error: string }).error).toMatch(/too old/);

    const status = await handle.query(statusQuery);
    expect(status).toMatchObject({ level: 9, state: 'working' });
    expect((await handle.query(cardQuery)).content.versions?.model).toBe('1.0.0');
    expect(await registry.aliasVersion(model, DEFAULT_MLFLOW_ALIAS)).toBe(1);
  });

  it('a new version registered in MLflow sends the component back to 7 with the version on its card, and the alias goes', async () => {
    const handle = harness.client.workflow.getHandle(`component/${definition.id}/anomaly-model`);
    expect(await newVersion(model)).toBe(2);
    await eventually(async () => {
      expect(await handle.query(statusQuery)).toMatchObject({ level: 7 });
      expect((await handle.query(cardQuery)).content.versions?.model).toBe('2.0.0');
    });
    await eventually(async () => {
      expect(await registry.aliasVersion(model, DEFAULT_MLFLOW_ALIAS)).toBeUndefined();
      expect((await registry.modelVersion(model, 2))?.tags).toMatchObject({ 'mltrl.level': '7', 'mltrl.phase': 'productization' });
    });
    const history = await handle.query(historyQuery);
    expect(history).toContainEqual(expect.objectContaining({ who: MLFLOW_ACTOR, what: 'reportVersions', outcome: 'accepted', why: 'model 2.0.0' }));
    expect(history.filter((e) => e.what === 'syncMlflow').at(-1)?.why).toBe(`MLflow ${model} version 2: level 7, productization, alias ${DEFAULT_MLFLOW_ALIAS} removed (was on version 1)`);
  }, 2 * PATIENCE_MS);

  it('late deliveries change nothing: the alias mltrl set at 9 and removed since, and an older version created', async () => {
    // MLflow delivers each webhook on its own thread: these can arrive after the switchback above.
    const handle = harness.client.workflow.getHandle(`component/${definition.id}/anomaly-model`);
    const lateAlias = await signedDelivery({ entity: 'model_version_alias', action: 'created', timestamp: new Date().toISOString(), data: { name: model, alias: DEFAULT_MLFLOW_ALIAS, version: '1' } });
    expect(lateAlias.status).toBe(200);
    const [aliasReport, ...noMoreAlias] = ((await lateAlias.json()) as { reported: { componentId: string; outcome: string; detail: string }[] }).reported;
    expect(noMoreAlias).toEqual([]);
    expect(aliasReport).toMatchObject({ componentId: 'anomaly-model', outcome: 'not-approved' });
    expect(aliasReport?.detail).toMatch(/^at Level 7 mltrl holds no mltrl-approved alias/);
    const lateCreated = await signedDelivery({ entity: 'model_version', action: 'created', timestamp: new Date().toISOString(), data: { name: model, version: '1', source: 's3://x', run_id: null, tags: {}, description: null } });
    expect(lateCreated.status).toBe(200);
    expect(((await lateCreated.json()) as { reported: unknown[] }).reported).toEqual([
      expect.objectContaining({ componentId: 'anomaly-model', outcome: 'older', detail: 'the card has model 2.0.0, newer than 1.0.0' }),
    ]);
    expect(await handle.query(statusQuery)).toMatchObject({ level: 7 });
    expect((await handle.query(cardQuery)).content.versions?.model).toBe('2.0.0');
    // The last report from MLflow is still version 2's (version 1's own creation may have been reported before the card named it).
    expect((await handle.query(historyQuery)).filter((e) => e.who === MLFLOW_ACTOR).at(-1)).toMatchObject({ what: 'reportVersions', outcome: 'accepted', why: 'model 2.0.0' });
  });

  it('acknowledges a delivery for a model nobody links, and refuses the same delivery again', async () => {
    const body = JSON.stringify({ entity: 'model_version', action: 'created', timestamp: new Date().toISOString(), data: { name: 'nobody-links-this', version: '1' } });
    const id = randomUUID();
    const at = new Date();
    const signature = new Webhook(new Uint8Array(Buffer.from(SECRET, 'utf8')), { format: 'raw' }).sign(id, at, body);
    const headers = { 'content-type': 'application/json', 'x-mlflow-delivery-id': id, 'x-mlflow-timestamp': String(Math.floor(at.getTime() / 1000)), 'x-mlflow-signature': signature };
    const first = await fetch(`${http.url}/integrations/mlflow`, { method: 'POST', headers, body });
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ event: 'model_version.created', acknowledged: true, reported: [] });
    const again = await fetch(`${http.url}/integrations/mlflow`, { method: 'POST', headers, body });
    expect(again.status).toBe(409);
  });
});

describe('catch-up', () => {
  it('reports the latest registry version to a linked component whose card has an older one', async () => {
    const model = `catch-up-${randomUUID().slice(0, 8)}`;
    await mlflowCall('POST', 'registered-models/create', { name: model });
    const { definition } = linkedProject(model);
    const handle = await startAndReach(harness.client, harness.taskQueue, definition);
    await handle.executeUpdate(updateCardUpdate, { args: [{ by: OWNER.email, patch: { versions: { model: '1.0.0' } } }] });
    // Versions 1 and 2: the webhook reports each as it comes; catch-up then finds the card current.
    await newVersion(model);
    await newVersion(model);
    await eventually(async () => expect((await handle.query(cardQuery)).content.versions?.model).toBe('2.0.0'));
    // A version the webhook cannot announce: registered while the route refuses (wrong secret on MLflow's side is
    // out of reach here), so the card is set back by hand to stand for a missed delivery.
    await handle.executeUpdate(updateCardUpdate, { args: [{ by: OWNER.email, patch: { versions: { model: '1.0.0' } } }] });
    const { reported } = await catchUpMlflow(harness.client, harness.taskQueue, registry);
    expect(reported).toContainEqual(expect.objectContaining({ projectId: definition.id, componentId: 'anomaly-model', outcome: 'reported' }));
    expect((await handle.query(cardQuery)).content.versions?.model).toBe('2.0.0');
    const again = await catchUpMlflow(harness.client, harness.taskQueue, registry);
    expect(again.reported).toContainEqual(expect.objectContaining({ projectId: definition.id, outcome: 'unchanged' }));
  }, 2 * PATIENCE_MS);
});
