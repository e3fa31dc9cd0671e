/**
 * The hand-written equivalent the benchmark holds mltrl against: an MLTRL component written
 * directly on Temporal, the way a team would write it instead of adopting mltrl. No state machine,
 * no card document, no audit trail; the same observable behaviour on the path the benchmark drives:
 *
 * - the updates `updateCard`, `submit` and `decide`, with mltrl's payload schemas, refused in their
 *   validators (zod, then the business rules written inline) so nothing refused enters history;
 * - a review per submit, closed by quorum per role (`approvalsPerRole`), a level up on approval;
 *   request-changes and switchback verdicts close it too; a repeated verdict is acknowledged;
 * - one notify activity per review event for all its recipients (opened → the panel, closed → the
 *   owner, reminders and the escalation on the review's deadlines);
 * - on every change of level or state: the search attributes upserted and the project signalled.
 *
 * Outside it (mltrl has them): pause, resume, retire, discovery switchbacks, versions, branches,
 * roster changes and the Level 9 re-review schedule. Submits proposing `pause` or `both` (a branch)
 * are refused for that reason. Levels, roles, deliverables and the ethics checklist are read from
 * mltrl's tables (machines/levels.ts, machines/ethics.ts) as data.
 *
 * Bundled for its own worker on its own task queue (bench/worker.ts), with its project workflow
 * (the end of this file); the product's worker never loads it.
 */
import {
  ApplicationFailure,
  ParentClosePolicy,
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  defineUpdate,
  getExternalWorkflowHandle,
  log,
  proxyActivities,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import ms from 'ms';
import { z } from 'zod';
import { DEFAULT_ETHICS_CHECKLIST, POST_DEVELOPMENT_FROM_LEVEL } from '../../machines/ethics.js';
import { DELIVERABLE_CHECKS, MAX_LEVEL, PROPOSAL_OUTCOMES, levelDefinition, proposalAt, type DeliverableCheck, type Phase, type Proposal, type Role } from '../../machines/levels.js';
import type { CardContent, CardPatch, ComponentDefinition, Person, Policy, ProjectDefinition, Requirement, Roster } from '../../machines/model.js';
import { Decision, FailureType, Submit, UpdateCard } from '../../workflows/definitions.js';
import { MltrlLevel, MltrlPhase, MltrlProject, MltrlState } from '../../workflows/searchAttributes.js';
import type { HandwrittenActivities } from '../handwrittenActivities.js';
import type { Notification } from '../../activities/notifications.js';

// ----- names --------------------------------------------------------------------------------------

export const handwrittenProjectId = (projectId: string) => `handwritten/project/${projectId}`;
export const handwrittenComponentId = (projectId: string, componentId: string) => `handwritten/component/${projectId}/${componentId}`;

export type State = 'working' | 'in-review';

export interface Status {
  projectId: string;
  componentId: string;
  level: number;
  phase: Phase;
  state: State;
  openReview: { id: string; level: number; proposal: Proposal; requiredRoles: Role[]; approvals: Record<string, number>; missingRoles: Role[] } | null;
}

export interface VerdictResult {
  reviewId: string;
  acknowledged: 'counted' | 'repeated';
  open: boolean;
  outcome?: Outcome;
  level: number;
  state: State;
}

export interface ComponentReport {
  componentId: string;
  level: number;
  phase: Phase;
  state: State;
}

export const updateCard = defineUpdate<Status, [z.input<typeof UpdateCard>]>('updateCard');
export const submit = defineUpdate<Status, [z.input<typeof Submit>]>('submit');
export const decide = defineUpdate<VerdictResult, [z.input<typeof Decision>]>('decide');
export const statusQuery = defineQuery<Status>('status');
export const componentChanged = defineSignal<[ComponentReport]>('componentChanged');

export interface ComponentInput {
  projectId: string;
  projectName: string;
  component: ComponentDefinition;
  projectOwners: Person[];
  roster: Roster;
  policy: Policy;
}

// ----- state --------------------------------------------------------------------------------------

type Outcome = 'approved' | 'changes-requested' | 'switched-back';

interface OpenReview {
  id: string;
  level: number;
  proposal: Proposal;
  submittedBy: string;
  roles: Role[];
  /** Everyone who may judge it: the roles' people less the owner and the submitter. */
  panel: Person[];
  verdicts: { reviewer: string; roles: Role[]; verdict: Decision['verdict'] }[];
  remindAt: number;
  escalateAt: number;
  escalated: boolean;
  reminders: number;
}

/** What a run hands to the next when it continues as new. */
export interface ComponentState {
  level: number;
  card: CardContent;
  review: OpenReview | null;
  reviewsOpened: number;
  /** The latest closed reviews' reviewers, so a verdict re-sent after the close is acknowledged. */
  closed: { id: string; outcome: Outcome; reviewers: string[] }[];
}

const CLOSED_KEPT = 20;
/** The card rides in every continue-as-new input: long documents belong behind links. */
const MAX_CARD_CHARACTERS = 64_000;
const TOP_RISKS = 5;

const { notifyReviewEvent } = proxyActivities<HandwrittenActivities>({
  startToCloseTimeout: '1 minute',
  // Retry a mail outage for about a day; the review goes on meanwhile.
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes', maximumAttempts: 150 },
});

// ----- rules (pure) -------------------------------------------------------------------------------

function refuse(type: FailureType, message: string): never {
  throw ApplicationFailure.create({ type, message, nonRetryable: true });
}

function parse<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  const result = schema.safeParse(raw);
  if (!result.success) refuse(FailureType.InvalidInput, z.prettifyError(result.error).replace(/\n/g, ' '));
  return result.data;
}

