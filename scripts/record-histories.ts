/**
 * Records real workflow histories for the replay suite (test/replay): runs a few scenarios against a
 * fresh in-memory dev server and writes each history as JSON under test/fixtures/histories/.
 *
 *   npm run record-histories
 *
 * Re-record after an intended change to a workflow's commands, and keep the old files when the
 * change is guarded with `patched()` (old histories must go on replaying).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { levelDefinition, type Role } from '../machines/levels.js';
import { ProjectDefinition } from '../machines/model.js';
import { connect, componentHandle, projectHandle, startProject } from '../src/runtime/client.js';
import { PROJECT_ROOT, startDevServer, freePort } from '../src/local/temporalServer.js';
import { createWorker, installProcessLogging } from '../src/runtime/worker.js';
import {
  WORKFLOW_TYPES,
  alertUpdate,
  answerEthicsUpdate,
  decideUpdate,
  reReviewDueSignal,
  reportVersionsUpdate,
  statusQuery,
  submitUpdate,
  switchbackUpdate,
  updateCardUpdate,
  type ComponentWorkflowInput,
} from '../workflows/definitions.js';
import { ETHICS, FULL_CARD, LEAD, OWNER, project, reviewer } from '../test/support/fixtures.js';

// A Standard Webhooks secret for the recording's endpoint only: whsec_ and base64 of 24 bytes.
const WEBHOOK_SECRET = 'whsec_cmVjb3JkZWQtaGlzdG9yaWVzLW9ubHktMjQ=';

const OUT = join(PROJECT_ROOT, 'test', 'fixtures', 'histories');

async function until<T>(check: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await check();
    } catch (error) {
      if (attempt > 100) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

async function approveLevel(handle: WorkflowHandle, proposal?: string): Promise<void> {
  const status = await handle.query(statusQuery);
  const opened = await handle.executeUpdate(submitUpdate, {
    args: [{ by: LEAD.email, ethics: ETHICS, proposal: proposal ?? levelDefinition(status.level).proposals[0] }],
  });
  for (const role of opened.openReview!.requiredRoles) {
    await handle.executeUpdate(decideUpdate, { args: [{ reviewId: opened.openReview!.id, reviewer: reviewer(role as Role).email, verdict: 'approve' }] });
  }
}

async function save(name: string, handle: WorkflowHandle, runId?: string): Promise<void> {
  const history = await (runId ? handle.client.getHandle(handle.workflowId, runId) : handle).fetchHistory();
  writeFileSync(join(OUT, `${name}.json`), historyToJSON(history));
  console.log(`recorded ${name} (${history.events?.length ?? 0} events)`);
}

/** Waits until the workflow has no pending work, so the recorded history ends on a settled task. */
async function settle(handle: WorkflowHandle): Promise<void> {
  await until(async () => {
    const description = await handle.describe();
    const raw = description.raw.pendingActivities ?? [];
    if (raw.length > 0) throw new Error('activities still running');
  });
  await new Promise((resolve) => setTimeout(resolve, 500));
}

async function fullClimb(client: Client, taskQueue: string): Promise<void> {
  const definition = project();
  await startProject(client, taskQueue, definition);
  const handle = componentHandle(client, definition.id, 'anomaly-model');
  await until(() => handle.query(statusQuery));
  await handle.executeUpdate(updateCardUpdate, { args: [{ by: OWNER.email, patch: FULL_CARD }] });
  for (let level = 0; level < 9; level++) await approveLevel(handle);
  await settle(handle);
  await save('full-climb', handle);
  await save('project', projectHandle(client, definition.id));
}

