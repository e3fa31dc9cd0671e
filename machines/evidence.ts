/**
 * Gates backed by evidence: which of a card's deliverables are checks (machines/evidenceCheck.ts),
 * what a reading of MLflow says about each, and the rule that a submit opens its review only when
 * every check of the level holds. The host reads MLflow (an activity) and hands the readings to the
 * machine on the event (`evidence`); judging them is pure and lives here, so the rule is the
 * machine's like every other. A card written before checks existed has none, so nothing here
 * changes how an old history replays. Pure: safe in the workflow sandbox.
 */
import type { ComponentContext } from './context.js';
import { checkText, isCheckShaped, isMetricCheck, type EvidenceCheck, type MlflowCheck } from './evidenceCheck.js';
import { MAX_LEVEL } from './levels.js';
import { levelDeliverables } from './panel.js';

/** One check to read: the card key it fills, and the check as written. */
export interface CheckToRead {
  key: string;
  check: MlflowCheck;
}

/** What MLflow said, as the activity read it. */
export type Reading =
  /** The run's latest value of the metric (MLflow keeps only the latest per key in `data.metrics`; the highest step wins a tie). */
  | { kind: 'metric'; value: number; step: number; timestamp: number }
  /** The run exists but has no such metric. */
  | { kind: 'no-metric'; metrics: string[] }
  /** The model version exists; the tag's value, when it has the tag. */
  | { kind: 'model-version'; tagValue?: string }
  /** MLflow answered that the run or the model version does not exist. */
  | { kind: 'not-found'; what: string }
  /** MLflow could not be read (down, refused, timed out, not configured): the gate cannot be decided. */
  | { kind: 'unreadable'; why: string };

/** A reading handed to the machine: the check it answers and when (epoch ms, the workflow's clock) it was read. */
export interface Measured extends CheckToRead {
  reading: Reading;
  readAt: number;
}

/** A measurement judged: what the panel reads, and what the card keeps frozen. */
export interface Evidence extends Measured {
  holds: boolean;
  /** One line: `realDataResults: val_auc is 0.93 in run abc123 (at least 0.9 required): holds`. */
  line: string;
}

/** The check written as a card key's value, if the key holds one. */
export function checkOf(card: Record<string, unknown>, key: string): MlflowCheck | undefined {
  const value = card[key];
  return isCheckShaped(value) ? (value as EvidenceCheck).mlflow : undefined;
}

/** The checks of a level's deliverables, in the level's order (a `key.part` deliverable is its key's). */
export function checksAt(context: Pick<ComponentContext, 'policy' | 'card'>, level: number): CheckToRead[] {
  const keys = [...new Set(levelDeliverables(context, level).map((name) => name.split('.')[0]))];
  return keys.flatMap((key) => {
    const check = checkOf(context.card, key);
    return check ? [{ key, check }] : [];
  });
}

/**
 * The checks a re-review reads again: every check on the card, whichever level it was written
 * for, since a deployed component stands on all of its evidence.
 */
export function cardChecks(context: Pick<ComponentContext, 'card'>): CheckToRead[] {
  return Object.keys(context.card).flatMap((key) => {
    const check = checkOf(context.card, key);
    return check ? [{ key, check }] : [];
  });
}

/** The checks a review at the current level reads: the level's own, or all of them for a Level 9 re-review. */
export const checksFor = (context: Pick<ComponentContext, 'policy' | 'card' | 'level'>, reReview: boolean): CheckToRead[] =>
  reReview && context.level === MAX_LEVEL ? cardChecks(context) : checksAt(context, context.level);

const sameCheck = (a: MlflowCheck, b: MlflowCheck) => JSON.stringify(a) === JSON.stringify(b);

/** Whether the reading holds the check, and the line that says so (or why not). */
export function judge(measured: Measured): Evidence {
  const { key, check, reading } = measured;
  const verdict = (holds: boolean, text: string): Evidence => ({ ...measured, holds, line: `${key}: ${text}` });
  if (reading.kind === 'unreadable') return verdict(false, `MLflow could not be read (${reading.why}), so ${checkText(check)} is not known`);
  if (reading.kind === 'not-found') return verdict(false, `${reading.what} does not exist in MLflow`);
  if (isMetricCheck(check)) {
    if (reading.kind === 'no-metric') {
      const logged = reading.metrics.length > 0 ? `it has ${reading.metrics.slice(0, 8).join(', ')}${reading.metrics.length > 8 ? ', …' : ''}` : 'it has no metrics';
      return verdict(false, `run ${check.runId} has no metric ${check.metric} (${logged})`);
    }
    if (reading.kind !== 'metric') return verdict(false, `MLflow answered for a model version, not run ${check.runId}`);
    const where = `${check.metric} is ${reading.value} in run ${check.runId}`;
    if (check.atLeast !== undefined && !(reading.value >= check.atLeast)) return verdict(false, `${where}, below the ${check.atLeast} required`);
    if (check.atMost !== undefined && !(reading.value <= check.atMost)) return verdict(false, `${where}, above the ${check.atMost} allowed`);
    const bounds = [check.atLeast !== undefined ? `at least ${check.atLeast}` : '', check.atMost !== undefined ? `at most ${check.atMost}` : ''].filter(Boolean).join(' and ');
    return verdict(true, `${where} (${bounds} required): holds`);
  }
  if (reading.kind !== 'model-version') return verdict(false, `MLflow answered for a run, not ${check.model} version ${check.version}`);
  const model = `${check.model} version ${check.version}`;
  if (reading.tagValue === undefined) return verdict(false, `${model} has no tag ${check.tag.key} (${check.tag.value} required)`);
  if (reading.tagValue !== check.tag.value) return verdict(false, `${model} has ${check.tag.key}=${reading.tagValue}, not the ${check.tag.value} required`);
  return verdict(true, `${model} has ${check.tag.key}=${reading.tagValue}: holds`);
}

/**
 * Why a submit's evidence does not let its review open: a check of the level not read (or changed
 * on the card since it was read), or read and not holding. `'unread'` is the host's question before
 * it reads MLflow ("would anything else refuse?"): the evidence rule is left to the second asking.
 */
export function evidenceRefusals(context: Pick<ComponentContext, 'policy' | 'card' | 'level'>, evidence: readonly Measured[] | 'unread' | undefined): string[] {
  const checks = checksAt(context, context.level);
  if (checks.length === 0 || evidence === 'unread') return [];
  return checks.flatMap(({ key, check }) => {
    const measured = evidence?.find((m) => m.key === key);
    if (!measured) return [`${key}: ${checkText(check)} was not read from MLflow`];
    if (!sameCheck(measured.check, check)) return [`${key}: the check changed on the card while MLflow was read; submit again`];
    const judged = judge(measured);
    return judged.holds ? [] : [judged.line];
  });
}

/** The judged evidence an event carries, ready for the review and the card; none when it carries none. */
export function judged(evidence: readonly Measured[] | 'unread' | undefined): Evidence[] {
  return evidence === undefined || evidence === 'unread' ? [] : evidence.map(judge);
}

/** The card's frozen record of the last reading of each check: key → the judged evidence. */
export function frozenOnCard(card: Record<string, unknown>, evidence: readonly Evidence[]): Record<string, unknown> {
  if (evidence.length === 0) return card;
  const before = (card['evidence'] ?? {}) as Record<string, Evidence>;
  return { ...card, evidence: { ...before, ...Object.fromEntries(evidence.map((e) => [e.key, e])) } };
}
