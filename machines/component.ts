/**
 * A component's state as the lifecycle machine keeps it, and the pure questions asked of it:
 * which roles review this level, who may give a verdict, what the gate still misses.
 */
import { ethicsItemsForLevel, DEFAULT_ETHICS_CHECKLIST } from './ethics.js';
import { levelDefinition, DELIVERABLE_CHECKS, type DeliverableCheck, type Role } from './levels.js';
import {
  durationMillis,
  requirementKind,
  requirementRisk,
  type CardContent,
  type CardPatch,
  type ComponentDefinition,
  type EthicsItem,
  type Person,
  type Policy,
  type Provenance,
  type Requirement,
  type Roster,
  type Versions,
} from './model.js';

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
}

export interface OpenReview {
  id: string;
  level: number;
  proposal: string;
  submittedBy: string;
  submittedAt: number;
  note?: string;
  ethics: Record<string, string>;
  /** Opened by a Level 9 schedule fire rather than a person. */
  reReview: boolean;
  verdicts: GivenVerdict[];
  nextReminderAt: number;
  escalateAt: number;
  escalated: boolean;
}

export type ReviewOutcome = 'approved' | 'changes-requested' | 'switched-back' | 'cancelled';

export interface ClosedReview {
  id: string;
  level: number;
  proposal: string;
  outcome: ReviewOutcome;
  reReview: boolean;
  submittedAt: number;
  closedAt: number;
  verdicts: { reviewer: string; verdict: Verdict }[];
  tasks: string[];
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

/** Which re-review schedule state the workflow should make true for this component. */
export type ScheduleState = 'absent' | 'active' | 'paused';

export interface ResolvedPolicy {
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
  timeline: TimelineEntry[];
  switchbacks: Switchback[];
  branches: string[];
  schedule: ScheduleState;
  target?: ComponentDefinition['target'];
}

export interface ComponentInput {
  projectId: string;
  component: ComponentDefinition;
  projectOwners: Person[];
  roster: Roster;
  policy: Policy;
  startedAt: number;
  card?: CardContent;
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
    timeline: [{ at: input.startedAt, from: null, to: component.entryLevel, how: 'entry' }],
    switchbacks: [],
    branches: [],
    schedule: 'absent',
    target: component.target,
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
    closedReviews: carried.closedReviews.map((r) => ({ ...r, reReview: r.reReview ?? false, submittedAt: r.submittedAt ?? r.closedAt })),
  };
}

// ---------------------------------------------------------------------------------------------
// Panels
// ---------------------------------------------------------------------------------------------

export function requiredRoles(context: Pick<ComponentContext, 'policy'>, level: number): Role[] {
  return context.policy.levels?.[String(level) as '0']?.roles ?? levelDefinition(level).roles;
}

export function levelDeliverables(context: Pick<ComponentContext, 'policy'>, level: number): string[] {
  return context.policy.levels?.[String(level) as '0']?.deliverables ?? levelDefinition(level).deliverables;
}

/** The roles a person holds on the roster, among the given ones. */
export function rolesOf(roster: Roster, email: string, among: readonly Role[]): Role[] {
  const who = email.toLowerCase();
  return among.filter((role) => (roster[role] ?? []).some((person) => person.email === who));
}

/** Separation of duties: neither the component's owner nor the submitter judges the review. */
export function isExcludedFromReview(context: ComponentContext, email: string, submittedBy: string): boolean {
  const who = email.toLowerCase();
  return who === context.owner.email || who === submittedBy.toLowerCase();
}

/** Roles of `level` that have fewer eligible reviewers than the quorum needs, were `submitter` to submit. */
export function panelGaps(context: ComponentContext, level: number, submitter?: string): Role[] {
  return requiredRoles(context, level).filter((role) => {
    const eligible = (context.roster[role] ?? []).filter(
      (person) => !isExcludedFromReview(context, person.email, submitter ?? context.owner.email),
    );
    return eligible.length < context.policy.approvalsPerRole;
  });
}

export function panelFor(context: ComponentContext, level: number, submittedBy: string): { role: Role; person: Person }[] {
  return requiredRoles(context, level).flatMap((role) =>
    (context.roster[role] ?? [])
      .filter((person) => !isExcludedFromReview(context, person.email, submittedBy))
      .map((person) => ({ role, person })),
  );
}

/** Approvals per required role on the open review; a person holding two required roles counts for both. */
export function approvalsByRole(context: ComponentContext, review: OpenReview): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const role of requiredRoles(context, review.level)) counts[role] = 0;
  for (const given of review.verdicts) {
    if (given.verdict !== 'approve') continue;
    for (const role of given.roles) if (role in counts) counts[role] = (counts[role] ?? 0) + 1;
  }
  return counts;
}

export function missingRoles(context: ComponentContext, review: OpenReview): Role[] {
  const counts = approvalsByRole(context, review);
  return requiredRoles(context, review.level).filter((role) => (counts[role] ?? 0) < context.policy.approvalsPerRole);
}

export function quorumReached(context: ComponentContext, review: OpenReview): boolean {
  return missingRoles(context, review).length === 0;
}

