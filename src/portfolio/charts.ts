/**
 * The charts, as Vega-Lite specs rendered to SVG on the server (./vegaSvg.ts), each built by one
 * small pure function from figures already computed: the level distribution (bars coloured by
 * phase), the time spent at each level (median with the middle half), the switchback paths
 * (ranked bars, most taken first) and a project's level history (a step line per component).
 * Every mark carries its figure in words (`aria-label`), and each page shows the same figures in
 * a table, so nothing is told by colour or shape alone.
 */
import type { TopLevelSpec } from 'vega-lite';
import { utcMinute } from '../../machines/dates.js';
import { levelDefinition, LEVELS, PHASES, type Phase } from '../../machines/levels.js';
import type { TimelineEntry } from '../../machines/context.js';
import type { HtmlEscapedString } from 'hono/utils/html';
import type { PortfolioMetrics, SwitchbackPath } from './metrics.js';
import { chartSvg } from './vegaSvg.js';

/** One colour per phase, for charts and the web page alike; white text on each stays above 7:1. */
export const PHASE_COLOURS: Record<Phase, string> = {
  research: '#6b21a8',
  prototyping: '#1e40af',
  productization: '#92400e',
  deployment: '#166534',
};

/** The phase colour scale, every phase in the legend in the paper's order. */
const PHASE_SCALE = { domain: [...PHASES], range: PHASES.map((phase) => PHASE_COLOURS[phase]) };
/** Counts are whole numbers: no 0.5 ticks on a small portfolio. */
const COUNT_AXIS = { format: 'd', tickMinStep: 1 } as const;

/** Readable duration: seconds, minutes, hours or days, whichever fits. */
export function humanDuration(ms: number): string {
  const units: [string, number][] = [['d', 86_400_000], ['h', 3_600_000], ['min', 60_000], ['s', 1_000]];
  for (const [unit, size] of units) if (ms >= size) return `${(ms / size).toFixed(ms / size < 10 ? 1 : 0)} ${unit}`;
  return `${Math.round(ms)} ms`;
}

/** The unit a time axis counts in: the largest one the longest time reaches. */
function timeUnit(maxMs: number): { name: string; ms: number } {
  const units = [{ name: 'days', ms: 86_400_000 }, { name: 'hours', ms: 3_600_000 }, { name: 'minutes', ms: 60_000 }];
  return units.find((unit) => maxMs >= unit.ms) ?? { name: 'seconds', ms: 1_000 };
}

export function levelDistributionChart(metrics: Pick<PortfolioMetrics, 'componentsPerLevel'>): Promise<HtmlEscapedString> {
  const values = metrics.componentsPerLevel.map((count, level) => {
    const { name, phase } = levelDefinition(level);
    return { level, phase, count, label: `Level ${level} ${name}: ${count}` };
  });
  const spec: TopLevelSpec = {
    width: 520,
    height: 160,
    data: { values },
    encoding: { x: { field: 'level', type: 'ordinal', title: 'level', axis: { labelAngle: 0 } } },
    layer: [
      {
        mark: { type: 'bar' },
        encoding: {
          y: { field: 'count', type: 'quantitative', title: 'components', axis: COUNT_AXIS },
          color: { field: 'phase', type: 'nominal', title: 'phase', scale: PHASE_SCALE },
          description: { field: 'label' },
        },
      },
      { mark: { type: 'text', dy: -7, aria: false }, encoding: { y: { field: 'count', type: 'quantitative' }, text: { field: 'count' } } },
    ],
  };
  return chartSvg(spec, 'Components per level, coloured by phase');
}

export function timeInLevelChart(metrics: Pick<PortfolioMetrics, 'timeInLevel'>): Promise<HtmlEscapedString> {
  const unit = timeUnit(Math.max(0, ...metrics.timeInLevel.map((row) => row.p75Ms ?? 0)));
  const values = metrics.timeInLevel.map((row) => {
    const { phase } = levelDefinition(row.level);
    if (row.medianMs === null) return { level: row.level, phase, median: null, p25: null, p75: null, at: 0, note: 'no completed stay', label: `Level ${row.level}: no completed stay` };
    return {
      level: row.level,
      phase,
      median: row.medianMs / unit.ms,
      p25: row.p25Ms! / unit.ms,
      p75: row.p75Ms! / unit.ms,
      at: Math.max(row.medianMs, row.p75Ms!) / unit.ms,
      note: `${humanDuration(row.medianMs)} (n=${row.samples})`,
      label: `Level ${row.level}: median ${humanDuration(row.medianMs)} over ${row.samples} stay${row.samples === 1 ? '' : 's'}`,
    };
  });
  const spec: TopLevelSpec = {
    width: 420,
    height: { step: 22 },
    data: { values },
    encoding: { y: { field: 'level', type: 'ordinal', title: 'level', sort: 'ascending' } },
    layer: [
      {
        mark: { type: 'bar', height: { band: 0.65 } },
        encoding: {
          x: { field: 'median', type: 'quantitative', title: `median ${unit.name} at level; the line spans the 25th to 75th percentile` },
          color: { field: 'phase', type: 'nominal', title: 'phase', scale: PHASE_SCALE },
          description: { field: 'label' },
        },
      },
      { mark: { type: 'rule', color: '#1b1f24', strokeWidth: 1.5, aria: false }, encoding: { x: { field: 'p25', type: 'quantitative' }, x2: { field: 'p75' } } },
      { mark: { type: 'text', align: 'left', dx: 6, aria: false }, encoding: { x: { field: 'at', type: 'quantitative' }, text: { field: 'note' } } },
    ],
  };
  return chartSvg(spec, 'Time spent at each level: median, with the middle half as a line');
}

