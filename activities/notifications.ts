/**
 * Telling people that something needs them: a review opened, a reminder, an escalation, a review's
 * outcome, a stage debrief asked for after a graduation (and its reminders). The transport is a dependency (a log for now, SMTP through nodemailer in production), so
 * tests hand in whatever they need to observe.
 */
import { log } from '@temporalio/activity';
import type { DependencyFlag } from '../machines/context.js';
import type { Person } from '../machines/model.js';
import { recipientLimit, type RecipientLimit } from './recipientLimit.js';

export type NotificationKind =
  | 'review-opened'
  | 'reminder'
  | 'escalation'
  | 'review-closed'
  | 'dependency-flag'
  | 'debrief-requested'
  | 'debrief-reminder'
  | 'ethics-requested'
  | 'ethics-reminder';

/** A requested change as a review's panel sees it: how the submit resolved it, or that it is still carried. */
export interface TaskLine {
  id: string;
  level: number;
  text: string;
  status: 'open' | 'done' | 'carried';
  note?: string;
}

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
  /** The review the message is about; for a debrief, the review that graduated the component from `level`. */
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
  /** `dependency-flag`: the switchback of a component this one depends on. */
  flag?: DependencyFlag;
  /** Review emails: the component's open dependency flags, one line each, for the panel to weigh. */
  openFlags?: string[];
  /** Rules edition 2: the ethics answers given for this review, each under its question. */
  ethics?: { id: string; question: string; answer: string }[];
  /** Rules edition 2: the tasks resolved with this review, then those still carried from earlier ones. */
  taskResolutions?: TaskLine[];
  /** Review emails: the monitoring alerts the review carries, one line each (the one that opened it first). */
  alerts?: string[];
  /** Review emails: the checks read from MLflow when the review opened, one line each (gates backed by evidence). */
  evidence?: string[];
  /** The checklist the owner is asked to answer (`ethics-requested`, `ethics-reminder`). */
  ethicsQuestions?: { id: string; question: string }[];
}

export interface Notifier {
  send(notification: Notification): Promise<void>;
}

/** One readable line per notification, for the log notifier. */
export function notificationLine(notification: Notification): string {
  const to = notification.to.map((p) => p.email).join(', ');
  const about = notification.flag ? `dependency ${notification.flag.dependency} switched back` : `review ${notification.reviewId}`;
  return `mltrl notify ${notification.kind}: ${notification.projectId}/${notification.componentId} ${about} (Level ${notification.level}) to ${to} [${notification.messageId}]`;
}

/**
 * Writes each notification as one line on standard output: the default until a mail transport is
 * configured. Not through the SDK's logger, which long-running processes set to warnings only.
 */
export function createLogNotifier(write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): Notifier {
  return {
    send(notification) {
      write(notificationLine(notification));
      return Promise.resolve();
    },
  };
}

export const logNotifier: Notifier = createLogNotifier();

/** What the notify activity did: recipients past their hourly cap are held back, not sent to. */
export interface NotifyResult {
  held: string[];
}

export function createNotificationActivities(notifier: Notifier, limit: RecipientLimit = recipientLimit()) {
  return {
    async notify(notification: Notification): Promise<NotifyResult> {
      const held = notification.to.filter((person) => !limit.take(person.email)).map((person) => person.email);
      const to = notification.to.filter((person) => !held.includes(person.email));
      if (held.length > 0) log.warn('notification held back: recipient past the hourly cap', { messageId: notification.messageId, held });
      if (to.length > 0) await notifier.send({ ...notification, to });
      return { held };
    },
  };
}
