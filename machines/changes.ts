/**
 * How each accepted event changes a component's context: pure functions from one context to the
 * next, which the lifecycle machine's actions call. Every list they grow is capped in count and in
 * bytes (machines/budget.ts), so a component's state stays bounded however long it lives.
 */
import {
  CLOSED_REVIEWS_KEPT,
  ETHICS_ANSWERS_KEPT,
  GRADUATIONS_KEPT,
  REVISIONS_KEPT,
  SWITCHBACKS_KEPT,
  TIMELINE_KEPT,
  followsEditionTwo,
  patchedCard,
  type ClosedReview,
  type ComponentContext,
  type OpenReview,
  type ReviewOutcome,
  type SwitchbackKind,
  type TimelineEntry,
} from './context.js';
import type { ReportVersionsEvent, UpdateCardEvent, VerdictEvent } from './events.js';
import { keepLatest, LIST_BUDGET_BYTES } from './budget.js';
import { MAX_LEVEL, PROPOSAL_OUTCOMES, type Proposal } from './levels.js';
import { requiredRoles, rolesOf } from './panel.js';
import { confirmationOf } from './expectations.js';

/** What the approvals of a review confirmed (edition 2 verdicts carry it), once, with who confirmed it. */
function confirmedOn(review: OpenReview): Pick<ClosedReview, 'confirmed'> {
  const approvals = review.verdicts.filter((v) => v.verdict === 'approve' && v.confirmed);
  const first = approvals[0]?.confirmed;
  return first ? { confirmed: { ...first, by: approvals.map((v) => v.reviewer) } } : {};
}
import { resolveTasks, type Resolutions } from './tasks.js';
import { frozenOnCard, judged, type Measured } from './evidence.js';

/** What opens a review: a person's submit, or (`reReview`) a Level 9 schedule's fire. */
export interface ReviewRequest {
  at: number;
  by: string;
  proposal: Proposal;
  ethics: Record<string, string>;
  note?: string;
  resolutions?: Resolutions;
  /** The checks read for this review (submit, or a re-review of a card with checks). */
  evidence?: Measured[] | 'unread';
}

export function openReview(context: ComponentContext, request: ReviewRequest, reReview: boolean): ComponentContext {
  const event = request;
  const level = context.level;
  const evidence = judged(event.evidence);
  const review: OpenReview = {
    id: `r${context.reviewSeq + 1}`,
    level,
    proposal: event.proposal,
    submittedBy: event.by.toLowerCase(),
    submittedAt: event.at,
    ...(event.note ? { note: event.note } : {}),
    ethics: event.ethics,
    ...(evidence.length > 0 ? { evidence } : {}),
    reReview,
    // Edition 2: a re-review first asks the owner the ethics checklist (machines/reReviewEthics.ts).
    ...(reReview && followsEditionTwo(context) ? { awaitingEthics: true } : {}),
    verdicts: [],
    nextReminderAt: event.at + context.policy.remindEveryMs,
    escalateAt: event.at + context.policy.escalateAfterMs,
    escalated: false,
  };
  const ethicsAnswers = reReview
    ? context.ethicsAnswers
    : keepLatest([...context.ethicsAnswers, { reviewId: review.id, level, by: review.submittedBy, at: event.at, answers: event.ethics }], ETHICS_ANSWERS_KEPT, LIST_BUDGET_BYTES.ethicsAnswers);
  // The readings are frozen on the card too (with when they were read), so a graduation snapshot keeps them.
  const card = evidence.length > 0 ? (frozenOnCard(context.card, evidence) as ComponentContext['card']) : context.card;
  const opened = { ...context, card, review, reviewSeq: context.reviewSeq + 1, ethicsAnswers };
  return reReview ? opened : resolveTasks(opened, event.resolutions, review.submittedBy, event.at, review.id);
}

export function closeReview(context: ComponentContext, outcome: ReviewOutcome, at: number, tasks: string[] = []): ComponentContext {
  const review = context.review;
  if (!review) return context;
  const closed: ClosedReview = {
    id: review.id,
    level: review.level,
    proposal: review.proposal,
    outcome,
    reReview: review.reReview,
    submittedAt: review.submittedAt,
    closedAt: at,
    verdicts: review.verdicts.map((v) => ({ reviewer: v.reviewer, verdict: v.verdict })),
    tasks,
    ...(outcome === 'approved' ? confirmedOn(review) : {}),
    ...(review.evidence ? { evidence: review.evidence } : {}),
  };
  return { ...context, review: null, closedReviews: keepLatest([...context.closedReviews, closed], CLOSED_REVIEWS_KEPT, LIST_BUDGET_BYTES.closedReviews) };
}

