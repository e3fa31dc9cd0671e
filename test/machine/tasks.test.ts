/**
 * Requested changes as work items (rules edition 2): a request-changes verdict puts its tasks on the
 * card as open items of the level; the next submit at that level resolves every one, done or carried;
 * carried tasks stay on the card. Under edition 1 requested changes stay a note on the closed review.
 */
import { describe, expect, it } from 'vitest';
import { accept } from '../../machines/accept.js';
import type { LifecycleEvent } from '../../machines/events.js';
import { cardView, componentStatus } from '../../machines/status.js';
import { keepTasks, TASKS_KEPT, type WorkTask } from '../../machines/tasks.js';
import { email, expectUnchanged, OWNER, PROJECT_OWNER, reasonsOf, start, type Lifecycle } from './helpers.js';

const TASKS = ['Add the second cohort', 'Pin the data version'];

/** A Level 1 review closed with two requested changes. */
function changesRequested(options: { rulesEdition?: number } = {}): Lifecycle {
  const c = start({ entryLevel: 1, ...options }).fillGate().submit();
  return c.verdict(email('researcher', 2), 'request-changes', { tasks: TASKS });
}


/** What a submit with these resolutions gets at entry (limits on, as the workflow's validator asks). */
function atEntry(c: Lifecycle, resolutions: Record<string, { status: 'done' | 'carried'; note: string }>): string[] {
  return reasonsOf(accept(c.snapshot, { ...(c.submitEvent({ resolutions }) as Omit<LifecycleEvent, 'at'>), at: c.now + 1 } as LifecycleEvent, {}));
}

describe('requested changes become open work items of the level', () => {
  it('each task of the closing verdict is an open item on the card, numbered, with its level and review', () => {
    const c = changesRequested();
    expect(c.context.tasks).toEqual([
      { id: 't1', level: 1, reviewId: 'r1', text: TASKS[0], status: 'open' },
      { id: 't2', level: 1, reviewId: 'r1', text: TASKS[1], status: 'open' },
    ]);
    // The closed review keeps its tasks too, and the owner is told, as before.
    expect(c.lastClosed).toMatchObject({ outcome: 'changes-requested', tasks: TASKS });
    expect(cardView(c.context).tasks).toEqual(c.context.tasks);
    // The gate names them as what the next submit still needs.
    expect(c.gate().openTasks).toEqual(['t1', 't2']);
    expect(componentStatus(c.snapshot.value, c.context).gate.openTasks).toEqual(['t1', 't2']);
  });

  it('the next submit at the level is refused until every open task is resolved, naming the ids and the rule', () => {
    const c = changesRequested();
    expectUnchanged(c, () => c.send(c.submitEvent()));
    expect(c.lastRefusals).toEqual([
      'resolutions: resolve t1, t2 (every open task of Level 1 is marked done with a note, or carried forward with a reason, before the next submit at that level)',
    ]);
    expectUnchanged(c, () => c.send(c.submitEvent({ resolutions: { t1: { status: 'done', note: 'added' } } })));
    expect(c.lastRefusals[0]).toMatch(/^resolutions: resolve t2 \(/);
  });

  it('resolutions naming a task not on the card, or one already done, are refused where the submit enters', () => {
    const c = changesRequested();
    expect(atEntry(c, { t1: { status: 'done', note: 'x' }, t2: { status: 'done', note: 'y' }, t9: { status: 'done', note: 'z' } })).toEqual([
      'resolutions: t9 is not a task on this card (open or carried: t1, t2)',
    ]);
    c.submit({ resolutions: { t1: { status: 'done', note: 'x' }, t2: { status: 'carried', note: 'after the pilot' } } });
    c.verdict(email('researcher', 1), 'request-changes', { tasks: ['One more'] });
    expect(atEntry(c, { t1: { status: 'done', note: 'again' }, t3: { status: 'done', note: 'done' } })).toEqual(['resolutions: t1 is already done']);
  });

  it('done and carried resolutions are recorded with who, when and the review they came with; carried tasks stay', () => {
    const c = changesRequested();
    c.submit({ by: PROJECT_OWNER.email, resolutions: { t1: { status: 'done', note: 'cohort B added' }, t2: { status: 'carried', note: 'after the pilot' } } });
    const at = c.now;
    expect(c.reviewId).toBe('r2');
    expect(c.context.tasks).toEqual([
      { id: 't1', level: 1, reviewId: 'r1', text: TASKS[0], status: 'done', resolution: { note: 'cohort B added', by: PROJECT_OWNER.email, at, reviewId: 'r2' } },
      { id: 't2', level: 1, reviewId: 'r1', text: TASKS[1], status: 'carried', resolution: { note: 'after the pilot', by: PROJECT_OWNER.email, at, reviewId: 'r2' } },
    ]);
    expect(c.gate().openTasks).toEqual([]);
    // The carried task goes up with the component and is never asked again, nor dropped.
    c.approveAll();
    expect(c.level).toBe(2);
    c.fillGate().submit();
    expect(c.context.tasks.find((t) => t.id === 't2')).toMatchObject({ status: 'carried' });
    // A later submit may mark it done.
    c.approveAll().fillGate();
    c.submit({ proposal: 'graduate', resolutions: { t2: { status: 'done', note: 'pinned in 1.4.1' } } });
    expect(c.context.tasks.find((t) => t.id === 't2')).toMatchObject({ status: 'done', resolution: { note: 'pinned in 1.4.1', reviewId: c.reviewId } });
  });

  it('open tasks of a level wait for the next submit at that level, even after a switchback', () => {
    const c = start({ entryLevel: 1 }).climbTo(3).fillGate().submit();
    c.verdict(email('engineering', 1), 'request-changes', { tasks: ['Cover the slide loader'] });
    c.accept({ type: 'SWITCHBACK', by: OWNER.email, targetLevel: 2, reason: 'labels leak' });
    c.fillGate();
    // At Level 2 the Level 3 task is not asked for.
    c.submit({ proposal: 'prototype' }).approveAll();
    expect(c.level).toBe(3);
    c.fillGate();
    expect(c.submitRefusals()).toEqual([expect.stringMatching(/^resolutions: resolve t1 .*Level 3/)]);
    c.resubmit();
    expect(c.context.tasks[0]).toMatchObject({ id: 't1', status: 'done' });
  });

  it('the list stays bounded: done tasks are dropped first, owed work is kept', () => {
    const task = (n: number, status: WorkTask['status']): WorkTask => ({ id: `t${n}`, level: 1, reviewId: 'r1', text: `task ${n}`, status });
    const tasks = Array.from({ length: TASKS_KEPT + 20 }, (_, i) => task(i + 1, i < 40 ? 'done' : i % 2 ? 'carried' : 'open'));
    const kept = keepTasks(tasks);
    expect(kept).toHaveLength(TASKS_KEPT);
    expect(kept.filter((t) => t.status === 'done')).toHaveLength(20);
    expect(kept.filter((t) => t.status !== 'done')).toHaveLength(TASKS_KEPT - 20);
  });
});

describe('rules edition 1 is unchanged', () => {
  it('requested changes stay on the closed review only; a resubmit needs no resolutions', () => {
    const c = changesRequested({ rulesEdition: 1 });
    expect(c.lastClosed).toMatchObject({ outcome: 'changes-requested', tasks: TASKS });
    expect(c.context.tasks).toEqual([]);
    expect(c.gate().openTasks).toEqual([]);
    c.submit();
    expect(c.reviewId).toBe('r2');
    expect(c.emitted('notifyReviewOpened')).toHaveLength(1);
  });
});
