/**
 * Monitoring alerts open re-reviews, end to end: a real Alertmanager (tools/bin, built by
 * scripts/install-integrations.sh) takes alerts through its v2 API and sends its webhook, with a
 * bearer token, to mltrl's HTTP server, whose route hands each alert to the component its labels
 * name, on the real Temporal dev server. Alertmanager repeats a firing group every 2 s here, so
 * its own repeats are what the component must not take as new alerts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAlertmanager, type Alertmanager } from '../../src/local/alertmanager.js';
import { freePort } from '../../src/local/temporalServer.js';
import { createApp, listen, type HttpServer } from '../../src/http/server.js';
import { createLinks } from '../../src/http/core/links.js';
import type { AlertResult } from '../../src/http/integrations/alertmanager.js';
import { componentHandle, startProject } from '../../src/runtime/client.js';
import { historyQuery, statusQuery, type AuditEntry } from '../../workflows/definitions.js';
import { OWNER, project } from '../support/fixtures.js';
import { eventually, startHarness, type Harness } from '../support/harness.js';
import { PATIENCE_MS } from '../support/patience.js';
import { startSourceComponent } from '../support/sources.js';

const TOKEN = `alertmanager-${randomUUID()}`;
const PATH = '/integrations/alertmanager';

let harness: Harness;
let http: HttpServer;
let alertmanager: Alertmanager;
let dataDir: string;
const definition = project({
  components: [
    { id: 'drift-model', name: 'Drift-prone model', kind: 'model', entryLevel: 9, owner: OWNER, provenance: { kind: 'adopted', projectId: '', componentId: '', level: 9 } },
    { id: 'scorer', name: 'Scorer', kind: 'model', entryLevel: 0, owner: OWNER },
  ],
});
const deployed = () => componentHandle(harness.client, definition.id, 'drift-model');
const early = () => componentHandle(harness.client, definition.id, 'scorer');
const alertEntries = async (handle = deployed()) => (await handle.query(historyQuery)).filter((e: AuditEntry) => e.what === 'alert');

beforeAll(async () => {
  harness = await startHarness();
  const source = await startSourceComponent(harness.client, harness.taskQueue);
  definition.components[0].provenance = { kind: 'adopted', projectId: source.projectId, componentId: source.componentId, level: 9 };
  await startProject(harness.client, harness.taskQueue, definition);
  await eventually(() => deployed().query(statusQuery));
  await eventually(() => early().query(statusQuery));

  const port = await freePort();
  const links = createLinks({ secret: 'test-secret-for-review-links-0123456789', publicUrl: `http://127.0.0.1:${port}`, ttlMs: 60 * 60_000 });
  http = await listen(createApp({ client: harness.client, taskQueue: harness.taskQueue, links, alertmanager: { token: TOKEN } }), '127.0.0.1', port);
  dataDir = mkdtempSync(join(tmpdir(), 'mltrl-alertmanager-'));
  alertmanager = await startAlertmanager({
    port: await freePort(),
    dataDir,
    webhookUrl: `${http.url}${PATH}`,
    bearerToken: TOKEN,
    groupWait: '1s',
    groupInterval: '1s',
    // Short, so Alertmanager itself repeats the firing alert while the test watches.
    repeatInterval: '2s',
    readyTimeoutMs: PATIENCE_MS,
  });
}, 4 * PATIENCE_MS);

afterAll(async () => {
  await alertmanager?.stop();
  await http?.close();
  await harness?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function postAlerts(alerts: unknown[]): Promise<void> {
  const response = await fetch(`${alertmanager.url}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(alerts) });
  expect(response.status).toBe(200);
}

interface RouteAnswer {
  error?: { kind: string; message: string };
  results?: AlertResult[];
}

async function postToMltrl(body: unknown, token: string | null = TOKEN): Promise<{ status: number; body: RouteAnswer }> {
  const response = await fetch(`${http.url}${PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as RouteAnswer };
}

const driftLabels = () => ({ alertname: 'ModelDrift', severity: 'critical', project: definition.id, component: 'drift-model' });
const SUMMARY = 'PSI on slide embeddings above 0.3 for 15 minutes';
const startsAt = new Date(Date.now() - 60_000).toISOString();

/** A version 4 notification as Alertmanager sends it, for the checks Alertmanager itself cannot make fail. */
const notification = (labels: Record<string, string>, fingerprint = 'a1b2c3d4e5f60718', status = 'firing') => ({
  version: '4',
  status,
  receiver: 'mltrl',
  groupKey: '{}:{}',
  alerts: [{ status, labels, annotations: { summary: SUMMARY }, startsAt, endsAt: '0001-01-01T00:00:00Z', generatorURL: '', fingerprint }],
});

