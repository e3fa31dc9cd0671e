/**
 * The domain vocabulary: people, projects, policy, requirements and the TRL card, as zod schemas
 * (the single source of validation for the CLI, the HTTP API, the project file and the workflows)
 * and the TypeScript types inferred from them. Pure: safe inside the workflow sandbox.
 */
import ms from 'ms';
import { z } from 'zod';
import { dependsOnIssues, graphIssues } from './dependencies.js';
import { EvidenceCheck, isCheckShaped } from './evidenceCheck.js';
import { Integrations } from './integrations.js';
import { MAX_ENTRY_LEVEL, MAX_LEVEL, ROLES, type Role } from './levels.js';
import { PROFILE_NAMES, PROFILES, type PolicyProfile, type ProfileLevelKey } from './profiles.js';

/** What a value is, in words, for error messages. */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return typeof value === 'undefined' ? 'nothing' : `a ${typeof value}`;
}

const EXPECTED: Record<string, string> = { object: 'an object', array: 'a list', string: 'text', number: 'a number', boolean: 'true or false', int: 'a whole number' };

// Every schema's default messages say what was expected and what came, in plain words.
z.config({
  customError: (issue) => {
    if (issue.code === 'invalid_type') {
      const expected = EXPECTED[issue.expected] ?? issue.expected;
      return issue.input === undefined ? `is required (${expected})` : `must be ${expected}, not ${kindOf(issue.input)}`;
    }
    return undefined;
  },
});

export const SLUG = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const Slug = z.string().regex(SLUG, 'must be a lower-case slug: a-z, 0-9 and -, 1 to 63 characters, not starting with -');

export const Email = z.email('must be an email address').max(254).transform((e) => e.toLowerCase());

/**
 * Characters that break a line or rewrite what a reader sees: control characters (C0, DEL, C1),
 * line and paragraph separators, and bidirectional overrides. Names travel into email headers and
 * bodies, terminals and pages, so a name is one line of printable text.
 */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** A name of a person, project or component: one line of printable characters. */
export const DisplayName = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(200)
  .refine((text) => !UNPRINTABLE.test(text), 'must be one line of printable characters (no line breaks or control characters)');

export const Person = z.strictObject({
  name: DisplayName,
  email: Email,
});
export type Person = z.infer<typeof Person>;

export const RoleName = z.enum(ROLES, { error: `must be one of ${ROLES.join(', ')}` });

export const Roster = z.partialRecord(RoleName, z.array(Person).max(100));
export type Roster = Partial<Record<Role, Person[]>>;

export const Level = z
  .number({ error: 'must be a number' })
  .int('must be a whole number')
  .min(0, `must be 0 to ${MAX_LEVEL}`)
  .max(MAX_LEVEL, `must be 0 to ${MAX_LEVEL}`);

/** The longest policy duration: a decade keeps every deadline a valid date and a sane schedule. */
const MAX_DURATION_MS = 10 * 365 * 86_400_000;

/** Durations are written like "2 days" or "90 days" (the `ms` package's format): positive, at most ten years. */
export const DurationText = z
  .string()
  .max(40)
  .refine((text) => {
    try {
      const millis = ms(text as ms.StringValue);
      return Number.isFinite(millis) && millis >= 1_000 && millis <= MAX_DURATION_MS;
    } catch {
      return false;
    }
  }, 'must be a duration from "1 second" to "10 years", such as "2 days", "12 hours" or "30 seconds"');

export function durationMillis(text: string): number {
  return ms(text as ms.StringValue);
}

export const EthicsItem = z.strictObject({
  id: Slug,
  question: z.string().min(1).max(500),
  /** pre-development items apply at every review; post-development ones once there is a model (Level 4 on). */
  stage: z.enum(['pre-development', 'post-development']),
});
export type EthicsItem = z.infer<typeof EthicsItem>;

