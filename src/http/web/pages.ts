/** The dashboard (the projects, a page at a time), a project's page, one component's page, the metrics. */
import { Hono, type Context } from 'hono';
import { html } from 'hono/html';
import type { z } from 'zod';
import { utcMinute, utcSecond } from '../../../machines/dates.js';
import { LEVELS, PHASES } from '../../../machines/levels.js';
import { Slug } from '../../../machines/model.js';
import { checkInput } from '../../../machines/validation.js';
import { cardQuery, projectStatusQuery, type ProjectStatus } from '../../../workflows/definitions.js';
import { call, componentHandle, projectHandle } from '../../runtime/client.js';
import { problemFor } from '../core/problems.js';
import type { AppDependencies } from '../core/dependencies.js';
import { cardToHtmlFragment } from '../../card/html.js';
import type { Unreadable } from '../../portfolio/metrics.js';
import { DEFAULT_METRICS_MAX_AGE_MS } from '../../portfolio/sharedMetrics.js';
import { metricsSection, notRead } from '../../portfolio/report.js';
import { readLiveCards, risksOf } from '../../portfolio/risks.js';
import { ComponentFilter, ProjectFilter, givenFilters, projectComponentsPage, projectsPage, type ListedComponent, type Page } from '../../portfolio/projects.js';
import type { Html } from '../../render/markup.js';
import { htmlTable, type HtmlRow } from '../../render/tables.js';
import { cardSections, componentPath, levelBadge, projectPath, requirementsTable, reReviewWords, reviewAlerts, reviewEvidence, reviewProgress, stateBadge, switchbacks, timeline } from './fragments.js';
import { layout, messagePage } from './layout.js';
import { holdingSection, subsystemsSection } from './holding.js';
import { dependenciesSection } from './dependencies.js';
import { LevelText, holdingBelow } from '../../portfolio/holding.js';
import { riskMatrixSection } from './risks.js';
import { levelHistorySection } from './history.js';
import { actionsSection, componentFormPages, loadComponent, type LoadedComponent } from './componentForms.js';
import { startProjectPages } from './startProject.js';
import { projectActionsSection, projectFormPages } from './projectForms.js';
import { componentLivePath, projectLivePath, versionOf } from './live.js';

const STATES = ['working', 'in-review', 'paused', 'retired'] as const;
const LEVEL_NUMBERS = LEVELS.map((_, level) => level);

/** The query string of a list page: its filters, and which page. */
function listUrl(path: string, query: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams(Object.entries(query).flatMap(([key, value]): [string, string][] => (value === undefined || value === '' ? [] : [[key, String(value)]])));
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/** Previous and next links of a paginated list, keeping its filters. */
function pagination(path: string, page: Page<unknown>, filters: Record<string, string | number | undefined>): Html {
  if (page.pages <= 1) return html`<p class="muted">${page.total} shown.</p>`;
  const link = (to: number, text: string) => html`<a href="${listUrl(path, { ...filters, page: to, pageSize: page.pageSize })}">${text}</a>`;
  return html`<nav aria-label="Pages"><p>Page ${page.page} of ${page.pages} (${page.total} in all).
${page.page > 1 ? link(page.page - 1, 'Previous page') : ''} ${page.page < page.pages ? link(page.page + 1, 'Next page') : ''}</p></nav>`;
}

/** What a list could not read: shown above it, never left out silently. */
function unreadableNotice(unreadable: Unreadable[]): Html | string {
  if (unreadable.length === 0) return '';
  return html`<section class="panel notice" role="status"><h2>Not everything answered</h2>
<p>${notRead(unreadable)}. Reload in a moment; if it persists, check the worker.</p></section>`;
}

/** A query string's filters, parsed; a bad one becomes a 400 page naming the field. */
function filtersOf<S extends z.ZodType>(schema: S, c: Context): { ok: true; value: z.output<S> } | { ok: false; message: string } {
  const parsed = checkInput(schema, givenFilters(c.req.query()), 'filters');
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, message: parsed.message };
}

const badFilters = (c: Context, message: string) => c.html(messagePage('Bad filter', 'error', [html`${message}`], [{ href: '/', text: 'All projects' }]), 400);

function projectRow(project: ProjectStatus): HtmlRow {
  const count = (state: string) => project.components.filter((c) => c.state === state).length;
  return {
    component: project.projectId,
    cells: [
      html`<a href="/projects/${project.projectId}">${project.name}</a> <span class="muted">${project.projectId}</span>`,
      project.systemLevel === null ? 'none' : levelBadge(project.systemLevel),
      project.components.length,
      count('in-review'),
      count('paused'),
      project.owners.map((o) => o.email).join(', '),
    ],
  };
}

