/**
 * The rules of SPEC §3 as refusals: for an event and the component's context, the reasons it
 * cannot be accepted (empty when it can). Only `accept` (accept.ts) asks them, before the machine
 * sees an event; the chart says which state takes which event, and these rules never re-state it.
 */
import { MLFLOW_ACTOR } from './integrations.js';
import { isExcludedFromReview, isLead, isPersonKnown, panelGaps, requiredRoles, rolesOf } from './panel.js';
import { MAX_CARD_BYTES, patchedCard, type ComponentContext, type OpenReview } from './context.js';
import { missingDeliverables, unansweredEthics, unmitigatedRisks } from './gate.js';
import type {
  BranchEvent,
  LifecycleChangeEvent,
  LifecycleEvent,
  ReportVersionsEvent,
  SubmitEvent,
  SwitchbackEvent,
  UpdateCardEvent,
  VerdictEvent,
} from './events.js';
import { jsonBytes } from './budget.js';
import { dependencyFlagRefusals } from './dependencyFlags.js';
import { levelDefinition, MAX_LEVEL, proposalAt, PROPOSAL_OUTCOMES } from './levels.js';
import { answerEthicsRefusals, WAITING_FOR_ETHICS } from './reReviewEthics.js';
import { resolutionInputRefusals, unresolvedTasksRefusal } from './tasks.js';
import { alertFiringRefusals } from './alerts.js';
import { evidenceRefusals } from './evidence.js';

/** The states a component rests in (the machine's transient `deciding` never rests). */
export type LifecycleState = 'working' | 'inReview' | 'paused' | 'retired';

/** Why a switch back to `target` is not allowed, if it is not. */
export function switchbackRefusal(context: ComponentContext, from: number, target: number, field = 'targetLevel'): string | undefined {
  if (!Number.isInteger(target)) return `${field}: must be a whole level number`;
  if (target >= from) return `${field}: must be lower than the current level ${from}`;
  if (target < context.entryLevel) {
    return `${field}: level ${target} was never done by this component (it entered at ${context.entryLevel}); use branch to start a new component at that level`;
  }
  return undefined;
}

function submitRefusals(context: ComponentContext, event: SubmitEvent): string[] {
  if (!isPersonKnown(context, event.by)) return [`by: ${event.by} is not an owner or on the roster of this project`];
  const reasons: string[] = [];
  const level = context.level;
  const proposal = proposalAt(level, event.proposal);
  if (proposal === undefined) {
    reasons.push(`proposal: must be one of ${levelDefinition(level).proposals.join(', ')} at Level ${level}`);
  } else {
    const outcome = PROPOSAL_OUTCOMES[proposal];
    const refusal = outcome.kind === 'switchback' ? switchbackRefusal(context, level, outcome.to, 'proposal') : undefined;
    if (refusal) reasons.push(refusal);
  }
  const missing = missingDeliverables(context, level);
  if (missing.length > 0) reasons.push(`missing deliverables: ${missing.join(', ')}`);
  const risks = unmitigatedRisks(context, level);
  if (risks.length > 0) reasons.push(`flagged requirements need a mitigation: ${risks.join(', ')}`);
  const ethics = unansweredEthics(context, level, event.ethics);
  if (ethics.length > 0) reasons.push(`ethics: answer ${ethics.join(', ')}`);
  const tasks = unresolvedTasksRefusal(context, level, event.resolutions);
  if (tasks) reasons.push(tasks);
  reasons.push(...evidenceRefusals(context, event.evidence));
  const gaps = panelGaps(context, level, event.by);
  if (gaps.length > 0) {
    reasons.push(
      `panel: not enough eligible reviewers (${context.policy.approvalsPerRole} needed, owner and submitter excluded) for ${gaps.join(', ')}`,
    );
  }
  return reasons;
}

/** Why a verdict names the wrong review, if it does: the open one is the only one that takes verdicts. */
function reviewIdRefusal(context: ComponentContext, event: VerdictEvent): string | undefined {
  const review = context.review;
  if (review?.id === event.reviewId) return undefined;
  const closed = context.closedReviews.find((r) => r.id === event.reviewId);
  if (!review) return closed ? `reviewId: review ${event.reviewId} is closed (${closed.outcome})` : `reviewId: no review ${event.reviewId} is open`;
  return `reviewId: review ${event.reviewId} is ${closed ? 'closed' : 'unknown'}; the open review is ${review.id}`;
}

