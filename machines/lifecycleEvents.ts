/**
 * The lifecycle events a component announces to the outside (outgoing webhooks): read off what one
 * accepted machine event changed, so the machine itself emits nothing new and every recorded run
 * keeps its effects. Pure: the workflow stamps each event with a sequence number that never
 * restarts (the audit count), which makes its id stable across retries, replays and runs.
 */
import type { ComponentContext, ReviewOutcome, SwitchbackKind, TimelineEntry } from './context.js';
import type { LifecycleEvent } from './events.js';
import { levelDefinition, type Phase } from './levels.js';
import type { LifecycleState } from './rules.js';
import { publicState, type PublicState } from './status.js';

export const LIFECYCLE_EVENT_TYPES = [
  'review.opened',
  'review.closed',
  'level.changed',
  'switchback',
  'rereview.due',
  'rereview.skipped',
  'component.paused',
  'component.resumed',
  'component.retired',
] as const;
export type LifecycleEventType = (typeof LIFECYCLE_EVENT_TYPES)[number];

/** What every event says about the component, as it stood right after the event. */
export interface ComponentAtEvent {
  projectId: string;
  componentId: string;
  componentName: string;
  level: number;
  levelName: string;
  phase: Phase;
  state: PublicState;
}

/** What each event type adds to the component's common part. */
export interface LifecycleEventDetails {
  'review.opened': { reviewId: string; reviewLevel: number; proposal: string; reReview: boolean; submittedBy: string; note?: string };
  'review.closed': { reviewId: string; reviewLevel: number; outcome: ReviewOutcome; reReview: boolean; tasks: string[] };
  'level.changed': { from: number | null; to: number; how: TimelineEntry['how']; reviewId?: string };
  switchback: { from: number; to: number; kind: SwitchbackKind; reason: string; by: string };
  'rereview.due': { reviewId: string; scheduledAt?: string };
  'rereview.skipped': { reason: string; scheduledAt?: string };
  'component.paused': { by: string; reason: string };
  'component.resumed': { by: string; reason: string };
  'component.retired': { by: string; reason: string };
}

/** One announced event, before the workflow gives it its id. */
export type LifecycleNotice = {
  [T in LifecycleEventType]: { type: T; at: number; data: ComponentAtEvent & LifecycleEventDetails[T] };
}[LifecycleEventType];

interface Moment {
  state: LifecycleState;
  context: ComponentContext;
}

export function componentAtEvent({ state, context }: Moment): ComponentAtEvent {
  const definition = levelDefinition(context.level);
  return {
    projectId: context.projectId,
    componentId: context.componentId,
    componentName: context.name,
    level: context.level,
    levelName: definition.name,
    phase: definition.phase,
    state: publicState(state),
  };
}

const by = (event: LifecycleEvent): string => ('by' in event && typeof event.by === 'string' ? event.by : 'system');
const reasonOf = (event: LifecycleEvent): string => ('reason' in event && typeof event.reason === 'string' ? event.reason : '');

/**
 * The events one accepted machine event caused, in the order people would tell them: a review
 * closes, then the level changes (and a switchback says why), then the next review opens.
 */
export function lifecycleNotices(before: Moment, after: Moment, event: LifecycleEvent): LifecycleNotice[] {
  const at = event.at;
  const common = componentAtEvent(after);
  const notices: LifecycleNotice[] = [];
  const { context: was } = before;
  const { context: now } = after;

  const closedBefore = new Set(was.closedReviews.map((r) => r.id));
  for (const closed of now.closedReviews) {
    if (closedBefore.has(closed.id)) continue;
    notices.push({
      type: 'review.closed',
      at,
      data: { ...common, reviewId: closed.id, reviewLevel: closed.level, outcome: closed.outcome, reReview: closed.reReview, tasks: closed.tasks },
    });
  }

  if (now.level !== was.level) {
    const entry = now.timeline.at(-1);
    const how = entry?.to === now.level ? entry.how : 'decision';
    notices.push({
      type: 'level.changed',
      at,
      data: { ...common, from: was.level, to: now.level, how, ...(entry?.reviewId ? { reviewId: entry.reviewId } : {}) },
    });
    const switchback = now.switchbacks.at(-1);
    if (how === 'switchback' && switchback && switchback.to === now.level) {
      notices.push({
        type: 'switchback',
        at,
        data: { ...common, from: switchback.from, to: switchback.to, kind: switchback.kind, reason: switchback.reason, by: switchback.by },
      });
    }
  }

  const review = now.review;
  if (review && review.id !== was.review?.id) {
    if (event.type === 'REREVIEW_DUE') {
      notices.push({ type: 'rereview.due', at, data: { ...common, reviewId: review.id, ...(event.scheduledAt ? { scheduledAt: event.scheduledAt } : {}) } });
    }
    notices.push({
      type: 'review.opened',
      at,
      data: {
        ...common,
        reviewId: review.id,
        reviewLevel: review.level,
        proposal: review.proposal,
        reReview: review.reReview,
        submittedBy: review.submittedBy,
        ...(review.note ? { note: review.note } : {}),
      },
    });
  }

  if (after.state !== before.state) {
    const change = { by: by(event), reason: reasonOf(event) };
    if (after.state === 'paused') notices.push({ type: 'component.paused', at, data: { ...common, ...change } });
    else if (after.state === 'retired') notices.push({ type: 'component.retired', at, data: { ...common, ...change } });
    else if (before.state === 'paused') notices.push({ type: 'component.resumed', at, data: { ...common, ...change } });
  }
  return notices;
}

/** A Level 9 schedule fire the component did not take (paused, a review still open, no longer at 9). */
export function skippedReReview(moment: Moment, at: number, reason: string, scheduledAt?: string): LifecycleNotice {
  return { type: 'rereview.skipped', at, data: { ...componentAtEvent(moment), reason, ...(scheduledAt ? { scheduledAt } : {}) } };
}

/**
 * Runs of rules edition 2 and later announce their lifecycle events; an edition 1 run (begun before
 * they existed) hands its deliveries exactly the input it always did.
 */
export const LIFECYCLE_EVENTS_EDITION = 2;
export const announcesLifecycle = (context: Pick<ComponentContext, 'rulesEdition'>) => context.rulesEdition >= LIFECYCLE_EVENTS_EDITION;
