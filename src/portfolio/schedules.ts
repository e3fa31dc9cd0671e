/**
 * What operators see and steer of the Level 9 re-reviews, across the portfolio: the ordinary
 * Temporal Schedules named by `reReviewScheduleId` (so `temporal schedule list` and the Temporal UI
 * show the same ones), with their cadence, next fire, recent fires and whether they are paused.
 */
import type { Client, ScheduleSummary } from '@temporalio/client';
import { RE_REVIEW_SCHEDULE_PREFIX, reReviewScheduleId } from '../../workflows/definitions.js';

export interface ReReviewSchedule {
  scheduleId: string;
  projectId: string;
  componentId: string;
  /** The interval, as written in the project's policy (e.g. "90 days"). */
  every: string;
  paused: boolean;
  note: string;
  nextFires: string[];
  recentFires: string[];
}

function everyText(milliseconds: number): string {
  const units: [string, number][] = [['day', 86_400_000], ['hour', 3_600_000], ['minute', 60_000], ['second', 1_000]];
  for (const [unit, size] of units) {
    if (milliseconds >= size && milliseconds % size === 0) {
      const n = milliseconds / size;
      return `${n} ${unit}${n === 1 ? '' : 's'}`;
    }
  }
  return `${milliseconds} ms`;
}

function toView(summary: ScheduleSummary): ReReviewSchedule | undefined {
  const [projectId, componentId] = summary.scheduleId.slice(RE_REVIEW_SCHEDULE_PREFIX.length).split('/');
  if (!summary.scheduleId.startsWith(RE_REVIEW_SCHEDULE_PREFIX) || !projectId || !componentId) return undefined;
  const interval = summary.spec?.intervals?.[0]?.every;
  return {
    scheduleId: summary.scheduleId,
    projectId,
    componentId,
    every: typeof interval === 'number' ? everyText(interval) : String(interval ?? 'unknown'),
    paused: summary.state.paused,
    note: summary.state.note ?? '',
    nextFires: summary.info.nextActionTimes.map((at) => at.toISOString()),
    recentFires: summary.info.recentActions.map((action) => action.takenAt.toISOString()),
  };
}

export async function listReReviewSchedules(client: Client): Promise<ReReviewSchedule[]> {
  const schedules: ReReviewSchedule[] = [];
  for await (const summary of client.schedule.list()) {
    const view = toView(summary);
    if (view) schedules.push(view);
  }
  return schedules.sort((a, b) => a.scheduleId.localeCompare(b.scheduleId));
}

export type ScheduleAction = 'trigger' | 'pause' | 'unpause';

export async function steerReReviewSchedule(client: Client, projectId: string, componentId: string, action: ScheduleAction, reason: string): Promise<void> {
  const handle = client.schedule.getHandle(reReviewScheduleId(projectId, componentId));
  switch (action) {
    case 'trigger':
      return handle.trigger();
    case 'pause':
      return handle.pause(reason);
    case 'unpause':
      return handle.unpause(reason);
  }
}
