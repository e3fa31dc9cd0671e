/**
 * A component's state as the lifecycle machine keeps it: the context's shape, its limits, how it
 * starts, and how a context carried from an earlier version of the engine is brought up to date.
 */
import { DEFAULT_ETHICS_CHECKLIST } from './ethics.js';
import {
  durationMillis,
  type CardContent,
  type CardPatch,
  type ComponentDefinition,
  type EthicsItem,
  type Person,
  type Policy,
  type Provenance,
  type Roster,
  type Versions,
} from './model.js';
import type { Proposal, Role } from './levels.js';
import type { ProfileName } from './profiles.js';
import type { DebriefLedger } from './debriefs.js';
import type { Confirmation } from './expectations.js';
import type { WorkTask } from './tasks.js';
import type { FiringAlert, ReviewAlert } from './alerts.js';
import type { Evidence } from './evidence.js';

export type SwitchbackKind = 'discovery' | 'review' | 'embedded';
export type Verdict = 'approve' | 'request-changes' | 'switchback';

export interface GivenVerdict {
  reviewer: string;
  roles: Role[];
  verdict: Verdict;
  comment?: string;
  tasks?: string[];
  targetLevel?: number;
  at: number;
  /** Edition 2: what an approve confirms, the code caliber and data considerations of the review's level. */
  confirmed?: Confirmation;
}

export interface OpenReview {
  id: string;
  level: number;
  proposal: Proposal;
  submittedBy: string;
  submittedAt: number;
  note?: string;
  ethics: Record<string, string>;
  /** Opened by a Level 9 schedule fire rather than a person. */
  reReview: boolean;
  /** A re-review waiting for the owner's ethics answers before the panel is asked (machines/reReviewEthics.ts). */
  awaitingEthics?: boolean;
  /** Monitoring alerts the review carries: the one that opened it, and any that fired while it was open. */
  alerts?: ReviewAlert[];
  /** The checks read from MLflow when the review opened, judged (machines/evidence.ts); absent when the card has none. */
  evidence?: Evidence[];
  verdicts: GivenVerdict[];
  nextReminderAt: number;
  escalateAt: number;
  escalated: boolean;
}

export type ReviewOutcome = 'approved' | 'changes-requested' | 'switched-back' | 'cancelled';

export interface ClosedReview {
  id: string;
  level: number;
  proposal: Proposal;
  outcome: ReviewOutcome;
  reReview: boolean;
  submittedAt: number;
  closedAt: number;
  verdicts: { reviewer: string; verdict: Verdict }[];
  tasks: string[];
  /** Edition 2, approved reviews: the level's code caliber and data considerations, and who confirmed them. */
  confirmed?: Confirmation & { by: string[] };
  /** The evidence the review opened on, kept with it. */
  evidence?: Evidence[];
}

export interface Switchback {
  from: number;
  to: number;
  kind: SwitchbackKind;
  reason: string;
  by: string;
  at: number;
}

export interface TimelineEntry {
  at: number;
  from: number | null;
  to: number;
  how: 'entry' | 'graduation' | 'decision' | 'switchback';
  reviewId?: string;
  versions?: Versions;
}

/** The card as it stood when the component graduated from `level`: frozen, later edits leave it alone. */
export interface GraduationSnapshot {
  level: number;
  reviewId: string;
  at: number;
  revision: number;
  content: CardContent;
}

export interface CardRevision {
  revision: number;
  by: string;
  at: number;
  keys: string[];
}

export interface EthicsAnswers {
  reviewId: string;
  level: number;
  by: string;
  at: number;
  answers: Record<string, string>;
}

/** A dependency's switchback, as flagged on this component's card by its project. */
export interface DependencyFlag {
  /** The component that switched back. */
  dependency: string;
  from: number;
  to: number;
  /** Absent when the project could not tell the kind from the dependency's report. */
  kind?: SwitchbackKind;
  /** Why this component is flagged: the path of dependencies to the one that switched back. */
  reason: string;
  at: number;
}

/** Which re-review schedule state the workflow should make true for this component. */
export type ScheduleState = 'absent' | 'active' | 'paused';

