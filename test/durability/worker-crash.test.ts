import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { componentHandle, startProject } from '../../src/runtime/client.js';
import { cardQuery, historyQuery, reviewSignal, statusQuery } from '../../workflows/definitions.js';
import { temporalAddress } from '../helpers/temporal.js';
import { OWNER, project, reviewer } from '../support/fixtures.js';
import { eventually } from '../support/harness.js';
import { decide, fillCard, soon, submit } from '../workflow/steps.js';
import { readNotifications, startWorkerProcess, useWorkerProcesses } from './processes.js';
import { merged } from '../support/notifications.js';

const processes = useWorkerProcesses('worker-crash');

describe('a worker killed in the middle of a review', () => {
  it('loses nothing: verdicts signalled while no worker runs are counted once by the next worker', async () => {
    const { client, dir, bundle, workers } = processes();
    const taskQueue = `crash-${randomUUID()}`;
    const notifyLog = join(dir, 'notifications.jsonl');
    const env = { address: temporalAddress(), taskQueue, notifyLog, bundle };
    const first = await startWorkerProcess(env);
    workers.push(first);

    const definition = project({ policy: { approvalsPerRole: 2 } });
    await startProject(client, taskQueue, definition);
    const component = componentHandle(client, definition.id, 'anomaly-model');
    await eventually(() => component.query(statusQuery));
    await fillCard(component);
    const review = await submit(component);
    // The review-opened email went out and its activity is recorded as done before the crash.
    await eventually(async () => {
      expect(merged(readNotifications(notifyLog)).map((n) => n.kind)).toEqual(['review-opened']);
      const history = await component.query(historyQuery);
      expect(history.filter((h) => h.what === 'notifyReviewOpened' && h.outcome === 'done')).toHaveLength(1);
    });

    await first.kill('SIGKILL');
    expect(first.child.signalCode).toBe('SIGKILL');

    // With no worker running, a signal still lands in the workflow's history (an update would wait).
    const rl1 = reviewer('research-lead', 1).email;
    const rl2 = reviewer('research-lead', 2).email;
    for (const who of [rl1, rl1, rl2, rl2]) {
      await component.signal(reviewSignal, { reviewId: review.id, reviewer: who, verdict: 'approve', comment: 'Looks sound' });
    }
    expect((await component.describe()).status.name).toBe('RUNNING');
    // An update, unlike a signal, waits for a worker to answer it.
    const pending = decide(component, review.id, rl1);
    const early = await Promise.race([pending.then(() => 'answered', () => 'failed'), new Promise((r) => setTimeout(() => r('waiting'), 1_500))]);
    expect(early).toBe('waiting');

    const second = await startWorkerProcess(env);
    workers.push(second);
    expect(second.pid).not.toBe(first.pid);

    const status = await eventually(async () => {
      const s = await component.query(statusQuery);
      expect(s.level).toBe(1);
      return s;
    });
    expect(status).toMatchObject({ level: 1, state: 'working', openReview: null, cardRevision: 1 });
    expect(await pending).toMatchObject({ acknowledged: 'repeated', level: 1 });

    const history = await component.query(historyQuery);
    expect(history.filter((h) => h.what === 'review').map((h) => [h.who, h.outcome])).toEqual([
      [rl1, 'accepted'],
      [rl1, 'acknowledged'],
      [rl2, 'accepted'],
      [rl2, 'acknowledged'],
    ]);
    expect(history.filter((h) => h.what === 'decide').map((h) => [h.who, h.outcome])).toEqual([[rl1, 'acknowledged']]);
    expect(history.map((h) => h.what).slice(0, 4)).toEqual(['start', 'updateCard', 'submit', 'notifyReviewOpened']);
    const card = await component.query(cardQuery);
    expect(card.timeline.map((t) => [t.from, t.to])).toEqual([
      [null, 0],
      [0, 1],
    ]);
    expect(card.ethics.map((e) => e.reviewId)).toEqual([review.id]);

    // Notifications: the opening from the first worker, the outcome from the second, each once.
    const sent = await soon(() => {
      const found = merged(readNotifications(notifyLog).filter((n) => n.projectId === definition.id));
      expect(found.map((n) => [n.kind, n.reviewId, n.outcome ?? null, n.pid])).toEqual([
        ['review-opened', review.id, null, first.pid],
        ['review-closed', review.id, 'approved', second.pid],
        // The graduation asks the owner for the debrief of the level it completed.
        ['debrief-requested', review.id, null, second.pid],
      ]);
      return found;
    });
    expect(sent[1].to).toEqual([OWNER]);

    // And it goes on: the next review opens and its panel is told by the new worker.
    const next = await submit(component);
    expect(next).toMatchObject({ id: 'r2', level: 1 });
    await soon(() => expect(merged(readNotifications(notifyLog).filter((n) => n.projectId === definition.id))).toHaveLength(3));
  }, 300_000);
});
