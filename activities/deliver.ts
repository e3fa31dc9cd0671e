/**
 * One activity per turn of a component's loop carries out everything that turn asked of the world:
 * tell the project the component's new level or state, keep its Level 9 re-review schedule in
 * line, and send each notification to all its recipients. It heartbeats what it has done, so a
 * retry (after a mail outage, or a worker lost mid-way) skips it: no recipient is emailed twice
 * and the project is not told twice.
 *
 * Mail is retried for about a day, then given up and reported (a person is waiting, and review
 * state is never held hostage by mail); the project and the schedule are retried until they work.
 * Lifecycle events go to the configured webhook endpoints before the mail, so a mail outage does
 * not hold them; each gets a few attempts (activities/webhooks.ts), then is given up and reported.
 */
import { activityInfo, heartbeat, log } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { componentChangedSignal, projectWorkflowId, type ComponentReport } from '../workflows/definitions.js';
import type { Notification, Notifier } from './notifications.js';
import type { RecipientLimit } from './recipientLimit.js';
import { reconcileReReviewSchedule, type ReconcileSchedule } from './schedules.js';
import {
  endpointKey,
  endpointName,
  postOnce,
  wants,
  webhookBody,
  WEBHOOK_ATTEMPTS,
  WEBHOOK_RETRY_WAITS_MS,
  type Attempt,
  type WebhookEndpoint,
  type WebhookEvent,
  type WebhookOutcome,
} from './webhooks.js';

/** After this long since the turn's first attempt, mail that still fails is given up and reported. */
export const MAIL_GIVE_UP_AFTER_MS = 24 * 3_600_000;

export interface Delivery {
  /** The component's level and state, for its project (absent when neither changed). */
  report?: ComponentReport & { projectId: string };
  schedule?: ReconcileSchedule;
  notifications: Notification[];
  /** The turn's lifecycle events, for the configured webhook endpoints (runs of rules edition 2 on). */
  events?: WebhookEvent[];
}

export interface Delivered {
  /** Per notification (messageId): recipients held back, past their hourly cap. */
  held: Record<string, string[]>;
  /** Per notification (messageId): why it could not be sent within a day. */
  failed: Record<string, string>;
  /** Per event (id) that some configured endpoint wants: how many it reached, and whom it was given up for. */
  webhooks?: Record<string, WebhookOutcome>;
}

/** What a turn's activity has done so far, carried by its heartbeats into a retry. */
interface Progress {
  reported: boolean;
  scheduled: boolean;
  /** `<messageId> <email>` of every recipient already sent to (or held back). */
  sent: string[];
  /** Webhooks, each keyed `<event id> <endpoint key>`: delivered, attempts made so far, given up. */
  hooked?: string[];
  hookAttempts?: Record<string, number>;
  hookFailed?: Record<string, string>;
}

export interface WebhookSetup {
  endpoints: WebhookEndpoint[];
  /** Where people reach the web page, for links in Slack messages. */
  publicUrl?: string;
  /** Waits between attempts (tests shorten them); WEBHOOK_RETRY_WAITS_MS by default. */
  retryWaitsMs?: readonly number[];
}

export interface DeliveryDependencies {
  client: Client;
  taskQueue: string;
  notifier: Notifier;
  limit: RecipientLimit;
  webhooks?: WebhookSetup;
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
      const hooks = deps.webhooks;
      if (hooks && hooks.endpoints.length > 0 && delivery.events && delivery.events.length > 0) {
        const webhooks = await sendWebhooks(hooks, delivery.events, progress, save);
        if (Object.keys(webhooks).length > 0) result.webhooks = webhooks;
      }

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

/**
 * Every event to every endpoint that wants it: endpoints side by side, events to one endpoint in
 * order. An endpoint that used up its attempts on one event gets one attempt for each later event
 * of the turn, so a dead endpoint costs the turn seconds, not minutes.
 */
async function sendWebhooks(setup: WebhookSetup, events: WebhookEvent[], progress: Progress, save: () => void): Promise<Record<string, WebhookOutcome>> {
  const hooked = new Set(progress.hooked ?? []);
  const attempts = (progress.hookAttempts ??= {});
  const failed = (progress.hookFailed ??= {});
  const saveHooks = () => {
    progress.hooked = [...hooked];
    save();
  };
  const waits = setup.retryWaitsMs ?? WEBHOOK_RETRY_WAITS_MS;
  const outcomes: Record<string, WebhookOutcome> = {};
  await Promise.all(
    setup.endpoints.map(async (endpoint) => {
      const name = endpointName(endpoint);
      let struggling = false;
      for (const event of events) {
        if (!wants(endpoint, event)) continue;
        const outcome = (outcomes[event.id] ??= { sent: 0, failed: [] });
        const key = `${event.id} ${endpointKey(endpoint)}`;
        if (hooked.has(key)) {
          outcome.sent += 1;
          continue;
        }
        if (failed[key] === undefined) {
          const body = webhookBody(endpoint, event, setup.publicUrl);
          let attempt: Attempt;
          for (;;) {
            const made = (attempts[key] ?? 0) + 1;
            attempts[key] = made;
            saveHooks();
            attempt = await postOnce(endpoint, event, body);
            if (attempt.ok || !attempt.retry || made >= WEBHOOK_ATTEMPTS || struggling) break;
            await new Promise((resolve) => setTimeout(resolve, waits[Math.min(made - 1, waits.length - 1)]));
          }
          if (attempt.ok) hooked.add(key);
          else {
            failed[key] = `${name}: ${attempt.why} after ${attempts[key]} attempt${attempts[key] === 1 ? '' : 's'}`;
            log.warn('webhook given up', { eventId: event.id, endpoint: name, why: attempt.why });
          }
          delete attempts[key];
          saveHooks();
        }
        if (hooked.has(key)) outcome.sent += 1;
        else {
          outcome.failed.push(failed[key]);
          struggling = true;
        }
      }
    }),
  );
  return outcomes;
}

/** Signal the component's project; a component started on its own has none, and that is fine. */
async function tellProject(client: Client, { projectId, ...report }: ComponentReport & { projectId: string }): Promise<void> {
  try {
    await client.workflow.getHandle(projectWorkflowId(projectId)).signal(componentChangedSignal, report);
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
  }
}