export interface ResolvedPolicy {
  /** The named profile the policy came from; absent means `default` (and every run begun before profiles). */
  profile?: ProfileName;
  approvalsPerRole: number;
  remindEveryMs: number;
  escalateAfterMs: number;
  rereviewEvery: string;
  riskThreshold: number;
  levels: Policy['levels'];
  ethicsChecklist: EthicsItem[];
}

export interface ComponentContext {
  projectId: string;
  componentId: string;
  name: string;
  kind: ComponentDefinition['kind'];
  owner: Person;
  projectOwners: Person[];
  roster: Roster;
  policy: ResolvedPolicy;
  entryLevel: number;
  level: number;
  provenance?: Provenance;
  card: CardContent;
  cardRevision: number;
  revisions: CardRevision[];
  review: OpenReview | null;
  reviewSeq: number;
  /** Recent closed reviews, so a verdict re-sent after a review closed is acknowledged, not refused. */
  closedReviews: ClosedReview[];
  graduations: GraduationSnapshot[];
  ethicsAnswers: EthicsAnswers[];
  /** Requested changes as work items, open until a submit resolves them (machines/tasks.ts). */
  tasks: WorkTask[];
  /** Work items numbered so far: the next is `t${taskSeq + 1}`. */
  taskSeq: number;
  timeline: TimelineEntry[];
  switchbacks: Switchback[];
  branches: string[];
  schedule: ScheduleState;
  target?: ComponentDefinition['target'];
  /**
   * Which edition of the rules this component follows (see RULES_EDITION). A run keeps the edition
   * it began with, so a history recorded under earlier rules replays exactly as it ran.
   */
  rulesEdition: number;
  /** The components this one depends on, and its subsystem: absent for components without them. */
  dependsOn?: string[];
  subsystem?: { id: string; name: string };
  /** Dependencies' switchbacks flagged by the project, latest last; absent until the first. */
  dependencyFlags?: DependencyFlag[];
  /** Edition 2: the stage debriefs asked for after graduations (machines/debriefs.ts); absent until the first. */
  debriefs?: DebriefLedger;
  /** Monitoring alerts firing about this component, so their repeats open nothing (machines/alerts.ts); absent until the first. */
  firingAlerts?: FiringAlert[];
}

/**
 * The rules' editions. 1: the rules as first built. 2: the framework's review practices in full —
 * requested changes are work items a resubmit must resolve, and re-reviews ask the owner the ethics
 * checklist before the panel's verdicts count. A new component, and a component's next run after
 * continue-as-new, follow the current edition; a run already under way keeps its own.
 */
export const FIRST_RULES_EDITION = 1;
export const RULES_EDITION = 2;

/** Whether the component follows edition 2's review practices: work items, re-review ethics, confirmations, debriefs. */
export const followsEditionTwo = (context: Pick<ComponentContext, 'rulesEdition'>): boolean => context.rulesEdition >= 2;

/**
 * A reminder clock moved past `at`: the next time on its `periodMs` beat after `at`. Periods missed
 * (a worker down for a while) are skipped: one reminder now, the next a period on.
 */
export function nextReminderAfter(scheduled: number, at: number, periodMs: number): number {
  return scheduled + (Math.floor((at - scheduled) / periodMs) + 1) * periodMs;
}

export interface ComponentInput {
  projectId: string;
  component: ComponentDefinition;
  projectOwners: Person[];
  roster: Roster;
  policy: Policy;
  startedAt: number;
  card?: CardContent;
  /** The subsystem of the project this component belongs to, if the project groups them. */
  subsystem?: { id: string; name: string };
}

/** Closed reviews kept: for repeated verdicts (idempotency) and review-turnaround metrics. */
export const CLOSED_REVIEWS_KEPT = 100;
/** The card's revision number counts every change; the list of who changed what keeps the latest. */
export const REVISIONS_KEPT = 200;
/**
 * A card, and the snapshots of it kept at the latest graduations, travel in every query answer and
 * every continue-as-new input, which Temporal caps at 2 MB: long documents belong behind `links`.
 */
