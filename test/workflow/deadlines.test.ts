import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { componentHandle } from '../../src/runtime/client.js';
import { historyQuery, pauseUpdate, resumeUpdate, statusQuery } from '../../workflows/definitions.js';
import { LEAD, OWNER, project, reviewer } from '../support/fixtures.js';
import { eventually, startHarness, type Harness } from '../support/harness.js';
import { merged, roundsDueBy, wholeMessages } from '../support/notifications.js';
import { decide, fillCard, startAndReach, submit } from './steps.js';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness?.stop();
});

const emails = (people: { email: string }[]) => people.map((p) => p.email).sort();
const REMIND_EVERY_MS = 2_000;

/** When the audit trail records `who`'s accepted verdict (workflow time). */
async function answeredAt(handle: WorkflowHandle, who: string): Promise<number> {
  const entry = (await handle.query(historyQuery)).find((h) => h.what === 'decide' && h.who === who && h.outcome === 'accepted');
  if (!entry) throw new Error(`no accepted verdict from ${who}`);
  return Date.parse(entry.at);
}

/** When the audit trail records the component's last accepted `what` message (e.g. pause). */
async function recordedAt(handle: WorkflowHandle, what: string): Promise<number> {
  const entry = (await handle.query(historyQuery)).filter((h) => h.what === what && h.outcome === 'accepted').at(-1);
  if (!entry) throw new Error(`no accepted ${what}`);
  return Date.parse(entry.at);
}

/**
 * Reminder rounds go to whoever had not answered when each fell due: as answers come in, the
 * rounds move through `stages` (recipient lists) in order and never go back to an earlier one.
 */
