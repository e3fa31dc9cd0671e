/**
 * Flags a component's card carries when a component it depends on switched back (sent by the
 * project, machines/dependencies.ts finds who depends on whom). A flag is "open" until the
 * component's next approved review: the panel that approves it has seen the flag (the review
 * email and page list open flags), so the evidence was looked at again. Open-ness is derived from
 * the closed reviews, never stored, so nothing else has to change when a review closes.
 *
 * Pure: safe in the workflow sandbox.
 */
import { keepLatest, LIST_BUDGET_BYTES } from './budget.js';
import { DEPENDENCY_FLAGS_KEPT, type ComponentContext, type DependencyFlag } from './context.js';
import type { DependencyFlagEvent } from './events.js';

/** Only the project sends flags; a flag names another component, which went down. */
export function dependencyFlagRefusals(context: ComponentContext, event: DependencyFlagEvent): string[] {
  if (event.by !== 'project') return ['by: only the project flags a dependency\'s switchback'];
  if (event.dependency === context.componentId) return ['dependency: a component is not its own dependency'];
  if (event.to >= event.from) return [`to: a switchback goes down (from ${event.from}, to ${event.to})`];
  return [];
}

/** The context with the flag recorded (latest kept, within the list's byte budget). */
export function addDependencyFlag(context: ComponentContext, event: DependencyFlagEvent): ComponentContext {
  const flag: DependencyFlag = {
    dependency: event.dependency,
    from: event.from,
    to: event.to,
    ...(event.kind ? { kind: event.kind } : {}),
    reason: event.reason,
    at: event.at,
  };
  return { ...context, dependencyFlags: keepLatest([...(context.dependencyFlags ?? []), flag], DEPENDENCY_FLAGS_KEPT, LIST_BUDGET_BYTES.dependencyFlags) };
}

/** The review that closed a flag: the first approved review closed after it. */
export function closingReview(context: ComponentContext, flag: DependencyFlag): string | undefined {
  return context.closedReviews.find((review) => review.outcome === 'approved' && review.closedAt >= flag.at)?.id;
}

/** A flag as people read it: open, or closed by the approved review named. */
export type FlagView = DependencyFlag & { open: boolean; closedBy?: string };

export function dependencyFlagViews(context: ComponentContext): FlagView[] {
  return (context.dependencyFlags ?? []).map((flag) => {
    const closedBy = closingReview(context, flag);
    return { ...flag, open: closedBy === undefined, ...(closedBy ? { closedBy } : {}) };
  });
}

export const openDependencyFlags = (context: ComponentContext): DependencyFlag[] => dependencyFlagViews(context).filter((flag) => flag.open);

/** One line for a flag: "data-pipeline switched back 5 → 3 (discovery): …". */
export function flagLine(flag: Omit<DependencyFlag, 'at'>): string {
  return `${flag.dependency} switched back ${flag.from} → ${flag.to}${flag.kind ? ` (${flag.kind})` : ''}: ${flag.reason}`;
}
