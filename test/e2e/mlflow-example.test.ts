/**
 * The sixth case end to end, against a real MLflow and a real Alertmanager: the replay registers the
 * defect detector's model in MLflow, climbs it to 9 (the alias set on that version), registers a new
 * version whose signed webhook sends it back to 7 (the alias removed), and posts a drift alert to
 * Alertmanager, which sends it on to mltrl and opens the calibration's Level 9 re-review. MLflow's
 * webhook is made by the same function `npm start` uses.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MLFLOW_ACTOR } from '../../machines/integrations.js';
import { componentPageUrl } from '../../src/http/core/links.js';
import { replayMlflowStory } from '../../examples/replay.js';
import { createLinks } from '../../src/http/core/links.js';
import { createApp, listen, type HttpServer } from '../../src/http/server.js';
import { mlflowRegistry, type MlflowRegistry } from '../../src/integrations/mlflowRegistry.js';
import type { Alertmanager } from '../../src/local/alertmanager.js';
import { ensureMlflowWebhook } from '../../src/local/integrations.js';
import type { MlflowServer } from '../../src/local/mlflow.js';
import { freePort } from '../../src/local/temporalServer.js';
import { componentHandle } from '../../src/runtime/client.js';
import { cardQuery, historyQuery, statusQuery } from '../../workflows/definitions.js';
import { startTestAlertmanager } from '../support/alertmanager.js';
import { eventually, startHarness, type Harness } from '../support/harness.js';
import { startTestMlflow } from '../support/mlflow.js';
import { PATIENCE_MS } from '../support/patience.js';

const SECRET = `mlflow-webhook-${randomUUID()}`;
const TOKEN = `alertmanager-${randomUUID()}`;

let mlflow: MlflowServer;
let alertmanager: Alertmanager;
let harness: Harness;
let http: HttpServer;
let registry: MlflowRegistry;
let publicUrl: string;

beforeAll(async () => {
  const port = await freePort();
  publicUrl = `http://127.0.0.1:${port}`;
  mlflow = await startTestMlflow();
  registry = mlflowRegistry(mlflow.url);
  harness = await startHarness({ mlflow: { mlflowUrl: mlflow.url, publicUrl } });
  const links = createLinks({ secret: 'test-secret-for-review-links-0123456789', publicUrl, ttlMs: 60 * 60_000 });
  http = await listen(createApp({ client: harness.client, taskQueue: harness.taskQueue, links, mlflowWebhookSecret: SECRET, alertmanager: { token: TOKEN } }), '127.0.0.1', port);
  // As npm start does, before any model version exists (MLflow caches its webhook list per event for 60 s).
  const made = await ensureMlflowWebhook(mlflow.url, `${http.url}/integrations/mlflow`, SECRET);
  expect(made.created).toBe(true);
  // A second start finds it by name and updates it instead of adding another.
  expect(await ensureMlflowWebhook(mlflow.url, `${http.url}/integrations/mlflow`, SECRET)).toEqual({ id: made.id, created: false });
  alertmanager = await startTestAlertmanager(`${http.url}/integrations/alertmanager`, TOKEN);
}, 4 * PATIENCE_MS);

afterAll(async () => {
  await alertmanager?.stop();
  await http?.close();
  await harness?.stop();
  await mlflow?.stop();
});

describe('the metal-surface inspection case, with its model in MLflow', () => {
  it('climbs to 9 with the alias set, a new MLflow version sends it back to 7, a drift alert through Alertmanager opens the calibration\'s re-review', { timeout: 600_000 }, async () => {
    const suffix = `-${randomUUID().slice(0, 6)}`;
    const lines: string[] = [];
    const replayed = await replayMlflowStory(harness.client, harness.taskQueue, { mlflowUrl: mlflow.url, alertmanagerUrl: alertmanager.url, idSuffix: suffix, log: (line) => lines.push(line) });
    expect(replayed).toEqual({
      projectId: `surface-inspection${suffix}`,
      model: `surface-defects${suffix}`,
      approvedVersion: 1,
      newVersion: 2,
      heardBy: 'webhook',
      alertVia: 'alertmanager',
      reReviewId: expect.any(String) as string,
    });
    const { projectId, model } = replayed!;

    // MLflow's own API: the approved version keeps Level 9's tags, the new one carries 7, and the alias is gone.
    const cardUrl = componentPageUrl(publicUrl, projectId, 'defect-detector');
    await eventually(async () => {
      expect(await registry.aliasVersion(model, 'production')).toBeUndefined();
      expect((await registry.modelVersion(model, 2))?.tags).toMatchObject({ 'mltrl.level': '7', 'mltrl.phase': 'productization', 'mltrl.card': cardUrl });
    });
    const approved = await registry.modelVersion(model, 1);
    expect(approved?.tags).toMatchObject({ 'mltrl.level': '9', 'mltrl.phase': 'deployment', 'mltrl.card': cardUrl });
    expect(approved?.aliases).toEqual([]);

    // The detector's card: the new version, and the embedded switchback from 9 to 7.
    const detector = componentHandle(harness.client, projectId, 'defect-detector');
    expect(await detector.query(statusQuery)).toMatchObject({ level: 7, state: 'working' });
    const card = await detector.query(cardQuery);
    expect(card.content.versions?.model).toBe('2.0.0');
    // Its Level 7 and 8 gates were read from MLflow when each review opened, and frozen on the card.
    const evidence = card.content.evidence as Record<string, { holds: boolean; line: string }>;
    expect(evidence.testSuites).toMatchObject({ holds: true, line: expect.stringMatching(/^testSuites: heldout_recall is 0\.94 in run \w+ \(at least 0\.9 required\): holds$/) as string });
    expect(evidence.deploymentTests).toMatchObject({ holds: true, line: expect.stringContaining('validation_status=approved') as string });
    expect(card.graduations.find((g) => g.level === 7)?.content.evidence).toMatchObject({ testSuites: { holds: true } });
    expect(card.switchbacks).toEqual([expect.objectContaining({ from: 9, to: 7, kind: 'embedded' })]);
    expect(card.timeline.at(-1)).toMatchObject({ from: 9, to: 7, how: 'switchback' });
    const history = await detector.query(historyQuery);
    expect(history).toContainEqual(expect.objectContaining({ who: MLFLOW_ACTOR, what: 'reportVersions', outcome: 'accepted', why: 'model 2.0.0' }));
    // The alias was set on version 1 at Level 9 before it was removed.
    const syncs = history.filter((e) => e.what === 'syncMlflow').map((e) => e.why);
    expect(syncs).toContain(`MLflow ${model} version 1: level 9, deployment, alias production set`);
    expect(syncs.at(-1)).toBe(`MLflow ${model} version 2: level 7, productization, alias production removed (was on version 1)`);

    // The calibration, at 9, has the re-review the alert opened, carrying its summary.
    const calibration = componentHandle(harness.client, projectId, 'plant-calibration');
    const status = await calibration.query(statusQuery);
    expect(status).toMatchObject({ level: 9, state: 'in-review' });
    expect(status.openReview).toMatchObject({ id: replayed!.reReviewId, level: 9, reReview: true, submittedBy: 'alertmanager' });
    expect(status.openReview?.alerts).toEqual([expect.objectContaining({ alertname: 'CalibrationDrift', severity: 'critical', summary: expect.stringContaining('False-positive rate at the second plant') as string })]);
    const alerts = (await calibration.query(historyQuery)).filter((e) => e.what === 'alert' && e.outcome === 'accepted');
    expect(alerts[0]).toMatchObject({ who: 'alertmanager', why: expect.stringMatching(new RegExp(`^re-review ${replayed!.reReviewId} opened by alert: CalibrationDrift`)) as string });
    // The detector, not at 9 any more, had no alert.
    expect(history.filter((e) => e.what === 'alert')).toEqual([]);

    expect(lines.some((line) => line.includes('alias production → version 1'))).toBe(true);
    // Replayed again: the project is there, and is left as it is.
    expect(await replayMlflowStory(harness.client, harness.taskQueue, { mlflowUrl: mlflow.url, idSuffix: suffix })).toBeUndefined();
  });
});
