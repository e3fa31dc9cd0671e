/**
 * Gates backed by evidence, the machine's rule: a level whose deliverable is an MLflow check opens
 * its review only when the readings the host hands in hold; a failing, missing, stale or unreadable
 * reading is refused in words naming the metric, its value and the threshold, and changes nothing;
 * the readings that hold are frozen on the review and the card. Level 9 re-reviews carry the card's
 * checks read again, holding or not. The check's schema names the bad field.
 */
import { describe, expect, it } from 'vitest';
import { checksAt, judge, type Measured, type Reading } from '../../machines/evidence.js';
import type { MlflowCheck } from '../../machines/evidenceCheck.js';
import { CardPatch } from '../../machines/model.js';
import { componentStatus } from '../../machines/status.js';
import { parseInput } from '../../machines/validation.js';
import { expectUnchanged, gatePatch, start, T0, type EventInput, type Lifecycle } from './helpers.js';

/** The component's submit, carrying the readings the host hands in (or `'unread'`, its question before reading). */
const submitWith = (c: Lifecycle, evidence: Measured[] | 'unread'): EventInput => ({ ...(c.submitEvent() as Extract<EventInput, { type: 'SUBMIT' }>), evidence });

const AUC: MlflowCheck = { runId: 'abc123', metric: 'val_auc', atLeast: 0.9 };
const metric = (value: number): Reading => ({ kind: 'metric', value, step: 3, timestamp: T0 });
const measured = (reading: Reading, check: MlflowCheck = AUC, key = 'realDataResults'): Measured => ({ key, check, reading, readAt: T0 + 5 });

/** A component at Level 4 whose realDataResults is a check, the rest of the gate filled. */
function atFourWithCheck(check: MlflowCheck = AUC): Lifecycle {
  const c = start({ entryLevel: 4 });
  return c.updateCard({ ...gatePatch(4, c.context.card), realDataResults: { mlflow: check, note: 'held-out hospital B' } });
}

describe('a check as a deliverable', () => {
  it('is accepted on the card and fills the deliverable; the gate lists it unevaluated', () => {
    const c = atFourWithCheck();
    expect(c.gate().missingDeliverables).toEqual([]);
    expect(checksAt(c.context, 4)).toEqual([{ key: 'realDataResults', check: AUC }]);
  });

  it('names the field and the rule when written wrong', () => {
    const parse = (patch: unknown) => () => parseInput(CardPatch, patch, 'patch');
    expect(parse({ realDataResults: { mlflow: { runId: 'abc', metric: 'val_auc' } } })).toThrow('patch: realDataResults.mlflow.atLeast: needs a threshold: atLeast, atMost or both');
    expect(parse({ realDataResults: { mlflow: { runId: 'abc', metric: 'auc', atLeast: 0.9, atMost: 0.5 } } })).toThrow('realDataResults.mlflow.atLeast: must not be above atMost');
    expect(parse({ monitoring: { mlflow: { model: 'm', version: 'latest', tag: { key: 'k', value: 'v' } } } })).toThrow('monitoring.mlflow.version: must be a registry version number such as "3"');
    expect(parse({ monitoring: { mlflow: { model: 'm', version: 3, tag: { key: 'k', value: 'v' } }, extra: 1 } })).toThrow(/monitoring: unknown key "extra"/);
  });
});

