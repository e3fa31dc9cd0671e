/**
 * One activity per turn of a component's loop carries out everything that turn asked of the world:
 * tell the project the component's new level or state, keep its Level 9 re-review schedule in
 * line, and send each notification to all its recipients. It heartbeats what it has done, so a
 * retry (after a mail outage, or a worker lost mid-way) skips it: no recipient is emailed twice
 * and the project is not told twice.
 *
 * Mail is retried for about a day, then given up and reported (a person is waiting, and review
 * state is never held hostage by mail); the project and the schedule are retried until they work.
 */
import { activityInfo, heartbeat, log } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { componentChangedSignal, projectWorkflowId, type ComponentReport } from '../workflows/definitions.js';
import type { Notification, Notifier } from './notifications.js';
import type { RecipientLimit } from './recipientLimit.js';
import { reconcileReReviewSchedule, type ReconcileSchedule } from './schedules.js';

/** After this long since the turn's first attempt, mail that still fails is given up and reported. */
export const MAIL_GIVE_UP_AFTER_MS = 24 * 3_600_000;

export interface Delivery {
  /** The component's level and state, for its project (absent when neither changed). */
  report?: ComponentReport & { projectId: string };
  schedule?: ReconcileSchedule;
  notifications: Notification[];
}

export interface Delivered {
  /** Per notification (messageId): recipients held back, past their hourly cap. */
  held: Record<string, string[]>;
  /** Per notification (messageId): why it could not be sent within a day. */
  failed: Record<string, string>;
}

/** What a turn's activity has done so far, carried by its heartbeats into a retry. */
interface Progress {
  reported: boolean;
  scheduled: boolean;
  /** `<messageId> <email>` of every recipient already sent to (or held back). */
  sent: string[];
}

export interface DeliveryDependencies {
  client: Client;
  taskQueue: string;
  notifier: Notifier;
  limit: RecipientLimit;
}

export function createDeliveryActivities(deps: DeliveryDependencies) {
  return {
    async deliver(delivery: Delivery): Promise<Delivered> {
      const info = activityInfo();
      const progress: Progress = { reported: false, scheduled: false, sent: [], ...(info.heartbeatDetails as Progress | undefined) };
      const done = new Set(progress.sent);
      const save = () => heartbeat({ ...progress, sent: [...done] });

      if (delivery.report && !progress.reported) {
        await tellProject(deps.client, delivery.report);
        progress.reported = true;
        save();
      }
      if (delivery.schedule && !progress.scheduled) {
        await reconcileReReviewSchedule(deps, delivery.schedule);
        progress.scheduled = true;
        save();
      }

      const result: Delivered = { held: {}, failed: {} };
      const givingUp = Date.now() - info.scheduledTimestampMs > MAIL_GIVE_UP_AFTER_MS;
      for (const notification of delivery.notifications) {
        for (const person of notification.to) {
          const key = `${notification.messageId} ${person.email}`;
          if (done.has(key)) continue;
          if (!deps.limit.take(person.email)) {
            (result.held[notification.messageId] ??= []).push(person.email);
            log.warn('notification held back: recipient past the hourly cap', { messageId: notification.messageId, email: person.email });
          } else {
            try {
              await deps.notifier.send({ ...notification, to: [person] });
            } catch (error) {
              if (!givingUp) throw error;
              result.failed[notification.messageId] = `${person.email}: ${error instanceof Error ? error.message : String(error)}`;
              continue;
            }
          }
          done.add(key);
          save();
        }
      }
      return result;
    },
  };
}

/** Signal the component's project; a component started on its own has none, and that is fine. */
async function tellProject(client: Client, { projectId, ...report }: ComponentReport & { projectId: string }): Promise<void> {
  try {
    await client.workflow.getHandle(projectWorkflowId(projectId)).signal(componentChangedSignal, report);
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
  }
}
