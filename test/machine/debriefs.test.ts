/**
 * Rules edition 2 through the pure lifecycle machine: an approve confirms the level's code caliber
 * and data considerations, and every graduation asks the owner for the stage debrief of the level
 * completed, with reminders every `remindEvery` until it is written. Edition 1 does none of it.
 */
import { describe, expect, it } from 'vitest';
import { FIRST_RULES_EDITION, RULES_EDITION } from '../../machines/context.js';
import { DEBRIEFS_OWED_KEPT } from '../../machines/debriefs.js';
import { CODE_CALIBER_MEANING, confirmationOf, DATA_CONSIDERATIONS, expectationsFor } from '../../machines/expectations.js';
import { LEVELS } from '../../machines/levels.js';
import { cardView, componentStatus } from '../../machines/status.js';
import { figuresOf } from '../../machines/summary.js';
import { componentStatusText } from '../../src/cli/format.js';
import { DAY, email, OWNER, start, type Lifecycle } from './helpers.js';

const debrief = (level: number) => ({ level, done: `Level ${level} work`, punted: 'nothing', learned: 'a lot', debt: 'none' });
const debriefEffects = (c: Lifecycle) => c.effects.filter((e) => e.type === 'notifyDebriefRequested' || e.type === 'notifyDebriefReminder');

describe('code and data expectations per level', () => {
  it('every level has a code caliber meaning and at least one data consideration, in the paper\'s terms', () => {
    for (const level of LEVELS) {
      const expected = expectationsFor(level.level);
      expect(expected.codeCaliber).toBe(level.codeCaliber);
      expect(expected.codeCaliberMeaning).toBe(CODE_CALIBER_MEANING[level.codeCaliber]);
      expect(expected.dataConsiderations.length).toBeGreaterThan(0);
    }
    expect(DATA_CONSIDERATIONS).toHaveLength(LEVELS.length);
    expect(expectationsFor(1).dataConsiderations.join(' ')).toMatch(/sample data/i);
    expect(expectationsFor(5).dataConsiderations.join(' ')).toMatch(/governance/i);
    expect(expectationsFor(6).dataConsiderations.join(' ')).toMatch(/data pipeline/i);
    expect(expectationsFor(7).dataConsiderations.join(' ')).toMatch(/golden dataset/i);
    expect(expectationsFor(7).dataConsiderations.join(' ')).toMatch(/governance/i);
    expect(expectationsFor(8).dataConsiderations.join(' ')).toMatch(/logging/i);
    expect(expectationsFor(9).dataConsiderations.join(' ')).toMatch(/monitoring/i);
    expect(CODE_CALIBER_MEANING.research).toMatch(/quick and dirty/);
    expect(CODE_CALIBER_MEANING.prototype).toMatch(/unit and integration tests/);
    expect(CODE_CALIBER_MEANING.product).toMatch(/comprehensive test coverage/);
  });

  it('the gate and the status state the current level\'s expectations; the card those of every level reached', () => {
    const c = start({ entryLevel: 2 }).climbTo(4);
    expect(c.gate().expectations).toEqual(expectationsFor(4));
    expect(componentStatus(c.state, c.context).gate.expectations.codeCaliber).toBe('prototype');
    expect(cardView(c.context).expectations.map((e) => e.level)).toEqual([2, 3, 4]);
    // A switchback leaves the levels reached as they were.
    c.accept({ type: 'SWITCHBACK', by: OWNER.email, targetLevel: 3, reason: 'new data' });
    expect(cardView(c.context).expectations.map((e) => e.level)).toEqual([2, 3, 4]);
  });
});

describe('edition 2: approving confirms the level\'s code caliber and data considerations', () => {
  it('records what each approve confirmed on the verdict, and once, with the approvers, on the approved review', () => {
    const c = start({ entryLevel: 3, policy: { approvalsPerRole: 1 } }).fillGate().submit();
    c.approve(email('research-lead', 1));
    expect(c.review?.verdicts[0].confirmed).toEqual(confirmationOf(3));
    c.approveAll();
    expect(c.level).toBe(4);
    expect(c.lastClosed?.confirmed).toEqual({ ...confirmationOf(3), by: ['research-lead.1@lab.io', 'applied-ai.1@lab.io', 'engineering.1@lab.io'] });
  });

  it('a request for changes confirms nothing, and a review closed without approval records no confirmation', () => {
    const c = start({ entryLevel: 3 }).fillGate().submit();
    c.approve(email('research-lead', 1));
    c.verdict(email('engineering', 1), 'request-changes', { tasks: ['Integration tests for the loader'] });
    expect(c.lastClosed?.outcome).toBe('changes-requested');
    expect(c.lastClosed?.confirmed).toBeUndefined();
  });
});