function componentRow(c: ListedComponent): HtmlRow {
  return {
    component: `${c.projectId}/${c.componentId}`,
    cells: [
      html`<a href="${componentPath(c.projectId, c.componentId)}">${c.name}</a> <span class="muted">${c.componentId}</span>`,
      levelBadge(c.level),
      stateBadge(c.state),
      c.kind,
      c.owner ?? '-',
      c.levelSince === undefined ? '-' : utcMinute(c.levelSince),
    ],
  };
}

const select = (name: string, label: string, options: readonly (string | number)[], chosen: string | number | undefined) => html`<label for="filter-${name}">${label}</label>
<select id="filter-${name}" name="${name}"><option value="">any</option>${options.map((o) => html`<option${String(o) === String(chosen ?? '') ? html` selected` : ''}>${o}</option>`)}</select>`;

export function webPages(deps: AppDependencies): Hono {
  const { client, taskQueue } = deps;
  const web = new Hono();
  // Before '/projects/:projectId', which would take `new` for a project id.
  web.route('/', startProjectPages(deps));
  web.route('/', projectFormPages(deps));

  web.get('/', async (c) => {
    const filters = filtersOf(ProjectFilter, c);
    if (!filters.ok) return badFilters(c, filters.message);
    const { project, owner, level } = filters.value;
    const page = await projectsPage(client, taskQueue, filters.value);
    const filtered = project !== undefined || owner !== undefined || level !== undefined;
    return c.html(
      layout(
        'Projects',
        html`<h1>Projects</h1>
${c.get('person') ? html`<p><a class="button" href="/projects/new">Start a project</a></p>` : ''}
<form method="get" action="/" class="filters" aria-label="Filter projects">
<label>Project id contains <input name="project" value="${project ?? ''}" maxlength="63"></label>
<label>Owner <input name="owner" type="email" value="${owner ?? ''}"></label>
${select('level', 'System level', LEVEL_NUMBERS, level)}
<button type="submit">Filter</button>
</form>
${unreadableNotice(page.unreadable)}
${page.total === 0 && !filtered
  ? html`<p>No projects yet. Start one with <code>npx mltrl project start examples/neuro-copilot.json</code>.</p>`
  : html`${htmlTable(['Project', 'System level', 'Components', 'In review', 'Paused', 'Owners'], page.items.map(projectRow), { rowHeaders: true })}
${pagination('/', page, { project, owner, level })}`}`,
      ),
    );
  });

  web.get('/projects/:projectId', async (c) => {
    const projectId = Slug.safeParse(c.req.param('projectId'));
    if (!projectId.success) return c.html(messagePage('Not found', 'error', [html`There is no such project.`]), 404);
    // `below` asks what holds the system back (./holding.ts); the rest are the list's filters.
    const { below: belowText, ...query } = c.req.query();
    const parsedFilters = checkInput(ComponentFilter, givenFilters(query), 'filters');
    if (!parsedFilters.success) return badFilters(c, parsedFilters.message);
    const filters = { value: parsedFilters.data };
    const below = belowText === undefined || belowText === '' ? undefined : checkInput(LevelText, belowText, 'below');
    if (below && !below.success) return badFilters(c, below.message);
    let project: ProjectStatus;
    try {
      project = await call(() => projectHandle(client, projectId.data).query(projectStatusQuery));
    } catch (error) {
      const problem = problemFor(error);
      return c.html(messagePage(problem.status === 404 ? 'Not found' : 'Unavailable', 'error', [html`${problem.message}`], [{ href: '/', text: 'All projects' }]), problem.status);
    }
    const { level, phase, state, owner } = filters.value;
    const page = projectComponentsPage(project, filters.value);
    // One project's page may ask its components: the risk matrix and the level history are read from their cards, once.
    const [holding, cards] = await Promise.all([below ? holdingBelow(client, project.projectId, below.data, project) : undefined, readLiveCards(client, project)]);
    const history = await levelHistorySection(page.items, cards, Date.now());
    return c.html(
      layout(
        project.name,
        html`<p><a href="/">All projects</a> › ${project.projectId}</p>
<h1>${project.name} <span class="muted">(${project.projectId})</span></h1>
<p>System level: ${project.systemLevel === null ? 'none (no live components)' : levelBadge(project.systemLevel)}. Policy profile: ${project.profile}. Owners: ${project.owners.map((o) => o.email).join(', ')}.</p>
${projectActionsSection(project, c.get('person'))}
<form method="get" action="/projects/${project.projectId}" class="filters" aria-label="Filter components">
${select('level', 'Level', LEVEL_NUMBERS, level)} ${select('phase', 'Phase', PHASES, phase)} ${select('state', 'State', STATES, state)}
<label>Owner <input name="owner" type="email" value="${owner ?? ''}"></label>
<button type="submit">Filter</button>
</form>
${htmlTable(['Component', 'Level', 'State', 'Kind', 'Owner', 'At this level since'], page.items.map(componentRow), { rowHeaders: true })}
${pagination(projectPath(project.projectId), page, { level, phase, state, owner })}
${history}
${subsystemsSection(project)}
${holdingSection(project, holding)}
${riskMatrixSection(risksOf(project, cards))}`,
        { stream: projectLivePath(project.projectId), version: versionOf(project) },
      ),
    );
  });

  /** One component's page, with the forms its viewer may use (./componentForms.ts) and a failed one's errors. */
  const renderComponent = async (c: Context, loaded: LoadedComponent, actionErrors?: Parameters<typeof actionsSection>[2]): Promise<Response> => {
    const { status, card, may } = loaded;
    const review = status.openReview;
    return c.html(
      layout(
        status.name,
        html`<p><a href="/">All projects</a> › <a href="/projects/${status.projectId}">${status.projectId}</a></p>
<h1>${status.name} <span class="muted">(${status.projectId}/${status.componentId}, ${status.kind})</span></h1>
<p>${levelBadge(status.level)} ${stateBadge(status.state)} <span class="muted">entered at Level ${status.entryLevel}</span> · <a href="${componentPath(status.projectId, status.componentId)}/history">History</a></p>
${actionsSection(status, may, actionErrors)}
<div class="columns">
<div>
<section class="panel" aria-labelledby="card"><h2 id="card">TRL card</h2>${cardSections(card)}
<p><a href="${componentPath(status.projectId, status.componentId)}/card">The whole card</a>: every section, ethics answers, debriefs and graduation snapshots.</p></section>
<section class="panel" aria-labelledby="requirements"><h2 id="requirements">Requirements</h2>${requirementsTable(card)}</section>
</div>
<div>
<section class="panel" aria-labelledby="review"><h2 id="review">Open review</h2>
${review
  ? html`<p>Review <strong>${review.id}</strong> of Level ${review.level}, proposal <strong>${review.proposal}</strong>${reReviewWords(review)}, submitted by ${review.submittedBy} on ${utcMinute(review.submittedAt)}.</p>
${review.note ? html`<p>Note from the submitter: ${review.note}</p>` : ''}
${review.awaitingEthics ? html`<p class="notice" role="status">Waiting for the owner's ethics answers: the panel is asked, and its verdicts count, once they are in.</p>` : ''}
${reviewAlerts(review)}
${reviewEvidence(review)}
${reviewProgress(review)}
<p class="muted">Next reminder ${utcMinute(review.nextReminder)}. Reviewers answer from the link in their email.</p>`
  : html`<p class="muted">No review is open.</p>`}
</section>
${dependenciesSection(card)}
<section class="panel" aria-labelledby="timeline"><h2 id="timeline">Level timeline</h2>${timeline(card)}</section>
<section class="panel" aria-labelledby="switchbacks"><h2 id="switchbacks">Switchbacks</h2>${switchbacks(card)}</section>
</div>
</div>`,
        { stream: componentLivePath(status.projectId, status.componentId), version: versionOf(status) },
      ),
    );
  };

  web.route('/', componentFormPages(deps, renderComponent));

  web.get('/projects/:projectId/components/:componentId', async (c) => {
    const loaded = await loadComponent(deps, c, c.get('person'));
    if (loaded instanceof Response) return loaded;
    return renderComponent(c, loaded);
  });

  web.get('/projects/:projectId/components/:componentId/card', async (c) => {
    const projectId = Slug.safeParse(c.req.param('projectId'));
    const componentId = Slug.safeParse(c.req.param('componentId'));
    if (!projectId.success || !componentId.success) return c.html(messagePage('Not found', 'error', [html`There is no such component.`]), 404);
    try {
      const card = await call(() => componentHandle(client, projectId.data, componentId.data).query(cardQuery));
      return c.html(
        layout(
          `TRL card: ${card.summary.techName}`,
          html`<p><a href="/">All projects</a> › <a href="${componentPath(projectId.data, componentId.data)}">${card.summary.componentId}</a> › card</p>
<article class="panel trl-card">${cardToHtmlFragment(card)}</article>`,
        ),
      );
    } catch (error) {
      const problem = problemFor(error);
      return c.html(messagePage(problem.status === 404 ? 'Not found' : 'Unavailable', 'error', [html`${problem.message}`], [{ href: '/', text: 'All projects' }]), problem.status);
    }
  });

  web.get('/metrics', async (c) => {
    const metrics = await deps.portfolioMetrics();
    const section = await metricsSection(metrics);
    return c.html(layout('Portfolio metrics', html`<h1>Portfolio metrics</h1>
<p class="muted">Read at ${utcSecond(metrics.readAt)}: a read is shared for up to ${DEFAULT_METRICS_MAX_AGE_MS / 1000} s.</p>
${section}`));
  });

  return web;
}