async function switchbacks(client: Client, taskQueue: string): Promise<void> {
  const definition = project();
  await startProject(client, taskQueue, definition);
  const handle = componentHandle(client, definition.id, 'anomaly-model');
  await until(() => handle.query(statusQuery));
  await handle.executeUpdate(updateCardUpdate, { args: [{ by: OWNER.email, patch: FULL_CARD }] });
  await approveLevel(handle);
  await approveLevel(handle);
  const opened = await handle.executeUpdate(submitUpdate, { args: [{ by: LEAD.email, ethics: ETHICS, proposal: 'prototype' }] });
  await handle.executeUpdate(decideUpdate, {
    args: [{ reviewId: opened.openReview!.id, reviewer: reviewer('researcher').email, verdict: 'request-changes', tasks: ['more seeds'] }],
  });
  const again = await handle.executeUpdate(submitUpdate, {
    args: [{ by: LEAD.email, ethics: ETHICS, proposal: 'prototype', resolutions: { t1: { status: 'done', note: 'five more seeds' } } }],
  });
  await handle.executeUpdate(decideUpdate, {
    args: [{ reviewId: again.openReview!.id, reviewer: reviewer('research-lead').email, verdict: 'switchback', targetLevel: 1, comment: 'data leak found' }],
  });
  await approveLevel(handle);
  await handle.executeUpdate(switchbackUpdate, { args: [{ by: OWNER.email, kind: 'discovery', targetLevel: 0, reason: 'new literature' }] });
  await settle(handle);
  await save('switchbacks', handle);
}

async function continueAsNew(client: Client, taskQueue: string): Promise<void> {
  const definition = ProjectDefinition.parse(project());
  const input: ComponentWorkflowInput = {
    projectId: definition.id,
    component: definition.components[0],
    projectOwners: definition.owners,
    roster: definition.roster,
    policy: definition.policy,
    historyLimit: 40,
  };
  const handle = await client.workflow.start(WORKFLOW_TYPES.component, {
    workflowId: `component/${definition.id}/anomaly-model`,
    taskQueue,
    args: [input],
  });
  const firstRunId = handle.firstExecutionRunId;
  await handle.executeUpdate(updateCardUpdate, { args: [{ by: OWNER.email, patch: FULL_CARD }] });
  for (let level = 0; level < 3; level++) await approveLevel(handle);
  await settle(handle);
  await save('continue-as-new-first-run', handle, firstRunId);
  const latest = client.workflow.getHandle(handle.workflowId);
  const { runId } = await latest.describe();
  if (runId === firstRunId) throw new Error('the scenario did not continue as new: raise the number of steps');
  // The next run starts from the carried snapshot and goes on: one more level.
  await approveLevel(latest);
  await settle(latest);
  await save('continue-as-new-next-run', latest, runId);
}

async function reReview(client: Client, taskQueue: string): Promise<void> {
  const definition = ProjectDefinition.parse(project());
  const component = { ...definition.components[0], entryLevel: 9, provenance: { kind: 'adopted' as const, projectId: 'legacy', componentId: 'anomaly-model', level: 9 } };
  const handle = await client.workflow.start(WORKFLOW_TYPES.component, {
    workflowId: `component/${definition.id}/anomaly-model`,
    taskQueue,
    args: [{ projectId: definition.id, component, projectOwners: definition.owners, roster: definition.roster, policy: definition.policy, card: { requirements: [] } }],
  });
  await until(() => handle.query(statusQuery));
  await handle.signal(reReviewDueSignal, { scheduledAt: new Date().toISOString() });
  const status = await until(async () => {
    const s = await handle.query(statusQuery);
    if (!s.openReview) throw new Error('re-review not open yet');
    return s;
  });
  await handle.signal(reReviewDueSignal, { scheduledAt: new Date().toISOString() }); // skipped: one is open
  // The owner answers the ethics checklist; then the panel's verdicts count.
  await handle.executeUpdate(answerEthicsUpdate, { args: [{ by: OWNER.email, answers: ETHICS }] });
  for (const role of status.openReview!.requiredRoles) {
    await handle.executeUpdate(decideUpdate, { args: [{ reviewId: status.openReview!.id, reviewer: reviewer(role as Role).email, verdict: 'approve' }] });
  }
  await handle.executeUpdate(reportVersionsUpdate, { args: [{ by: OWNER.email, versions: { model: '2.0.0' } }] });
  await settle(handle);
  await save('re-review', handle);
}

