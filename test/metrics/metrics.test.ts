/**
 * Portfolio metrics on a seeded portfolio whose true figures are worked out by hand below, and the
 * charts drawn from them.
 */
import { describe, expect, it } from 'vitest';
import type { ClosedReview, Switchback, TimelineEntry } from '../../machines/context.js';
import { levelDefinition } from '../../machines/levels.js';
import { figuresOf } from '../../machines/summary.js';
import { levelDistributionChart, switchbackPathsChart, timeInLevelChart } from '../../src/portfolio/charts.js';
import { computeMetrics, type ComponentRecord } from '../../src/portfolio/metrics.js';
import { metricsPage, metricsText } from '../../src/portfolio/report.js';

const DAY = 86_400_000;

interface CardParts {
  state?: ComponentRecord['state'];
  switchbacks?: Switchback[];
  reviews?: ClosedReview[];
}

/** A component's record as a project's summary carries it: the figures of a card built from `steps`. */
function record(componentId: string, steps: [day: number, to: number, how?: TimelineEntry['how']][], extra: CardParts = {}): ComponentRecord {
  const timeline: TimelineEntry[] = steps.map(([day, to, how], index) => ({
    at: day * DAY,
    from: index === 0 ? null : steps[index - 1][1],
    to,
    how: how ?? (index === 0 ? 'entry' : 'graduation'),
  }));
  const level = steps.at(-1)![1];
  const figures = figuresOf({ timeline, switchbacks: extra.switchbacks ?? [], reviews: extra.reviews ?? [] });
  return { projectId: 'p', componentId, level, phase: levelDefinition(level).phase, state: extra.state ?? 'working', figures };
}

const review = (submittedDay: number, closedDay: number, outcome: ClosedReview['outcome'] = 'approved'): ClosedReview => ({
  id: `r${submittedDay}`,
  level: 0,
  proposal: 'graduate',
  outcome,
  reReview: false,
  submittedAt: submittedDay * DAY,
  closedAt: closedDay * DAY,
  verdicts: [],
  tasks: [],
});

const switchback = (from: number, to: number, kind: Switchback['kind']): Switchback => ({ from, to, kind, reason: 'x', by: 'a@b.c', at: 0 });

// a: 0 (10 days) → 1 (20 days) → 2, now at 2.
// b: 0 (30 days) → 1, now at 1.
// c: enters at 4 (5 days) → 5 (4 days) → back to 4 (2 days) → 5, now at 5; switchbacks 5→4 (review).
// d: enters at 9 and is retired: counts in states, not in levels.
// e: 8 → 7 embedded twice recorded, 9 → 7 embedded once.
const portfolio: ComponentRecord[] = [
  record('a', [[0, 0], [10, 1], [30, 2]], { reviews: [review(8, 10), review(25, 30)] }),
  record('b', [[0, 0], [30, 1]], { reviews: [review(26, 30), review(27, 28, 'cancelled')] }),
  record('c', [[0, 4], [5, 5], [9, 4, 'switchback'], [11, 5]], { switchbacks: [switchback(5, 4, 'review')], reviews: [review(3, 5)] }),
  record('d', [[0, 9]], { state: 'retired' }),
  record('e', [[0, 7]], { switchbacks: [switchback(8, 7, 'embedded'), switchback(9, 7, 'embedded'), switchback(8, 7, 'embedded')] }),
];
const projects = [
  { projectId: 'p', name: 'P', systemLevel: 1 },
  { projectId: 'q', name: 'Q', systemLevel: null },
];