const rolesAt = (policy: Policy, level: number): Role[] => policy.levels?.[String(level) as '0']?.roles ?? levelDefinition(level).roles;
const deliverablesAt = (policy: Policy, level: number): string[] => policy.levels?.[String(level) as '0']?.deliverables ?? levelDefinition(level).deliverables;
const holds = (roster: Roster, email: string, roles: readonly Role[]) => roles.filter((role) => roster[role]?.some((p) => p.email === email));

const isResearch = (r: Requirement) => r.id.startsWith('R');
const risk = (r: Requirement) => (r.pFailure === undefined || r.value === undefined ? undefined : r.pFailure * r.value);
const isValidated = (r: Requirement) => r.status === 'validated' || r.status === 'waived';
const verifiedAndValidated = (r: Requirement) => Boolean(r.verification && r.validation);

/** The named deliverables that are checks over the requirements rather than card keys. */
const REQUIREMENT_CHECKS: Record<DeliverableCheck, (reqs: Requirement[]) => boolean> = {
  researchRequirements: (reqs) => reqs.some(isResearch) && reqs.filter(isResearch).every((r) => verifiedAndValidated(r) && risk(r) !== undefined),
  securityPrivacyRequirements: (reqs) => {
    const found = reqs.filter((r) => r.category === 'security' || r.category === 'privacy');
    return found.length > 0 && found.every((r) => risk(r) !== undefined);
  },
  researchRequirementsValidated: (reqs) => reqs.filter(isResearch).every(isValidated),
  productRequirementsDrafted: (reqs) => reqs.some((r) => !isResearch(r) && r.statement),
  productRequirementsVerifiedValidated: (reqs) => reqs.some((r) => !isResearch(r)) && reqs.filter((r) => !isResearch(r)).every(verifiedAndValidated),
  allRequirementsValidated: (reqs) => reqs.every(isValidated),
};

function isPresent(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'string') return value.trim().length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

function missingDeliverables(policy: Policy, card: CardContent, level: number): string[] {
  return deliverablesAt(policy, level).filter((name) =>
    (DELIVERABLE_CHECKS as readonly string[]).includes(name) ? !REQUIREMENT_CHECKS[name as DeliverableCheck](card.requirements) : !isPresent(card[name]),
  );
}

