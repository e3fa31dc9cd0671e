/**
 * The paginated, filtered lists of projects and components the dashboard, the project page and the
 * API show.
 * A list asks only the projects it needs: the page's, or every one when a filter needs their
 * summaries; it never wakes a component.
 */
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import { LEVELS, PHASES } from '../../machines/levels.js';
import { Email, Slug } from '../../machines/model.js';
import type { ProjectComponentSummary } from '../../machines/status.js';
import { withoutFigures } from '../../machines/summary.js';
import type { ProjectStatus } from '../../workflows/definitions.js';
import type { Unreadable } from './metrics.js';
import { listProjectIds, readProjectSummaries } from './read.js';

const Level = z.coerce.number().int('must be a whole number').min(0, 'must be 0 to 9').max(LEVELS.length - 1, 'must be 0 to 9');

/** Which page of a list: from a URL's query string, so numbers arrive as text. */
export const PageRequest = z.strictObject({
  page: z.coerce.number().int('must be a whole number').min(1, 'must be 1 or more').max(100_000, 'must be at most 100000').default(1),
  pageSize: z.coerce.number().int('must be a whole number').min(1, 'must be 1 to 200').max(200, 'must be 1 to 200').default(50),
});

/** Filters of the project list: a part of the project's id, one of its owners, its system level; 25 projects a page unless asked. */
export const ProjectFilter = PageRequest.extend({
  pageSize: PageRequest.shape.pageSize.removeDefault().default(25),
  project: z.string().trim().max(63, 'must be at most 63 characters').regex(/^[a-z0-9-]*$/, 'must be part of a project id: a-z, 0-9 and -').optional(),
  owner: Email.optional(),
  level: Level.optional(),
});
export type ProjectFilter = z.output<typeof ProjectFilter>;

/** Filters of a component list: its project, level, phase, state, owner. */
export const ComponentFilter = PageRequest.extend({
  project: Slug.optional(),
  level: Level.optional(),
  phase: z.enum(PHASES).optional(),
  state: z.enum(['working', 'in-review', 'paused', 'retired']).optional(),
  owner: Email.optional(),
});
export type ComponentFilter = z.output<typeof ComponentFilter>;

/** Filters as given (a query string, or a command's options): an empty value (a form's "any") is the same as leaving the filter out. */
export const givenFilters = (query: Record<string, string | undefined>): Record<string, string> =>
  Object.fromEntries(Object.entries(query).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1].trim() !== ''));

export interface Page<T> {
  items: T[];
  /** Items matching the filters, over every page. */
  total: number;
  page: number;
  pageSize: number;
  pages: number;
  /** Projects that did not answer: the list leaves out what they hold, and says so. */
  unreadable: Unreadable[];
}

function pageOf<T>(all: readonly T[], request: { page: number; pageSize: number }, unreadable: Unreadable[]): Page<T> {
  const start = (request.page - 1) * request.pageSize;
  return {
    items: all.slice(start, start + request.pageSize),
    total: all.length,
    page: request.page,
    pageSize: request.pageSize,
    pages: Math.max(1, Math.ceil(all.length / request.pageSize)),
    unreadable,
  };
}

/** The status without the figures: lists show people the status, the metrics read the figures. */
const statusOf = (project: ProjectStatus): ProjectStatus => ({ ...project, components: project.components.map(withoutFigures) });

/**
 * A page of running projects. Without an owner or level filter only the page's projects are asked;
 * with one, every project whose id matches is asked, since only its summary can answer.
 */
export async function projectsPage(client: Client, taskQueue: string, filter: ProjectFilter): Promise<Page<ProjectStatus>> {
  const ids = (await listProjectIds(client, taskQueue)).filter((id) => !filter.project || id.includes(filter.project));
  if (filter.owner === undefined && filter.level === undefined) {
    const page = pageOf(ids, filter, []);
    const { projects, unreadable } = await readProjectSummaries(client, page.items);
    return { ...page, items: projects.map(statusOf), unreadable };
  }
  const { projects, unreadable } = await readProjectSummaries(client, ids);
  const matching = projects.filter(
    (project) =>
      (filter.owner === undefined || project.owners.some((owner) => owner.email === filter.owner) || project.components.some((c) => c.owner === filter.owner)) &&
      (filter.level === undefined || project.systemLevel === filter.level),
  );
  return pageOf(matching.map(statusOf), filter, unreadable);
}

export type ListedComponent = Omit<ProjectComponentSummary, 'figures'> & { projectId: string };

/** A project's components that pass the filter, without their figures. */
function matchingComponents(project: ProjectStatus, filter: ComponentFilter): ListedComponent[] {
  return project.components
    .filter(
      (c) =>
        (filter.level === undefined || c.level === filter.level) &&
        (filter.phase === undefined || c.phase === filter.phase) &&
        (filter.state === undefined || c.state === filter.state) &&
        (filter.owner === undefined || c.owner === filter.owner),
    )
    .map((c) => ({ projectId: project.projectId, ...withoutFigures(c) }));
}

/** A page of one project's components. */
export function projectComponentsPage(project: ProjectStatus, filter: ComponentFilter): Page<ListedComponent> {
  return pageOf(matchingComponents(project, filter), filter, []);
}

/** A page of components across every running project (or the one `filter.project` names). */
export async function componentsPage(client: Client, taskQueue: string, filter: ComponentFilter): Promise<Page<ListedComponent>> {
  const ids = filter.project ? [filter.project] : await listProjectIds(client, taskQueue);
  const { projects, unreadable } = await readProjectSummaries(client, ids);
  return pageOf(
    projects.flatMap((project) => matchingComponents(project, filter)),
    filter,
    unreadable,
  );
}
