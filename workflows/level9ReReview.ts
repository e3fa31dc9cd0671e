/**
 * Started by a component's re-review schedule (`rereview/<projectId>/<componentId>`): tells the
 * component a Level 9 re-review is due. The component decides whether to open it (a fire while a
 * re-review is open is skipped and noted in its history).
 */
import { getExternalWorkflowHandle, workflowInfo } from '@temporalio/workflow';
import { componentWorkflowId, reReviewDueSignal } from './definitions.js';

export interface ReReviewTarget {
  projectId: string;
  componentId: string;
}

export async function level9ReReviewWorkflow({ projectId, componentId }: ReReviewTarget): Promise<void> {
  await getExternalWorkflowHandle(componentWorkflowId(projectId, componentId)).signal(reReviewDueSignal, {
    scheduledAt: workflowInfo().startTime.toISOString(),
  });
}
