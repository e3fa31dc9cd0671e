/**
 * The public shape of a component and a project, built by one mapping from the machine's state,
 * so renaming a machine state or a context field never breaks a client (CLI, web page, raw queries).
 */
import type { ComponentSummary } from './summary.js';
import type { SubsystemStatus } from './dependencies.js';
import { dependencyFlagViews, type FlagView } from './dependencyFlags.js';
import { approvalsByRole, missingRoles, requiredRoles } from './panel.js';
import { flaggedRequirements, gateFor } from './gate.js';
import { type ComponentContext, type EthicsAnswers, type Switchback, type TimelineEntry, type CardRevision, type ClosedReview, type GraduationSnapshot } from './context.js';
import { levelDefinition, type Phase, type Proposal } from './levels.js';
import {
  requirementRisk,
  type CardContent,
  type ComponentDefinition,
  type Debrief,
  type EthicsItem,
  type Person,
  type Provenance,
  type Requirement,
} from './model.js';
import type { ProfileName } from './profiles.js';
import { riskMatrix, type RiskMatrix } from './riskMatrix.js';
import { switchbackTargets, type LifecycleState } from './rules.js';
import { expectationsFor, type LevelExpectations } from './expectations.js';
import type { DebriefLedger } from './debriefs.js';
import type { ReviewAlert } from './alerts.js';
import { checksAt } from './evidence.js';
import { checkText } from './evidenceCheck.js';
import { tasksOf, type WorkTask } from './tasks.js';

export type PublicState = 'working' | 'in-review' | 'paused' | 'retired';

const PUBLIC_STATE: Record<LifecycleState, PublicState> = {
  working: 'working',
  inReview: 'in-review',
  paused: 'paused',
  retired: 'retired',
};

/** The machine's transient `deciding` state never rests; anything unknown reads as working. */
export function publicState(value: unknown): PublicState {
  return PUBLIC_STATE[value as LifecycleState] ?? 'working';
}

const iso = (millis: number) => new Date(millis).toISOString();

/** An alert a review carries, with its times as ISO strings (machines/alerts.ts). */
const alertView = ({ fingerprint: _fingerprint, firedAt, resolvedAt, ...alert }: ReviewAlert) => ({
  ...alert,
  firedAt: iso(firedAt),
  ...(resolvedAt !== undefined ? { resolvedAt: iso(resolvedAt) } : {}),
});

export interface ComponentStatus {
  projectId: string;
  componentId: string;
  name: string;
  kind: ComponentDefinition['kind'];
  owner: Person;
  level: number;
  levelName: string;
  phase: Phase;
  state: PublicState;
  entryLevel: number;
  /** The named policy profile the component runs under (machines/profiles.ts). */
  profile: ProfileName;
  provenance?: Provenance;
  target?: TargetStatus;
  cardRevision: number;
  switchbacks: number;
  openReview: {
    id: string;
    level: number;
    proposal: Proposal;
    submittedBy: string;
    /** The submitter's note to the panel, if any. */
    note?: string;
    submittedAt: string;
    reReview: boolean;
    /** A re-review waiting for the owner's ethics answers: the panel's verdicts count once they are in. */
    awaitingEthics: boolean;
    /** Monitoring alerts the review carries (the one that opened it first); absent when none. */
    alerts?: { alertname: string; severity?: string; summary?: string; startsAt?: string; source?: string; firedAt: string; resolvedAt?: string }[];
    /** The checks read from MLflow when the review opened (machines/evidence.ts), one line each; absent when none. */
    evidence?: { key: string; holds: boolean; line: string; readAt: string }[];
    requiredRoles: string[];
    approvals: Record<string, number>;
    approvalsPerRole: number;
    missingRoles: string[];
    answered: { reviewer: string; verdict: string }[];
    /** The levels a switchback verdict on this review may send the component back to (the rules' answer). */
    switchbackTargets: number[];
    nextReminder: string;
    escalation: string | null;
  } | null;
  /** What is still missing before `submit` would be accepted at the current level. */
  gate: {
    level: number;
    ready: boolean;
    missingDeliverables: string[];
    unmitigatedRisks: string[];
    ethicsItems: string[];
    openTasks: string[];
    panelGaps: string[];
    expectations: LevelExpectations;
    /** The level's deliverables written as MLflow checks, in words; read when the level is submitted, not before. Absent when none. */
    checks?: { key: string; check: string }[];
  };
  /** Stage debriefs the owner was asked for after graduations and has not written (rules edition 2). */
  debriefsOwed: { level: number; reviewId: string; askedAt: string; nextReminder: string }[];
}