const LevelKey = z.enum(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'], { error: 'must be a level from "0" to "9"' });

export const LevelOverride = z.strictObject({
  roles: z.array(RoleName).min(1, 'a level needs at least one reviewing role').optional(),
  deliverables: z.array(z.string().min(1).max(80)).optional(),
});

const PolicyFields = z.strictObject({
  /** A named set of the fields below (machines/profiles.ts); the fields a project sets apply on top. */
  profile: z.enum(PROFILE_NAMES, { error: `must be one of ${PROFILE_NAMES.join(', ')}` }).optional(),
  approvalsPerRole: z.number().int().min(1).max(10).optional(),
  remindEvery: DurationText.optional(),
  escalateAfter: DurationText.optional(),
  rereviewEvery: DurationText.optional(),
  riskThreshold: z.number().min(0).max(10).optional(),
  levels: z.partialRecord(LevelKey, LevelOverride).optional(),
  ethicsChecklist: z.array(EthicsItem).min(1).max(100).optional(),
});
type PolicyFields = z.infer<typeof PolicyFields>;

/** A level's roles and deliverables: the profile's, each replaced by the project's own when it sets one. */
function mergedLevels(profile: PolicyProfile, own: PolicyFields['levels']): PolicyFields['levels'] {
  const base = profile.levels;
  if (!base) return own;
  const keys = new Set([...Object.keys(base), ...Object.keys(own ?? {})]) as Set<ProfileLevelKey>;
  return Object.fromEntries([...keys].sort().map((key) => [key, { ...base[key], ...own?.[key] }]));
}

/**
 * The policy a project runs under: its profile's values, then its own fields on top. Without a
 * profile the result is field for field what the schema's defaults gave before profiles existed
 * (no `profile` key, no `levels` unless set), so replayed inputs resolve exactly as they did; a
 * resolved policy resolves to itself, so parsing it again inside a workflow changes nothing.
 */
function applyProfile(fields: PolicyFields) {
  const profile = PROFILES[fields.profile ?? 'default'];
  const levels = mergedLevels(profile, fields.levels);
  return {
    ...(fields.profile ? { profile: fields.profile } : {}),
    approvalsPerRole: fields.approvalsPerRole ?? profile.approvalsPerRole,
    remindEvery: fields.remindEvery ?? profile.remindEvery,
    escalateAfter: fields.escalateAfter ?? profile.escalateAfter,
    rereviewEvery: fields.rereviewEvery ?? profile.rereviewEvery,
    riskThreshold: fields.riskThreshold ?? profile.riskThreshold,
    ...(levels ? { levels } : {}),
    ...(fields.ethicsChecklist ? { ethicsChecklist: fields.ethicsChecklist } : {}),
  };
}

export const Policy = PolicyFields.transform(applyProfile);
export type Policy = z.infer<typeof Policy>;
export type PolicyInput = z.input<typeof Policy>;

/** The policy durations an operator's floor applies to: each sets how often people hear from mltrl. */
const FLOORED_DURATIONS = ['remindEvery', 'escalateAfter', 'rereviewEvery'] as const;

/**
 * Refusals for policy durations shorter than the operator's floor (MLTRL_MIN_POLICY_INTERVAL),
 * each naming the field, so no project file can make reminders or re-reviews fire every second.
 * A duration the project's profile gave is floored like one the project wrote, and says so.
 */
export function policyFloorRefusals(policy: Policy, floor: string, path = 'policy'): string[] {
  const floorMs = durationMillis(floor);
  const fromProfile = (key: (typeof FLOORED_DURATIONS)[number]) =>
    policy.profile && PROFILES[policy.profile][key] === policy[key] ? ` (from profile "${policy.profile}")` : '';
  return FLOORED_DURATIONS.filter((key) => durationMillis(policy[key]) < floorMs).map(
    (key) => `${path}.${key}: "${policy[key]}"${fromProfile(key)} is shorter than this server's floor of ${floor} (MLTRL_MIN_POLICY_INTERVAL)`,
  );
}

/**
 * A calendar date as YYYY-MM-DD. Checked with arithmetic rather than zod's ISO date format, which
 * behaves differently inside the workflow sandbox than outside it.
 */
export const CalendarDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date such as 2027-03-31')
  .refine((text) => {
    const [year, month, day] = text.split('-').map(Number) as [number, number, number];
    const date = new Date(Date.UTC(year, month - 1, day));
    return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  }, 'must be a real calendar date such as 2027-03-31');

export const ComponentKind = z.enum(['model', 'algorithm', 'data-pipeline', 'software']);

export const Provenance = z.strictObject({
  kind: z.enum(['adopted', 'branched']),
  projectId: Slug,
  componentId: Slug,
  level: Level,
});
export type Provenance = z.infer<typeof Provenance>;

export const ComponentDefinition = z.strictObject({
  id: Slug,
  name: DisplayName,
  kind: ComponentKind,
  entryLevel: Level,
  owner: Person,
  /** Set for components adopted from, or branched off, another component; lets them enter above 4. */
  provenance: Provenance.optional(),
  target: z.strictObject({ level: Level, date: CalendarDate }).optional(),
  /** Components of the same project this one depends on: a switchback of any of them flags this one. */
  dependsOn: z.array(Slug).max(50).optional(),
  /** Links to the team's own tools (machines/integrations.ts): absent, the component behaves as before. */
  integrations: Integrations.optional(),
});
export type ComponentDefinition = z.infer<typeof ComponentDefinition>;

function checkEntryLevel(component: ComponentDefinition, ctx: z.RefinementCtx, path: (string | number)[]) {
  if (component.entryLevel > MAX_ENTRY_LEVEL && !component.provenance) {
    ctx.addIssue({
      code: 'custom',
      path: [...path, 'entryLevel'],
      message: `must be 0 to ${MAX_ENTRY_LEVEL}; only a component adopted from another project may enter higher`,
    });
  }
  if (component.provenance && component.entryLevel > component.provenance.level) {
    ctx.addIssue({
      code: 'custom',
      path: [...path, 'entryLevel'],
      message: `must not be above the level of the component it comes from (${component.provenance.level})`,
    });
  }
}

export const NewComponent = ComponentDefinition.superRefine((c, ctx) => {
  checkEntryLevel(c, ctx, []);
  // Which ids exist is the project's to say (workflows/project.ts); a component never depends on itself.
  for (const issue of dependsOnIssues({ id: c.id, dependsOn: c.dependsOn }, new Set((c.dependsOn ?? []).filter((id) => id !== c.id)), [])) {
    ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
  }
});

/** A group of a project's components that is assessed together: its level is the minimum of theirs. */
export const Subsystem = z.strictObject({
  id: Slug,
  name: DisplayName,
  components: z.array(Slug).min(1, 'a subsystem needs at least one component').max(200),
});
export type Subsystem = z.infer<typeof Subsystem>;

export const ProjectDefinition = z
  .strictObject({
    id: Slug,
    name: DisplayName,
    owners: z.array(Person).min(1, 'a project needs at least one owner').max(20),
    roster: Roster,
    components: z.array(ComponentDefinition).max(200),
    policy: Policy.default(Policy.parse({})),
    subsystems: z.array(Subsystem).max(50).optional(),
  })
  .superRefine((project, ctx) => {
    const seen = new Set<string>();
    project.components.forEach((component, index) => {
      if (seen.has(component.id)) {
        ctx.addIssue({ code: 'custom', path: ['components', index, 'id'], message: `duplicates component id "${component.id}"` });
      }
      seen.add(component.id);
      checkEntryLevel(component, ctx, ['components', index]);
    });
    for (const issue of graphIssues(project.components, project.subsystems)) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
  });
export type ProjectDefinition = z.infer<typeof ProjectDefinition>;
export type ProjectDefinitionInput = z.input<typeof ProjectDefinition>;

// ---------------------------------------------------------------------------------------------
// The TRL card (SPEC §4). Text deliverables are free text or a small record of named texts
// (e.g. monitoring: { dataQuality, dataDrift, conceptDrift }).
// ---------------------------------------------------------------------------------------------

const Text = z.string().trim().min(1, 'must not be empty').max(20_000);
const WrittenText = z.union([Text, z.record(z.string().min(1).max(80), Text).refine((parts) => Object.keys(parts).length <= 20, 'must have at most 20 named parts')], {
  error: 'must be a non-empty text, an object of named non-empty texts, or a check such as { "mlflow": { "runId": "…", "metric": "val_auc", "atLeast": 0.9 } }',
});

/**
 * A deliverable: free text, a record of named texts, or (machines/evidenceCheck.ts) a check read
 * from MLflow when the level is submitted. A value with an `mlflow` object is read as a check, so
 * its errors name the check's own fields (`realDataResults.mlflow.atLeast: …`).
 */
export const DeliverableText = z.unknown().transform((value, ctx): string | Record<string, string> | EvidenceCheck => {
  const parsed = (isCheckShaped(value) ? EvidenceCheck : WrittenText).safeParse(value);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) ctx.addIssue({ ...issue });
  return z.NEVER;
});

