/**
 * One project's risk matrix, across its components. Requirements live on the components' cards, so
 * this read asks each live component of the one project for its card: it serves the project's own
 * views (`mltrl status <project>`, `GET /api/projects/:p/risks`, the project page), never the
 * portfolio lists or the dashboard, which only ask projects (./read.ts). A component that does not
 * answer is retried, then named in `unreadable`, as the rest of the read path does.
 */
import type { Client } from '@temporalio/client';
import { riskMatrix, type RiskMatrix, type RiskSource } from '../../machines/riskMatrix.js';
import { cardQuery, projectStatusQuery, type ProjectStatus } from '../../workflows/definitions.js';
import { call, componentHandle, projectHandle } from '../runtime/client.js';
import type { Unreadable } from './metrics.js';
import { askWithRetries, mapBounded } from './read.js';

export interface ProjectRisks {
  projectId: string;
  name: string;
  matrix: RiskMatrix;
  /** Components that did not answer (`projectId/componentId`): their requirements are not in the matrix. */
  unreadable: Unreadable[];
  /** Retired components, not asked: they have left the system, and so has what they required. */
  retired: string[];
}

/** The matrix of a project whose status has just been read: its live components' cards, asked at most a few at a time. */
export async function readRisksOf(client: Client, project: ProjectStatus): Promise<ProjectRisks> {
  const live = project.components.filter((c) => c.state !== 'retired');
  const answers = await mapBounded(live, async ({ componentId }) => ({
    componentId,
    answer: await askWithRetries(client, () => componentHandle(client, project.projectId, componentId).query(cardQuery)),
  }));
  const sources: RiskSource[] = [];
  const unreadable: Unreadable[] = [];
  for (const { componentId, answer } of answers) {
    if (answer.ok) sources.push({ componentId, riskThreshold: answer.value.riskThreshold, requirements: answer.value.requirements });
    else unreadable.push({ id: `${project.projectId}/${componentId}`, why: answer.why });
  }
  return {
    projectId: project.projectId,
    name: project.name,
    matrix: riskMatrix(sources),
    unreadable,
    retired: project.components.filter((c) => c.state === 'retired').map((c) => c.componentId),
  };
}

/** A project's matrix, its status read first; a project that does not exist fails as `call` reports it (not-found). */
export async function readProjectRisks(client: Client, projectId: string): Promise<ProjectRisks> {
  const project = await call(() => projectHandle(client, projectId).query(projectStatusQuery));
  return readRisksOf(client, project);
}