describe('portfolio metrics on a seeded portfolio', () => {
  const metrics = computeMetrics(portfolio, projects);

  it('counts live components per level and phase, and every component per state', () => {
    expect(metrics.componentsPerLevel).toEqual([0, 1, 1, 0, 0, 1, 0, 1, 0, 0]);
    expect(metrics.componentsPerPhase).toEqual({ research: 2, prototyping: 1, productization: 1, deployment: 0 });
    expect(metrics.componentsPerState).toEqual({ working: 4, 'in-review': 0, paused: 0, retired: 1 });
    expect(metrics).toMatchObject({ projects: 2, components: 5 });
    expect(metrics.systemLevels.map((p) => p.systemLevel)).toEqual([1, null]);
  });

  it('measures completed stays per level: median and middle half', () => {
    const days = (ms: number | null) => (ms === null ? null : ms / DAY);
    const level = (n: number) => metrics.timeInLevel[n];
    // Level 0: stays of 10 (a) and 30 (b) days.
    expect([level(0).samples, days(level(0).medianMs), days(level(0).p25Ms), days(level(0).p75Ms)]).toEqual([2, 20, 15, 25]);
    // Level 1: a stayed 20 days; b is still there (not a completed stay).
    expect([level(1).samples, days(level(1).medianMs)]).toEqual([1, 20]);
    // Level 4: c stayed 5 days, then 2 days after the switchback. Level 5: 4 days.
    expect([level(4).samples, days(level(4).minMs), days(level(4).maxMs), days(level(4).medianMs)]).toEqual([2, 2, 5, 3.5]);
    expect([level(5).samples, days(level(5).medianMs)]).toEqual([1, 4]);
    expect(level(9)).toMatchObject({ samples: 0, medianMs: null });
  });

  it('measures review turnaround from submit to close, leaving cancelled reviews out', () => {
    // 2, 5, 4, 2 days.
    expect(metrics.reviewTurnaround.samples).toBe(4);
    expect(metrics.reviewTurnaround.medianMs! / DAY).toBe(3);
  });

  it('counts switchbacks by kind and ranks their paths', () => {
    expect(metrics.switchbacks.total).toBe(4);
    expect(metrics.switchbacks.byKind).toEqual({ discovery: 0, review: 1, embedded: 3 });
    expect(metrics.switchbacks.paths.map((p) => [p.path, p.count])).toEqual([
      ['8→7', 2],
      ['9→7', 1],
      ['5→4', 1],
    ]);
  });

  it('prints the figures for the terminal', () => {
    const text = metricsText(metrics);
    expect(text).toContain('2 projects, 5 components');
    expect(text).toMatch(/^0\s+First principles\s+research\s+0\s+20 d\s+15 d–25 d\s+2$/m);
    expect(text).toContain('most frequent: 8→7 ×2, 9→7 ×1, 5→4 ×1');
  });

  /** The words a chart's marks carry for screen readers (Vega writes them from each mark's `description`). */
  const markLabels = (svg: string, role: string) =>
    [...svg.matchAll(new RegExp(`aria-roledescription="${role}"[^>]*?aria-label="([^"]*)"|aria-label="([^"]*)"[^>]*?aria-roledescription="${role}"`, 'g'))].map((m) => m[1] ?? m[2]);

  it('draws the level distribution, the time per level and the switchback paths as SVG', async () => {
    const distribution = String(await levelDistributionChart(metrics));
    expect(distribution).toMatch(/^<svg [^>]*role="img" aria-label="Components per level, coloured by phase"><title>Components per level, coloured by phase<\/title>/);
    const bars = markLabels(distribution, 'bar');
    expect(bars).toHaveLength(10);
    expect(bars).toContain('Level 5 ML capability: 1');
    expect(distribution).toContain('fill="#1e40af"'); // prototyping blue at Level 5
    const time = String(await timeInLevelChart(metrics));
    expect(markLabels(time, 'bar')).toEqual(['Level 0: median 20 d over 2 stays', 'Level 1: median 20 d over 1 stay', 'Level 4: median 3.5 d over 2 stays', 'Level 5: median 4.0 d over 1 stay']);
    expect(time.match(/>no completed stay</g)).toHaveLength(6); // levels 2, 3, 6, 7, 8 and 9
    const paths = String(await switchbackPathsChart(metrics.switchbacks.paths));
    // Ranked: the most taken path first, each a bar named by its path and count.
    expect(markLabels(paths, 'bar')).toEqual(['8→7: 2', '9→7: 1', '5→4: 1']);
    expect(paths).toContain('fill="#92400e"'); // 8→7 and 9→7 go back to productization
  });

  it('draws the same SVG from the same figures, fast enough for a page', async () => {
    const first = String(await switchbackPathsChart(metrics.switchbacks.paths));
    const started = performance.now();
    const again = String(await switchbackPathsChart(metrics.switchbacks.paths));
    expect(again).toBe(first);
    // Typically 10 to 40 ms on a shared 2-core machine; a page draws at most three.
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('writes the standalone page with the charts and the figures, escaping what people named', async () => {
    const named = computeMetrics(portfolio, [{ projectId: 'p', name: 'P <script>alert(1)</script> & "Co"', systemLevel: 1 }]);
    const page = await metricsPage(named);
    expect(page).toMatch(/^<!doctype html>/);
    expect(page.match(/<svg /g)).toHaveLength(3);
    expect(page).not.toContain('<script>');
    expect(page).toContain('P &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Co&quot; (p)');
    // The figures behind the charts, as tables.
    expect(page).toContain('<summary>The figures per level</summary>');
    expect(page).toContain('<th scope="row">8→7</th><td>2</td>');
  });

  it('says there are no switchbacks rather than drawing an empty chart', async () => {
    const page = await metricsPage(computeMetrics([record('calm', [[0, 0], [10, 1]])], []));
    expect(page.match(/<svg /g)).toHaveLength(2);
    expect(page).toContain('No switchbacks yet.');
  });
});

describe('stage debrief coverage per project', () => {
  const ledger = (asked: number, written: number) => ({ asked, written, owed: [] });
  const withDebriefs = (projectId: string, componentId: string, asked?: number, written?: number): ComponentRecord => {
    const base = record(componentId, [[0, 0], [10, 1]]);
    const figures = figuresOf({ timeline: [], switchbacks: [], reviews: [], ...(asked !== undefined ? { debriefLedger: ledger(asked, written ?? 0) } : {}) });
    return { ...base, projectId, figures: { ...base.figures, ...(figures.debriefs ? { debriefs: figures.debriefs } : {}) } };
  };
  const projects = [
    { projectId: 'alpha', name: 'Alpha', systemLevel: 1 },
    { projectId: 'beta', name: 'Beta', systemLevel: 1 },
    { projectId: 'gamma', name: 'Gamma', systemLevel: 1 },
  ];
  // alpha: 3 of 4 over two components; beta: 0 of 2; gamma: never asked (edition 1 or no graduation).
  const metrics = computeMetrics(
    [withDebriefs('alpha', 'a1', 3, 2), withDebriefs('alpha', 'a2', 1, 1), withDebriefs('beta', 'b1', 2, 0), withDebriefs('gamma', 'g1')],
    projects,
  );

  it('counts graduations asked and debriefs written per project, with coverage, and over the portfolio', () => {
    expect(metrics.debriefCoverage.projects).toEqual([
      { projectId: 'alpha', asked: 4, written: 3, coverage: 0.75 },
      { projectId: 'beta', asked: 2, written: 0, coverage: 0 },
      { projectId: 'gamma', asked: 0, written: 0, coverage: null },
    ]);
    expect(metrics.debriefCoverage.total).toEqual({ asked: 6, written: 3, coverage: 0.5 });
  });

  it('shows coverage per project in the terminal and on the page', async () => {
    const text = metricsText(metrics);
    expect(text).toContain('stage debriefs written after graduations: 3 of 6 (50%)');
    expect(text).toMatch(/alpha\s+1\s+3 of 4 \(75%\)\s+Alpha/);
    expect(text).toMatch(/beta\s+1\s+0 of 2 \(0%\)\s+Beta/);
    expect(text).toMatch(/gamma\s+1\s+none asked yet\s+Gamma/);
    const page = await metricsPage(metrics);
    expect(page).toContain('<th scope="col">Debriefs written</th>');
    expect(page).toContain('3 of 4 (75%)');
  });

  it('a summary kept before debriefs were counted still parses, and one that says more were written than asked does not', async () => {
    const { ComponentFigures } = await import('../../workflows/definitions.js');
    const old = record('old', [[0, 0], [10, 1]]).figures;
    expect(old).not.toHaveProperty('debriefs');
    expect(ComponentFigures.safeParse(old).success).toBe(true);
    const bad = ComponentFigures.safeParse({ ...old, debriefs: { asked: 1, written: 2 } });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]).toMatchObject({ path: ['debriefs', 'written'], message: 'written: must not exceed asked' });
  });
});
