import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { componentHandle } from '../../src/runtime/client.js';
import { historyQuery, pauseUpdate, resumeUpdate, statusQuery } from '../../workflows/definitions.js';
import { LEAD, OWNER, project, reviewer } from '../support/fixtures.js';
import { eventually, startHarness, type Harness } from '../support/harness.js';
import { decide, fillCard, soon, startAndReach, submit } from './steps.js';
import { merged } from '../support/notifications.js';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness?.stop();
});

const emails = (people: { email: string }[]) => people.map((p) => p.email).sort();

describe('reminders and escalation on durable timers', () => {
  it('reminds only the panelists who have not answered, escalates to the project owners once, and stays quiet while paused', async () => {
    const definition = project({
      policy: { approvalsPerRole: 2, remindEvery: '2 seconds', escalateAfter: '5 seconds' },
      components: [
        { id: 'anomaly-model', name: 'Anomaly detector', kind: 'model', entryLevel: 1, owner: OWNER },
        { id: 'slide-loader', name: 'Slide loader', kind: 'data-pipeline', entryLevel: 1, owner: OWNER },
      ],
    });
    const active = await startAndReach(harness.client, harness.taskQueue, definition, 'anomaly-model');
    const paused = componentHandle(harness.client, definition.id, 'slide-loader');
    await eventually(() => paused.query(statusQuery));
    await Promise.all([fillCard(active), fillCard(paused)]);

    const [review, quiet] = await Promise.all([submit(active), submit(paused)]);
    await paused.executeUpdate(pauseUpdate, { args: [{ by: OWNER.email, reason: 'waiting for the new scanner' }] });
    const rl1 = reviewer('research-lead', 1).email;
    await decide(active, review.id, rl1);
    const waitingFirst = emails([reviewer('research-lead', 2), reviewer('researcher', 1), reviewer('researcher', 2)]);

    const of = (componentId: string, kind: string) =>
      merged(harness.sent.filter((n) => n.projectId === definition.id && n.componentId === componentId && n.kind === kind));

    // Two reminder rounds, then a third answer so the next rounds leave that reviewer out too.
    const firstRounds = await soon(() => {
      const reminders = of('anomaly-model', 'reminder');
      expect(reminders.length).toBeGreaterThanOrEqual(2);
      return reminders;
    }, 15_000);
    for (const reminder of firstRounds) expect(emails(reminder.to)).toEqual(waitingFirst);
    const r1 = reviewer('researcher', 1).email;
    await decide(active, review.id, r1);
    const waitingThen = emails([reviewer('research-lead', 2), reviewer('researcher', 2)]);

    const escalations = await soon(() => {
      const found = of('anomaly-model', 'escalation');
      expect(found).toHaveLength(1);
      return found;
    }, 15_000);
    // Escalation at 5 s, with the reviewers still waiting at that moment.
    expect(escalations[0].to).toEqual([LEAD]);
    expect(escalations[0].reviewId).toBe(review.id);
    expect([waitingFirst, waitingThen]).toContainEqual(emails(escalations[0].waiting ?? []));

    // A reminder already on its way when the third answer came may still name that reviewer; every
    // later one leaves them out.
    const reminderCount = of('anomaly-model', 'reminder').length;
    await soon(() => expect(of('anomaly-model', 'reminder').length).toBeGreaterThanOrEqual(reminderCount + 2), 10_000);
    const rounds = of('anomaly-model', 'reminder').map((n) => emails(n.to));
    const firstNarrow = rounds.findIndex((to) => to.join() === waitingThen.join());
    expect(firstNarrow).toBeGreaterThanOrEqual(2);
    expect(rounds.slice(0, firstNarrow)).toEqual(rounds.slice(0, firstNarrow).map(() => waitingFirst));
    expect(rounds.slice(firstNarrow)).toEqual(rounds.slice(firstNarrow).map(() => waitingThen));
    expect(of('anomaly-model', 'escalation')).toHaveLength(1);
    for (const reminder of of('anomaly-model', 'reminder')) {
      expect(reminder.to.map((p) => p.email)).not.toContain(rl1);
      expect(reminder.to.map((p) => p.email)).not.toContain(OWNER.email);
    }

    // The paused component, submitted at the same moment, heard nothing all this time.
    expect(of('slide-loader', 'reminder')).toEqual([]);
    expect(of('slide-loader', 'escalation')).toEqual([]);
    expect(await paused.query(statusQuery)).toMatchObject({ state: 'paused', openReview: { id: quiet.id } });

    // Resumed, its clock starts again from the resume: a reminder within a round, no escalation yet.
    const resumedAt = Date.now();
    const resumed = await paused.executeUpdate(resumeUpdate, { args: [{ by: OWNER.email, reason: 'scanner arrived' }] });
    expect(resumed.state).toBe('in-review');
    expect(Date.parse(resumed.openReview!.nextReminder)).toBeGreaterThanOrEqual(resumedAt + 1_000);
    // One email per recipient: wait for the whole first reminder, not for its first email.
    await soon(
      () =>
        expect(emails(of('slide-loader', 'reminder')[0]?.to ?? [])).toEqual(
          emails([reviewer('research-lead', 1), reviewer('research-lead', 2), reviewer('researcher', 1), reviewer('researcher', 2)]),
        ),
      10_000,
    );
    expect(of('slide-loader', 'escalation')).toEqual([]);

    // The audit trail agrees with what was sent.
    const history = await active.query(historyQuery);
    expect(history.filter((h) => h.what === 'notifyEscalation')).toEqual([expect.objectContaining({ outcome: 'done', who: 'system' })]);
    expect(history.filter((h) => h.what === 'notifyReminder').every((h) => h.outcome === 'done')).toBe(true);
    expect(history.filter((h) => h.what === 'notifyReminder').length).toBeGreaterThanOrEqual(4);
  }, 40_000);
});
