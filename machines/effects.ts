/**
 * Side effects the lifecycle machine asks for, as emitted events. The hosting workflow carries each
 * one out (email, schedule, child workflow); the machine only says what should happen.
 */
import type { DependencyFlag, ReviewOutcome, ScheduleState } from './context.js';
import type { Person } from './model.js';

export type Effect =
  | { type: 'notifyReviewOpened'; reviewId: string; level: number; to: Person[] }
  | { type: 'notifyReminder'; reviewId: string; level: number; to: Person[] }
  /** A re-review asks the owner for the ethics checklist's answers (rules edition 2), then reminds. */
  | { type: 'notifyEthicsRequested'; reviewId: string; level: number; to: Person[] }
  | { type: 'notifyEthicsReminder'; reviewId: string; level: number; to: Person[] }
  | { type: 'notifyEscalation'; reviewId: string; level: number; to: Person[]; waiting: Person[] }
  | { type: 'notifyReviewClosed'; reviewId: string; level: number; outcome: ReviewOutcome; to: Person[]; tasks: string[] }
  | { type: 'notifyDependencyFlag'; level: number; flag: DependencyFlag; to: Person[] }
  | { type: 'notifyDebriefRequested'; reviewId: string; level: number; to: Person[] }
  | { type: 'notifyDebriefReminder'; reviewId: string; level: number; to: Person[] }
  | { type: 'reconcileSchedule'; desired: ScheduleState }
  | { type: 'startBranch'; componentId: string; level: number };

export type NotifyEffect = Extract<Effect, { to: Person[] }>;

export function isNotification(effect: Effect): effect is NotifyEffect {
  return 'to' in effect;
}