export function unansweredReviewers(context: ComponentContext, review: OpenReview): Person[] {
  const answered = new Set(review.verdicts.map((v) => v.reviewer));
  const seen = new Set<string>();
  return panelFor(context, review.level, review.submittedBy)
    .map(({ person }) => person)
    .filter((person) => !answered.has(person.email) && !seen.has(person.email) && seen.add(person.email));
}

export function isPersonKnown(context: ComponentContext, email: string): boolean {
  const who = email.toLowerCase();
  return (
    who === context.owner.email ||
    context.projectOwners.some((p) => p.email === who) ||
    Object.values(context.roster).some((people) => (people ?? []).some((p) => p.email === who))
  );
}

export function isLead(context: ComponentContext, email: string): boolean {
  const who = email.toLowerCase();
  return who === context.owner.email || context.projectOwners.some((p) => p.email === who);
}

// ---------------------------------------------------------------------------------------------
// The gate: what is still missing before `submit` would be accepted at the current level
// ---------------------------------------------------------------------------------------------

export interface Gate {
  level: number;
  missingDeliverables: string[];
  unmitigatedRisks: string[];
  ethicsItems: string[];
  panelGaps: Role[];
}

function hasText(card: CardContent, key: string): boolean {
  const value = card[key];
  if (value === undefined || value === null) return false;
  if (typeof value === 'string') return value.trim().length > 0;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

const hasRisk = (r: Requirement) => requirementRisk(r) !== undefined;
const hasVerificationAndValidation = (r: Requirement) => Boolean(r.verification && r.validation);
const isValidated = (r: Requirement) => r.status === 'validated' || r.status === 'waived';

/** Each named check returns the ids of what fails it, or a description when nothing exists yet. */
const DELIVERABLE_CHECK_RULES: Record<DeliverableCheck, (requirements: Requirement[]) => string[]> = {
  researchRequirements: (reqs) => {
    const research = reqs.filter((r) => requirementKind(r) === 'research');
    if (research.length === 0) return ['researchRequirements (at least one R requirement)'];
    return research
      .filter((r) => !(hasVerificationAndValidation(r) && hasRisk(r)))
      .map((r) => `researchRequirements (${r.id} needs verification, validation, pFailure and value)`);
  },
  securityPrivacyRequirements: (reqs) => {
    const found = reqs.filter((r) => r.category === 'security' || r.category === 'privacy');
    if (found.length === 0) return ['securityPrivacyRequirements (at least one requirement with category security or privacy)'];
    return found.filter((r) => !hasRisk(r)).map((r) => `securityPrivacyRequirements (${r.id} needs pFailure and value)`);
  },
  researchRequirementsValidated: (reqs) =>
    reqs
      .filter((r) => requirementKind(r) === 'research' && !isValidated(r))
      .map((r) => `researchRequirementsValidated (${r.id} is ${r.status ?? 'open'})`),
  productRequirementsDrafted: (reqs) =>
    reqs.some((r) => requirementKind(r) === 'product' && r.statement) ? [] : ['productRequirementsDrafted (at least one P requirement)'],
  productRequirementsVerifiedValidated: (reqs) => {
    const product = reqs.filter((r) => requirementKind(r) === 'product');
    if (product.length === 0) return ['productRequirementsVerifiedValidated (at least one P requirement)'];
    return product
      .filter((r) => !hasVerificationAndValidation(r))
      .map((r) => `productRequirementsVerifiedValidated (${r.id} needs verification and validation)`);
  },
  allRequirementsValidated: (reqs) =>
    reqs.filter((r) => !isValidated(r)).map((r) => `allRequirementsValidated (${r.id} is ${r.status ?? 'open'})`),
};

function isCheck(name: string): name is DeliverableCheck {
  return (DELIVERABLE_CHECKS as readonly string[]).includes(name);
}

export function missingDeliverables(context: ComponentContext, level: number): string[] {
  return levelDeliverables(context, level).flatMap((name) =>
    isCheck(name) ? DELIVERABLE_CHECK_RULES[name](context.card.requirements) : hasText(context.card, name) ? [] : [name],
  );
}

export function flaggedRequirements(context: ComponentContext): Requirement[] {
  return context.card.requirements.filter((r) => (requirementRisk(r) ?? 0) >= context.policy.riskThreshold);
}

export function unmitigatedRisks(context: ComponentContext, level: number): string[] {
  if (!levelDefinition(level).requiresMitigations) return [];
  return flaggedRequirements(context)
    .filter((r) => !r.mitigation)
    .map((r) => r.id);
}

export function ethicsItemIds(context: ComponentContext, level: number): string[] {
  return ethicsItemsForLevel(context.policy.ethicsChecklist, level).map((item) => item.id);
}

export function unansweredEthics(context: ComponentContext, level: number, answers: Record<string, string>): string[] {
  return ethicsItemIds(context, level).filter((id) => !answers[id]?.trim());
}

export function gateFor(context: ComponentContext, submitter?: string): Gate {
  const level = context.level;
  return {
    level,
    missingDeliverables: missingDeliverables(context, level),
    unmitigatedRisks: unmitigatedRisks(context, level),
    ethicsItems: ethicsItemIds(context, level),
    panelGaps: panelGaps(context, level, submitter),
  };
}

export function proposalsFor(level: number): string[] {
  return levelDefinition(level).proposals;
}
