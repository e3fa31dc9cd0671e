/**
 * Reads the portfolio from Temporal: every component workflow (found by type through visibility)
 * and every project, each asked for its own card and status. This is the only input of the
 * metrics, so they always describe what the workflows recorded.
 */
import type { Client } from '@temporalio/client';
import { WORKFLOW_TYPES, cardQuery, projectStatusQuery, statusQuery } from '../../workflows/definitions.js';
import { componentRecord, type ComponentRecord, type ProjectRecord } from './metrics.js';

/** Queries in flight at once: enough to be quick over a thousand components, gentle on the server. */
const CONCURRENCY = 16;

/** Which workflows to read: the engine's own task queue (other engines may share the namespace), optionally one project. */
export interface PortfolioScope {
  taskQueue: string;
  projectId?: string;
}

async function latestWorkflowIds(client: Client, workflowType: string, scope: PortfolioScope): Promise<string[]> {
  const ids = new Set<string>();
  const query = `WorkflowType = '${workflowType}' AND TaskQueue = '${scope.taskQueue}'${scope.projectId ? ` AND MltrlProject = '${scope.projectId}'` : ''}`;
  for await (const execution of client.workflow.list({ query })) ids.add(execution.workflowId);
  return [...ids].sort();
}

async function mapBounded<T, R>(items: T[], fn: (item: T) => Promise<R | undefined>): Promise<R[]> {
  const results: R[] = [];
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++];
      const result = await fn(item);
      if (result !== undefined) results.push(result);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, worker));
  return results;
}

export async function readComponents(client: Client, scope: PortfolioScope): Promise<ComponentRecord[]> {
  const ids = await latestWorkflowIds(client, WORKFLOW_TYPES.component, scope);
  return mapBounded(ids, async (workflowId) => {
    const handle = client.workflow.getHandle(workflowId);
    try {
      const [status, card] = await Promise.all([handle.query(statusQuery), handle.query(cardQuery)]);
      return componentRecord(status, card);
    } catch {
      // A workflow that cannot answer (e.g. one that failed before it had state) is not a component yet.
      return undefined;
    }
  });
}

export async function readProjects(client: Client, scope: PortfolioScope): Promise<ProjectRecord[]> {
  const ids = await latestWorkflowIds(client, WORKFLOW_TYPES.project, { taskQueue: scope.taskQueue });
  return mapBounded(ids, async (workflowId) => {
    try {
      const status = await client.workflow.getHandle(workflowId).query(projectStatusQuery);
      return { projectId: status.projectId, name: status.name, systemLevel: status.systemLevel };
    } catch {
      return undefined;
    }
  });
}