describe('a submit at a level with checks', () => {
  it('asked before reading (evidence "unread"), refuses only what it can decide without MLflow', () => {
    const c = atFourWithCheck();
    expect(c.ask(submitWith(c, 'unread')).kind).toBe('accepted');
  });

  it('without readings is refused: the check was not read', () => {
    const c = atFourWithCheck();
    expectUnchanged(c, () => c.send(c.submitEvent()));
    expect(c.lastRefusals).toEqual(['realDataResults: val_auc ≥ 0.9 in run abc123 was not read from MLflow']);
  });

  it('opens the review when the reading holds, freezing it on the review and the card with when it was read', () => {
    const c = atFourWithCheck();
    c.accept(submitWith(c, [measured(metric(0.93))]));
    expect(c.state).toBe('inReview');
    const line = 'realDataResults: val_auc is 0.93 in run abc123 (at least 0.9 required): holds';
    expect(c.review?.evidence).toEqual([{ ...measured(metric(0.93)), holds: true, line }]);
    expect(c.context.card['evidence']).toEqual({ realDataResults: { ...measured(metric(0.93)), holds: true, line } });
    expect(componentStatus(c.snapshot.value, c.context).openReview?.evidence).toEqual([{ key: 'realDataResults', holds: true, line, readAt: new Date(T0 + 5).toISOString() }]);
    c.approveAll();
    expect(c.lastClosed?.evidence?.[0]?.line).toBe(line);
    expect(c.context.graduations.at(-1)?.content['evidence']).toMatchObject({ realDataResults: { holds: true } });
  });

  it('refuses a value below the threshold, naming metric, value and threshold, and changes nothing', () => {
    const c = atFourWithCheck();
    expectUnchanged(c, () => c.send(submitWith(c, [measured(metric(0.87))])));
    expect(c.lastRefusals).toEqual(['realDataResults: val_auc is 0.87 in run abc123, below the 0.9 required']);
  });

  it('refuses a value above an atMost bound, and a bound exactly met holds', () => {
    const loss: MlflowCheck = { runId: 'abc123', metric: 'val_loss', atMost: 0.2 };
    const c = atFourWithCheck(loss);
    expectUnchanged(c, () => c.send(submitWith(c, [measured(metric(0.25), loss)])));
    expect(c.lastRefusals).toEqual(['realDataResults: val_loss is 0.25 in run abc123, above the 0.2 allowed']);
    c.accept(submitWith(c, [measured(metric(0.2), loss)]));
    expect(c.state).toBe('inReview');
  });

  it('refuses a missing metric, a missing run, and MLflow unreadable, each in words', () => {
    const c = atFourWithCheck();
    for (const [reading, words] of [
      [{ kind: 'no-metric', metrics: ['train_loss'] }, 'realDataResults: run abc123 has no metric val_auc (it has train_loss)'],
      [{ kind: 'not-found', what: 'run abc123' }, 'realDataResults: run abc123 does not exist in MLflow'],
      [{ kind: 'unreadable', why: 'fetch failed: connect ECONNREFUSED' }, 'realDataResults: MLflow could not be read (fetch failed: connect ECONNREFUSED), so val_auc ≥ 0.9 in run abc123 is not known'],
    ] as [Reading, string][]) {
      expectUnchanged(c, () => c.send(submitWith(c, [measured(reading)])));
      expect(c.lastRefusals).toEqual([words]);
    }
  });

  it('refuses readings of a check the card no longer holds (changed while MLflow was read)', () => {
    const c = atFourWithCheck();
    expectUnchanged(c, () => c.send(submitWith(c, [measured(metric(0.95), { ...AUC, atLeast: 0.5 })])));
    expect(c.lastRefusals).toEqual(['realDataResults: the check changed on the card while MLflow was read; submit again']);
  });

  it('still refuses for everything else, alongside the evidence', () => {
    const c = atFourWithCheck();
    const reasons = c.submitRefusals({ proposal: 'nonsense' });
    expect(reasons[0]).toMatch(/^proposal: must be one of/);
    expect(reasons).toContain('realDataResults: val_auc ≥ 0.9 in run abc123 was not read from MLflow');
  });

  it('a model-version check holds on the tag value and is refused on another, or none', () => {
    const tagged: MlflowCheck = { model: 'slide-anomaly', version: '3', tag: { key: 'validation_status', value: 'approved' } };
    expect(judge(measured({ kind: 'model-version', tagValue: 'approved' }, tagged)).line).toBe('realDataResults: slide-anomaly version 3 has validation_status=approved: holds');
    expect(judge(measured({ kind: 'model-version', tagValue: 'pending' }, tagged))).toMatchObject({ holds: false, line: 'realDataResults: slide-anomaly version 3 has validation_status=pending, not the approved required' });
    expect(judge(measured({ kind: 'model-version' }, tagged)).line).toBe('realDataResults: slide-anomaly version 3 has no tag validation_status (approved required)');
    expect(judge(measured({ kind: 'not-found', what: 'slide-anomaly version 3' }, tagged)).line).toBe('realDataResults: slide-anomaly version 3 does not exist in MLflow');
  });

  it('a level without checks is decided exactly as before: no evidence asked for, none kept', () => {
    const c = start({ entryLevel: 4 }).fillGate().submit();
    expect(c.state).toBe('inReview');
    expect(c.review?.evidence).toBeUndefined();
    expect(c.context.card['evidence']).toBeUndefined();
  });
});

describe('a Level 9 re-review', () => {
  it('carries the card\'s checks read again, shown to the panel even when one no longer holds', () => {
    const c = start({ entryLevel: 7 });
    c.updateCard({ monitoring: { mlflow: AUC } }).climbTo(9);
    c.accept({ type: 'REREVIEW_DUE', evidence: [measured(metric(0.81), AUC, 'monitoring')] });
    expect(c.review).toMatchObject({ reReview: true, evidence: [{ key: 'monitoring', holds: false, line: 'monitoring: val_auc is 0.81 in run abc123, below the 0.9 required' }] });
    expect(c.context.card['evidence']).toMatchObject({ monitoring: { holds: false, reading: { value: 0.81 } } });
  });
});
