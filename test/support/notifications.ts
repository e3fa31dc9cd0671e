/**
 * Notifications as tests see them. A review event may go out as one activity per recipient or as
 * one activity for all of them, so what a notifier records is merged back into messages by their
 * shared message id. The emails of one message arrive over time: a test that asserts on a message
 * waits until the component has recorded it as done (sent to every recipient), never for its first
 * email.
 */
import type { WorkflowHandle } from '@temporalio/client';
import type { Notification } from '../../activities/index.js';
import { historyQuery } from '../../workflows/definitions.js';
import { eventually } from './harness.js';

type Message = { messageId: string; to: { email: string }[] };

/** Notifications merged by their shared message id, in order of first send. */
export function merged<T extends Message>(sent: readonly T[]): T[] {
  const byMessage = new Map<string, T>();
  for (const notification of sent) {
    const known = byMessage.get(notification.messageId);
    byMessage.set(notification.messageId, known ? { ...known, to: [...known.to, ...notification.to] } : notification);
  }
  return [...byMessage.values()];
}

/** Each recipient got each message at most once. */
export function deliveredOnce(sent: readonly Message[]): boolean {
  const deliveries = sent.flatMap((n) => n.to.map((person) => `${n.messageId} ${person.email}`));
  return new Set(deliveries).size === deliveries.length;
}

/** The audit entry (`what`) of the effect that sends each kind of notification. */
export const EFFECT_OF: Record<Notification['kind'], string> = {
  'review-opened': 'notifyReviewOpened',
  reminder: 'notifyReminder',
  escalation: 'notifyEscalation',
  'review-closed': 'notifyReviewClosed',
  'dependency-flag': 'notifyDependencyFlag',
  'debrief-requested': 'notifyDebriefRequested',
  'debrief-reminder': 'notifyDebriefReminder',
  'ethics-requested': 'notifyEthicsRequested',
  'ethics-reminder': 'notifyEthicsReminder',
};

/** How many `what` effects (e.g. `notifyReminder`) the component has recorded as done. */
export async function effectsDone(handle: WorkflowHandle, what: string): Promise<number> {
  return (await handle.query(historyQuery)).filter((entry) => entry.what === what && entry.outcome === 'done').length;
}

/** Wait until the component has recorded at least `count` `what` effects as done. */
export async function whenDone(handle: WorkflowHandle, what: string, count = 1): Promise<void> {
  await eventually(async () => {
    const done = await effectsDone(handle, what);
    if (done < count) throw new Error(`${handle.workflowId}: ${done} of ${count} ${what} done`);
  });
}

/**
 * The messages of one kind that every recipient has, oldest first. A component runs its effects
 * one after another and records each as done once every recipient has it, so the first `done`
 * messages (in order of first send) are whole; a later one may still be going out.
 *
 * `sent` returns the component's notifications of `kind` sent so far; it is called after the audit
 * trail is read, so it holds at least every message the trail counts.
 */
export async function wholeMessages<T extends Message>(handle: WorkflowHandle, kind: Notification['kind'], sent: () => readonly T[]): Promise<T[]> {
  const done = await effectsDone(handle, EFFECT_OF[kind]);
  return merged(sent()).slice(0, done);
}

/**
 * Wait until one of the component's notify activities has failed at least once and waits to
 * retry: the mail server was tried and refused, not merely not reached yet.
 */
export async function deliveryFailed(handle: WorkflowHandle): Promise<void> {
  await eventually(async () => {
    const pending = (await handle.describe()).raw.pendingActivities ?? [];
    // `deliver` carries a turn's notifications; runs begun before it used one `notify` per message.
    const failed = pending.some(
      (activity) => ['deliver', 'notify'].includes(activity.activityType?.name ?? '') && (activity.lastFailure != null || (activity.attempt ?? 1) > 1),
    );
    if (!failed) throw new Error(`${handle.workflowId}: no activity sending mail has failed yet (${pending.length} pending)`);
  });
}

/**
 * How many reminder rounds can have fallen due by workflow time `at`, the first due at `firstDue`
 * and one every `everyMs` after it. A round goes to whoever had not answered when it fell due, so a
 * reviewer whose answer the audit trail records at `at` is named in at most this many rounds (on a
 * quick machine none: the answer comes well before the first round).
 */
export function roundsDueBy(firstDue: number, at: number, everyMs: number): number {
  return at < firstDue ? 0 : Math.floor((at - firstDue) / everyMs) + 1;
}