/**
 * The paths components switched back along, as ranked bars: each path is named on its own row,
 * the most taken first, its count at the bar's end, coloured by the phase it went back to. An
 * arc diagram over the ten levels left most of its area empty and needed a legend for the counts.
 */
export function switchbackPathsChart(paths: readonly SwitchbackPath[]): Promise<HtmlEscapedString> {
  const values = paths.map((p) => ({ path: p.path, count: p.count, phase: levelDefinition(p.to).phase, label: `${p.path}: ${p.count}` }));
  const spec: TopLevelSpec = {
    width: 420,
    height: { step: 24 },
    data: { values },
    // Kept in the order given (most taken first), not alphabetically.
    encoding: { y: { field: 'path', type: 'nominal', sort: null, title: 'from → to level' } },
    layer: [
      {
        mark: { type: 'bar', height: { band: 0.7 } },
        encoding: {
          x: { field: 'count', type: 'quantitative', title: 'switchbacks', axis: COUNT_AXIS },
          color: { field: 'phase', type: 'nominal', title: 'back to phase', scale: PHASE_SCALE },
          description: { field: 'label' },
        },
      },
      { mark: { type: 'text', align: 'left', dx: 4, aria: false }, encoding: { x: { field: 'count', type: 'quantitative' }, text: { field: 'count' } } },
    ],
  };
  return chartSvg(spec, 'Switchback paths, the most taken first: from a level back to an earlier one');
}

/** One component's level history, as its card's timeline holds it. */
export interface LevelSeries {
  componentId: string;
  timeline: readonly TimelineEntry[];
}

/**
 * The points of each series: every change, then the level held until `now`. Components at the same
 * level would draw the same line, so each is drawn a little above or below its level (`y`, at most
 * a sixth of a level): every line stays visible and still reads as its level.
 */
export function levelHistoryPoints(series: readonly LevelSeries[], now: number) {
  const gap = Math.min(0.1, 0.33 / Math.max(1, series.length - 1));
  return series.flatMap(({ componentId, timeline }, index) => {
    const y = (level: number) => level + (index - (series.length - 1) / 2) * gap;
    const ordered = [...timeline].sort((a, b) => a.at - b.at);
    const changes = ordered.map((t) => ({ component: componentId, at: t.at, level: t.to, y: y(t.to), change: true, label: `${componentId}: Level ${t.to} from ${utcMinute(t.at)} (${t.how})` }));
    const last = ordered.at(-1);
    return last && last.at < now ? [...changes, { component: componentId, at: now, level: last.to, y: y(last.to), change: false, label: `${componentId}: Level ${last.to} now` }] : changes;
  });
}

/** Dates for a history of days or more; times of day for a shorter one, to the millisecond for one of seconds. */
function timeFormat(points: readonly { at: number }[]): string {
  const times = points.map((p) => p.at);
  const span = Math.max(...times) - Math.min(...times);
  if (span >= 2 * 86_400_000) return '%Y-%m-%d';
  return span >= 120_000 ? '%H:%M' : '%H:%M:%S.%L';
}

/**
 * Each component's level over time: a step line per component (a level holds until the next
 * change), a point at each change, colour and point shape both naming the component. `now` ends
 * each line, so the same timelines and `now` always draw the same chart.
 */
export function levelHistoryChart(series: readonly LevelSeries[], now: number): Promise<HtmlEscapedString> {
  const values = levelHistoryPoints(series, now);
  const components = series.map((s) => s.componentId);
  // Component ids are short slugs: shown whole in the legend rather than cut at Vega's default width.
  const component = { field: 'component', type: 'nominal', title: 'component', scale: { domain: components }, legend: { labelLimit: 320 } } as const;
  const spec: TopLevelSpec = {
    width: 720,
    height: 220,
    data: { values },
    encoding: {
      x: { field: 'at', type: 'temporal', title: 'time (UTC)', scale: { type: 'utc' }, axis: { format: timeFormat(values), tickCount: 6, labelOverlap: true } },
      y: { field: 'y', type: 'quantitative', title: 'level', scale: { domain: [-0.2, LEVELS.length - 0.8], nice: false }, axis: { values: LEVELS.map((l) => l.level), format: 'd' } },
      color: component,
    },
    layer: [
      { mark: { type: 'line', interpolate: 'step-after', strokeWidth: 2, aria: false } },
      {
        transform: [{ filter: 'datum.change' }],
        mark: { type: 'point', filled: true, size: 50, opacity: 1 },
        encoding: { shape: component, description: { field: 'label' } },
      },
    ],
  };
  return chartSvg(spec, `Each component's level over time: ${components.join(', ')}`);
}
