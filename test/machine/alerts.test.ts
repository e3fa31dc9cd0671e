/**
 * Monitoring alerts (machines/alerts.ts): a firing alert about a Level 9 component opens an
 * out-of-cycle re-review carrying it, whose outcomes are a re-review's own; its repeats open
 * nothing while it fires; a resolution is noted and forgets it; a component not at 9 (or paused)
 * skips it with the reason, as a scheduled re-review is skipped.
 */
import { describe, expect, it } from 'vitest';
import type { AlertNotice } from '../../machines/alerts.js';
import { FIRING_ALERTS_KEPT } from '../../machines/alerts.js';
import { componentStatus } from '../../machines/status.js';
import { email, expectUnchanged, OWNER, start, type Lifecycle } from './helpers.js';

const DRIFT: AlertNotice = {
  fingerprint: 'a1b2c3d4e5f60718',
  alertname: 'ModelDrift',
  severity: 'critical',
  summary: 'PSI on slide embeddings above 0.3 for 15 minutes',
  startsAt: '2026-01-20T08:00:00.000Z',
};
const LATENCY: AlertNotice = { fingerprint: 'ffee000011112222', alertname: 'ScoringLatency', summary: 'p99 above 2 s' };

// Entered at 4, so a re-review's switchback may send it back to 4 as well as 7.
const atNine = (options: { rulesEdition?: number } = {}): Lifecycle => start({ entryLevel: 4, ...options }).climbTo(9);
const fire = (c: Lifecycle, alert = DRIFT) => c.send({ type: 'ALERT_FIRING', alert });
const resolve = (c: Lifecycle, alert = DRIFT) => c.send({ type: 'ALERT_RESOLVED', alert });

describe('a firing alert at Level 9', () => {
  it('opens a re-review carrying the alert, asking the owner for the ethics checklist first (edition 2)', () => {
    const c = fire(atNine());
    expect(c.lastAnswer.kind).toBe('accepted');
    expect(c.state).toBe('inReview');
    const at = c.now;
    expect(c.review).toMatchObject({ level: 9, proposal: 'keep', submittedBy: 'alertmanager', reReview: true, awaitingEthics: true, alerts: [{ ...DRIFT, firedAt: at }] });
    expect(c.context.firingAlerts).toEqual([{ fingerprint: DRIFT.fingerprint, alertname: 'ModelDrift', since: at, reviewId: c.reviewId }]);
    expect(c.effects.filter((e) => e.type.startsWith('notify'))).toEqual([{ type: 'notifyEthicsRequested', reviewId: c.reviewId, level: 9, to: [OWNER] }]);
    expect(componentStatus(c.snapshot.value, c.context).openReview).toMatchObject({ reReview: true, alerts: [{ alertname: 'ModelDrift', severity: 'critical', summary: DRIFT.summary }] });
  });

  it('under edition 1 goes to the panel at once, like a scheduled re-review of that edition', () => {
    const c = fire(atNine({ rulesEdition: 1 }));
    expect(c.review?.awaitingEthics).toBeUndefined();
    expect(c.emitted('notifyReviewOpened')).toHaveLength(1);
  });

  it('ends as a re-review does: a switchback verdict to 7 or 4 (an embedded switchback), or keep', () => {
    const c = fire(atNine()).answerEthics();
    expectUnchanged(c, () => c.verdict(email('qa', 1), 'switchback', { targetLevel: 8, comment: 'drift' }));
    expect(c.lastRefusals).toEqual(['targetLevel: a Level 9 re-review sends a component back to 7 or 4']);
    c.verdict(email('qa', 1), 'switchback', { targetLevel: 4, comment: 'drift means the data assumptions broke' });
    expect(c.level).toBe(4);
    expect(c.context.switchbacks.at(-1)).toMatchObject({ from: 9, to: 4, kind: 'embedded' });
    expect(c.lastClosed).toMatchObject({ outcome: 'switched-back', reReview: true });

    const kept = fire(atNine()).answerEthics().approveAll();
    expect(kept.level).toBe(9);
    expect(kept.lastClosed).toMatchObject({ outcome: 'approved', proposal: 'keep', reReview: true });
  });

  it('repeats of the alert open nothing while it fires, whether the review is open or closed', () => {
    const c = fire(atNine());
    expectUnchanged(c, () => fire(c));
    expect(c.lastAnswer.kind).toBe('repeated');
    c.answerEthics().approveAll();
    expect(c.state).toBe('working');
    expectUnchanged(c, () => fire(c));
    expect(c.lastAnswer.kind).toBe('repeated');
  });

  it('another alert while the review is open is noted on it, not a second review', () => {
    const c = fire(atNine());
    const reviewId = c.reviewId;
    fire(c, LATENCY);
    expect(c.lastAnswer.kind).toBe('accepted');
    expect(c.reviewId).toBe(reviewId);
    expect(c.context.reviewSeq).toBe(Number(reviewId.slice(1)));
    expect(c.review?.alerts?.map((a) => a.alertname)).toEqual(['ModelDrift', 'ScoringLatency']);
    expect(c.effects).toEqual([]);
  });

  it('is a new occurrence once resolved: the same alert firing again opens a new re-review', () => {
    const c = fire(atNine()).answerEthics().approveAll();
    resolve(c);
    expect(c.lastAnswer.kind).toBe('accepted');
    expect(c.context.firingAlerts).toEqual([]);
    const closed = c.context.reviewSeq;
    fire(c);
    expect(c.state).toBe('inReview');
    expect(c.context.reviewSeq).toBe(closed + 1);
  });
});