function expectStages(rounds: string[][], stages: string[][]): void {
  let stage = 0;
  for (const [index, to] of rounds.entries()) {
    const found = stages.findIndex((s) => s.join() === to.join());
    expect(found, `reminder round ${index + 1} to ${to.join(', ')} (rounds: ${JSON.stringify(rounds)})`).toBeGreaterThanOrEqual(stage);
    stage = found;
  }
}

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
    const everyone = emails([reviewer('research-lead', 1), reviewer('research-lead', 2), reviewer('researcher', 1), reviewer('researcher', 2)]);
    const waitingFirst = emails([reviewer('research-lead', 2), reviewer('researcher', 1), reviewer('researcher', 2)]);

    const sentOf = (componentId: string, kind: string) =>
      harness.sent.filter((n) => n.projectId === definition.id && n.componentId === componentId && n.kind === kind);
    const of = (componentId: string, kind: string) => merged(sentOf(componentId, kind));
    /** Reminder rounds every recipient has, as sorted recipient lists. */
    const wholeRounds = async (handle: WorkflowHandle, componentId: string) =>
      (await wholeMessages(handle, 'reminder', () => sentOf(componentId, 'reminder'))).map((n) => emails(n.to));
    const named = (rounds: string[][], who: string) => rounds.filter((to) => to.includes(who)).length;
    const firstDue = Date.parse(review.nextReminder);
    // A round that fell due before rl1's answer was recorded may still name them (a loaded machine
    // can take that long to answer an update); every later one leaves them out.
    const rl1At = await answeredAt(active, rl1);

    // Two whole reminder rounds to the three still waiting, then a third answer so the next rounds
    // leave that reviewer out too.
    const firstRounds = await eventually(async () => {
      const rounds = await wholeRounds(active, 'anomaly-model');
      expect(rounds.filter((to) => to.join() === waitingFirst.join()).length).toBeGreaterThanOrEqual(2);
      return rounds;
    });
    expectStages(firstRounds, [everyone, waitingFirst]);
    expect(named(firstRounds, rl1)).toBeLessThanOrEqual(roundsDueBy(firstDue, rl1At, REMIND_EVERY_MS));
    const r1 = reviewer('researcher', 1).email;
    await decide(active, review.id, r1);
    const r1At = await answeredAt(active, r1);
    const waitingThen = emails([reviewer('research-lead', 2), reviewer('researcher', 2)]);

    const escalations = await eventually(async () => {
      const found = await wholeMessages(active, 'escalation', () => sentOf('anomaly-model', 'escalation'));
      expect(found).toHaveLength(1);
      return found;
    });
    // Escalation at 5 s, naming the reviewers still waiting at that moment: never one whose answer
    // was recorded before it fell due.
    expect(escalations[0].to).toEqual([LEAD]);
    expect(escalations[0].reviewId).toBe(review.id);
    const waiting = emails(escalations[0].waiting ?? []);
    expect([everyone, waitingFirst, waitingThen]).toContainEqual(waiting);
    const escalateAt = Date.parse(review.escalation!);
    for (const [who, at] of [[rl1, rl1At], [r1, r1At]] as const) if (at < escalateAt) expect(waiting).not.toContain(who);

    // Two whole rounds after the third answer. A round that fell due before it was recorded may
    // still name that reviewer; every later one leaves them out.
    const rounds = await eventually(async () => {
      const all = await wholeRounds(active, 'anomaly-model');
      expect(all.filter((to) => to.join() === waitingThen.join()).length).toBeGreaterThanOrEqual(2);
      return all;
    });
    expectStages(rounds, [everyone, waitingFirst, waitingThen]);
    expect(rounds.filter((to) => to.join() === waitingFirst.join()).length).toBeGreaterThanOrEqual(2);
    expect(named(rounds, rl1)).toBeLessThanOrEqual(roundsDueBy(firstDue, rl1At, REMIND_EVERY_MS));
    expect(named(rounds, r1)).toBeLessThanOrEqual(roundsDueBy(firstDue, r1At, REMIND_EVERY_MS));
    expect(of('anomaly-model', 'escalation')).toHaveLength(1);
    for (const reminder of of('anomaly-model', 'reminder')) expect(reminder.to.map((p) => p.email)).not.toContain(OWNER.email);

    // The paused component, submitted at the same moment, heard nothing all this time: nothing but
    // what had fallen due before the pause was recorded (on a quick machine, nothing at all).
    const pausedAt = await recordedAt(paused, 'pause');
    const beforePause = {
      reminders: roundsDueBy(Date.parse(quiet.nextReminder), pausedAt, REMIND_EVERY_MS),
      escalations: pausedAt >= Date.parse(quiet.escalation!) ? 1 : 0,
    };
    const heardWhilePaused = of('slide-loader', 'reminder').length;
    expect(heardWhilePaused).toBeLessThanOrEqual(beforePause.reminders);
    expect(of('slide-loader', 'escalation').length).toBeLessThanOrEqual(beforePause.escalations);
    expect(await paused.query(statusQuery)).toMatchObject({ state: 'paused', openReview: { id: quiet.id } });

    // Resumed, its clock starts again from the resume: a reminder within a round, the escalation
    // escalateAfter after the resume, nothing earlier.
    const resumedAt = Date.now();
    const resumed = await paused.executeUpdate(resumeUpdate, { args: [{ by: OWNER.email, reason: 'scanner arrived' }] });
    expect(resumed.state).toBe('in-review');
    expect(Date.parse(resumed.openReview!.nextReminder)).toBeGreaterThanOrEqual(resumedAt + 1_000);
    const escalationDue = resumed.openReview!.escalation;
    if (beforePause.escalations === 0) expect(Date.parse(escalationDue!)).toBeGreaterThanOrEqual(resumedAt + 4_000);
    // The first reminder after the resume, whole: every recipient's email, not the first one.
    await eventually(async () => {
      const after = (await wholeRounds(paused, 'slide-loader')).slice(heardWhilePaused);
      expect(after[0]).toEqual(everyone);
    });
    // Whenever its escalation goes out, it is not before that new deadline.
    if (beforePause.escalations === 0) {
      for (const entry of (await paused.query(historyQuery)).filter((h) => h.what === 'notifyEscalation')) {
        expect(Date.parse(entry.at)).toBeGreaterThanOrEqual(Date.parse(escalationDue!));
      }
    }

    // The audit trail agrees with what was sent.
    const history = await active.query(historyQuery);
    expect(history.filter((h) => h.what === 'notifyEscalation')).toEqual([expect.objectContaining({ outcome: 'done', who: 'system' })]);
    expect(history.filter((h) => h.what === 'notifyReminder').every((h) => h.outcome === 'done')).toBe(true);
    expect(history.filter((h) => h.what === 'notifyReminder').length).toBeGreaterThanOrEqual(4);
  });
});