describe("Alertmanager's webhook", () => {
  it('refuses a wrong or missing token with 401, and a bad payload with 400 naming the field; nothing changes', async () => {
    const wrong = await postToMltrl(notification(driftLabels()), 'not-the-token');
    expect(wrong.status).toBe(401);
    expect(wrong.body.error?.message).toMatch(/^authorization: send "Authorization: Bearer <MLTRL_ALERTMANAGER_TOKEN>"/);
    expect((await postToMltrl(notification(driftLabels()), null)).status).toBe(401);
    const bad = await postToMltrl({ ...notification(driftLabels(), 'not a fingerprint!') });
    expect(bad.status).toBe(400);
    expect(bad.body.error?.message).toMatch(/^alertmanager: alerts\[0\]\.fingerprint: must be 1 to 64 letters and digits/);
    const old = await postToMltrl({ ...notification(driftLabels()), version: '3' });
    expect(old.status).toBe(400);
    expect(old.body.error?.message).toContain('version');
    const status = await deployed().query(statusQuery);
    expect(status.openReview).toBeNull();
    expect(await alertEntries()).toEqual([]);
  });

  it('a firing alert through Alertmanager opens one re-review carrying its summary; Alertmanager\'s repeats open no second', async () => {
    await postAlerts([{ labels: driftLabels(), annotations: { summary: SUMMARY }, startsAt, generatorURL: 'http://prometheus.test/graph?g0.expr=psi' }]);
    const review = await eventually(async () => {
      const status = await deployed().query(statusQuery);
      expect(status.state).toBe('in-review');
      return status.openReview!;
    });
    expect(review).toMatchObject({ level: 9, proposal: 'keep', reReview: true, submittedBy: 'alertmanager', awaitingEthics: true });
    expect(review.alerts).toEqual([
      expect.objectContaining({ alertname: 'ModelDrift', severity: 'critical', summary: SUMMARY, source: 'http://prometheus.test/graph?g0.expr=psi' }),
    ]);
    // Rules edition 2: the owner is asked for the ethics checklist first, with the alert in the email.
    const asked = await eventually(async () => {
      const found = harness.sent.find((n) => n.kind === 'ethics-requested' && n.componentId === 'drift-model');
      expect(found).toBeDefined();
      return found!;
    });
    expect(asked.to.map((p) => p.email)).toEqual([OWNER.email]);
    expect(asked.alerts).toEqual([`ModelDrift (critical): ${SUMMARY}`]);

    // Alertmanager re-sends the firing group every 2 s: each is acknowledged as heard before.
    const entries = await eventually(async () => {
      const found = await alertEntries();
      expect(found.filter((e) => e.outcome === 'acknowledged').length).toBeGreaterThanOrEqual(2);
      return found;
    });
    expect(entries[0]).toMatchObject({ who: 'alertmanager', outcome: 'accepted', why: `re-review ${review.id} opened by alert: ModelDrift (critical): ${SUMMARY}` });
    expect(entries.filter((e) => e.outcome === 'accepted')).toHaveLength(1);
    const after = await deployed().query(statusQuery);
    expect(after.openReview?.id).toBe(review.id);

    // The same alert posted again answers, in the response, that it was heard before.
    const again = await postToMltrl(notification(driftLabels(), await fingerprintOf()));
    expect(again.status).toBe(200);
    expect(again.body.results).toEqual([expect.objectContaining({ outcome: 'repeated', reviewId: review.id, projectId: definition.id, componentId: 'drift-model' })]);
  });

  it('an alert for a component not at Level 9 is recorded as skipped with the reason', async () => {
    const labels = { alertname: 'ScorerErrors', project: definition.id, component: 'scorer' };
    await postAlerts([{ labels, annotations: { summary: 'error rate above 5%' }, startsAt }]);
    const [skipped] = await eventually(async () => {
      const found = await alertEntries(early());
      expect(found.length).toBeGreaterThan(0);
      return found;
    });
    expect(skipped).toMatchObject({ who: 'alertmanager', outcome: 'refused', why: 're-review skipped: the component is at Level 0, not 9: ScorerErrors: error rate above 5%' });
    expect((await early().query(statusQuery)).openReview).toBeNull();
  });

  it('an unknown project or component gets a 404 naming it', async () => {
    const unknown = await postToMltrl(notification({ ...driftLabels(), component: 'no-such-model' }));
    expect(unknown.status).toBe(404);
    expect(unknown.body.error?.message).toBe(`ModelDrift: no component ${definition.id}/no-such-model in mltrl (is the project started, with that component?)`);
    const unlabelled = await postToMltrl(notification({ alertname: 'NodeDown' }));
    expect(unlabelled.status).toBe(404);
    expect(unlabelled.body.results).toEqual([expect.objectContaining({ outcome: 'unlabelled', reason: expect.stringMatching(/^labels: project and component must name/) as string })]);
  });

  it('a resolved alert is noted in history and on the open review', async () => {
    await postAlerts([{ labels: driftLabels(), annotations: { summary: SUMMARY }, startsAt, endsAt: new Date(Date.now() - 1_000).toISOString() }]);
    const review = await eventually(async () => {
      const status = await deployed().query(statusQuery);
      expect(status.openReview?.alerts?.[0]?.resolvedAt).toBeDefined();
      return status.openReview!;
    });
    const resolved = (await alertEntries()).filter((e) => e.why?.startsWith('resolved'));
    expect(resolved[0]).toMatchObject({ outcome: 'accepted', why: `resolved (noted on open review ${review.id}): ModelDrift (critical): ${SUMMARY}` });
    // Still the one re-review, waiting for the owner's answers; its outcome is the panel's.
    expect(review).toMatchObject({ awaitingEthics: true, reReview: true });
  });
});

/** The fingerprint Alertmanager gave the drift alert, from its own API. */
async function fingerprintOf(): Promise<string> {
  const response = await fetch(`${alertmanager.url}/api/v2/alerts?filter=${encodeURIComponent(`component="drift-model"`)}`);
  const alerts = (await response.json()) as { fingerprint: string }[];
  expect(alerts).toHaveLength(1);
  return alerts[0].fingerprint;
}
