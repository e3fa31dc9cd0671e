/**
 * A deliverable written as a check instead of text (gates backed by evidence): the value of a card
 * deliverable key, e.g. `realDataResults: { mlflow: { runId, metric: "val_auc", atLeast: 0.9 } }`.
 * Two kinds, both read from an MLflow tracking server when the level is submitted:
 * - a run metric against a threshold (`atLeast` and/or `atMost`; the run's latest value counts);
 * - a registered model version that exists and carries a tag with a given value.
 * Schema only, importing nothing of the machine, so model.ts can build the card's schema from it.
 */
import { z } from 'zod';

const OneLine = (max: number) =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .refine((text) => !/[\u0000-\u001f\u007f\u2028\u2029]/.test(text), 'must be one line of printable characters');

const Threshold = z.number({ error: 'must be a number' }).refine(Number.isFinite, 'must be a finite number');

export const MetricCheck = z
  .strictObject({
    /** MLflow's run id (32 hex characters in MLflow's own stores; any id its API takes). */
    runId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be an MLflow run id (letters, digits, _ or -)'),
    metric: OneLine(250),
    atLeast: Threshold.optional(),
    atMost: Threshold.optional(),
  })
  .refine((check) => check.atLeast !== undefined || check.atMost !== undefined, { message: 'needs a threshold: atLeast, atMost or both', path: ['atLeast'] })
  .refine((check) => check.atLeast === undefined || check.atMost === undefined || check.atLeast <= check.atMost, {
    message: 'must not be above atMost (no value could hold)',
    path: ['atLeast'],
  });
export type MetricCheck = z.infer<typeof MetricCheck>;

export const ModelTagCheck = z.strictObject({
  /** The registered model's name, as MLflow shows it. */
  model: OneLine(256),
  /** The version number as MLflow numbers them ("3"); a number is taken too. */
  version: z
    .union([z.string(), z.number()])
    .transform(String)
    .pipe(z.string().regex(/^[1-9]\d{0,8}$/, 'must be a registry version number such as "3"')),
  tag: z.strictObject({ key: OneLine(250), value: z.string().max(5_000, 'must be at most 5000 characters') }),
});
export type ModelTagCheck = z.infer<typeof ModelTagCheck>;

export type MlflowCheck = MetricCheck | ModelTagCheck;

/** Which kind a check is written as: a run id makes it a metric check; anything else is read as a model-tag check. */
const MlflowCheckSchema = z.unknown().transform((value, ctx): MlflowCheck => {
  const schema = value !== null && typeof value === 'object' && 'runId' in value ? MetricCheck : ModelTagCheck;
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, path: issue.path });
  return z.NEVER;
});

export const EvidenceCheck = z.strictObject({
  mlflow: MlflowCheckSchema,
  /** What the check stands for, for the panel ("AUC on the held-out hospital B set"). */
  note: z.string().trim().min(1, 'must not be empty').max(2_000).optional(),
});
export type EvidenceCheck = { mlflow: MlflowCheck; note?: string };

/** Whether a card value is written as a check (its shape; the schema says whether it is a good one). */
export function isCheckShaped(value: unknown): value is { mlflow: unknown } {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && 'mlflow' in value && typeof (value).mlflow === 'object';
}

export const isMetricCheck = (check: MlflowCheck): check is MetricCheck => 'runId' in check;

/** A check in words, for the gate and the card: `val_auc ≥ 0.9 in run abc123`. */
export function checkText(check: MlflowCheck): string {
  if (isMetricCheck(check)) {
    const bounds = [check.atLeast !== undefined ? `≥ ${check.atLeast}` : '', check.atMost !== undefined ? `≤ ${check.atMost}` : ''].filter(Boolean).join(' and ');
    return `${check.metric} ${bounds} in run ${check.runId}`;
  }
  return `${check.model} version ${check.version} tagged ${check.tag.key}=${check.tag.value}`;
}
