/**
 * The rules of SPEC §3 as refusals: for an event and the component's current state, the list of
 * reasons it cannot be accepted (empty when it can). The machine's guards call this, and the
 * workflow calls it in update validators to refuse input before it reaches history — one rule, once.
 */
import { isExcludedFromReview, isLead, isPersonKnown, panelGaps, requiredRoles, rolesOf } from './panel.js';
import { MAX_CARD_BYTES, patchedCard, type ComponentContext } from './context.js';
import { missingDeliverables, unansweredEthics, unmitigatedRisks } from './gate.js';
import type {
  BranchEvent,
  LifecycleChangeEvent,
  LifecycleEvent,
  ReportVersionsEvent,
  SubmitEvent,
  SwitchbackEvent,
  VerdictEvent,
} from './events.js';
import { jsonBytes } from './budget.js';
import { levelDefinition, proposalAt, PROPOSAL_OUTCOMES } from './levels.js';

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

function submitRefusals(state: LifecycleState, context: ComponentContext, event: SubmitEvent): string[] {
  if (state === 'retired') return ['the component is retired'];
  if (state === 'paused') return ['the component is paused: resume it before submitting'];
  if (state === 'inReview') return [`review ${context.review?.id} is already open`];
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
  const gaps = panelGaps(context, level, event.by);
  if (gaps.length > 0) {
    reasons.push(
      `panel: not enough eligible reviewers (${context.policy.approvalsPerRole} needed, owner and submitter excluded) for ${gaps.join(', ')}`,
    );
  }
  return reasons;
}

function verdictRefusals(state: LifecycleState, context: ComponentContext, event: VerdictEvent): string[] {
  const review = context.review;
  if (state === 'retired') return ['the component is retired'];
  if (!review) {
    const closed = context.closedReviews.find((r) => r.id === event.reviewId);
    return [closed ? `reviewId: review ${event.reviewId} is closed (${closed.outcome})` : `reviewId: no review ${event.reviewId} is open`];
  }
  if (review.id !== event.reviewId) {
    const closed = context.closedReviews.some((r) => r.id === event.reviewId);
    return [`reviewId: review ${event.reviewId} is ${closed ? 'closed' : 'unknown'}; the open review is ${review.id}`];
  }
  if (state === 'paused') return ['the component is paused: verdicts are taken again once it resumes'];
  const roles = requiredRoles(context, review.level);
  if (rolesOf(context.roster, event.reviewer, roles).length === 0) {
    return [`reviewer: ${event.reviewer} holds none of the roles reviewing Level ${review.level} (${roles.join(', ')})`];
  }
  if (isExcludedFromReview(context, event.reviewer, review.submittedBy)) {
    return [`reviewer: the component's owner and the submitter cannot give a verdict on this review (separation of duties)`];
  }
  if (event.verdict === 'request-changes' && (event.tasks ?? []).length === 0) {
    return ['tasks: request-changes needs at least one task'];
  }
  if (event.verdict === 'switchback') {
    if (event.targetLevel === undefined) return ['targetLevel: a switchback verdict needs a target level'];
    if (!event.comment?.trim()) return ['comment: a switchback verdict needs a reason'];
    if (review.reReview && ![7, 4].includes(event.targetLevel)) {
      return ['targetLevel: a Level 9 re-review sends a component back to 7 or 4'];
    }
    const refusal = switchbackRefusal(context, review.level, event.targetLevel);
    if (refusal) return [refusal];
  }
  return [];
}

function discoveryRefusals(state: LifecycleState, context: ComponentContext, event: SwitchbackEvent): string[] {
  if (state === 'retired') return ['the component is retired'];
  const panel = requiredRoles(context, context.level);
  if (!isLead(context, event.by) && rolesOf(context.roster, event.by, panel).length === 0) {
    return [`by: a discovery switchback is raised by an owner or a member of the Level ${context.level} panel`];
  }
  const refusal = switchbackRefusal(context, context.level, event.targetLevel);
  return refusal ? [refusal] : [];
}

function lifecycleRefusals(state: LifecycleState, context: ComponentContext, event: LifecycleChangeEvent): string[] {
  if (state === 'retired') return ['the component is retired'];
  if (!isLead(context, event.by)) return [`by: only the component's owner or a project owner may ${event.type.toLowerCase()} it`];
  if (event.type === 'PAUSE' && state === 'paused') return ['the component is already paused'];
  if (event.type === 'RESUME' && state !== 'paused') return ['the component is not paused'];
  return [];
}