/** A component's objective: reach `level` by `date`; `at-risk` when its own pace says it will not. */
export interface TargetStatus {
  level: number;
  date: string;
  status: 'reached' | 'on-track' | 'at-risk';
  /** When the component would reach the target at the pace it has kept so far, if it has a pace. */
  projected?: string;
}

const DAY = 86_400_000;

export function targetStatus(context: ComponentContext, now: number): TargetStatus | undefined {
  const target = context.target;
  if (!target) return undefined;
  if (context.level >= target.level) return { ...target, status: 'reached' };
  const due = Date.parse(`${target.date}T23:59:59Z`);
  if (now > due) return { ...target, status: 'at-risk' };
  // Pace: time from entry to now over the levels earned net of switchbacks.
  const earned = context.level - context.entryLevel;
  const started = context.timeline[0]?.at ?? now;
  if (earned <= 0) return { ...target, status: 'on-track' };
  const perLevel = Math.max((now - started) / earned, DAY);
  const projected = now + perLevel * (target.level - context.level);
  return { ...target, status: projected > due ? 'at-risk' : 'on-track', projected: iso(projected) };
}

export function componentStatus(value: unknown, context: ComponentContext, now: number = Date.now()): ComponentStatus {
  const definition = levelDefinition(context.level);
  const review = context.review;
  const gate = gateFor(context);
  const checks = checksAt(context, context.level);
  return {
    projectId: context.projectId,
    componentId: context.componentId,
    name: context.name,
    kind: context.kind,
    owner: context.owner,
    level: context.level,
    levelName: definition.name,
    phase: definition.phase,
    state: publicState(value),
    entryLevel: context.entryLevel,
    profile: context.policy.profile ?? 'default',
    ...(context.provenance ? { provenance: context.provenance } : {}),
    ...(context.target ? { target: targetStatus(context, now) } : {}),
    cardRevision: context.cardRevision,
    switchbacks: context.switchbacks.length,
    openReview: review
      ? {
          id: review.id,
          level: review.level,
          proposal: review.proposal,
          submittedBy: review.submittedBy,
          ...(review.note ? { note: review.note } : {}),
          submittedAt: iso(review.submittedAt),
          reReview: review.reReview,
          awaitingEthics: review.awaitingEthics === true,
          ...(review.alerts?.length ? { alerts: review.alerts.map(alertView) } : {}),
          ...(review.evidence?.length ? { evidence: review.evidence.map((e) => ({ key: e.key, holds: e.holds, line: e.line, readAt: new Date(e.readAt).toISOString() })) } : {}),
          requiredRoles: requiredRoles(context, review.level),
          approvals: approvalsByRole(context, review),
          approvalsPerRole: context.policy.approvalsPerRole,
          missingRoles: missingRoles(context, review),
          answered: review.verdicts.map((v) => ({ reviewer: v.reviewer, verdict: v.verdict })),
          switchbackTargets: switchbackTargets(context, review),
          nextReminder: iso(review.nextReminderAt),
          escalation: review.escalated ? null : iso(review.escalateAt),
        }
      : null,
    gate: {
      ...gate,
      ready:
        gate.missingDeliverables.length === 0 && gate.unmitigatedRisks.length === 0 && gate.panelGaps.length === 0 && !review,
      ...(checks.length > 0 ? { checks: checks.map(({ key, check }) => ({ key, check: checkText(check) })) } : {}),
    },
    // A retired component is asked for nothing more.
    debriefsOwed: publicState(value) === 'retired' ? [] : (context.debriefs?.owed ?? []).map((owed) => ({
      level: owed.level,
      reviewId: owed.reviewId,
      askedAt: iso(owed.askedAt),
      nextReminder: iso(owed.nextReminderAt),
    })),
  };
}

/** The levels a component has worked at (entered, graduated to or been sent back to), lowest first. */
export function levelsReached(timeline: readonly TimelineEntry[], current: number): number[] {
  return [...new Set([...timeline.map((entry) => entry.to), current])].sort((a, b) => a - b);
}

