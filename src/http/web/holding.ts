/**
 * A project page's systems view: each subsystem's level, and "what holds the system below Level N"
 * (`?below=N`, or the form), listing the components below N with what each one's gate still misses.
 */
import { html } from 'hono/html';
import { LEVELS } from '../../../machines/levels.js';
import type { ProjectStatus } from '../../../workflows/definitions.js';
import { gapLines, type Holding } from '../../portfolio/holding.js';
import { notRead } from '../../portfolio/report.js';
import type { Html } from '../../render/markup.js';
import { htmlTable } from '../../render/tables.js';
import { componentPath, levelBadge, stateBadge } from './fragments.js';

/** Each subsystem with its level; nothing for a project without subsystems. */
export function subsystemsSection(project: ProjectStatus): Html | string {
  if (!project.subsystems?.length) return '';
  return html`<section class="panel" aria-labelledby="subsystems"><h2 id="subsystems">Subsystems</h2>
<p class="muted">A subsystem is as ready as its least ready live component.</p>
${htmlTable(
  ['Subsystem', 'Level', 'Components'],
  project.subsystems.map((s) => ({
    component: s.id,
    cells: [html`${s.name} <span class="muted">${s.id}</span>`, s.level === null ? 'none' : levelBadge(s.level), s.components.join(', ')],
  })),
  { rowHeaders: true },
)}</section>`;
}

/** The form asking what holds the system below a level, and the answer when one was asked. */
export function holdingSection(project: ProjectStatus, holding: Holding | undefined): Html {
  const chosen = holding?.below;
  const options = LEVELS.map((_, level) => html`<option${level === chosen ? html` selected` : ''}>${level}</option>`);
  const form = html`<form method="get" action="/projects/${project.projectId}" class="filters" aria-label="What holds the system below a level">
<label for="below">What holds the system below Level</label> <select id="below" name="below">${options}</select>
<button type="submit">Show</button></form>`;
  let answer: Html | string = '';
  if (holding && holding.components.length === 0) answer = html`<p>Nothing: every live component is at Level ${holding.below} or above.</p>`;
  else if (holding) {
    answer = html`${holding.unreadable.length ? html`<p class="notice" role="status">${notRead(holding.unreadable)}</p>` : ''}
${htmlTable(
  ['Component', 'Level', 'State', 'Subsystem', `What its gate still misses`],
  holding.components.map((c) => ({
    component: c.componentId,
    cells: [
      html`<a href="${componentPath(holding.projectId, c.componentId)}">${c.name}</a> <span class="muted">${c.componentId}</span>`,
      levelBadge(c.level),
      stateBadge(c.state),
      c.subsystem ?? '-',
      html`<ul>${gapLines(c).map((line) => html`<li>${line}</li>`)}</ul>`,
    ],
  })),
  { rowHeaders: true },
)}`;
  }
  return html`<section class="panel" aria-labelledby="holding"><h2 id="holding">What holds the system back</h2>${form}${answer}</section>`;
}
