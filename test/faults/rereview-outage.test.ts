/**
 * A Level 9 re-review schedule keeps firing while no worker runs. The fires wait on the server
 * (the first one's re-review workflow) or are skipped by the schedule's overlap policy; when a new
 * worker starts, exactly one re-review opens, later fires while it is open are noted as skipped in
 * the component's history, and every fire the schedule took is accounted for there.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { componentHandle, projectHandle, startProject } from '../../src/runtime/client.js';
import { historyQuery, reReviewScheduleId, statusQuery } from '../../workflows/definitions.js';
import { temporalAddress } from '../helpers/temporal.js';
import { readNotifications, startWorkerProcess, useWorkerProcesses } from '../durability/processes.js';
import { OWNER, project } from '../support/fixtures.js';
import { eventually, PATIENCE_MS } from '../support/harness.js';
import { startSourceComponent } from '../support/sources.js';
import { workflowTaskFailures } from '../fuzz/server.js';
import { merged, wholeMessages } from '../support/notifications.js';

const processes = useWorkerProcesses('rereview-outage');

describe('a re-review schedule firing while no worker runs', () => {
  it('opens exactly one re-review once a worker is back; fires while it is open are noted as skipped; no fire is lost', async () => {
    const { client, dir, bundle, workers } = processes();
    const taskQueue = `rereview-outage-${randomUUID()}`;
    const notifyLog = join(dir, 'notifications.jsonl');
    const env = { address: temporalAddress(), taskQueue, notifyLog, bundle };
    const first = await startWorkerProcess(env);
    workers.push(first);

    // The component it adopts is already deployed (at Level 9) on the same task queue.
    const source = await startSourceComponent(client, taskQueue);
    const deployed = {
      id: 'meteor-detector',
      name: 'Meteor detector',
      kind: 'model' as const,
      entryLevel: 9,
      owner: OWNER,
      provenance: { kind: 'adopted' as const, projectId: source.projectId, componentId: source.componentId, level: 9 },
    };
    const definition = project({ components: [deployed], policy: { rereviewEvery: '2 seconds' } });
    await startProject(client, taskQueue, definition);
    const component = componentHandle(client, definition.id, deployed.id);
    const schedule = client.schedule.getHandle(reReviewScheduleId(definition.id, deployed.id));
    try {
      // Entering Level 9 creates the schedule, whose first fire comes one interval later. Hold it as
      // soon as it exists, so that no fire meets the first worker however slow this machine is, and
      // take that worker down once it has recorded the schedule.
      await eventually(() => schedule.describe(), PATIENCE_MS, 20);
      await schedule.pause('the worker goes down');
      await eventually(async () => {
        const history = await component.query(historyQuery);
        expect(history.some((h) => h.what === 'reconcileSchedule' && h.outcome === 'done')).toBe(true);
      });
      await first.kill('SIGKILL');
      const taken = (await schedule.describe()).info.numActionsTaken;
      expect(taken, 'the schedule fired before the test could hold it').toBe(0);
      await schedule.unpause('no worker runs');

      // Three or more fires with no worker: the first fire's re-review workflow waits for one,
      // and while it waits the schedule skips the next fires (overlap SKIP) and counts them.
      await eventually(async () => {
        const during = (await schedule.describe()).info;
        expect(during.numActionsTaken + during.numActionsSkippedOverlap - taken).toBeGreaterThanOrEqual(3);
        expect(during.numActionsSkippedOverlap).toBeGreaterThanOrEqual(1);
      });
      expect((await component.describe()).status.name).toBe('RUNNING');

      const second = await startWorkerProcess(env);
      workers.push(second);

      // Exactly one re-review opens, submitted by `system`.
      const opened = await eventually(async () => {
        const status = await component.query(statusQuery);
        expect(status.openReview).toMatchObject({ id: 'r1', reReview: true, submittedBy: 'system', level: 9 });
        return status;
      });
      expect(opened).toMatchObject({ level: 9, state: 'in-review' });

      // Fires after the restart, while r1 is open, are noted as skipped.
      await eventually(async () => {
        const skipped = (await component.query(historyQuery)).filter((h) => h.what === 'reReviewDue' && h.outcome === 'refused');
        expect(skipped.length).toBeGreaterThanOrEqual(2);
        for (const entry of skipped) expect(entry.why).toBe('re-review skipped: review r1 is still open');
      });

      // Stop the schedule and let the last fire land: every action the schedule took reached the
      // component and is in its history, once.
      await schedule.pause('fault test done');
      await eventually(async () => {
        const { numActionsTaken } = (await schedule.describe()).info;
        const dues = (await component.query(historyQuery)).filter((h) => h.what === 'reReviewDue');
        expect(dues.length).toBe(numActionsTaken);
        expect(dues.filter((h) => h.outcome === 'accepted').map((h) => h.why)).toEqual(['re-review r1 opened']);
      });

      const status = await component.query(statusQuery);
      expect(status).toMatchObject({ level: 9, state: 'in-review', openReview: { id: 'r1' } });

      // The re-review was announced once, by the new worker: under rules edition 2 it first asks the
      // owner for the ethics checklist's answers (the panel is asked once they are in).
      const ours = () => readNotifications(notifyLog).filter((n) => n.projectId === definition.id);
      const told = await eventually(async () => {
        const whole = await wholeMessages(component, 'ethics-requested', ours);
        expect(whole).toHaveLength(1);
        return whole;
      });
      expect(merged(ours()).map((n) => [n.kind, n.reviewId, n.pid])).toEqual([['ethics-requested', 'r1', second.pid]]);
      expect(new Set(ours().map((n) => n.pid))).toEqual(new Set([second.pid]));
      expect(told[0].to.map((p) => p.email)).toEqual([deployed.owner.email]);
      expect(await workflowTaskFailures(client, component.workflowId)).toEqual([]);
    } finally {
      await schedule.delete().catch(() => undefined);
      await component.terminate('fault test done').catch(() => undefined);
      await projectHandle(client, definition.id).terminate('fault test done').catch(() => undefined);
    }
  }, 300_000);
});