export interface CardView {
  summary: {
    techName: string;
    projectId: string;
    componentId: string;
    level: number;
    levelName: string;
    phase: Phase;
    owners: Person[];
    /** The current level's panel, as the policy (and its profile) seats it. */
    reviewers: Record<string, Person[]>;
    /** The named policy profile the component runs under. */
    profile: ProfileName;
    links: Record<string, string>;
    coupledComponents: string[];
    provenance?: Provenance;
  };
  revision: number;
  revisions: CardRevision[];
  content: CardContent;
  /** Requirements ordered by risk, highest first; `flagged` at or above the policy's threshold. */
  requirements: (Requirement & { risk?: number; flagged: boolean })[];
  riskThreshold: number;
  /** The requirements placed by pFailure × value (machines/riskMatrix.ts). */
  riskMatrix: RiskMatrix;
  /** The checklist the reviews answer, and the answers given at each review. */
  ethicsChecklist: EthicsItem[];
  ethics: EthicsAnswers[];
  /** Requested changes as work items: open, done or carried, with how each was resolved. */
  tasks: WorkTask[];
  debriefs: Debrief[];
  /** Debriefs asked for after graduations: counts, and the ones still owed (rules edition 2; absent before the first). */
  debriefLedger?: DebriefLedger;
  /** What each level the component has worked at expected of its code and data. */
  expectations: LevelExpectations[];
  /** The card as it stood at each graduation. */
  graduations: GraduationSnapshot[];
  timeline: TimelineEntry[];
  switchbacks: Switchback[];
  reviews: ClosedReview[];
  /** The component's subsystem and dependencies, and the switchbacks of those flagged here: only when it has them. */
  subsystem?: { id: string; name: string };
  dependsOn?: string[];
  dependencyFlags?: FlagView[];
}

export function cardView(context: ComponentContext): CardView {
  const definition = levelDefinition(context.level);
  const flagged = new Set(flaggedRequirements(context).map((r) => r.id));
  const requirements = context.card.requirements
    .map((r) => {
      const risk = requirementRisk(r);
      return { ...r, ...(risk !== undefined ? { risk } : {}), flagged: flagged.has(r.id) };
    })
    .sort((a, b) => (b.risk ?? -1) - (a.risk ?? -1) || a.id.localeCompare(b.id));
  const reviewers: Record<string, Person[]> = {};
  for (const role of requiredRoles(context, context.level)) reviewers[role] = context.roster[role] ?? [];
  return {
    summary: {
      techName: context.card.techName ?? context.name,
      projectId: context.projectId,
      componentId: context.componentId,
      level: context.level,
      levelName: definition.name,
      phase: definition.phase,
      owners: [context.owner, ...context.projectOwners.filter((p) => p.email !== context.owner.email)],
      reviewers,
      profile: context.policy.profile ?? 'default',
      links: context.card.links ?? {},
      coupledComponents: context.card.coupledComponents ?? [],
      ...(context.provenance ? { provenance: context.provenance } : {}),
    },
    revision: context.cardRevision,
    revisions: context.revisions,
    content: context.card,
    requirements,
    riskThreshold: context.policy.riskThreshold,
    riskMatrix: riskMatrix([{ componentId: context.componentId, riskThreshold: context.policy.riskThreshold, requirements }]),
    ethicsChecklist: context.policy.ethicsChecklist,
    ethics: context.ethicsAnswers,
    tasks: tasksOf(context),
    debriefs: context.card.debriefs ?? [],
    ...(context.debriefs ? { debriefLedger: context.debriefs } : {}),
    expectations: levelsReached(context.timeline, context.level).map(expectationsFor),
    graduations: context.graduations,
    timeline: context.timeline,
    switchbacks: context.switchbacks,
    reviews: context.closedReviews,
    ...(context.subsystem ? { subsystem: context.subsystem } : {}),
    ...(context.dependsOn?.length ? { dependsOn: context.dependsOn } : {}),
    ...(context.dependencyFlags?.length ? { dependencyFlags: dependencyFlagViews(context) } : {}),
  };
}

/** A component as its project keeps it (machines/summary.ts). */
export type ProjectComponentSummary = ComponentSummary;

export interface ProjectStatus {
  projectId: string;
  name: string;
  owners: Person[];
  /** The named policy profile the project's components run under. */
  profile: ProfileName;
  /** The lowest level over the components that are not retired; null while there are none. */
  systemLevel: number | null;
  components: ProjectComponentSummary[];
  /** Each subsystem's level (the minimum over its live components); only for projects that define subsystems. */
  subsystems?: SubsystemStatus[];
}

export function systemLevel(components: readonly { level: number; state: PublicState }[]): number | null {
  const live = components.filter((c) => c.state !== 'retired').map((c) => c.level);
  return live.length ? Math.min(...live) : null;
}