describe('edition 2: a stage debrief is asked for after each graduation', () => {
  it('asks the owner for the debrief of the level just completed, and counts it', () => {
    const c = start({ entryLevel: 0 }).fillGate().submit().approveAll();
    expect(c.level).toBe(1);
    expect(c.emitted('notifyDebriefRequested')).toEqual([{ type: 'notifyDebriefRequested', reviewId: 'r1', level: 0, to: [OWNER] }]);
    expect(c.context.debriefs).toMatchObject({ asked: 1, written: 0, owed: [{ level: 0, reviewId: 'r1', graduations: 1 }] });
    const status = componentStatus(c.state, c.context);
    expect(status.debriefsOwed).toEqual([expect.objectContaining({ level: 0, reviewId: 'r1' })]);
    expect(figuresOf({ ...cardView(c.context) }).debriefs).toEqual({ asked: 1, written: 0 });
  });

  it('reminds the owner every remindEvery until the debrief is written, then stops', () => {
    const c = start({ entryLevel: 0, policy: { remindEvery: '2 days' } }).fillGate().submit().approveAll();
    const askedAt = c.now;
    c.send({ type: 'TICK', at: askedAt + DAY });
    expect(debriefEffects(c)).toEqual([]);
    c.send({ type: 'TICK', at: askedAt + 2 * DAY });
    expect(c.emitted('notifyDebriefReminder')).toEqual([{ type: 'notifyDebriefReminder', reviewId: 'r1', level: 0, to: [OWNER] }]);
    c.send({ type: 'TICK', at: askedAt + 3 * DAY });
    expect(debriefEffects(c)).toEqual([]);
    c.send({ type: 'TICK', at: askedAt + 4 * DAY });
    expect(c.emitted('notifyDebriefReminder')).toHaveLength(1);

    c.updateCard({ debriefs: [debrief(0)] });
    expect(c.context.debriefs).toEqual({ asked: 1, written: 1, owed: [] });
    expect(componentStatus(c.state, c.context).debriefsOwed).toEqual([]);
    c.send({ type: 'TICK', at: askedAt + 10 * DAY });
    expect(debriefEffects(c)).toEqual([]);
  });

  it('`mltrl status` shows the debrief still owed, with the command that writes it, and the gate\'s expectations', () => {
    const c = start({ entryLevel: 0 }).fillGate().submit().approveAll();
    const text = componentStatusText(componentStatus(c.state, c.context));
    expect(text).toMatch(/^debrief owed for Level 0 First principles \(graduated with review r1, asked 2026-01-05 \d\d:\d\d:\d\d UTC; next reminder 2026-01-07 \d\d:\d\d:\d\d UTC\)$/m);
    expect(text).toContain(`write it with: mltrl card update neuro-copilot/anomaly-model --by <email> --patch '{"debriefs":[{"level":0,`);
    expect(text).toContain(`  code: ${CODE_CALIBER_MEANING.research}`);
    expect(text).toContain('  data considerations (the panel confirms these and the code caliber by approving):');
    expect(text).toContain(`    - ${DATA_CONSIDERATIONS[1][0]}`);
    c.updateCard({ debriefs: [debrief(0)] });
    expect(componentStatusText(componentStatus(c.state, c.context))).not.toContain('debrief owed');
  });

  it('a debrief of another level does not settle the one owed', () => {
    const c = start({ entryLevel: 1 }).fillGate().submit().approveAll();
    c.updateCard({ debriefs: [debrief(0)] });
    expect(c.context.debriefs).toMatchObject({ asked: 1, written: 0, owed: [{ level: 1 }] });
  });

  it('reminds while a later review is open, and waits while the component is paused; resuming gives a full period', () => {
    const c = start({ entryLevel: 0, policy: { remindEvery: '2 days', escalateAfter: '30 days' } }).fillGate().submit().approveAll();
    const askedAt = c.now;
    c.fillGate().submit();
    expect(c.state).toBe('inReview');
    c.send({ type: 'TICK', at: askedAt + 2 * DAY });
    expect(c.emitted('notifyDebriefReminder')).toHaveLength(1);

    c.accept({ type: 'PAUSE', by: OWNER.email, reason: 'hold', at: askedAt + 3 * DAY });
    expect(c.ask({ type: 'TICK', at: askedAt + 5 * DAY }).kind).toBe('refused');
    c.accept({ type: 'RESUME', by: OWNER.email, reason: 'go on', at: askedAt + 10 * DAY });
    expect(c.context.debriefs?.owed[0].nextReminderAt).toBe(askedAt + 12 * DAY);
    c.send({ type: 'TICK', at: askedAt + 11 * DAY });
    expect(debriefEffects(c)).toEqual([]);
    c.send({ type: 'TICK', at: askedAt + 12 * DAY });
    expect(c.emitted('notifyDebriefReminder')).toHaveLength(1);
  });

  it('asks nothing when an approved review does not raise the level', () => {
    const c = start({ entryLevel: 2 }).fillGate().submit({ proposal: 'continue-research' }).approveAll();
    expect(c.level).toBe(2);
    expect(c.emitted('notifyDebriefRequested')).toEqual([]);
    expect(c.context.debriefs).toBeUndefined();
  });

  it('a second graduation from a level whose debrief is owed is counted on the same entry; one debrief settles both', () => {
    const c = start({ entryLevel: 3 }).climbTo(4);
    c.accept({ type: 'SWITCHBACK', by: OWNER.email, targetLevel: 3, reason: 'loader rewrite' });
    c.climbTo(4);
    expect(c.context.debriefs).toMatchObject({ asked: 2, written: 0, owed: [{ level: 3, graduations: 2, reviewId: 'r2' }] });
    c.updateCard({ debriefs: [debrief(3)] });
    expect(c.context.debriefs).toEqual({ asked: 2, written: 2, owed: [] });
  });

  it('stays bounded: one owed entry per level however many graduations go unanswered', () => {
    const c = start({ entryLevel: 0 }).climbTo(9);
    for (let round = 0; round < 3; round++) {
      c.accept({ type: 'SWITCHBACK', by: OWNER.email, targetLevel: 0, reason: `round ${round}` });
      c.climbTo(9);
    }
    expect(c.context.debriefs?.asked).toBe(36);
    expect(c.context.debriefs?.owed).toHaveLength(9);
    expect(c.context.debriefs!.owed.length).toBeLessThanOrEqual(DEBRIEFS_OWED_KEPT);
    expect(c.context.debriefs?.owed.every((o) => o.graduations === 4)).toBe(true);
  });

  it('a retired component owes nothing in its status', () => {
    const c = start({ entryLevel: 0 }).fillGate().submit().approveAll();
    c.accept({ type: 'RETIRE', by: OWNER.email, reason: 'dropped' });
    expect(componentStatus(c.state, c.context).debriefsOwed).toEqual([]);
  });
});

