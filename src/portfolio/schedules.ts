/**
 * What operators see and steer of the Level 9 re-reviews, across the portfolio: the ordinary
 * Temporal Schedules named by `reReviewScheduleId` (so `temporal schedule list` and the Temporal UI
 * show the same ones), with their cadence, next fire, recent fires and whether they are paused.
 */
import { ScheduleNotFoundError, type Client, type ScheduleDescription, type ScheduleSummary } from '@temporalio/client';
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

/** A describe that does not answer in this long keeps the listing's view rather than hold the page. */
const DESCRIBE_DEADLINE_MS = 5_000;

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

/** What a view needs, which both a listing's summary and a describe carry. */
type ScheduleRead = Pick<ScheduleSummary, 'scheduleId' | 'spec'> & Pick<ScheduleDescription, 'state'> & { info: Pick<ScheduleDescription['info'], 'nextActionTimes' | 'recentActions'> };

function toView(summary: ScheduleRead): ReReviewSchedule | undefined {
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

/**
 * The listing finds the schedules; each is then described, because the listing comes from
 * Temporal's visibility store, which lags behind: an operator who has just paused a schedule must
 * see it paused, and a fire they just triggered among the recent ones. With `taskQueue`, only the
schedules that start their workflows there (this deployment's). A schedule deleted in
 * between (its component left Level 9) is left out; one that cannot be described now keeps the
 * listing's view.
 */
export async function listReReviewSchedules(client: Client, options: { taskQueue?: string } = {}): Promise<ReReviewSchedule[]> {
  const listed: ScheduleSummary[] = [];
  for await (const summary of client.schedule.list()) {
    if (toView(summary)) listed.push(summary);
  }
  const described = await Promise.allSettled(listed.map((summary) => client.withDeadline(Date.now() + DESCRIBE_DEADLINE_MS, () => client.schedule.getHandle(summary.scheduleId).describe())));
  const schedules = listed.flatMap((summary, i): ReReviewSchedule[] => {
    const answer = described[i];
    if (answer.status === 'rejected') return answer.reason instanceof ScheduleNotFoundError ? [] : [toView(summary)!];
    // One deployment's schedules (as the portfolio reads are one task queue's): others sharing the namespace are theirs.
    if (options.taskQueue !== undefined && answer.value.action.taskQueue !== options.taskQueue) return [];
    return [toView(answer.value) ?? toView(summary)!];
  });
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