const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;
export const SemVer = z.string().regex(SEMVER, 'must be a semantic version such as 1.4.0');

export const Versions = z.strictObject({ code: SemVer.optional(), model: SemVer.optional(), data: SemVer.optional() });
export type Versions = z.infer<typeof Versions>;

export const REQUIREMENT_ID = /^[RP]\d+(\.\d+){0,2}$/;
export const RequirementStatus = z.enum(['open', 'verified', 'validated', 'waived']);

/** A requirement as patched onto the card: everything but its id may be left for a later patch. */
export const RequirementPatch = z.strictObject({
  id: z.string().regex(REQUIREMENT_ID, 'must look like R2.1 (research) or P13.2 (product): number.subset.component'),
  statement: Text.optional(),
  category: z.enum(['functional', 'performance', 'security', 'privacy', 'fairness', 'data', 'other']).optional(),
  verification: Text.optional(),
  validation: Text.optional(),
  pFailure: z.number().min(0, 'must be 0 to 1').max(1, 'must be 0 to 1').optional(),
  value: z.number().int('must be a whole number').min(1, 'must be 1 to 10').max(10, 'must be 1 to 10').optional(),
  status: RequirementStatus.optional(),
  mitigation: Text.optional(),
});
export type Requirement = z.infer<typeof RequirementPatch>;