export function moveTo(context: ComponentContext, to: number, entry: Omit<TimelineEntry, 'from' | 'to'>): ComponentContext {
  const timelineEntry: TimelineEntry = { ...entry, from: context.level, to, ...(context.card.versions ? { versions: context.card.versions } : {}) };
  return { ...context, level: to, timeline: keepLatest([...context.timeline, timelineEntry], TIMELINE_KEPT, LIST_BUDGET_BYTES.timeline, true) };
}

export function switchBack(context: ComponentContext, to: number, kind: SwitchbackKind, by: string, reason: string, at: number, reviewId?: string): ComponentContext {
  const moved = moveTo(context, to, { at, how: 'switchback', ...(reviewId ? { reviewId } : {}) });
  return { ...moved, switchbacks: keepLatest([...context.switchbacks, { from: context.level, to, kind, reason, by: by.toLowerCase(), at }], SWITCHBACKS_KEPT, LIST_BUDGET_BYTES.switchbacks) };
}

export function recordVerdict(context: ComponentContext, event: VerdictEvent): ComponentContext {
  const review = context.review;
  if (!review) return context;
  const reviewer = event.reviewer.toLowerCase();
  const given = {
    reviewer,
    roles: rolesOf(context.roster, reviewer, requiredRoles(context, review.level)),
    verdict: event.verdict,
    at: event.at,
    ...(event.comment ? { comment: event.comment } : {}),
    ...(event.tasks?.length ? { tasks: event.tasks } : {}),
    ...(event.targetLevel !== undefined ? { targetLevel: event.targetLevel } : {}),
    // Edition 2: approving confirms the level's code caliber and data considerations (machines/expectations.ts).
    ...(event.verdict === 'approve' && followsEditionTwo(context) ? { confirmed: confirmationOf(review.level) } : {}),
  };
  return { ...context, review: { ...review, verdicts: [...review.verdicts, given] } };
}

/** Quorum reached: the proposal takes effect. */
export function applyProposal(context: ComponentContext, at: number): ComponentContext {
  const review = context.review;
  if (!review) return context;
  const outcome = PROPOSAL_OUTCOMES[review.proposal];
  const closed = closeReview(context, 'approved', at);
  switch (outcome.kind) {
    case 'raise': {
      const snapshot = { level: context.level, reviewId: review.id, at, revision: context.cardRevision, content: context.card };
      const graduated = { ...closed, graduations: keepLatest([...context.graduations, snapshot], GRADUATIONS_KEPT, LIST_BUDGET_BYTES.graduations) };
      return moveTo(graduated, Math.min(context.level + 1, MAX_LEVEL), { at, how: review.proposal === 'graduate' ? 'graduation' : 'decision', reviewId: review.id });
    }
    case 'switchback':
      return switchBack(closed, outcome.to, 'embedded', review.submittedBy, `proposal ${review.proposal} approved`, at, review.id);
    case 'stay':
    case 'pause':
      return closed;
  }
}

export function applyCardPatch(context: ComponentContext, event: UpdateCardEvent): ComponentContext {
  const revision = context.cardRevision + 1;
  return {
    ...context,
    card: patchedCard(context.card, event.patch),
    cardRevision: revision,
    revisions: keepLatest([...context.revisions, { revision, by: event.by.toLowerCase(), at: event.at, keys: Object.keys(event.patch) }], REVISIONS_KEPT, LIST_BUDGET_BYTES.revisions),
  };
}

export function applyVersions(context: ComponentContext, event: ReportVersionsEvent): ComponentContext {
  const versions = { ...context.card.versions, ...event.versions };
  const revision = context.cardRevision + 1;
  const updated: ComponentContext = {
    ...context,
    card: { ...context.card, versions },
    cardRevision: revision,
    revisions: keepLatest([...context.revisions, { revision, by: event.by.toLowerCase(), at: event.at, keys: ['versions'] }], REVISIONS_KEPT, LIST_BUDGET_BYTES.revisions),
  };
  return updated;
}

export const changedVersionKeys = (event: ReportVersionsEvent, context: ComponentContext) =>
  (Object.keys(event.versions) as (keyof typeof event.versions)[]).filter((k) => event.versions[k] !== context.card.versions?.[k]);

export const lastVerdict = (context: ComponentContext) => context.review?.verdicts.at(-1);