describe('edition 1 is unchanged', () => {
  it('follows the edition it was given', () => {
    expect(start({ rulesEdition: FIRST_RULES_EDITION }).context.rulesEdition).toBe(1);
    expect(start().context.rulesEdition).toBe(RULES_EDITION);
  });

  it('records no confirmation, asks for no debrief, and a TICK while working does nothing', () => {
    const c = start({ entryLevel: 3, rulesEdition: FIRST_RULES_EDITION }).fillGate().submit();
    c.approve(email('research-lead', 1));
    expect(c.review?.verdicts[0]).not.toHaveProperty('confirmed');
    c.approveAll();
    expect(c.level).toBe(4);
    expect(c.lastClosed).not.toHaveProperty('confirmed');
    expect(c.effects.map((e) => e.type)).toEqual(['notifyReviewClosed']);
    expect(c.context).not.toHaveProperty('debriefs');
    // An edition 1 run sets no deadline while working; a TICK there would change nothing.
    const before = structuredClone(c.context);
    c.send({ type: 'TICK', at: c.now + 30 * DAY });
    expect(c.effects).toEqual([]);
    expect(c.context).toEqual(before);
    c.updateCard({ debriefs: [debrief(3)] });
    expect(c.context).not.toHaveProperty('debriefs');
    expect(componentStatus(c.state, c.context).debriefsOwed).toEqual([]);
    expect(figuresOf(cardView(c.context))).not.toHaveProperty('debriefs');
  });

  it('a full climb emits exactly the effects it always did', () => {
    const c = start({ entryLevel: 0, rulesEdition: FIRST_RULES_EDITION }).climbTo(9);
    const types = new Set(c.allEffects.map((e) => e.type));
    expect([...types].sort()).toEqual(['notifyReviewClosed', 'notifyReviewOpened', 'reconcileSchedule']);
  });
});
