import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { afterAll, describe, expect, it } from 'vitest';
import type { Notification } from '../../activities/index.js';
import { componentHandle, connect, projectHandle, startProject } from '../../src/runtime/client.js';
import { freePort, startDevServer, type DevServer } from '../../src/local/temporalServer.js';
import { createWorker } from '../../src/runtime/worker.js';
import { historyQuery, projectStatusQuery, statusQuery, type ComponentStatus } from '../../workflows/definitions.js';
import { NO_EMAIL_CAP, OWNER, project, reviewer } from '../support/fixtures.js';
import { eventually, PATIENCE_MS, workflowBundle } from '../support/harness.js';
import { approveAll, climb, decide, fillCard, soon, submit } from '../workflow/steps.js';

interface Stack {
  server: DevServer;
  client: Client;
  worker: Worker;
  running: Promise<void>;
}

const dir = mkdtempSync(join(tmpdir(), 'mltrl-server-restart-'));
const dbFile = join(dir, 'temporal.sqlite');
const taskQueue = `restart-${randomUUID()}`;
const sent: Notification[] = [];
const stacks: Stack[] = [];

async function startStack(): Promise<Stack> {
  const server = await startDevServer({ dbFile, port: await freePort(), uiPort: await freePort(), readyTimeoutMs: PATIENCE_MS });
  const client = await connect({ TEMPORAL_ADDRESS: server.address, TEMPORAL_NAMESPACE: 'default' });
  const worker = await createWorker({
    address: server.address,
    namespace: 'default',
    taskQueue,
    client,
    notifier: {
      send: (n) => {
        sent.push(n);
        return Promise.resolve();
      },
    },
    workflowBundle: await workflowBundle(),
    maxEmailsPerHour: NO_EMAIL_CAP,
  });
  const stack = { server, client, worker, running: worker.run() };
  stacks.push(stack);
  return stack;
}

async function stopStack(stack: Stack): Promise<void> {
  stacks.splice(stacks.indexOf(stack), 1);
  if (stack.worker.getState() === 'RUNNING') stack.worker.shutdown();
  await stack.running;
  await stack.client.connection.close();
  await stack.server.stop();
}

afterAll(async () => {
  for (const stack of stacks) await stopStack(stack).catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

/** What must survive a restart: the public status without the clock-derived fields. */
const essentials = (s: ComponentStatus) => ({
  level: s.level,
  state: s.state,
  cardRevision: s.cardRevision,
  openReview: s.openReview && {
    id: s.openReview.id,
    level: s.openReview.level,
    approvals: s.openReview.approvals,
    answered: s.openReview.answered,
    missingRoles: s.openReview.missingRoles,
    nextReminder: s.openReview.nextReminder,
  },
});

describe('a Temporal server restarted on its SQLite file', () => {
  it('brings every component back where it was, and they go on', async () => {
    const definition = project({
      policy: { approvalsPerRole: 2 },
      components: [
        { id: 'anomaly-model', name: 'Anomaly detector', kind: 'model', entryLevel: 0, owner: OWNER },
        { id: 'slide-loader', name: 'Slide loader', kind: 'data-pipeline', entryLevel: 3, owner: OWNER },
      ],
    });

    const before = await startStack();
    await startProject(before.client, taskQueue, definition);
    const model = componentHandle(before.client, definition.id, 'anomaly-model');
    const loader = componentHandle(before.client, definition.id, 'slide-loader');
    await eventually(() => Promise.all([model.query(statusQuery), loader.query(statusQuery)]));
    await Promise.all([fillCard(model), fillCard(loader)]);
    await climb(model, 1, 2);
    const review = await submit(model);
    await decide(model, review.id, reviewer('research-lead', 1).email);
    await decide(model, review.id, reviewer('researcher', 2).email);

    const modelBefore = await model.query(statusQuery);
    const loaderBefore = await loader.query(statusQuery);
    expect(modelBefore).toMatchObject({ level: 1, state: 'in-review', openReview: { approvals: { 'research-lead': 1, researcher: 1 } } });
    expect(loaderBefore).toMatchObject({ level: 3, state: 'working', openReview: null });
    // Stop only once the new review's email is out, so the history is complete.
    const historyBefore = await eventually(async () => {
      const entries = await model.query(historyQuery);
      expect(entries.filter((h) => h.what === 'notifyReviewOpened' && h.outcome === 'done')).toHaveLength(2);
      return entries;
    });
    await eventually(async () => {
      const s = await projectHandle(before.client, definition.id).query(projectStatusQuery);
      expect(s.components.map((c) => [c.componentId, c.level, c.state])).toEqual([
        ['anomaly-model', 1, 'in-review'],
        ['slide-loader', 3, 'working'],
      ]);
    });
    await stopStack(before);

    const after = await startStack();
    expect(after.server.address).not.toBe(before.server.address);
    const modelAgain = componentHandle(after.client, definition.id, 'anomaly-model');
    const loaderAgain = componentHandle(after.client, definition.id, 'slide-loader');
    const modelAfter = await eventually(() => modelAgain.query(statusQuery));
    expect(essentials(modelAfter)).toEqual(essentials(modelBefore));
    expect(essentials(await loaderAgain.query(statusQuery))).toEqual(essentials(loaderBefore));
    expect(await modelAgain.query(historyQuery)).toEqual(historyBefore);
    expect((await projectHandle(after.client, definition.id).query(projectStatusQuery)).systemLevel).toBe(1);

    // They go on: the open review reaches quorum, the other component climbs a level.
    await decide(modelAgain, review.id, reviewer('research-lead', 2).email);
    const closed = await decide(modelAgain, review.id, reviewer('researcher', 1).email);
    expect(closed).toMatchObject({ open: false, outcome: 'approved', level: 2 });
    const next = await submit(loaderAgain);
    await approveAll(loaderAgain, next, 2);
    expect(await loaderAgain.query(statusQuery)).toMatchObject({ level: 4, state: 'working' });

    await eventually(async () => {
      const s = await projectHandle(after.client, definition.id).query(projectStatusQuery);
      expect(s.components.map((c) => [c.componentId, c.level, c.state])).toEqual([
        ['anomaly-model', 2, 'working'],
        ['slide-loader', 4, 'working'],
      ]);
      expect(s.systemLevel).toBe(2);
    });
    // The two components tell their owners independently: in either order.
    await soon(() =>
      expect(sent.filter((n) => n.kind === 'review-closed').map((n) => `${n.componentId} ${n.reviewId} ${n.outcome}`).sort()).toEqual([
        'anomaly-model r1 approved',
        'anomaly-model r2 approved',
        'slide-loader r1 approved',
      ]),
    );
  }, 300_000);
});
