/**
 * Reads the portfolio from Temporal without waking components: the running projects are found
 * through visibility, and each project answers with the summary it keeps of its components
 * (machines/summary.ts), figures included. Only a component whose summary has no figures yet (kept
 * by an earlier version, until the component next changes) is asked itself. A project or component
 * that does not answer is retried, then named in `unreadable`: never left out silently.
 */
import type { Client } from '@temporalio/client';
import { WORKFLOW_TYPES, cardQuery, componentWorkflowId, projectPortfolioQuery, projectWorkflowId, statusQuery, type ProjectStatus } from '../../workflows/definitions.js';
import { call, ClientError, componentHandle, projectHandle } from '../runtime/client.js';
import { componentRecord, computeMetrics, type ComponentRecord, type PortfolioMetrics, type ProjectRecord, type Unreadable } from './metrics.js';

/** Queries in flight at once: quick over a hundred projects, gentle on the server. */
const CONCURRENCY = 16;
/** Tries per query, and how long each may take: a worker restarting answers within these, a lost one is named. */
const ATTEMPTS = 3;
const ATTEMPT_DEADLINE_MS = 5_000;
const RETRY_PAUSE_MS = 250;

/** Which workflows to read: the engine's own task queue (other engines may share the namespace), optionally one project. */
export interface PortfolioScope {
  taskQueue: string;
  projectId?: string;
}

/** What every project workflow's id starts with, before the project's id. */
const PROJECT_PREFIX = projectWorkflowId('');

/** Ids of every running project whose workflow runs on `taskQueue`, sorted. */
export async function listProjectIds(client: Client, taskQueue: string): Promise<string[]> {
  // Quoted into a visibility query: accept only the characters src/runtime/config.ts allows.
  if (!/^[A-Za-z0-9._-]{1,200}$/.test(taskQueue)) throw new Error(`task queue "${taskQueue}" has characters a visibility query cannot take`);
  const query = `WorkflowType = '${WORKFLOW_TYPES.project}' AND ExecutionStatus = 'Running' AND TaskQueue = '${taskQueue}'`;
  const ids = new Set<string>();
  await call(async () => {
    for await (const execution of client.workflow.list({ query, pageSize: 1_000 })) {
      if (execution.workflowId.startsWith(PROJECT_PREFIX)) ids.add(execution.workflowId.slice(PROJECT_PREFIX.length));
    }
  });
  return [...ids].sort();
}

export interface PortfolioRead {
  projects: ProjectStatus[];
  components: ComponentRecord[];
  unreadable: Unreadable[];
  /** Components asked directly because their project's summary had no figures for them yet. */
  componentsAsked: number;
}

/** `fn` over `items`, at most CONCURRENCY at once, results in the items' order. */
export async function mapBounded<T, R>(items: readonly T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, worker));
  return results;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One query with a deadline per attempt, retried while Temporal is unavailable (a worker
 * restarting, a server shedding load); the answer, or why there is none.
 */
export async function askWithRetries<T>(client: Client, ask: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; why: string }> {
  let why = '';
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    try {
      return { ok: true, value: await call(() => client.withDeadline(Date.now() + ATTEMPT_DEADLINE_MS, ask)) };
    } catch (error) {
      why = error instanceof Error ? error.message : String(error);
      if (!(error instanceof ClientError && error.kind === 'unavailable')) break;
      if (attempt < ATTEMPTS) await pause(RETRY_PAUSE_MS * attempt);
    }
  }
  return { ok: false, why };
}

/** Each project's summary, by id; the ones that did not answer are named. */
export async function readProjectSummaries(client: Client, projectIds: readonly string[]): Promise<{ projects: ProjectStatus[]; unreadable: Unreadable[] }> {
  const answers = await mapBounded(projectIds, async (projectId) => ({ projectId, answer: await askWithRetries(client, () => projectHandle(client, projectId).query(projectPortfolioQuery)) }));
  const projects: ProjectStatus[] = [];
  const unreadable: Unreadable[] = [];
  for (const { projectId, answer } of answers) {
    if (answer.ok) projects.push(answer.value);
    else unreadable.push({ id: projectId, why: answer.why });
  }
  return { projects, unreadable };
}

export async function readPortfolio(client: Client, scope: PortfolioScope): Promise<PortfolioRead> {
  const ids = scope.projectId ? [scope.projectId] : await listProjectIds(client, scope.taskQueue);
  const { projects, unreadable } = await readProjectSummaries(client, ids);

  const components: ComponentRecord[] = [];
  const withoutFigures: { projectId: string; componentId: string }[] = [];
  for (const project of projects) {
    for (const summary of project.components) {
      const { componentId, level, state, figures } = summary;
      if (figures) components.push({ projectId: project.projectId, componentId, level, phase: summary.phase as ComponentRecord['phase'], state, figures });
      else withoutFigures.push({ projectId: project.projectId, componentId });
    }
  }
  const asked = await mapBounded(withoutFigures, async ({ projectId, componentId }) => {
    const handle = componentHandle(client, projectId, componentId);
    const answer = await askWithRetries(client, () => Promise.all([handle.query(statusQuery), handle.query(cardQuery)]));
    return { id: `${projectId}/${componentId}`, workflowId: componentWorkflowId(projectId, componentId), answer };
  });
  for (const { id, answer } of asked) {
    if (answer.ok) components.push(componentRecord(...answer.value));
    else unreadable.push({ id, why: answer.why });
  }
  components.sort((a, b) => a.projectId.localeCompare(b.projectId) || a.componentId.localeCompare(b.componentId));
  return { projects, components, unreadable, componentsAsked: withoutFigures.length };
}

/** What the metrics need of a project. */
export const projectRecord = (status: ProjectStatus): ProjectRecord => ({ projectId: status.projectId, name: status.name, systemLevel: status.systemLevel });

/** The portfolio's metrics, from one read: what `mltrl metrics`, `/metrics` and `GET /api/metrics` show. */
export async function readMetrics(client: Client, scope: PortfolioScope): Promise<PortfolioMetrics> {
  const read = await readPortfolio(client, scope);
  return computeMetrics(read.components, read.projects.map(projectRecord), read.unreadable);
}