/** Top-level keys replaced (`null` clears one); requirements upserted by id, debriefs by level. */
function patched(card: CardContent, patch: CardPatch): CardContent {
  const next: CardContent = { ...card };
  for (const [key, value] of Object.entries(patch)) {
    if (key === 'requirements' || key === 'debriefs') continue;
    if (value === null) delete next[key];
    else if (value !== undefined) next[key] = value;
  }
  const upsert = <T, K extends keyof T>(key: K, old: readonly T[], changes: readonly T[]) => {
    const byKey = new Map(old.map((entry) => [entry[key], entry]));
    for (const change of changes) byKey.set(change[key], { ...byKey.get(change[key]), ...change });
    return [...byKey.values()];
  };
  if (patch.requirements) next.requirements = upsert('id', card.requirements, patch.requirements);
  if (patch.debriefs) next.debriefs = upsert('level', card.debriefs ?? [], patch.debriefs).sort((a, b) => a.level - b.level);
  return next;
}

// ----- the component ------------------------------------------------------------------------------

export async function handwrittenComponentWorkflow(input: ComponentInput, carried?: ComponentState): Promise<void> {
  const { projectId, component, roster, policy } = input;
  const owner = component.owner.email;
  const remindEveryMs = ms(policy.remindEvery as ms.StringValue);
  const escalateAfterMs = ms(policy.escalateAfter as ms.StringValue);
  const checklist = policy.ethicsChecklist ?? DEFAULT_ETHICS_CHECKLIST;
  const s: ComponentState = carried ?? { level: component.entryLevel, card: { requirements: [] }, review: null, reviewsOpened: 0, closed: [] };

  const state = (): State => (s.review ? 'in-review' : 'working');
  const isKnown = (email: string) =>
    email === owner || input.projectOwners.some((p) => p.email === email) || Object.values(roster).some((people) => people?.some((p) => p.email === email));

  function approvals(review: OpenReview): Record<string, number> {
    const counts = Object.fromEntries(review.roles.map((role) => [role, 0]));
    for (const v of review.verdicts) if (v.verdict === 'approve') for (const role of v.roles) counts[role] += 1;
    return counts;
  }
  const missingRoles = (review: OpenReview) => {
    const counts = approvals(review);
    return review.roles.filter((role) => counts[role] < policy.approvalsPerRole);
  };

  function status(): Status {
    const r = s.review;
    return {
      projectId,
      componentId: component.id,
      level: s.level,
      phase: levelDefinition(s.level).phase,
      state: state(),
      openReview: r ? { id: r.id, level: r.level, proposal: r.proposal, requiredRoles: r.roles, approvals: approvals(r), missingRoles: missingRoles(r) } : null,
    };
  }

  // ----- notifications: one activity per review event, not awaited by the update ------------------

  const sending = new Set<Promise<unknown>>();
  function notify(kind: Notification['kind'], review: OpenReview, to: Person[], extra: Partial<Notification> = {}): void {
    const definition = levelDefinition(review.level);
    const topRisks = s.card.requirements
      .map((r) => ({ id: r.id, statement: r.statement, risk: risk(r), flagged: (risk(r) ?? 0) >= policy.riskThreshold, mitigation: r.mitigation }))
      .sort((a, b) => (b.risk ?? -1) - (a.risk ?? -1))
      .slice(0, TOP_RISKS);
    const suffix = kind === 'reminder' ? `/${review.reminders}` : '';
    const sent = notifyReviewEvent({
      kind,
      messageId: `${workflowInfo().workflowId}/${review.id}/${kind}${suffix}`,
      projectId,
      projectName: input.projectName,
      componentId: component.id,
      componentName: component.name,
      level: review.level,
      levelName: definition.name,
      levelMeaning: definition.meaning,
      reviewId: review.id,
      topRisks,
      to,
      ...extra,
    }).catch((error: unknown) => log.warn('notification not delivered', { review: review.id, kind, error: String(error) }));
    sending.add(sent);
    void sent.finally(() => sending.delete(sent));
  }

  function close(review: OpenReview, outcome: Outcome, tasks: string[] = []): void {
    s.review = null;
    s.closed = [...s.closed, { id: review.id, outcome, reviewers: review.verdicts.map((v) => v.reviewer) }].slice(-CLOSED_KEPT);
    notify('review-closed', review, [component.owner], { outcome, tasks });
  }

  // ----- updateCard ------------------------------------------------------------------------------

  function cardRefusal({ by, patch }: z.output<typeof UpdateCard>): string | undefined {
    if (!isKnown(by)) return `by: ${by} is not an owner or on the roster of this project`;
    const size = JSON.stringify(patched(s.card, patch)).length;
    if (size > MAX_CARD_CHARACTERS) return `patch: the card would hold ${size} characters; at most ${MAX_CARD_CHARACTERS}`;
    return undefined;
  }

  setHandler(
    updateCard,
    (raw) => {
      s.card = patched(s.card, parse(UpdateCard, raw).patch);
      return status();
    },
    {
      validator: (raw) => {
        const reason = cardRefusal(parse(UpdateCard, raw));
        if (reason) refuse(FailureType.Refused, reason);
      },
    },
  );

  // ----- submit ----------------------------------------------------------------------------------

  function submitRefusals({ by, proposal: named, ethics }: z.output<typeof Submit>): string[] {
    if (s.review) return [`review ${s.review.id} is already open`];
    if (!isKnown(by)) return [`by: ${by} is not an owner or on the roster of this project`];
    const level = s.level;
    const reasons: string[] = [];
    const proposal = proposalAt(level, named);
    const outcome = proposal && PROPOSAL_OUTCOMES[proposal];
    if (!outcome) reasons.push(`proposal: must be one of ${levelDefinition(level).proposals.join(', ')} at Level ${level}`);
    else if (outcome.kind === 'pause' || (outcome.kind === 'raise' && outcome.branch)) reasons.push(`proposal: ${proposal} is outside this equivalent`);
    else if (outcome.kind === 'switchback' && outcome.to < component.entryLevel) reasons.push(`proposal: Level ${outcome.to} is below the entry level`);
    const missing = missingDeliverables(policy, s.card, level);
    if (missing.length > 0) reasons.push(`missing deliverables: ${missing.join(', ')}`);
    if (levelDefinition(level).requiresMitigations) {
      const unmitigated = s.card.requirements.filter((r) => (risk(r) ?? 0) >= policy.riskThreshold && !r.mitigation).map((r) => r.id);
      if (unmitigated.length > 0) reasons.push(`flagged requirements need a mitigation: ${unmitigated.join(', ')}`);
    }
    const asked = checklist.filter((item) => item.stage === 'pre-development' || level >= POST_DEVELOPMENT_FROM_LEVEL);
    const unanswered = asked.filter((item) => !ethics[item.id]?.trim()).map((item) => item.id);
    if (unanswered.length > 0) reasons.push(`ethics: answer ${unanswered.join(', ')}`);
    const unknown = Object.keys(ethics).filter((id) => !checklist.some((item) => item.id === id));
    if (unknown.length > 0) reasons.push(`ethics: ${unknown.join(', ')} not on the project's checklist`);
    const short = rolesAt(policy, level).filter(
      (role) => (roster[role] ?? []).filter((p) => p.email !== owner && p.email !== by).length < policy.approvalsPerRole,
    );
    if (short.length > 0) reasons.push(`panel: not enough eligible reviewers for ${short.join(', ')}`);
    return reasons;
  }

  setHandler(
    submit,
    (raw) => {
      const { by, proposal, note } = parse(Submit, raw);
      const level = s.level;
      const roles = rolesAt(policy, level);
      const panel = new Map<string, Person>();
      for (const role of roles) for (const p of roster[role] ?? []) if (p.email !== owner && p.email !== by) panel.set(p.email, p);
      const now = Date.now();
      s.reviewsOpened += 1;
      s.review = {
        id: `r${s.reviewsOpened}`,
        level,
        proposal: proposalAt(level, proposal)!,
        submittedBy: by,
        roles,
        panel: [...panel.values()],
        verdicts: [],
        remindAt: now + remindEveryMs,
        escalateAt: now + escalateAfterMs,
        escalated: false,
        reminders: 0,
      };
      notify('review-opened', s.review, s.review.panel, { proposal: s.review.proposal, ...(note ? { note } : {}) });
      return status();
    },
    {
      validator: (raw) => {
        const reasons = submitRefusals(parse(Submit, raw));
        if (reasons.length > 0) refuse(FailureType.Refused, reasons.join('; '));
      },
    },
  );

  // ----- decide ----------------------------------------------------------------------------------

  const isRepeated = (d: Decision) =>
    s.review?.id === d.reviewId ? s.review.verdicts.some((v) => v.reviewer === d.reviewer) : s.closed.some((c) => c.id === d.reviewId && c.reviewers.includes(d.reviewer));

  function verdictRefusal(d: Decision): string | undefined {
    const review = s.review;
    if (review?.id !== d.reviewId) return `reviewId: ${d.reviewId} is not the open review${review ? ` (${review.id} is)` : ''}`;
    if (holds(roster, d.reviewer, review.roles).length === 0) return `reviewer: ${d.reviewer} holds none of the roles reviewing Level ${review.level} (${review.roles.join(', ')})`;
    if (d.reviewer === owner || d.reviewer === review.submittedBy) return 'reviewer: the owner and the submitter cannot judge this review';
    if (d.verdict === 'request-changes' && !d.tasks?.length) return 'tasks: request-changes needs at least one task';
    if (d.verdict === 'switchback') {
      if (d.targetLevel === undefined) return 'targetLevel: a switchback verdict needs a target level';
      if (!d.comment?.trim()) return 'comment: a switchback verdict needs a reason';
      if (d.targetLevel >= review.level || d.targetLevel < component.entryLevel) {
        return `targetLevel: must be below ${review.level} and not below the entry level ${component.entryLevel}`;
      }
    }
    return undefined;
  }

  function verdictResult(reviewId: string, acknowledged: VerdictResult['acknowledged']): VerdictResult {
    const closed = s.closed.find((c) => c.id === reviewId);
    return { reviewId, acknowledged, open: s.review?.id === reviewId, ...(closed ? { outcome: closed.outcome } : {}), level: s.level, state: state() };
  }

  setHandler(
    decide,
    (raw) => {
      const d = parse(Decision, raw);
      if (isRepeated(d)) return verdictResult(d.reviewId, 'repeated');
      const review = s.review;
      if (review?.id !== d.reviewId) refuse(FailureType.Refused, `reviewId: ${d.reviewId} is not the open review`);
      review.verdicts.push({ reviewer: d.reviewer, roles: holds(roster, d.reviewer, review.roles), verdict: d.verdict });
      if (d.verdict === 'request-changes') {
        close(review, 'changes-requested', d.tasks);
      } else if (d.verdict === 'switchback') {
        s.level = d.targetLevel!;
        close(review, 'switched-back');
      } else if (missingRoles(review).length === 0) {
        const outcome = PROPOSAL_OUTCOMES[review.proposal];
        if (outcome.kind === 'raise') s.level = Math.min(s.level + 1, MAX_LEVEL);
        if (outcome.kind === 'switchback') s.level = outcome.to;
        close(review, 'approved');
      }
      return verdictResult(d.reviewId, 'counted');
    },
    {
      validator: (raw) => {
        const d = parse(Decision, raw);
        if (isRepeated(d)) return;
        const reason = verdictRefusal(d);
        if (reason) refuse(FailureType.Refused, reason);
      },
    },
  );

  setHandler(statusQuery, status);

  // ----- deadlines -------------------------------------------------------------------------------

  const nextDeadline = (r: OpenReview) => (r.escalated ? r.remindAt : Math.min(r.remindAt, r.escalateAt));

  function remindOrEscalate(review: OpenReview): void {
    const now = Date.now();
    const waiting = review.panel.filter((p) => !review.verdicts.some((v) => v.reviewer === p.email));
    if (now >= review.remindAt) {
      review.reminders += 1;
      if (waiting.length > 0) notify('reminder', review, waiting);
      review.remindAt += (Math.floor((now - review.remindAt) / remindEveryMs) + 1) * remindEveryMs;
    }
    if (!review.escalated && now >= review.escalateAt) {
      review.escalated = true;
      notify('escalation', review, input.projectOwners, { waiting });
    }
  }

  // ----- the loop: report changes, wake for deadlines, continue as new when told -----------------

  const reportKey = () => `${s.level}/${state()}`;
  // The project started this component with its entry level and state as search attributes.
  let reported = reportKey();
  const wakeUp = () => reportKey() !== reported || workflowInfo().continueAsNewSuggested;

  for (;;) {
    const review = s.review;
    if (!review) await condition(wakeUp);
    else if (!(await condition(wakeUp, Math.max(1, nextDeadline(review) - Date.now())))) {
      remindOrEscalate(review);
      continue;
    }
    if (reportKey() !== reported) {
      // Started in the same workflow task as the notification of the change, which is not awaited.
      reported = reportKey();
      const report: ComponentReport = { componentId: component.id, level: s.level, phase: levelDefinition(s.level).phase, state: state() };
      upsertSearchAttributes([
        { key: MltrlLevel, value: report.level },
        { key: MltrlPhase, value: report.phase },
        { key: MltrlState, value: report.state },
      ]);
      try {
        await getExternalWorkflowHandle(handwrittenProjectId(projectId)).signal(componentChanged, report);
      } catch (error) {
        log.warn('project not told of a change', { error: String(error) });
      }
    }
    if (workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await Promise.all(sending);
      await continueAsNew<typeof handwrittenComponentWorkflow>(input, s);
    }
  }
}

