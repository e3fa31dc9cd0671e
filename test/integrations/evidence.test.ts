/**
 * Gates backed by evidence against a real MLflow tracking server: a component whose Level 4
 * deliverable `realDataResults` is a check on a run's metric submits; the review opens only when
 * MLflow's latest value holds, with the value frozen on the card and shown in the review-opened
 * email (over real SMTP); a value below the threshold is refused naming the metric, value and
 * threshold, and nothing changes; a model version's tag is checked the same way; MLflow down is a
 * clear refusal, not a failed workflow task.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { createEmailNotifier } from '../../activities/email.js';
import { createLinks } from '../../src/http/core/links.js';
import type { MlflowServer } from '../../src/local/mlflow.js';
import { smtpTransport } from '../../src/runtime/mail.js';
import { cardQuery, historyQuery, statusQuery, submitUpdate, updateCardUpdate } from '../../workflows/definitions.js';
import { ETHICS, FULL_CARD, LEAD, OWNER, project } from '../support/fixtures.js';
import { startHarness, type Harness } from '../support/harness.js';
import { startTestMlflow } from '../support/mlflow.js';
import { PATIENCE_MS } from '../support/patience.js';
import { startSmtpSink, type SmtpSink } from '../support/smtpSink.js';
import { refused, startAndReach } from '../workflow/steps.js';

let mlflow: MlflowServer;
let mlflowStopped = false;
let sink: SmtpSink;
let harness: Harness;

async function mlflowCall(path: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${mlflow.url}/api/2.0/mlflow/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await response.text();
  if (!response.ok) throw new Error(`POST ${path}: ${response.status} ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

/** A run in a fresh experiment with `metric` logged at each value in turn (steps 0, 1, …): the last is the latest. */
async function runWith(metric: string, values: number[]): Promise<string> {
  const { experiment_id } = (await mlflowCall('experiments/create', { name: `evidence-${randomUUID()}` })) as { experiment_id: string };
  const runId = ((await mlflowCall('runs/create', { experiment_id, start_time: Date.now() })) as { run: { info: { run_id: string } } }).run.info.run_id;
  for (const [step, value] of values.entries()) await mlflowCall('runs/log-metric', { run_id: runId, key: metric, value, timestamp: Date.now() + step, step });
  return runId;
}

/** A component at Level 4 whose card is full but for realDataResults, which is the given check. */
async function atLevelFour(check: Record<string, unknown>) {
  const definition = project({ components: [{ id: 'anomaly-model', name: 'Anomaly detector', kind: 'model', entryLevel: 4, owner: OWNER }] });
  const handle = await startAndReach(harness.client, harness.taskQueue, definition);
  await handle.executeUpdate(updateCardUpdate, { args: [{ by: OWNER.email, patch: { ...FULL_CARD, realDataResults: { mlflow: check, note: 'held-out hospital B' } } }] });
  return handle;
}

const submitAtFour = (handle: Awaited<ReturnType<typeof atLevelFour>>) =>
  handle.executeUpdate(submitUpdate, { args: [{ by: LEAD.email, ethics: ETHICS, proposal: 'proceed' }] });

beforeAll(async () => {
  mlflow = await startTestMlflow();
  sink = await startSmtpSink();
  const links = createLinks({ secret: 'test-secret-for-review-links-0123456789', publicUrl: 'http://127.0.0.1:9', ttlMs: 60 * 60_000 });
  harness = await startHarness({
    notifier: createEmailNotifier({ transport: smtpTransport(sink.url), from: 'mltrl <reviews@lab.example>', links }),
    mlflow: { mlflowUrl: mlflow.url },
  });
}, 3 * PATIENCE_MS);

afterAll(async () => {
  await harness?.stop();
  await sink?.stop();
  if (!mlflowStopped) await mlflow?.stop();
});

