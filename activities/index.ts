/** Every activity the worker registers, built from the clients it is given. */
import type { Client } from '@temporalio/client';
import { createDeliveryActivities, type WebhookSetup } from './deliver.js';
import { createEvidenceActivities } from './evidence.js';
import { createMlflowActivities, type MlflowDependencies } from './mlflow.js';
import { createNotificationActivities, logNotifier, type Notifier } from './notifications.js';
import { createProvenanceActivities } from './provenance.js';
import { recipientLimit } from './recipientLimit.js';
import { createScheduleActivities } from './schedules.js';

export interface ActivityDependencies {
  client: Client;
  taskQueue: string;
  notifier?: Notifier;
  /** Emails one address may receive per hour from this worker (see recipientLimit.ts). */
  maxEmailsPerHour?: number;
  /** Endpoints that receive the components' lifecycle events (MLTRL_WEBHOOKS); none when absent. */
  webhooks?: WebhookSetup;
  /** MLflow's address and the cards' public address, for linked components (activities/mlflow.ts). */
  mlflow?: MlflowDependencies;
}

export function createActivities(deps: ActivityDependencies) {
  const notifier = deps.notifier ?? logNotifier;
  const limit = recipientLimit(deps.maxEmailsPerHour);
  return {
    ...createDeliveryActivities({ client: deps.client, taskQueue: deps.taskQueue, notifier, limit, ...(deps.webhooks ? { webhooks: deps.webhooks } : {}) }),
    // Runs begun before one activity per turn still call these (workflows/legacyEffects.ts).
    ...createNotificationActivities(notifier, limit),
    ...createScheduleActivities(deps),
    ...createProvenanceActivities(deps),
    ...createMlflowActivities(deps.mlflow ?? {}),
    ...createEvidenceActivities(deps.mlflow ?? {}),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type { Notification, Notifier, NotifyResult } from './notifications.js';
export type { Delivered, Delivery, WebhookSetup } from './deliver.js';
export type { MlflowSync, MlflowSynced } from './mlflow.js';
export type { EvidenceRead } from './evidence.js';
