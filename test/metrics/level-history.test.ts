/**
 * A project's levels over time: one step line per component, drawn from the components' timelines,
 * each change a point named in words, every line held until the time the page was drawn.
 */
import { describe, expect, it } from 'vitest';
import type { TimelineEntry } from '../../machines/context.js';
import { levelHistoryChart, levelHistoryPoints, type LevelSeries } from '../../src/portfolio/charts.js';

const DAY = 86_400_000;
const START = Date.UTC(2024, 0, 1);
const NOW = START + 40 * DAY;

function series(componentId: string, steps: [day: number, to: number, how: TimelineEntry['how']][]): LevelSeries {
  return { componentId, timeline: steps.map(([day, to, how], index) => ({ at: START + day * DAY, from: index === 0 ? null : steps[index - 1][1], to, how })) };
}

const project = [
  series('engine', [[0, 1, 'entry'], [10, 2, 'graduation'], [20, 3, 'graduation'], [25, 2, 'switchback'], [30, 4, 'graduation']]),
  series('protocol', [[5, 3, 'entry'], [22, 4, 'graduation']]),
  series('oss', [[12, 4, 'entry']]),
];

/** The words of each point, and the stroke of each line, in the order drawn. */
const pointLabels = (svg: string) => [...svg.matchAll(/aria-label="([^"]*)" role="graphics-symbol" aria-roledescription="point"/g)].map((m) => m[1]);
const lineStrokes = (svg: string) => [...svg.matchAll(/<g class="mark-line role-mark[^>]*>.*?<path [^>]*stroke="(#[0-9a-f]{6})"/g)].map((m) => m[1]);

describe("a project's levels over time", () => {
  it('draws one step line per component, a point at each change naming its level', async () => {
    const svg = String(await levelHistoryChart(project, NOW));
    expect(svg).toMatch(/^<svg [^>]*role="img" aria-label="Each component&#39;s level over time: engine, protocol, oss">/);
    const strokes = lineStrokes(svg);
    expect(strokes).toHaveLength(3);
    expect(new Set(strokes).size).toBe(3);
    expect(pointLabels(svg)).toEqual([
      'engine: Level 1 from 2024-01-01 00:00 UTC (entry)',
      'engine: Level 2 from 2024-01-11 00:00 UTC (graduation)',
      'engine: Level 3 from 2024-01-21 00:00 UTC (graduation)',
      'engine: Level 2 from 2024-01-26 00:00 UTC (switchback)',
      'engine: Level 4 from 2024-01-31 00:00 UTC (graduation)',
      'protocol: Level 3 from 2024-01-06 00:00 UTC (entry)',
      'protocol: Level 4 from 2024-01-23 00:00 UTC (graduation)',
      'oss: Level 4 from 2024-01-13 00:00 UTC (entry)',
    ]);
    expect(svg).toContain(`aria-label="Symbol legend titled 'component' for shape, fill color and stroke color with 3 values: engine, protocol, oss"`);
  });

  it('holds each line at its level until now, drawn a little apart where levels coincide', () => {
    const points = levelHistoryPoints(project, NOW);
    const ends = points.filter((p) => !p.change);
    expect(ends.map((p) => [p.component, p.at, p.level])).toEqual([
      ['engine', NOW, 4],
      ['protocol', NOW, 4],
      ['oss', NOW, 4],
    ]);
    // All three end at Level 4: three distinct heights, each within a sixth of a level of 4.
    expect(new Set(ends.map((p) => p.y)).size).toBe(3);
    for (const p of points) expect(Math.abs(p.y - p.level)).toBeLessThanOrEqual(1 / 6);
  });

  it('draws the same SVG from the same timelines, escaping what people named', async () => {
    const named = [series('a<b>&"c', [[0, 2, 'entry']])];
    const first = String(await levelHistoryChart(named, NOW));
    expect(String(await levelHistoryChart(named, NOW))).toBe(first);
    expect(first).not.toContain('a<b>');
    expect(pointLabels(first)).toEqual(['a&lt;b&gt;&amp;&quot;c: Level 2 from 2024-01-01 00:00 UTC (entry)']);
  });
});
