/**
 * A project's risk matrix on its page: an HTML table with a caption, column and row headers for
 * screen readers, and the marks spelled out ("flagged", "no mitigation") rather than told by
 * colour; below it, the flagged requirements by risk, what could not be placed, and who did not answer.
 */
import { html } from 'hono/html';
import { thresholdText, type RiskEntry } from '../../../machines/riskMatrix.js';
import { notRead } from '../../portfolio/report.js';
import type { ProjectRisks } from '../../portfolio/risks.js';
import type { Html } from '../../render/markup.js';
import { componentPath } from './fragments.js';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The marks of one requirement, in words. */
function marks(entry: RiskEntry): Html | string {
  if (!entry.flagged) return '';
  return html` <strong class="flag">flagged</strong>${entry.unmitigated ? html` <strong class="flag">no mitigation</strong>` : ''}`;
}

function entryItem(projectId: string, entry: RiskEntry): Html {
  return html`<li${entry.flagged ? html` class="flagged"` : ''}><a href="${componentPath(projectId, entry.componentId)}">${entry.componentId}/${entry.requirementId}</a> <span class="muted">risk ${entry.risk ?? '—'}</span>${marks(entry)}</li>`;
}

export function riskMatrixSection(risks: ProjectRisks): Html {
  const { matrix, projectId } = risks;
  const { counts } = matrix;
  const notice =
    risks.unreadable.length > 0
      ? html`<p class="notice" role="status">${notRead(risks.unreadable)}. Their requirements are not in the matrix; reload in a moment.</p>`
      : '';
  const retired = risks.retired.length > 0 ? html`<p class="muted">Retired components are left out: ${risks.retired.join(', ')}.</p>` : '';
  if (counts.total === 0) {
    return html`<section class="panel" aria-labelledby="risks"><h2 id="risks">Risk matrix</h2>${notice}
<p class="muted">No requirements on the components’ cards yet.</p>${retired}</section>`;
  }
  return html`<section class="panel" aria-labelledby="risks"><h2 id="risks">Risk matrix</h2>${notice}
<p>Every requirement of the project’s components, placed by its probability of failure (rows, highest first) and its value (columns); risk = probability of failure × value.
Marked <strong class="flag">flagged</strong>: ${thresholdText(matrix)}. Marked <strong class="flag">no mitigation</strong>: flagged without a mitigation, which the Level 5 and Level 8 reviews refuse.</p>
<p>${plural(counts.total, 'requirement')}: ${counts.placed} placed, ${counts.notPlaced} not placed; ${counts.flagged} flagged, ${counts.unmitigated} of them without a mitigation.</p>
${counts.placed > 0
  ? html`<div class="table-wrap"><table class="risk-matrix">
<caption>Requirements by probability of failure and value, all components (the filters above do not apply)</caption>
<thead><tr><th scope="col">Probability of failure</th>${matrix.columns.map((c) => html`<th scope="col">Value ${c.label}</th>`)}</tr></thead>
<tbody>
${matrix.rows.map(
  (row) => html`<tr><th scope="row">${row.pFailure.label}</th>${row.cells.map((cell) =>
    cell.entries.length
      ? html`<td><ul class="entries">${cell.entries.map((e) => entryItem(projectId, e))}</ul></td>`
      : html`<td><span class="visually-hidden">none</span></td>`,
  )}</tr>\n`,
)}</tbody>
</table></div>`
  : ''}
${matrix.flagged.length > 0
  ? html`<h3>Flagged, highest risk first</h3>
<ol class="flagged-risks">${matrix.flagged.map(
      (e) => html`<li><a href="${componentPath(projectId, e.componentId)}">${e.componentId}/${e.requirementId}</a>: risk ${e.risk ?? '—'}${e.pFailure !== undefined && e.value !== undefined ? ` (probability ${e.pFailure} × value ${e.value})` : ''}${e.statement ? html` — ${e.statement}` : ''}.
${e.unmitigated ? html`<strong class="flag">No mitigation.</strong>` : html`Mitigation: ${e.mitigation}`}</li>`,
    )}</ol>`
  : ''}
${matrix.notPlaced.length > 0
  ? html`<h3>Not placed: no probability of failure or value yet</h3>
<ul class="entries">${matrix.notPlaced.map((e) => entryItem(projectId, e))}</ul>`
  : ''}
${retired}</section>`;
}