function verdictRefusals(context: ComponentContext, event: VerdictEvent): string[] {
  const review = context.review;
  const wrongReview = reviewIdRefusal(context, event);
  if (wrongReview || !review) return [wrongReview ?? `reviewId: no review ${event.reviewId} is open`];
  const roles = requiredRoles(context, review.level);
  if (rolesOf(context.roster, event.reviewer, roles).length === 0) {
    return [`reviewer: ${event.reviewer} holds none of the roles reviewing Level ${review.level} (${roles.join(', ')})`];
  }
  if (isExcludedFromReview(context, event.reviewer, review.submittedBy)) {
    return [`reviewer: the component's owner and the submitter cannot give a verdict on this review (separation of duties)`];
  }
  if (review.awaitingEthics) {
    return [`reviewId: review ${review.id} is ${WAITING_FOR_ETHICS}; verdicts count once they are in, and the panel is emailed then`];
  }
  if (event.verdict === 'request-changes' && (event.tasks ?? []).length === 0) {
    return ['tasks: request-changes needs at least one task'];
  }
  if (event.verdict === 'switchback') {
    if (event.targetLevel === undefined) return ['targetLevel: a switchback verdict needs a target level'];
    if (!event.comment?.trim()) return ['comment: a switchback verdict needs a reason'];
    const refusal = switchbackTargetRefusal(context, review, event.targetLevel);
    if (refusal) return [refusal];
  }
  return [];
}

/** Why a switchback verdict on `review` may not send the component to `target`, if it may not. */
export function switchbackTargetRefusal(context: ComponentContext, review: OpenReview, target: number): string | undefined {
  if (review.reReview && ![7, 4].includes(target)) return 'targetLevel: a Level 9 re-review sends a component back to 7 or 4';
  return switchbackRefusal(context, review.level, target);
}

/** The levels a switchback verdict on the open review may send the component to, lowest first. */
export function switchbackTargets(context: ComponentContext, review: OpenReview): number[] {
  return Array.from({ length: review.level }, (_, level) => level).filter((level) => !switchbackTargetRefusal(context, review, level));
}

function discoveryRefusals(context: ComponentContext, event: SwitchbackEvent): string[] {
  const panel = requiredRoles(context, context.level);
  if (!isLead(context, event.by) && rolesOf(context.roster, event.by, panel).length === 0) {
    return [`by: a discovery switchback is raised by an owner or a member of the Level ${context.level} panel`];
  }
  const refusal = switchbackRefusal(context, context.level, event.targetLevel);
  return refusal ? [refusal] : [];
}

function lifecycleRefusals(context: ComponentContext, event: LifecycleChangeEvent): string[] {
  return isLead(context, event.by) ? [] : [`by: only the component's owner or a project owner may ${event.type.toLowerCase()} it`];
}

function knownPerson(context: ComponentContext, by: string): string[] {
  return isPersonKnown(context, by) ? [] : [`by: ${by} is not an owner or on the roster of this project`];
}

function reportVersionsRefusals(context: ComponentContext, event: ReportVersionsEvent): string[] {
  // The registry reports as an address no person holds, so no recorded history can hold it: old runs replay as before.
  const unknown = event.by === MLFLOW_ACTOR ? [] : knownPerson(context, event.by);
  if (unknown.length > 0) return unknown;
  return Object.keys(event.versions).length === 0 ? ['versions: name at least one of code, model, data'] : [];
}

function branchRefusals(context: ComponentContext, event: BranchEvent): string[] {
  if (!isLead(context, event.by)) return [`by: only the component's owner or a project owner may branch it`];
  if (event.level > context.level) return [`level: a branch starts at a level no higher than this component's (${context.level})`];
  if (event.componentId === context.componentId || context.branches.includes(event.componentId)) {
    return [`componentId: ${event.componentId} is already taken`];
  }
  return [];
}

function cardRefusals(context: ComponentContext, event: UpdateCardEvent): string[] {
  const unknown = knownPerson(context, event.by);
  if (unknown.length > 0) return unknown;
  const size = jsonBytes(patchedCard(context.card, event.patch));
  if (size > MAX_CARD_BYTES) {
    return [`patch: the card would hold ${size} bytes; a card holds at most ${MAX_CARD_BYTES} (put long documents behind links)`];
  }
  return [];
}

function reReviewRefusals(context: ComponentContext): string[] {
  return context.level === MAX_LEVEL ? [] : [`re-review skipped: the component is at Level ${context.level}, not ${MAX_LEVEL}`];
}

