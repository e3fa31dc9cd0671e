/**
 * `accept(snapshot, event)`, the one question every entry asks, answered directly: accepted with the
 * next snapshot and its effects, refused with reasons, or repeated. Its three answers are checked
 * here for what they promise; the rules themselves are tested through it in lifecycle.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { accept, type Answer } from '../../machines/accept.js';
import { componentLifecycle } from '../../machines/componentLifecycle.js';
import type { LifecycleEvent } from '../../machines/events.js';
import { levelDefinition, PROPOSALS } from '../../machines/levels.js';
import type { LifecycleState } from '../../machines/rules.js';
import { MINUTE, OWNER, email, start, type Lifecycle } from './helpers.js';

const refusedFor = (answer: Answer) => (answer.kind === 'refused' ? answer.reasons : []);

/** One event of each type, as someone entitled to send it would (whether the state takes it is the question). */
function oneOfEach(c: Lifecycle): LifecycleEvent[] {
  const at = c.now + MINUTE;
  const by = OWNER.email;
  return [
    { type: 'SUBMIT', at, by, ethics: {} },
    { type: 'VERDICT', at, reviewId: c.review?.id ?? 'r1', reviewer: email('research-lead', 1), verdict: 'approve' },
    { type: 'UPDATE_CARD', at, by, patch: { techName: 'x' } },
    { type: 'SWITCHBACK', at, by, targetLevel: 0, reason: 'gap' },
    { type: 'PAUSE', at, by, reason: 'hold' },
    { type: 'RESUME', at, by, reason: 'go on' },
    { type: 'RETIRE', at, by, reason: 'done' },
    { type: 'REPORT_VERSIONS', at, by, versions: { model: '2.0.0' } },
    { type: 'BRANCH', at, by, level: 0, componentId: 'copy' },
    { type: 'REREVIEW_DUE', at },
    { type: 'TICK', at },
    { type: 'UPDATE_ROSTER', at, roster: c.context.roster },
  ];
}

describe('accept', () => {
  it('accepted: the next snapshot and the effects it asks for, leaving the snapshot it was given alone', () => {
    const c = start().fillGate();
    const before = c.snapshot;
    const answer = c.ask(c.submitEvent());
    expect(answer.kind).toBe('accepted');
    if (answer.kind !== 'accepted') return;
    expect(answer.snapshot.value).toBe('inReview');
    expect(answer.effects).toEqual([expect.objectContaining({ type: 'notifyReviewOpened', reviewId: 'r1', level: 0 })]);
    expect(before.value).toBe('working');
    expect(before.context.review).toBeNull();
  });

  it('refused: every reason, one line each, and nothing else', () => {
    const c = start();
    const answer = c.ask({ type: 'SUBMIT', by: OWNER.email, ethics: {}, note: 'a\nb' });
    expect(answer.kind).toBe('refused');
    expect(refusedFor(answer)).toEqual([
      'missing deliverables: hypotheses, literature, dataReadiness',
      expect.stringMatching(/^ethics: answer /),
    ]);
    for (const reason of refusedFor(answer)) expect(reason).not.toMatch(/[\r\n]/);
  });

  it('repeated: a verdict the reviewer already gave, on the open review or a closed one', () => {
    const c = start({ entryLevel: 1 }).fillGate().submit();
    const reviewId = c.reviewId;
    c.approve(email('research-lead', 1));
    expect(c.ask({ type: 'VERDICT', reviewId, reviewer: email('research-lead', 1), verdict: 'request-changes', tasks: ['x'] })).toEqual({ kind: 'repeated' });
    c.approve(email('researcher', 1));
    expect(c.review).toBeNull();
    expect(c.ask({ type: 'VERDICT', reviewId, reviewer: email('researcher', 1), verdict: 'approve' })).toEqual({ kind: 'repeated' });
  });

  it('refuses, with a reason, every event the state chart does not take in the state the component is in', () => {
    const paths: Record<LifecycleState, () => Lifecycle> = {
      working: () => start().fillGate(),
      inReview: () => start().fillGate().submit(),
      paused: () => start().fillGate().submit().accept({ type: 'PAUSE', by: OWNER.email, reason: 'hold' }),
      retired: () => start().accept({ type: 'RETIRE', by: OWNER.email, reason: 'done' }),
    };
    for (const [state, reach] of Object.entries(paths) as [LifecycleState, () => Lifecycle][]) {
      const c = reach();
      expect(c.state).toBe(state);
      const node = componentLifecycle.root.states[state];
      for (const event of oneOfEach(c)) {
        const taken = node.on[event.type] ? node.ownEvents.includes(event.type) : componentLifecycle.root.ownEvents.includes(event.type);
        const answer = accept(c.snapshot, event);
        if (taken) continue;
        expect(answer.kind, `${event.type} in ${state}`).not.toBe('accepted');
        if (answer.kind === 'refused') expect(answer.reasons[0], `${event.type} in ${state}`).toMatch(/\w/);
      }
    }
  });

  it('a proposal the level does not offer is refused and never opens a review, at any level', () => {
    for (const level of [0, 2, 4, 8]) {
      const c = start({ entryLevel: level }).fillGate();
      const offered = levelDefinition(level).proposals as string[];
      for (const proposal of [...PROPOSALS, 'raise', 'graduate-twice'].filter((p) => !offered.includes(p))) {
        const answer = c.ask(c.submitEvent({ proposal }));
        expect(answer.kind, `${proposal} at Level ${level}`).toBe('refused');
        expect(refusedFor(answer)[0]).toBe(`proposal: must be one of ${offered.join(', ')} at Level ${level}`);
      }
      expect(c.ask(c.submitEvent({ proposal: offered[0] })).kind).toBe('accepted');
    }
  });
});
