/** Every activity the worker registers, built from the clients it is given. */
import type { Client } from '@temporalio/client';
import { createNotificationActivities, logNotifier, type Notifier } from './notifications.js';
import { createScheduleActivities } from './schedules.js';

export interface ActivityDependencies {
  client: Client;
  taskQueue: string;
  notifier?: Notifier;
}

export function createActivities(deps: ActivityDependencies) {
  return {
    ...createNotificationActivities(deps.notifier ?? logNotifier),
    ...createScheduleActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type { Notification, Notifier } from './notifications.js';