function reportVersionsRefusals(state: LifecycleState, context: ComponentContext, event: ReportVersionsEvent): string[] {
  if (state === 'retired') return ['the component is retired'];
  if (!isPersonKnown(context, event.by)) return [`by: ${event.by} is not an owner or on the roster of this project`];
  if (Object.keys(event.versions).length === 0) return ['versions: name at least one of code, model, data'];
  return [];
}

function branchRefusals(state: LifecycleState, context: ComponentContext, event: BranchEvent): string[] {
  if (state === 'retired') return ['the component is retired'];
  if (!isLead(context, event.by)) return [`by: only the component's owner or a project owner may branch it`];
  if (event.level > context.level) return [`level: a branch starts at a level no higher than this component's (${context.level})`];
  if (event.componentId === context.componentId || context.branches.includes(event.componentId)) {
    return [`componentId: ${event.componentId} is already taken`];
  }
  return [];
}

/**
 * Limits on what an input may carry, checked where it enters (update validators) and not by the
 * machine's guards: validators do not run when a workflow replays, so a limit added here never
 * changes how a history recorded before it replays.
 */
export function inputRefusals(context: ComponentContext, event: LifecycleEvent): string[] {
  if (event.type !== 'SUBMIT') return [];
  const known = new Set(context.policy.ethicsChecklist.map((item) => item.id));
  const unknown = Object.keys(event.ethics).filter((id) => !known.has(id));
  if (unknown.length === 0) return [];
  const named = unknown.slice(0, 5).join(', ') + (unknown.length > 5 ? ` and ${unknown.length - 5} more` : '');
  return [`ethics: ${named} ${unknown.length > 1 ? 'are' : 'is'} not on the project's ethics checklist (${[...known].join(', ')})`];
}

/** Reasons the event cannot be accepted in this state; empty when it can. Each reason is one line. */
export function refusals(state: LifecycleState, context: ComponentContext, event: LifecycleEvent): string[] {
  return reasonsFor(state, context, event).map((reason) => reason.replace(/[\r\n\u2028\u2029]+/g, ' '));
}

function reasonsFor(state: LifecycleState, context: ComponentContext, event: LifecycleEvent): string[] {
  switch (event.type) {
    case 'SUBMIT':
      return submitRefusals(state, context, event);
    case 'VERDICT':
      return verdictRefusals(state, context, event);
    case 'SWITCHBACK':
      return discoveryRefusals(state, context, event);
    case 'PAUSE':
    case 'RESUME':
    case 'RETIRE':
      return lifecycleRefusals(state, context, event);
    case 'REPORT_VERSIONS':
      return reportVersionsRefusals(state, context, event);
    case 'BRANCH':
      return branchRefusals(state, context, event);
    case 'UPDATE_CARD': {
      if (state === 'retired') return ['the component is retired'];
      if (!isPersonKnown(context, event.by)) return [`by: ${event.by} is not an owner or on the roster of this project`];
      const size = jsonBytes(patchedCard(context.card, event.patch));
      if (size > MAX_CARD_BYTES) {
        return [`patch: the card would hold ${size} bytes; a card holds at most ${MAX_CARD_BYTES} (put long documents behind links)`];
      }
      return [];
    }
    case 'REREVIEW_DUE':
      if (state === 'retired') return ['the component is retired'];
      if (context.level !== 9) return [`re-review skipped: the component is at Level ${context.level}, not 9`];
      if (state === 'paused') return ['re-review skipped: the component is paused'];
      if (state === 'inReview') return [`re-review skipped: review ${context.review?.id} is still open`];
      return [];
    case 'TICK':
    case 'UPDATE_ROSTER':
      return state === 'retired' ? ['the component is retired'] : [];
  }
}

/** A verdict the reviewer already gave on this review: acknowledged, and it changes nothing. */
export function isRepeatedVerdict(context: ComponentContext, event: VerdictEvent): boolean {
  const who = event.reviewer.toLowerCase();
  if (context.review?.id === event.reviewId) return context.review.verdicts.some((v) => v.reviewer === who);
  return context.closedReviews.some((r) => r.id === event.reviewId && r.verdicts.some((v) => v.reviewer === who));
}