export const TEXT_DELIVERABLE_KEYS = [
  'hypotheses',
  'literature',
  'dataReadiness',
  'sampleData',
  'experiments',
  'testingStatus',
  'documentation',
  'realDataResults',
  'slo',
  'dataPipelineSpec',
  'compliance',
  'testSuites',
  'deploymentTests',
  'dataLogging',
  'monitoring',
  'modelInfo',
  'intendedUse',
  'unacceptableUses',
  'dataConsiderations',
  'caveats',
  // The causal-inference profile's checks (machines/profiles.ts): any project may fill them.
  'causalStructure',
  'identifiability',
  'confoundingAdjustment',
  'sensitivityAnalysis',
  'consistency',
] as const;

const textFields = Object.fromEntries(TEXT_DELIVERABLE_KEYS.map((key) => [key, DeliverableText.nullable().optional()])) as Record<
  (typeof TEXT_DELIVERABLE_KEYS)[number],
  z.ZodOptional<z.ZodNullable<typeof DeliverableText>>
>;

/** The working group's post-mortem after a graduation (the framework's stage debrief). */
export const Debrief = z.strictObject({
  level: Level,
  done: Text,
  by: z.array(z.string().trim().min(1).max(200)).max(50).optional(),
  punted: Text.optional(),
  learned: Text.optional(),
  debt: Text.optional(),
});
export type Debrief = z.infer<typeof Debrief>;

/** `updateCard`'s patch: top-level card keys; `null` clears a key; requirements (by id) and debriefs (by level) are upserted. */
export const CardPatch = z
  .strictObject({
    ...textFields,
    techName: Text.nullable().optional(),
    links: z.record(z.string().min(1).max(40), z.url('must be a URL')).nullable().optional(),
    coupledComponents: z.array(Slug).max(50).nullable().optional(),
    versions: Versions.nullable().optional(),
    requirements: z.array(RequirementPatch).max(200).optional(),
    debriefs: z.array(Debrief).max(10).optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, 'must change at least one card key');
export type CardPatch = z.infer<typeof CardPatch>;

export type DeliverableValue = z.infer<typeof DeliverableText>;

/** The editable content of a card; the engine adds summary, timeline and reviews around it. */
export interface CardContent {
  techName?: string;
  links?: Record<string, string>;
  coupledComponents?: string[];
  versions?: Versions;
  requirements: Requirement[];
  debriefs?: Debrief[];
  [deliverable: string]: unknown;
}

export function requirementRisk(requirement: Requirement): number | undefined {
  if (requirement.pFailure === undefined || requirement.value === undefined) return undefined;
  return Math.round(requirement.pFailure * requirement.value * 1000) / 1000;
}

export function requirementKind(requirement: Requirement): 'research' | 'product' {
  return requirement.id.startsWith('R') ? 'research' : 'product';
}