/**
 * The integrations: a component linked to MLflow (no registry configured, so each sync is
 * recorded as not done) with an evidence check on its card climbs 7 → 9, lifecycle events posted to a webhook
 * endpoint, and a monitoring alert that opens a re-review (then repeats and resolves) whose panel
 * switches the component back to 7.
 */
async function integrations(client: Client, taskQueue: string): Promise<void> {
  const definition = ProjectDefinition.parse(project());
  const component = {
    ...definition.components[0],
    entryLevel: 7,
    provenance: { kind: 'adopted' as const, projectId: 'legacy', componentId: 'anomaly-model', level: 7 },
    integrations: { mlflow: { model: 'slide-anomaly', alias: 'production' } },
  };
  const card = { ...FULL_CARD, realDataResults: { mlflow: { runId: 'abc123', metric: 'val_auc', atLeast: 0.9 }, note: 'held-out hospital B' } };
  const handle = await client.workflow.start(WORKFLOW_TYPES.component, {
    workflowId: `component/${definition.id}/linked-model`,
    taskQueue,
    args: [{ projectId: definition.id, component: { ...component, id: 'linked-model' }, projectOwners: definition.owners, roster: definition.roster, policy: definition.policy, card }],
  });
  await until(() => handle.query(statusQuery));
  await approveLevel(handle);
  await approveLevel(handle);
  const firing = { status: 'firing' as const, fingerprint: 'a1b2c3d4e5f60718', alertname: 'ModelDrift', severity: 'page', summary: 'PSI above 0.2 on site B' };
  const opened = await handle.executeUpdate(alertUpdate, { args: [firing] });
  await handle.executeUpdate(alertUpdate, { args: [firing] }); // repeated: nothing new opens
  await handle.executeUpdate(alertUpdate, { args: [{ ...firing, status: 'resolved' }] });
  await handle.executeUpdate(answerEthicsUpdate, { args: [{ by: OWNER.email, answers: ETHICS }] });
  // One panel member's switchback verdict closes the review and sends the component back.
  const status = await handle.query(statusQuery);
  const role = status.openReview!.requiredRoles[0] as Role;
  await handle.executeUpdate(decideUpdate, { args: [{ reviewId: opened.reviewId!, reviewer: reviewer(role).email, verdict: 'switchback', targetLevel: 7, comment: 'Drift confirmed: re-validate on site B' }] });
  await settle(handle);
  await save('integrations', handle);
}

/** A webhook endpoint on loopback that takes every delivery, so the recorded runs post their events. */
async function webhookEndpoint(): Promise<{ url: string; close: () => void }> {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => response.writeHead(204).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, close: () => server.close() };
}

async function main(): Promise<void> {
  installProcessLogging();
  mkdirSync(OUT, { recursive: true });
  const server = await startDevServer({ port: await freePort(), uiPort: await freePort() });
  const taskQueue = 'record-histories';
  const client = await connect({ TEMPORAL_ADDRESS: server.address, TEMPORAL_NAMESPACE: 'default' });
  const endpoint = await webhookEndpoint();
  const worker = await createWorker({
    address: server.address,
    namespace: 'default',
    taskQueue,
    client,
    webhooks: { endpoints: [{ url: endpoint.url, secret: WEBHOOK_SECRET, format: 'standard' }] },
    mlflow: {},
  });
  try {
    await worker.runUntil(async () => {
      await fullClimb(client, taskQueue);
      await switchbacks(client, taskQueue);
      await continueAsNew(client, taskQueue);
      await reReview(client, taskQueue);
      await integrations(client, taskQueue);
    });
  } finally {
    await client.connection.close();
    await server.stop();
    endpoint.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
