/**
 * Telling people that something needs them: a review opened, a reminder, an escalation, a review's
 * outcome. The transport is a dependency (a log for now, SMTP through nodemailer in production), so
 * tests hand in whatever they need to observe.
 */
import { log } from '@temporalio/activity';
import type { Person } from '../machines/model.js';

export type NotificationKind = 'review-opened' | 'reminder' | 'escalation' | 'review-closed';

export interface Notification {
  kind: NotificationKind;
  /** Stable across retries and replays, so a transport can drop duplicates. */
  messageId: string;
  projectId: string;
  projectName: string;
  componentId: string;
  componentName: string;
  level: number;
  levelName: string;
  /** What the level is for, in the framework's words. */
  levelMeaning: string;
  reviewId: string;
  proposal?: string;
  /** The submitter's note on the review. */
  note?: string;
  /** The card's requirements with the highest risk, highest first. */
  topRisks: { id: string; statement?: string; risk?: number; flagged: boolean; mitigation?: string }[];
  to: Person[];
  waiting?: Person[];
  outcome?: string;
  tasks?: string[];
}

export interface Notifier {
  send(notification: Notification): Promise<void>;
}

/** Writes each notification to the worker's log: the default until a mail transport is configured. */
export const logNotifier: Notifier = {
  send(notification) {
    log.info(`notify ${notification.kind}`, {
      messageId: notification.messageId,
      to: notification.to.map((p) => p.email),
      component: `${notification.projectId}/${notification.componentId}`,
      reviewId: notification.reviewId,
    });
    return Promise.resolve();
  },
};

export function createNotificationActivities(notifier: Notifier) {
  return {
    async notify(notification: Notification): Promise<void> {
      await notifier.send(notification);
    },
  };
}
