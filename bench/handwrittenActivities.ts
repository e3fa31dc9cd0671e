/**
 * The hand-written equivalent's one activity (bench/workflows/handwritten.ts): a review event told
 * to all its recipients. It sends through the same Notifier and the same per-recipient hourly cap as
 * mltrl's worker, one recipient at a time, and heartbeats the recipients done so far: a retry after
 * a crash or a transport failure skips them, so nobody hears of the same event twice.
 */
import { Context, log } from '@temporalio/activity';
import type { Notification, Notifier } from '../activities/notifications.js';
import { recipientLimit } from '../activities/recipientLimit.js';

export interface NotifyOutcome {
  /** Recipients past their hourly cap: not sent to. */
  held: string[];
}

export function createHandwrittenActivities(notifier: Notifier, maxEmailsPerHour?: number) {
  const limit = recipientLimit(maxEmailsPerHour);
  return {
    async notifyReviewEvent(notification: Notification): Promise<NotifyOutcome> {
      const context = Context.current();
      const done = new Set<string>((context.info.heartbeatDetails as string[] | undefined) ?? []);
      const held: string[] = [];
      for (const person of notification.to) {
        if (done.has(person.email)) continue;
        if (limit.take(person.email)) await notifier.send({ ...notification, to: [person] });
        else held.push(person.email);
        done.add(person.email);
        // The last one needs no heartbeat: the activity's completion records it.
        if (done.size < notification.to.length) context.heartbeat([...done]);
      }
      if (held.length > 0) log.warn('notification held back: recipient past the hourly cap', { messageId: notification.messageId, held });
      return { held };
    },
  };
}

export type HandwrittenActivities = ReturnType<typeof createHandwrittenActivities>;
