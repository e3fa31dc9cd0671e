/**
 * A component deployed before its project used mltrl, registered by an operator straight on
 * Temporal: the source that adopted components in tests come from (a project file may only adopt
 * from a component that exists and has reached the claimed level).
 */
import type { Client } from '@temporalio/client';
import { WORKFLOW_TYPES, componentWorkflowId, statusQuery, type ComponentWorkflowInput } from '../../workflows/definitions.js';
import { LEAD, OWNER, uniqueId } from './fixtures.js';
import { eventually } from './harness.js';

export interface Source {
  projectId: string;
  componentId: string;
  level: number;
}

export async function startSourceComponent(client: Client, taskQueue: string, level = 9): Promise<Source> {
  const projectId = uniqueId('source');
  const componentId = 'deployed-model';
  const input: ComponentWorkflowInput = {
    projectId,
    component: {
      id: componentId,
      name: 'Deployed model',
      kind: 'model',
      entryLevel: level,
      owner: OWNER,
      provenance: { kind: 'adopted', projectId: 'before-mltrl', componentId, level },
    },
    projectOwners: [LEAD],
    roster: {},
    policy: { approvalsPerRole: 1, remindEvery: '2 days', escalateAfter: '7 days', rereviewEvery: '90 days', riskThreshold: 3 },
  };
  const handle = await client.workflow.start(WORKFLOW_TYPES.component, { workflowId: componentWorkflowId(projectId, componentId), taskQueue, args: [input] });
  await eventually(async () => (await handle.query(statusQuery)).level);
  return { projectId, componentId, level };
}
