/**
 * The servers mltrl will integrate with, started the way `npm start` and the integration tests will
 * start them, talking to a receiver on loopback the way they will talk to mltrl: MLflow's Model Registry
 * (REST API and signed webhooks) and Alertmanager (v2 API and webhook notifications).
 *
 * Needs MLflow and Alertmanager in tools/: `bash scripts/install-integrations.sh`.
 */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Alertmanager } from '../../src/local/alertmanager.js';
import type { MlflowServer } from '../../src/local/mlflow.js';
import { startTestAlertmanager } from '../support/alertmanager.js';
import { startTestMlflow } from '../support/mlflow.js';
import { PATIENCE_MS } from '../support/patience.js';
import { startWebhookReceiver, type ReceivedRequest, type WebhookReceiver } from '../support/webhookReceiver.js';

async function call(method: 'GET' | 'POST', url: string, body?: unknown): Promise<unknown> {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${url} answered ${response.status}: ${text}`);
  return text === '' ? {} : JSON.parse(text);
}

/**
 * MLflow's webhook signature (mlflow/webhooks/delivery.py): `X-MLflow-Signature: v1,<base64 of
 * HMAC-SHA256(secret, "<X-MLflow-Delivery-Id>.<X-MLflow-Timestamp>.<raw body>")>`.
 */
function mlflowSignatureValid(request: ReceivedRequest, secret: string): boolean {
  const deliveryId = request.headers['x-mlflow-delivery-id'];
  const timestamp = request.headers['x-mlflow-timestamp'];
  const signature = request.headers['x-mlflow-signature'];
  if (typeof deliveryId !== 'string' || typeof timestamp !== 'string' || typeof signature !== 'string') return false;
  const expected = `v1,${createHmac('sha256', secret).update(`${deliveryId}.${timestamp}.${request.body}`).digest('base64')}`;
  return signature.length === expected.length && timingSafeEqual(Buffer.from(signature), Buffer.from(expected));
}

// The shapes MLflow 3.17 and Alertmanager 0.31 send, strict: a field added or renamed upstream fails here first.
const webhookEvent = z.strictObject({ entity: z.string(), action: z.string() });
const mlflowWebhook = z.strictObject({
  webhook_id: z.string(),
  name: z.string(),
  description: z.string().optional(),
  url: z.string(),
  events: z.array(webhookEvent),
  status: z.enum(['ACTIVE', 'DISABLED']),
  creation_timestamp: z.coerce.number(),
  last_updated_timestamp: z.coerce.number(),
});
const tag = z.strictObject({ key: z.string(), value: z.string() });
const modelVersion = z.looseObject({
  name: z.string(),
  version: z.string(),
  source: z.string(),
  status: z.string(),
  tags: z.array(tag).optional(),
  aliases: z.array(z.string()).optional(),
});
const mlflowDelivery = z.strictObject({
  entity: z.string(),
  action: z.string(),
  timestamp: z.string().regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00$/),
  data: z.record(z.string(), z.unknown()),
});
const alertLabels = z.record(z.string(), z.string());
const alertmanagerNotification = z.strictObject({
  version: z.literal('4'),
  groupKey: z.string(),
  truncatedAlerts: z.number(),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string(),
  groupLabels: alertLabels,
  commonLabels: alertLabels,
  commonAnnotations: alertLabels,
  externalURL: z.string(),
  alerts: z.array(
    z.strictObject({
      status: z.enum(['firing', 'resolved']),
      labels: alertLabels,
      annotations: alertLabels,
      startsAt: z.string(),
      endsAt: z.string(),
      generatorURL: z.string(),
      fingerprint: z.string(),
    }),
  ),
});
const activeAlerts = z.array(z.looseObject({ labels: alertLabels, status: z.looseObject({ state: z.string() }) }));

const delivery = (request: ReceivedRequest) => mlflowDelivery.parse(JSON.parse(request.body));
const notification = (request: ReceivedRequest) => alertmanagerNotification.parse(JSON.parse(request.body));

describe('MLflow Model Registry', () => {
  const secret = `secret-${randomUUID()}`;
  const events = [
    { entity: 'MODEL_VERSION', action: 'CREATED' },
    { entity: 'MODEL_VERSION_TAG', action: 'SET' },
    { entity: 'MODEL_VERSION_ALIAS', action: 'CREATED' },
  ];
  let receiver: WebhookReceiver;
  let mlflow: MlflowServer;
  let webhookId: string;
  const api = (path: string) => `${mlflow.url}/api/2.0/mlflow/${path}`;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    mlflow = await startTestMlflow();
    // Before any model version exists: MLflow caches, per event, which webhooks listen (60 s by
    // default), so a webhook created after an event was first looked up would miss deliveries.
    const created = z.object({ webhook: mlflowWebhook }).parse(
      await call('POST', api('webhooks'), {
        name: 'mltrl',
        url: `${receiver.url}/mlflow/webhook`,
        // Enum names as in MLflow's protobuf JSON; lower case (`model_version`) is answered with a 500.
        events,
        description: 'mltrl hears of new model versions, their tags and aliases',
        secret,
      }),
    );
    webhookId = created.webhook.webhook_id;
    // Longer than MLflow's own readiness wait (test/support/mlflow.ts), so that one reports first.
  }, 3 * PATIENCE_MS);

  afterAll(async () => {
    await mlflow?.stop();
    await receiver?.stop();
  });

  it('keeps the webhook, active, without showing its secret', async () => {
    const answer = await call('GET', api(`webhooks/${webhookId}`));
    const { webhook } = z.object({ webhook: mlflowWebhook }).parse(answer);
    expect(webhook).toMatchObject({ webhook_id: webhookId, name: 'mltrl', url: `${receiver.url}/mlflow/webhook`, status: 'ACTIVE' });
    expect(webhook.events).toHaveLength(3);
    expect(webhook.events).toEqual(expect.arrayContaining(events));
    expect(JSON.stringify(answer)).not.toContain(secret);
  });

  it('registers a model version with a tag and an alias, and reads them back', async () => {
    const name = `scorer-${randomUUID()}`;
    const { registered_model: model } = z
      .object({ registered_model: z.looseObject({ name: z.string(), description: z.string() }) })
      .parse(await call('POST', api('registered-models/create'), { name, description: 'fraud scorer' }));
    expect(model).toMatchObject({ name, description: 'fraud scorer' });
    const { model_version: version } = z.object({ model_version: modelVersion }).parse(
      await call('POST', api('model-versions/create'), {
        name,
        source: 's3://models/scorer/1',
        description: 'first candidate',
        tags: [{ key: 'mltrl.project', value: 'fraud' }],
      }),
    );
    expect(version).toMatchObject({ name, version: '1', source: 's3://models/scorer/1', status: 'READY' });

    await call('POST', api('model-versions/set-tag'), { name, version: '1', key: 'mltrl.level', value: '4' });
    await call('POST', api('registered-models/alias'), { name, alias: 'champion', version: '1' });

    const { model_version: read } = z
      .object({ model_version: modelVersion })
      .parse(await call('GET', api(`model-versions/get?name=${encodeURIComponent(name)}&version=1`)));
    expect(read.tags).toHaveLength(2);
    expect(read.tags).toEqual(expect.arrayContaining([{ key: 'mltrl.project', value: 'fraud' }, { key: 'mltrl.level', value: '4' }]));
    expect(read.aliases).toEqual(['champion']);
    const { model_version: byAlias } = z
      .object({ model_version: modelVersion })
      .parse(await call('GET', api(`registered-models/alias?name=${encodeURIComponent(name)}&alias=champion`)));
    expect(byAlias).toMatchObject({ name, version: '1' });
  });

  it('tells the webhook of a new version, its tag and its alias, signed with the secret', async () => {
    const name = `ranker-${randomUUID()}`;
    await call('POST', api('registered-models/create'), { name });
    await call('POST', api('model-versions/create'), { name, source: 's3://models/ranker/1', tags: [{ key: 'mltrl.project', value: 'search' }] });
    await call('POST', api('model-versions/set-tag'), { name, version: '1', key: 'mltrl.level', value: '5' });
    await call('POST', api('registered-models/alias'), { name, alias: 'candidate', version: '1' });

    const deliveries = await receiver.waitFor((r) => delivery(r).data['name'] === name, 3);
    const byEvent = new Map(deliveries.map((r) => [`${delivery(r).entity}.${delivery(r).action}`, r]));
    expect([...byEvent.keys()].sort()).toEqual(['model_version.created', 'model_version_alias.created', 'model_version_tag.set']);

    const created = byEvent.get('model_version.created');
    expect(created?.method).toBe('POST');
    expect(created?.path).toBe('/mlflow/webhook');
    expect(created?.headers['content-type']).toBe('application/json');
    expect(delivery(created!).data).toEqual({
      name,
      version: '1',
      source: 's3://models/ranker/1',
      run_id: null,
      tags: { 'mltrl.project': 'search' },
      description: null,
    });
    expect(delivery(byEvent.get('model_version_tag.set')!).data).toEqual({ name, version: '1', key: 'mltrl.level', value: '5' });
    expect(delivery(byEvent.get('model_version_alias.created')!).data).toEqual({ name, alias: 'candidate', version: '1' });

    for (const request of deliveries) {
      expect(request.headers['x-mlflow-delivery-id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(Math.abs(Number(request.headers['x-mlflow-timestamp']) - Date.now() / 1000)).toBeLessThan(300);
      expect(mlflowSignatureValid(request, secret)).toBe(true);
      // The check can fail: another secret, or one changed byte of the body, does not verify.
      expect(mlflowSignatureValid(request, `${secret}x`)).toBe(false);
      expect(mlflowSignatureValid({ ...request, body: request.body.replace(name, `${name}x`) }, secret)).toBe(false);
    }
  });
});

describe('MLflow restarted on its data folder', () => {
  it('still signs webhooks with the secret stored before the restart', async () => {
    const receiver = await startWebhookReceiver();
    const dataDir = mkdtempSync(join(tmpdir(), 'mltrl-mlflow-restart-'));
    const secret = `secret-${randomUUID()}`;
    let mlflow: MlflowServer | undefined;
    try {
      mlflow = await startTestMlflow({ dataDir });
      await call('POST', `${mlflow.url}/api/2.0/mlflow/webhooks`, {
        name: 'mltrl',
        url: `${receiver.url}/mlflow/webhook`,
        events: [{ entity: 'MODEL_VERSION', action: 'CREATED' }],
        secret,
      });
      await mlflow.stop();

      // MLflow encrypts stored secrets; without the key kept in the data folder the new process
      // could not read this one back, and would send nothing.
      mlflow = await startTestMlflow({ dataDir });
      const name = `scorer-${randomUUID()}`;
      await call('POST', `${mlflow.url}/api/2.0/mlflow/registered-models/create`, { name });
      await call('POST', `${mlflow.url}/api/2.0/mlflow/model-versions/create`, { name, source: 's3://models/scorer/1' });
      const [created] = await receiver.waitFor((r) => delivery(r).data['name'] === name);
      expect(delivery(created)).toMatchObject({ entity: 'model_version', action: 'created', data: { name, version: '1' } });
      expect(mlflowSignatureValid(created, secret)).toBe(true);
    } finally {
      await mlflow?.stop();
      await receiver.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('Alertmanager', () => {
  const token = `token-${randomUUID()}`;
  let receiver: WebhookReceiver;
  let alertmanager: Alertmanager;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    alertmanager = await startTestAlertmanager(`${receiver.url}/alertmanager/webhook`, token);
  });

  afterAll(async () => {
    await alertmanager?.stop();
    await receiver?.stop();
  });

  it('notifies the webhook of a firing alert, then of its resolution', async () => {
    const component = `scorer-${randomUUID()}`;
    const labels = { alertname: 'ModelDrift', project: 'fraud', component, severity: 'warning' };
    const annotations = { summary: 'Feature drift above threshold' };
    const startsAt = new Date(Date.now() - 60_000).toISOString();
    await call('POST', `${alertmanager.url}/api/v2/alerts`, [{ labels, annotations, startsAt, generatorURL: 'http://mltrl.test/rules/drift' }]);

    const ofThisAlert = (status: string) => (r: ReceivedRequest) => notification(r).groupLabels['component'] === component && notification(r).status === status;
    const [firingRequest] = await receiver.waitFor(ofThisAlert('firing'));
    expect(firingRequest?.path).toBe('/alertmanager/webhook');
    expect(firingRequest?.headers['authorization']).toBe(`Bearer ${token}`);
    const firing = notification(firingRequest);
    expect(firing).toMatchObject({
      status: 'firing',
      receiver: 'mltrl',
      groupKey: `{}:{alertname="ModelDrift", component="${component}", project="fraud"}`,
      truncatedAlerts: 0,
      groupLabels: { alertname: 'ModelDrift', project: 'fraud', component },
      commonLabels: labels,
      commonAnnotations: annotations,
      externalURL: alertmanager.url,
    });
    expect(firing.alerts).toHaveLength(1);
    expect(firing.alerts[0]).toMatchObject({
      status: 'firing',
      labels,
      annotations,
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://mltrl.test/rules/drift',
      fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/) as string,
    });
    expect(new Date(firing.alerts[0].startsAt).toISOString()).toBe(startsAt);

    const active = activeAlerts.parse(await call('GET', `${alertmanager.url}/api/v2/alerts?filter=${encodeURIComponent(`component="${component}"`)}`));
    expect(active).toHaveLength(1);
    expect(active[0]).toMatchObject({ labels, status: { state: 'active' } });

    // The same labels with an end in the past: the alert is resolved.
    const endsAt = new Date(Date.now() - 1_000).toISOString();
    await call('POST', `${alertmanager.url}/api/v2/alerts`, [{ labels, annotations, startsAt, endsAt }]);
    const [resolvedRequest] = await receiver.waitFor(ofThisAlert('resolved'));
    expect(resolvedRequest?.headers['authorization']).toBe(`Bearer ${token}`);
    const resolved = notification(resolvedRequest);
    expect(resolved).toMatchObject({ status: 'resolved', groupKey: firing.groupKey, groupLabels: firing.groupLabels });
    expect(resolved.alerts).toHaveLength(1);
    expect(resolved.alerts[0]).toMatchObject({ status: 'resolved', labels, annotations, fingerprint: firing.alerts[0].fingerprint });
    expect(new Date(resolved.alerts[0].endsAt).toISOString()).toBe(endsAt);
  });
});
