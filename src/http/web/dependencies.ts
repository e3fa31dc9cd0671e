/**
 * A component's dependencies on its pages: its subsystem, what it depends on, and the open flags
 * (a dependency switched back since its last approved review), so a panel weighs them.
 */
import { html } from 'hono/html';
import { utcMinute } from '../../../machines/dates.js';
import type { CardView } from '../../../workflows/definitions.js';
import type { Html } from '../../render/markup.js';

/** Nothing for a component without subsystem, dependencies or flags. */
export function dependenciesSection(card: CardView): Html | string {
  const open = (card.dependencyFlags ?? []).filter((flag) => flag.open);
  if (!card.subsystem && !card.dependsOn && open.length === 0) return '';
  return html`<section class="panel" aria-labelledby="dependencies"><h2 id="dependencies">Dependencies</h2>
${card.subsystem ? html`<p>Subsystem: <strong>${card.subsystem.name}</strong> <span class="muted">${card.subsystem.id}</span></p>` : ''}
${card.dependsOn ? html`<p>Depends on: ${card.dependsOn.join(', ')}</p>` : ''}
${open.length
  ? html`<div class="notice" role="status"><p><strong>${open.length} open dependency flag${open.length === 1 ? '' : 's'}</strong>: a component this one depends on switched back. The next approved review closes them.</p>
<ul>${open.map((f) => html`<li>${utcMinute(f.at)}: <strong>${f.dependency}</strong> switched back from Level ${f.from} to ${f.to}${f.kind ? ` (${f.kind})` : ''}. ${f.reason}.</li>`)}</ul></div>`
  : html`<p class="muted">No open dependency flags.</p>`}
</section>`;
}
