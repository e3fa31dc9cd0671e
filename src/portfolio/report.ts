/**
 * Portfolio metrics for people: a text report for the terminal and an HTML section with the three
 * charts, used by `mltrl metrics --html` and the web page.
 */
import { html } from 'hono/html';
import { levelDefinition } from '../../machines/levels.js';
import { FIGURE_SAMPLES } from '../../machines/summary.js';
import { htmlString, type Html } from '../render/markup.js';
import { htmlTable, textTable } from '../render/tables.js';
import { humanDuration, levelDistributionChart, switchbackPathsChart, timeInLevelChart } from './charts.js';
import type { PortfolioMetrics, Spread, Unreadable } from './metrics.js';

/** "3 of 4 (75%)", or "none asked yet". */
export function coverageText(d: { asked: number; written: number; coverage: number | null }): string {
  return d.coverage === null ? 'none asked yet' : `${d.written} of ${d.asked} (${Math.round(d.coverage * 100)}%)`;
}

const duration = (ms: number | null) => (ms === null ? '-' : humanDuration(ms));
const spreadText = (s: Spread) => (s.samples === 0 ? 'no data yet' : `median ${duration(s.medianMs)}, middle half ${duration(s.p25Ms)}–${duration(s.p75Ms)}, n=${s.samples}`);

/** What a read could not reach, in one line: a list or the figures say it above what they show. */
export function notRead(unreadable: readonly Unreadable[]): string {
  return `NOT READ: ${unreadable.length} did not answer, and what they hold is left out: ${unreadable.map((u) => u.id).join(', ')} (${unreadable[0]?.why ?? ''})`;
}

/** What the read could not reach, and what the summaries did not carry: said, never left out silently. */
function caveats(metrics: PortfolioMetrics): string[] {
  const lines: string[] = [];
  const { unreadable, leftOut } = metrics;
  if (unreadable.length > 0) {
    lines.push(notRead(unreadable));
  }
  if (leftOut.stays + leftOut.turnarounds + leftOut.switchbacks > 0) {
    lines.push(`older samples left out: ${leftOut.stays} stays, ${leftOut.turnarounds} reviews and ${leftOut.switchbacks} switchbacks beyond each component's latest ${FIGURE_SAMPLES}`);
  }
  return lines;
}

export function metricsText(metrics: PortfolioMetrics): string {
  const levelRows = metrics.componentsPerLevel.map((count, level) => {
    const stay = metrics.timeInLevel[level];
    return [String(level), levelDefinition(level).name, levelDefinition(level).phase, String(count), duration(stay.medianMs), stay.samples ? `${duration(stay.p25Ms)}–${duration(stay.p75Ms)}` : '-', String(stay.samples)];
  });
  const { switchbacks } = metrics;
  return [
    ...caveats(metrics),
    `${metrics.projects} project${metrics.projects === 1 ? '' : 's'}, ${metrics.components} component${metrics.components === 1 ? '' : 's'}` +
      ` (${Object.entries(metrics.componentsPerState).map(([state, n]) => `${n} ${state}`).join(', ')})`,
    '',
    textTable(['LEVEL', 'NAME', 'PHASE', 'COMPONENTS', 'MEDIAN TIME', 'MIDDLE HALF', 'STAYS'], levelRows),
    '',
    `per phase: ${Object.entries(metrics.componentsPerPhase).map(([phase, n]) => `${phase} ${n}`).join(', ')}`,
    `review turnaround: ${spreadText(metrics.reviewTurnaround)}`,
    `switchbacks: ${switchbacks.total} (discovery ${switchbacks.byKind.discovery}, review ${switchbacks.byKind.review}, embedded ${switchbacks.byKind.embedded})` +
      (switchbacks.paths.length ? `; most frequent: ${switchbacks.paths.slice(0, 5).map((p) => `${p.path} ×${p.count}`).join(', ')}` : ''),
    `stage debriefs written after graduations: ${coverageText(metrics.debriefCoverage.total)}`,
    '',
    textTable(
      ['PROJECT', 'SYSTEM LEVEL', 'DEBRIEFS WRITTEN', 'NAME'],
      metrics.systemLevels.map((p) => [p.projectId, p.systemLevel, coverageText(debriefsOf(metrics, p.projectId)), p.name]),
    ),
  ].join('\n');
}

