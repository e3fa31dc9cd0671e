/**
 * The running projects on a task queue, found through Temporal's visibility store (the project
 * workflows themselves are the registry: no second database to keep in step).
 */
import type { Client } from '@temporalio/client';
import { WORKFLOW_TYPES, projectStatusQuery, projectWorkflowId, type ProjectStatus } from '../../workflows/definitions.js';
import { call, projectHandle } from '../runtime/client.js';

/** What every project workflow's id starts with, before the project's id. */
const PROJECT_PREFIX = projectWorkflowId('');

/** Ids of the running projects whose workflows run on `taskQueue`, sorted. */
export async function listProjectIds(client: Client, taskQueue: string, limit = 200): Promise<string[]> {
  // Quoted into a visibility query: accept only the characters src/runtime/config.ts allows.
  if (!/^[A-Za-z0-9._-]{1,200}$/.test(taskQueue)) throw new Error(`task queue "${taskQueue}" has characters a visibility query cannot take`);
  const query = `WorkflowType = '${WORKFLOW_TYPES.project}' AND ExecutionStatus = 'Running' AND TaskQueue = '${taskQueue}'`;
  const ids: string[] = [];
  await call(async () => {
    for await (const execution of client.workflow.list({ query, pageSize: 100 })) {
      if (execution.workflowId.startsWith(PROJECT_PREFIX)) ids.push(execution.workflowId.slice(PROJECT_PREFIX.length));
      if (ids.length >= limit) break;
    }
  });
  return [...new Set(ids)].sort();
}

/** Every running project's status; one that does not answer is left out rather than failing the list. */
export async function listProjects(client: Client, taskQueue: string): Promise<ProjectStatus[]> {
  const ids = await listProjectIds(client, taskQueue);
  const statuses = await Promise.allSettled(ids.map((id) => call(() => projectHandle(client, id).query(projectStatusQuery))));
  return statuses.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
}
