/**
 * Level 9 re-review schedules: ordinary Temporal Schedules, so `temporal schedule list` and the
 * Temporal UI show the same ones mltrl manages. Reconciling is idempotent: each call makes the
 * schedule absent, active or paused, whatever it was before, so retries are harmless.
 */
import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import type { ScheduleState } from '../machines/context.js';
import { durationMillis } from '../machines/model.js';
import { reReviewRunId, reReviewScheduleId, WORKFLOW_TYPES } from '../workflows/definitions.js';

export interface ReconcileSchedule {
  projectId: string;
  componentId: string;
  desired: ScheduleState;
  every: string;
}

/** Make a component's re-review schedule absent, active or paused, whatever it was before. */
export async function reconcileReReviewSchedule(deps: { client: Client; taskQueue: string }, { projectId, componentId, desired, every }: ReconcileSchedule): Promise<void> {
  const { client, taskQueue } = deps;
  const scheduleId = reReviewScheduleId(projectId, componentId);
  const handle = client.schedule.getHandle(scheduleId);
  if (desired === 'absent') {
    try {
      await handle.delete();
    } catch (error) {
      if (!(error instanceof ScheduleNotFoundError)) throw error;
    }
    return;
  }
  try {
    await client.schedule.create({
      scheduleId,
      // Interval specs fire on multiples of `every` counted from the epoch; the offset makes the
      // first re-review come one full interval after the component reached Level 9.
      spec: { intervals: [{ every: durationMillis(every), offset: Date.now() % durationMillis(every) }] },
      action: {
        type: 'startWorkflow',
        workflowType: WORKFLOW_TYPES.level9ReReview,
        args: [{ projectId, componentId }],
        taskQueue,
        workflowId: reReviewRunId(projectId, componentId),
      },
      // A fire while the previous re-review workflow still runs is skipped, never queued.
      policies: { overlap: ScheduleOverlapPolicy.SKIP },
      state: {
        paused: desired === 'paused',
        note: `Level 9 re-review of ${componentId} in project ${projectId}`,
      },
      memo: { projectId, componentId },
    });
    return;
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
  }
  const description = await handle.describe();
  if (desired === 'paused' && !description.state.paused) await handle.pause(`component ${componentId} paused`);
  if (desired === 'active' && description.state.paused) await handle.unpause(`component ${componentId} resumed`);
}

export function createScheduleActivities(deps: { client: Client; taskQueue: string }) {
  return {
    reconcileReReviewSchedule: (request: ReconcileSchedule) => reconcileReReviewSchedule(deps, request),
  };
}