describe('a resolved alert', () => {
  it('is marked resolved on the open review that carries it', () => {
    const c = fire(atNine());
    resolve(c);
    const at = c.now;
    expect(c.review?.alerts).toEqual([{ ...DRIFT, firedAt: at - 60_000, resolvedAt: at }]);
    expect(c.state).toBe('inReview');
    expect(c.effects).toEqual([]);
  });

  it('of an alert the component never heard fire changes nothing (the workflow still records it)', () => {
    const c = atNine();
    expectUnchanged(c, () => resolve(c));
    expect(c.lastAnswer.kind).toBe('accepted');
  });

  it('is noted while paused, so the alert may fire anew after resuming', () => {
    const c = fire(atNine()).answerEthics().approveAll();
    c.send({ type: 'PAUSE', by: OWNER.email, reason: 'hospital migration' });
    resolve(c);
    expect(c.lastAnswer.kind).toBe('accepted');
    expect(c.context.firingAlerts).toEqual([]);
  });
});

describe('an alert that opens no re-review', () => {
  it('is skipped below Level 9, with the reason a scheduled re-review gives', () => {
    const c = start({ entryLevel: 7 });
    expectUnchanged(c, () => fire(c));
    expect(c.lastRefusals).toEqual(['re-review skipped: the component is at Level 7, not 9']);
  });

  it('is skipped while paused, and by a retired component', () => {
    const c = atNine();
    c.send({ type: 'PAUSE', by: OWNER.email, reason: 'hospital migration' });
    expectUnchanged(c, () => fire(c));
    expect(c.lastRefusals).toEqual(['re-review skipped: the component is paused']);
    c.send({ type: 'RETIRE', by: OWNER.email, reason: 'replaced' });
    expectUnchanged(c, () => fire(c));
    expect(c.lastRefusals).toEqual(['the component is retired']);
    expectUnchanged(c, () => resolve(c));
    expect(c.lastRefusals).toEqual(['the component is retired']);
  });
});

it('remembers a bounded number of firing alerts, the latest', () => {
  const c = atNine();
  for (let n = 0; n < FIRING_ALERTS_KEPT + 5; n++) fire(c, { fingerprint: `f${n}`, alertname: `Alert${n}` });
  expect(c.context.firingAlerts).toHaveLength(FIRING_ALERTS_KEPT);
  expect(c.context.firingAlerts?.[0]?.fingerprint).toBe('f5');
  expect(c.review?.alerts?.length).toBeLessThanOrEqual(10);
});
