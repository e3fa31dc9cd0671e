/** The dashboard (every project and its components) and one component's page. */
import { Hono } from 'hono';
import { html } from 'hono/html';
import { utcMinute } from '../../../machines/dates.js';
import { Slug } from '../../../machines/model.js';
import { cardQuery, statusQuery, type ProjectStatus } from '../../../workflows/definitions.js';
import { call, componentHandle } from '../../runtime/client.js';
import { problemFor } from '../core/problems.js';
import type { HttpDependencies } from '../core/dependencies.js';
import { cardToHtmlFragment } from '../../card/html.js';
import { computeMetrics } from '../../portfolio/metrics.js';
import { metricsSection } from '../../portfolio/report.js';
import { readComponents, readProjects } from '../../portfolio/read.js';
import { listProjects } from '../../portfolio/projects.js';
import { htmlTable } from '../../render/tables.js';
import { cardSections, componentPath, levelBadge, requirementsTable, reviewProgress, stateBadge, switchbacks, timeline } from './fragments.js';
import { layout, messagePage } from './layout.js';

function projectSection(project: ProjectStatus) {
  return html`<section class="panel" aria-labelledby="project-${project.projectId}">
<h2 id="project-${project.projectId}">${project.name} <span class="muted">(${project.projectId})</span></h2>
<p>System level: ${project.systemLevel === null ? 'none (no live components)' : levelBadge(project.systemLevel)}</p>
${htmlTable(
  ['Component', 'Level', 'State', 'Kind'],
  project.components.map((c) => ({
    component: `${project.projectId}/${c.componentId}`,
    cells: [html`<a href="${componentPath(project.projectId, c.componentId)}">${c.name}</a> <span class="muted">${c.componentId}</span>`, levelBadge(c.level), stateBadge(c.state), c.kind],
  })),
  { rowHeaders: true },
)}
</section>`;
}

export function webPages(deps: HttpDependencies): Hono {
  const { client, taskQueue } = deps;
  const web = new Hono();

  web.get('/', async (c) => {
    const projects = await listProjects(client, taskQueue);
    return c.html(
      layout(
        'Projects',
        html`<h1>Projects</h1>
${projects.length === 0
  ? html`<p>No projects yet. Start one with <code>npx mltrl project start examples/neuro-copilot.json</code>.</p>`
  : html`<div class="projects">${projects.map(projectSection)}</div>`}`,
      ),
    );
  });

  web.get('/projects/:projectId/components/:componentId', async (c) => {
    const projectId = Slug.safeParse(c.req.param('projectId'));
    const componentId = Slug.safeParse(c.req.param('componentId'));
    if (!projectId.success || !componentId.success) return c.html(messagePage('Not found', 'error', [html`There is no such component.`]), 404);
    const handle = componentHandle(client, projectId.data, componentId.data);
    let status, card;
    try {
      [status, card] = await Promise.all([call(() => handle.query(statusQuery)), call(() => handle.query(cardQuery))]);
    } catch (error) {
      const problem = problemFor(error);
      return c.html(messagePage(problem.status === 404 ? 'Not found' : 'Unavailable', 'error', [html`${problem.message}`], [{ href: '/', text: 'All projects' }]), problem.status);
    }
    const review = status.openReview;
    return c.html(
      layout(
        status.name,
        html`<p><a href="/">All projects</a> › ${status.projectId}</p>
<h1>${status.name} <span class="muted">(${status.projectId}/${status.componentId}, ${status.kind})</span></h1>
<p>${levelBadge(status.level)} ${stateBadge(status.state)} <span class="muted">entered at Level ${status.entryLevel}</span></p>
<div class="columns">
<div>
<section class="panel" aria-labelledby="card"><h2 id="card">TRL card</h2>${cardSections(card)}
<p><a href="${componentPath(status.projectId, status.componentId)}/card">The whole card</a>: every section, ethics answers, debriefs and graduation snapshots.</p></section>
<section class="panel" aria-labelledby="requirements"><h2 id="requirements">Requirements</h2>${requirementsTable(card)}</section>
</div>
<div>
<section class="panel" aria-labelledby="review"><h2 id="review">Open review</h2>
${review
  ? html`<p>Review <strong>${review.id}</strong> of Level ${review.level}, proposal <strong>${review.proposal}</strong>${review.reReview ? ' (scheduled re-review)' : ''}, submitted by ${review.submittedBy} on ${utcMinute(review.submittedAt)}.</p>
${review.note ? html`<p>Note from the submitter: ${review.note}</p>` : ''}
${reviewProgress(review)}
<p class="muted">Next reminder ${utcMinute(review.nextReminder)}. Reviewers answer from the link in their email.</p>`
  : html`<p class="muted">No review is open.</p>`}
</section>
<section class="panel" aria-labelledby="timeline"><h2 id="timeline">Level timeline</h2>${timeline(card)}</section>
<section class="panel" aria-labelledby="switchbacks"><h2 id="switchbacks">Switchbacks</h2>${switchbacks(card)}</section>
</div>
</div>`,
      ),
    );
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
    const [components, projects] = await Promise.all([readComponents(client, { taskQueue }), readProjects(client, { taskQueue })]);
    return c.html(layout('Portfolio metrics', html`<h1>Portfolio metrics</h1>${metricsSection(computeMetrics(components, projects))}`));
  });

  return web;
}