const debriefsOf = (metrics: PortfolioMetrics, projectId: string) =>
  metrics.debriefCoverage.projects.find((d) => d.projectId === projectId) ?? { asked: 0, written: 0, coverage: null };

/** The figures behind the charts, as tables anyone can read (a screen reader, a phone), folded under each chart. */
function figuresTable(summary: string, table: Html): Html {
  return html`<details class="figures"><summary>${summary}</summary>${table}</details>`;
}

function levelFigures(metrics: PortfolioMetrics): Html {
  return htmlTable(
    ['Level', 'Phase', 'Components', 'Median time', 'Middle half', 'Stays'],
    metrics.componentsPerLevel.map((count, level) => {
      const stay = metrics.timeInLevel[level];
      return [`${level} ${levelDefinition(level).name}`, levelDefinition(level).phase, count, duration(stay.medianMs), stay.samples ? `${duration(stay.p25Ms)}–${duration(stay.p75Ms)}` : '-', stay.samples];
    }),
    { rowHeaders: true },
  );
}

/** The metrics as an HTML section: three charts and the figures behind them. */
export async function metricsSection(metrics: PortfolioMetrics): Promise<Html> {
  const { paths } = metrics.switchbacks;
  // Rendered one after the other: each is a short burst of work, and a page waits for all three anyway.
  const distribution = await levelDistributionChart(metrics);
  const time = await timeInLevelChart(metrics);
  const switchbacks = paths.length > 0 ? await switchbackPathsChart(paths) : html`<p class="muted">No switchbacks yet.</p>`;
  return html`<section class="metrics">
<h2>Portfolio</h2>
${caveats(metrics).map((line) => html`<p class="notice" role="status">${line}</p>`)}
<p>${metrics.projects} projects, ${metrics.components} components. Review turnaround: ${spreadText(metrics.reviewTurnaround)}.</p>
<figure><figcaption>Components per level</figcaption>${distribution}</figure>
<figure><figcaption>Time at each level</figcaption>${time}</figure>
${figuresTable('The figures per level', levelFigures(metrics))}
<figure><figcaption>Switchback paths (${metrics.switchbacks.total})</figcaption>${switchbacks}</figure>
${paths.length > 0 ? figuresTable('The figures per path', htmlTable(['Path', 'Switchbacks'], paths.map((p) => [p.path, p.count]), { rowHeaders: true })) : ''}
<p>Stage debriefs written after graduations: ${coverageText(metrics.debriefCoverage.total)}.</p>
${htmlTable(
  ['Project', 'System level', 'Debriefs written'],
  metrics.systemLevels.map((p) => [`${p.name} (${p.projectId})`, p.systemLevel ?? '-', coverageText(debriefsOf(metrics, p.projectId))]),
)}
</section>`;
}

/** A standalone page (`mltrl metrics --html`). */
export async function metricsPage(metrics: PortfolioMetrics): Promise<string> {
  const section = await metricsSection(metrics);
  return htmlString(html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>mltrl portfolio metrics</title>
<style>body{font:16px/1.5 system-ui,sans-serif;margin:0 auto;max-width:60rem;padding:1rem;color:#1b1f24}figure{margin:1rem 0}figcaption{font-weight:600}table{border-collapse:collapse}svg.marks{max-width:100%;height:auto}td,th{border:1px solid #d0d7de;padding:.3rem .6rem;text-align:left}</style>
</head><body>
${section}
</body></html>
`);
}