export const MAX_CARD_BYTES = 64_000;
export const GRADUATIONS_KEPT = 10;
/** Ethics answer sets kept on the card: the latest reviews' (each set is bounded by the Submit schema). */
export const ETHICS_ANSWERS_KEPT = 20;
/** Level timeline entries and switchbacks kept: decades of weekly changes; older ones are dropped. */
export const TIMELINE_KEPT = 500;
export const SWITCHBACKS_KEPT = 200;
/** Dependency flags kept on the card: the latest; older ones are dropped (their switchbacks stay on the dependency's card). */
export const DEPENDENCY_FLAGS_KEPT = 50;

/** Entries of a list patched by key: an existing entry is merged with its change, a new one added. */
function upsertBy<T, K extends keyof T>(key: K, existing: readonly T[], patch: readonly T[]): T[] {
  const byKey = new Map(existing.map((entry) => [entry[key], entry]));
  for (const change of patch) byKey.set(change[key], { ...byKey.get(change[key]), ...change });
  return [...byKey.values()];
}

/** The card after a patch: top-level keys replaced (`null` clears one), requirements and debriefs upserted. */
export function patchedCard(card: CardContent, patch: CardPatch): CardContent {
  const next: CardContent = { ...card };
  for (const [key, value] of Object.entries(patch)) {
    if (key === 'requirements' || key === 'debriefs') continue;
    if (value === null) delete next[key];
    else if (value !== undefined) next[key] = value;
  }
  if (patch.requirements) next.requirements = upsertBy('id', card.requirements, patch.requirements);
  if (patch.debriefs) next.debriefs = upsertBy('level', card.debriefs ?? [], patch.debriefs).sort((a, b) => a.level - b.level);
  return next;
}

export function resolvePolicy(policy: Policy): ResolvedPolicy {
  return {
    ...(policy.profile ? { profile: policy.profile } : {}),
    approvalsPerRole: policy.approvalsPerRole,
    remindEveryMs: durationMillis(policy.remindEvery),
    escalateAfterMs: durationMillis(policy.escalateAfter),
    rereviewEvery: policy.rereviewEvery,
    riskThreshold: policy.riskThreshold,
    levels: policy.levels,
    ethicsChecklist: policy.ethicsChecklist ?? [...DEFAULT_ETHICS_CHECKLIST],
  };
}

export function initialContext(input: ComponentInput): ComponentContext {
  const { component } = input;
  return {
    projectId: input.projectId,
    componentId: component.id,
    name: component.name,
    kind: component.kind,
    owner: component.owner,
    projectOwners: input.projectOwners,
    roster: input.roster,
    policy: resolvePolicy(input.policy),
    entryLevel: component.entryLevel,
    level: component.entryLevel,
    provenance: component.provenance,
    card: input.card ?? { requirements: [] },
    cardRevision: 0,
    revisions: [],
    review: null,
    reviewSeq: 0,
    closedReviews: [],
    graduations: [],
    ethicsAnswers: [],
    tasks: [],
    taskSeq: 0,
    timeline: [{ at: input.startedAt, from: null, to: component.entryLevel, how: 'entry' }],
    switchbacks: [],
    branches: [],
    schedule: 'absent',
    target: component.target,
    rulesEdition: RULES_EDITION,
    // Only for components that have them, so a component without them starts exactly as before.
    ...(component.dependsOn?.length ? { dependsOn: component.dependsOn } : {}),
    ...(input.subsystem ? { subsystem: input.subsystem } : {}),
  };
}

/**
 * A context carried over from an earlier version of the engine (continue-as-new input, or a run
 * that began before a field existed) gets the fields added since, so old runs go on unharmed.
 */
export function upgradeContext(carried: ComponentContext): ComponentContext {
  return {
    ...carried,
    graduations: carried.graduations ?? [],
    tasks: carried.tasks ?? [],
    taskSeq: carried.taskSeq ?? 0,
    rulesEdition: carried.rulesEdition ?? FIRST_RULES_EDITION,
    closedReviews: carried.closedReviews.map((r) => ({ ...r, reReview: r.reReview ?? false, submittedAt: r.submittedAt ?? r.closedAt })),
  };
}
