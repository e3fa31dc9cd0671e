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

/** A query string's filters as given: an empty value (a form's "any") is the same as leaving the filter out. */
export const givenFilters = (query: Record<string, string>): Record<string, string> => Object.fromEntries(Object.entries(query).filter(([, value]) => value.trim() !== ''));

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
const withoutFigures = (project: ProjectStatus): ProjectStatus => ({ ...project, components: project.components.map(({ figures: _figures, ...summary }) => summary) });

/**
 * A page of running projects. Without an owner or level filter only the page's projects are asked;
 * with one, every project whose id matches is asked, since only its summary can answer.
 */
export async function projectsPage(client: Client, taskQueue: string, filter: ProjectFilter): Promise<Page<ProjectStatus>> {
  const ids = (await listProjectIds(client, taskQueue)).filter((id) => !filter.project || id.includes(filter.project));
  if (filter.owner === undefined && filter.level === undefined) {
    const page = pageOf(ids, filter, []);
    const { projects, unreadable } = await readProjectSummaries(client, page.items);
    return { ...page, items: projects.map(withoutFigures), unreadable };
  }
  const { projects, unreadable } = await readProjectSummaries(client, ids);
  const matching = projects.filter(
    (project) =>
      (filter.owner === undefined || project.owners.some((owner) => owner.email === filter.owner) || project.components.some((c) => c.owner === filter.owner)) &&
      (filter.level === undefined || project.systemLevel === filter.level),
  );
  return pageOf(matching.map(withoutFigures), filter, unreadable);
}

export type ListedComponent = Omit<ProjectComponentSummary, 'figures'> & { projectId: string };

export const componentMatches = (filter: ComponentFilter) => (c: ProjectComponentSummary) =>
  (filter.level === undefined || c.level === filter.level) &&
  (filter.phase === undefined || c.phase === filter.phase) &&
  (filter.state === undefined || c.state === filter.state) &&
  (filter.owner === undefined || c.owner === filter.owner);

/** A page of one project's components. */
export function projectComponentsPage(project: ProjectStatus, filter: ComponentFilter): Page<ListedComponent> {
  const matching = withoutFigures(project).components.filter(componentMatches(filter));
  return pageOf(
    matching.map((c) => ({ projectId: project.projectId, ...c })),
    filter,
    [],
  );
}

/** A page of components across every running project (or the one `filter.project` names). */
export async function componentsPage(client: Client, taskQueue: string, filter: ComponentFilter): Promise<Page<ListedComponent>> {
  const ids = filter.project ? [filter.project] : await listProjectIds(client, taskQueue);
  const { projects, unreadable } = await readProjectSummaries(client, ids);
  const matching = projects.flatMap((project) => projectComponentsPage(project, { ...filter, page: 1, pageSize: Number.MAX_SAFE_INTEGER }).items);
  return pageOf(matching, filter, unreadable);
}