type Rules = { [T in LifecycleEvent['type']]: (context: ComponentContext, event: Extract<LifecycleEvent, { type: T }>) => string[] };

/**
 * The rules of SPEC §3, one function per event: who may send it and what the component must have
 * for it. Whether the component's state takes the event at all is the chart's to say (see `notNow`).
 */
const RULES: Rules = {
  SUBMIT: submitRefusals,
  VERDICT: verdictRefusals,
  SWITCHBACK: discoveryRefusals,
  PAUSE: lifecycleRefusals,
  RESUME: lifecycleRefusals,
  RETIRE: lifecycleRefusals,
  REPORT_VERSIONS: reportVersionsRefusals,
  BRANCH: branchRefusals,
  UPDATE_CARD: cardRefusals,
  REREVIEW_DUE: reReviewRefusals,
  TICK: () => [],
  UPDATE_ROSTER: () => [],
  DEPENDENCY_FLAG: dependencyFlagRefusals,
  ANSWER_ETHICS: answerEthicsRefusals,
  ALERT_FIRING: alertFiringRefusals,
  ALERT_RESOLVED: () => [],
};

/** Reasons the rules refuse the event; empty when they allow it. Each reason is one line. */
export function ruleRefusals(context: ComponentContext, event: LifecycleEvent): string[] {
  const rule = RULES[event.type] as (context: ComponentContext, event: LifecycleEvent) => string[];
  return rule(context, event).map((reason) => reason.replace(/[\r\n\u2028\u2029]+/g, ' '));
}

/**
 * Why the state the component is in does not take the event, in words for the person who sent it.
 * The chart (componentLifecycle.ts) decides that it does not; this only says why.
 */
export function notNow(state: LifecycleState, context: ComponentContext, event: LifecycleEvent): string {
  if (state === 'retired') return 'the component is retired';
  switch (event.type) {
    case 'VERDICT':
      return reviewIdRefusal(context, event) ?? 'the component is paused: verdicts are taken again once it resumes';
    case 'SUBMIT':
      return state === 'paused' ? 'the component is paused: resume it before submitting' : `review ${context.review?.id} is already open`;
    case 'REREVIEW_DUE':
    case 'ALERT_FIRING':
      return state === 'paused' ? 're-review skipped: the component is paused' : `re-review skipped: review ${context.review?.id} is still open`;
    case 'ANSWER_ETHICS':
      return state === 'paused' ? 'the component is paused: resume it before answering' : 'no review is waiting for ethics answers';
    case 'PAUSE':
      return 'the component is already paused';
    case 'RESUME':
      return 'the component is not paused';
    default:
      return `the component takes no ${event.type} while ${state}`;
  }
}

/**
 * Limits on what an input may carry, checked where it enters (see `EntryLimits` in accept.ts), not
 * when a history replays: a limit added here never changes how a history recorded before it replays.
 */
export function inputRefusals(context: ComponentContext, event: LifecycleEvent): string[] {
  if (event.type === 'ANSWER_ETHICS') return unknownEthicsRefusals(context, event.answers, 'answers');
  if (event.type !== 'SUBMIT') return [];
  return [...unknownEthicsRefusals(context, event.ethics, 'ethics'), ...resolutionInputRefusals(context, event.resolutions)];
}

function unknownEthicsRefusals(context: ComponentContext, answers: Record<string, string>, field: string): string[] {
  const known = new Set(context.policy.ethicsChecklist.map((item) => item.id));
  const unknown = Object.keys(answers).filter((id) => !known.has(id));
  if (unknown.length === 0) return [];
  const named = unknown.slice(0, 5).join(', ') + (unknown.length > 5 ? ` and ${unknown.length - 5} more` : '');
  return [`${field}: ${named} ${unknown.length > 1 ? 'are' : 'is'} not on the project's ethics checklist (${[...known].join(', ')})`];
}

/** A verdict the reviewer already gave on this review: acknowledged, and it changes nothing. */
export function isRepeatedVerdict(context: ComponentContext, event: VerdictEvent): boolean {
  const who = event.reviewer.toLowerCase();
  if (context.review?.id === event.reviewId) return context.review.verdicts.some((v) => v.reviewer === who);
  return context.closedReviews.some((r) => r.id === event.reviewId && r.verdicts.some((v) => v.reviewer === who));
}