describe('a gate backed by an MLflow run metric', () => {
  it('opens the review when the latest value holds, freezing it on the card and showing it in the email', async () => {
    // Logged 0.85 then 0.93: the latest (0.93) is what counts.
    const runId = await runWith('val_auc', [0.85, 0.93]);
    const handle = await atLevelFour({ runId, metric: 'val_auc', atLeast: 0.9 });
    const status = await handle.query(statusQuery);
    expect(status.gate.checks).toEqual([{ key: 'realDataResults', check: `val_auc ≥ 0.9 in run ${runId}` }]);

    const opened = await submitAtFour(handle);
    const line = `realDataResults: val_auc is 0.93 in run ${runId} (at least 0.9 required): holds`;
    expect(opened.state).toBe('in-review');
    expect(opened.openReview?.evidence).toEqual([{ key: 'realDataResults', holds: true, line, readAt: expect.any(String) as string }]);

    const card = await handle.query(cardQuery);
    const frozen = (card.content['evidence'] as Record<string, { reading: unknown; readAt: number; holds: boolean }>)['realDataResults'];
    expect(frozen).toMatchObject({ holds: true, reading: { kind: 'metric', value: 0.93, step: 1 } });
    expect(new Date(frozen.readAt).toISOString()).toBe(opened.openReview!.evidence![0].readAt);

    // Every panelist's email carries it (the run id is this test's alone).
    const mails = await sink.waitFor((m) => m.subject.startsWith('Review requested') && m.text.includes(`in run ${runId}`), 6);
    expect(mails[0].text).toContain(`✓ ${line} (read ${opened.openReview!.evidence![0].readAt})`);
    expect(mails[0].html).toContain('Evidence read from MLflow when the review opened');

    const history = await handle.query(historyQuery);
    expect(history.find((e) => e.what === 'submit')).toMatchObject({ what: 'submit', outcome: 'accepted', why: expect.stringContaining(`evidence: ${line}`) as string });
  });

  it('refuses a value below the threshold, naming metric, value and threshold; nothing changes', async () => {
    const runId = await runWith('val_auc', [0.87]);
    const handle = await atLevelFour({ runId, metric: 'val_auc', atLeast: 0.9 });
    const before = await handle.query(cardQuery);
    const error = await refused(() => submitAtFour(handle));
    expect(error.kind).toBe('refused');
    expect(error.message).toContain(`realDataResults: val_auc is 0.87 in run ${runId}, below the 0.9 required`);
    const after = await handle.query(statusQuery);
    expect(after).toMatchObject({ state: 'working', level: 4, openReview: null });
    const card = await handle.query(cardQuery);
    expect(card.content['evidence']).toBeUndefined();
    expect(card.revision).toBe(before.revision);
    expect(card.reviews).toEqual([]);
  });

  it('refuses a metric the run does not have, naming what it has', async () => {
    const runId = await runWith('train_loss', [0.2]);
    const handle = await atLevelFour({ runId, metric: 'val_auc', atLeast: 0.9 });
    const error = await refused(() => submitAtFour(handle));
    expect(error.message).toContain(`realDataResults: run ${runId} has no metric val_auc (it has train_loss)`);
  });
});

describe('a gate backed by a model version tag', () => {
  it('holds on the tag, and is refused while the tag says otherwise', async () => {
    const model = `slide-anomaly-${randomUUID().slice(0, 8)}`;
    await mlflowCall('registered-models/create', { name: model });
    const version = ((await mlflowCall('model-versions/create', { name: model, source: `s3://models/${model}/1` })) as { model_version: { version: string } }).model_version.version;
    await mlflowCall('model-versions/set-tag', { name: model, version, key: 'validation_status', value: 'pending' });
    const handle = await atLevelFour({ model, version, tag: { key: 'validation_status', value: 'approved' } });
    const error = await refused(() => submitAtFour(handle));
    expect(error.message).toContain(`realDataResults: ${model} version ${version} has validation_status=pending, not the approved required`);

    await mlflowCall('model-versions/set-tag', { name: model, version, key: 'validation_status', value: 'approved' });
    const opened = await submitAtFour(handle);
    expect(opened.openReview?.evidence?.[0]).toMatchObject({ holds: true, line: `realDataResults: ${model} version ${version} has validation_status=approved: holds` });
  });
});

describe('MLflow down', () => {
  it('is a clear refusal, and the component keeps working', async () => {
    const runId = await runWith('val_auc', [0.95]);
    const handle = await atLevelFour({ runId, metric: 'val_auc', atLeast: 0.9 });
    await mlflow.stop();
    mlflowStopped = true;
    const error = await refused(() => submitAtFour(handle));
    expect(error.kind).toBe('refused');
    expect(error.message).toMatch(new RegExp(`^realDataResults: MLflow could not be read \\(.+\\), so val_auc ≥ 0\\.9 in run ${runId} is not known$`));
    expect(await handle.query(statusQuery)).toMatchObject({ state: 'working', level: 4, openReview: null });
    // Still answering: a refused submit is not a failed workflow task.
    const patched = await handle.executeUpdate(updateCardUpdate, { args: [{ by: OWNER.email, patch: { caveats: 'MLflow was down at the first submit' } }] });
    expect(patched.cardRevision).toBeGreaterThan(0);
  });
});
