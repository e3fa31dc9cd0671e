/**
 * The portfolio charts as plain SVG, each built by one small pure function: the level distribution
 * (bars coloured by phase), the time spent at each level (median with the middle half), and the
 * switchback paths (arcs from level to level, thicker for frequent paths). Written with hono's
 * `html`, like every page: it escapes text and attribute values for SVG as for HTML.
 */
import { html, raw } from 'hono/html';
import { levelDefinition, LEVELS, type Phase } from '../../machines/levels.js';
import type { Html } from '../render/markup.js';
import type { PortfolioMetrics, SwitchbackPath } from './metrics.js';

/** One colour per phase, for charts and the web page alike; white text on each stays above 7:1. */
export const PHASE_COLOURS: Record<Phase, string> = {
  research: '#6b21a8',
  prototyping: '#1e40af',
  productization: '#92400e',
  deployment: '#166534',
};

/** The text attributes every label shares: a constant of this module, so inserted as it is. */
const FONT = raw('font-family="system-ui, sans-serif" font-size="12" fill="#1b1f24"');

function svg(width: number, height: number, title: string, body: Html[]): Html {
  return html`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="${title}">
<title>${title}</title>
${body.map((part) => html`${part}\n`)}</svg>`;
}

/** Readable duration: seconds, minutes, hours or days, whichever fits. */
export function humanDuration(ms: number): string {
  const units: [string, number][] = [['d', 86_400_000], ['h', 3_600_000], ['min', 60_000], ['s', 1_000]];
  for (const [unit, size] of units) if (ms >= size) return `${(ms / size).toFixed(ms / size < 10 ? 1 : 0)} ${unit}`;
  return `${Math.round(ms)} ms`;
}

export function levelDistributionChart(metrics: Pick<PortfolioMetrics, 'componentsPerLevel'>): Html {
  const width = 560;
  const height = 220;
  const plot = { left: 30, top: 16, width: 520, height: 160 };
  const max = Math.max(1, ...metrics.componentsPerLevel);
  const slot = plot.width / LEVELS.length;
  const bars = metrics.componentsPerLevel.map((count, level) => {
    const barHeight = (count / max) * plot.height;
    const x = plot.left + level * slot + slot * 0.15;
    const y = plot.top + plot.height - barHeight;
    const colour = PHASE_COLOURS[levelDefinition(level).phase];
    return html`<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${(slot * 0.7).toFixed(1)}" height="${barHeight.toFixed(1)}" fill="${colour}"><title>Level ${level} ${levelDefinition(level).name}: ${count}</title></rect>\
<text x="${(x + slot * 0.35).toFixed(1)}" y="${(y - 3).toFixed(1)}" text-anchor="middle" ${FONT}>${count}</text>\
<text x="${(x + slot * 0.35).toFixed(1)}" y="${plot.top + plot.height + 16}" text-anchor="middle" ${FONT}>${level}</text>`;
  });
  return svg(width, height, 'Components per level, coloured by phase', [
    ...bars,
    html`<text x="${plot.left + plot.width / 2}" y="${height - 8}" text-anchor="middle" ${FONT}>level</text>`,
  ]);
}

export function timeInLevelChart(metrics: Pick<PortfolioMetrics, 'timeInLevel'>): Html {
  const rowHeight = 22;
  const plot = { left: 40, top: 10, width: 420 };
  const height = plot.top + rowHeight * LEVELS.length + 24;
  const max = Math.max(1, ...metrics.timeInLevel.map((row) => row.p75Ms ?? row.medianMs ?? 0));
  const scale = (ms: number) => plot.left + (ms / max) * plot.width;
  const rows = metrics.timeInLevel.map((row) => {
    const y = plot.top + row.level * rowHeight;
    const label = html`<text x="${plot.left - 8}" y="${y + 14}" text-anchor="end" ${FONT}>${row.level}</text>`;
    if (row.medianMs === null) return html`${label}<text x="${plot.left}" y="${y + 14}" ${FONT} fill-opacity="0.5">no completed stay</text>`;
    const colour = PHASE_COLOURS[levelDefinition(row.level).phase];
    const whisker = html`<line x1="${scale(row.p25Ms!).toFixed(1)}" x2="${scale(row.p75Ms!).toFixed(1)}" y1="${y + 10}" y2="${y + 10}" stroke="#1b1f24" stroke-width="1.5"/>`;
    return html`${label}\
<rect x="${plot.left}" y="${y + 3}" width="${(scale(row.medianMs) - plot.left).toFixed(1)}" height="14" fill="${colour}" fill-opacity="0.8"><title>Level ${row.level}: median ${humanDuration(row.medianMs)} over ${row.samples} stays</title></rect>\
${whisker}\
<text x="${(scale(row.p75Ms!) + 6).toFixed(1)}" y="${y + 14}" ${FONT}>${humanDuration(row.medianMs)} (n=${row.samples})</text>`;
  });
  return svg(plot.left + plot.width + 120, height, 'Time spent at each level: median, with the middle half as a line', [
    ...rows,
    html`<text x="${plot.left}" y="${height - 6}" ${FONT}>median time at level; the line spans the 25th to 75th percentile</text>`,
  ]);
}

export function switchbackPathsChart(paths: readonly SwitchbackPath[]): Html {
  const width = 560;
  const height = 230;
  const axisY = 190;
  const x = (level: number) => 30 + level * 55;
  const max = Math.max(1, ...paths.map((p) => p.count));
  const arcs = paths.map((p) => {
    const radius = (x(p.from) - x(p.to)) / 2;
    const strokeWidth = 1.5 + (p.count / max) * 8;
    return html`<path d="M ${x(p.from)} ${axisY} A ${radius} ${radius} 0 0 0 ${x(p.to)} ${axisY}" fill="none" stroke="#cf222e" stroke-opacity="0.7" stroke-width="${strokeWidth.toFixed(1)}"><title>${p.path}: ${p.count}</title></path>`;
  });
  const labels = paths.slice(0, 6).map((p, index) => html`<text x="${width - 10}" y="${16 + index * 16}" text-anchor="end" ${FONT}>${p.path} ×${p.count}</text>`);
  const ticks = LEVELS.map(
    ({ level, phase }) =>
      html`<circle cx="${x(level)}" cy="${axisY}" r="5" fill="${PHASE_COLOURS[phase]}"/><text x="${x(level)}" y="${axisY + 20}" text-anchor="middle" ${FONT}>${level}</text>`,
  );
  const empty = paths.length === 0 ? [html`<text x="${width / 2}" y="${axisY / 2}" text-anchor="middle" ${FONT}>no switchbacks yet</text>`] : [];
  return svg(width, height, 'Switchback paths: each arc goes from a level back to an earlier one', [...arcs, ...ticks, ...labels, ...empty]);
}