// ----- the project: starts its components, keeps what they report ---------------------------------

export const projectStatusQuery = defineQuery<{ projectId: string; systemLevel: number | null; components: ComponentReport[] }>('status');

export async function handwrittenProjectWorkflow(project: ProjectDefinition, carried?: ComponentReport[]): Promise<void> {
  const entry = (c: ComponentDefinition): ComponentReport => ({ componentId: c.id, level: c.entryLevel, phase: levelDefinition(c.entryLevel).phase, state: 'working' });
  const components = new Map((carried ?? project.components.map(entry)).map((c) => [c.componentId, c]));

  setHandler(componentChanged, (report) => {
    if (components.has(report.componentId)) components.set(report.componentId, report);
    else log.warn('report from a component not in this project ignored', { componentId: report.componentId });
  });
  setHandler(projectStatusQuery, () => {
    const list = [...components.values()];
    return { projectId: project.id, systemLevel: list.length ? Math.min(...list.map((c) => c.level)) : null, components: list };
  });

  if (!carried) {
    await Promise.all(
      project.components.map((c) =>
        startChild(handwrittenComponentWorkflow, {
          workflowId: handwrittenComponentId(project.id, c.id),
          // Components outlive the project's runs.
          parentClosePolicy: ParentClosePolicy.ABANDON,
          typedSearchAttributes: [
            { key: MltrlProject, value: project.id },
            { key: MltrlLevel, value: c.entryLevel },
            { key: MltrlPhase, value: levelDefinition(c.entryLevel).phase },
            { key: MltrlState, value: 'working' },
          ],
          args: [{ projectId: project.id, projectName: project.name, component: c, projectOwners: project.owners, roster: project.roster, policy: project.policy }],
        }),
      ),
    );
  }
  await condition(() => workflowInfo().continueAsNewSuggested);
  await condition(allHandlersFinished);
  await continueAsNew<typeof handwrittenProjectWorkflow>(project, [...components.values()]);
}
