/**
 * A project's levels over time on its page: a step line per component listed above it (so the
 * list's filters and pages narrow the chart too), drawn from the components' own timelines, which
 * the project's summaries do not carry: the page reads the live components' cards once, for this
 * and the risk matrix. The changes are also listed in a table, folded under the chart.
 */
import { html } from 'hono/html';
import { utcMinute } from '../../../machines/dates.js';
import { levelHistoryChart, type LevelSeries } from '../../portfolio/charts.js';
import type { ListedComponent } from '../../portfolio/projects.js';
import type { LiveCards } from '../../portfolio/risks.js';
import type { Html } from '../../render/markup.js';
import { htmlTable } from '../../render/tables.js';

export async function levelHistorySection(listed: readonly ListedComponent[], read: LiveCards, now: number): Promise<Html> {
  const cards = new Map(read.cards.map(({ componentId, card }) => [componentId, card]));
  const series: LevelSeries[] = listed.flatMap((c) => {
    const card = cards.get(c.componentId);
    return card && card.timeline.length > 0 ? [{ componentId: c.componentId, timeline: card.timeline }] : [];
  });
  const retired = listed.filter((c) => c.state === 'retired').map((c) => c.componentId);
  const unread = listed.filter((c) => c.state !== 'retired' && !cards.has(c.componentId)).map((c) => c.componentId);
  const notes = [
    ...(unread.length > 0 ? [html`<p class="notice" role="status">Not drawn, their cards did not answer: ${unread.join(', ')}. Reload in a moment.</p>`] : []),
    ...(retired.length > 0 ? [html`<p class="muted">Retired, not drawn: ${retired.join(', ')}.</p>`] : []),
  ];
  if (series.length === 0) {
    return html`<section class="panel history" aria-labelledby="history"><h2 id="history">Levels over time</h2>${notes}<p class="muted">No live component listed above.</p></section>`;
  }
  const chart = await levelHistoryChart(series, now);
  const rows = series.flatMap(({ componentId, timeline }) =>
    [...timeline].sort((a, b) => a.at - b.at).map((t) => [componentId, utcMinute(t.at), t.from ?? 'entered', t.to, t.how]),
  );
  return html`<section class="panel history" aria-labelledby="history"><h2 id="history">Levels over time</h2>
${notes}
<figure><figcaption>Each component's level, from its timeline until now (${utcMinute(now)})</figcaption>${chart}</figure>
<details class="figures"><summary>The level changes</summary>${htmlTable(['Component', 'When', 'From', 'To', 'How'], rows, { rowHeaders: true })}</details>
</section>`;
}
