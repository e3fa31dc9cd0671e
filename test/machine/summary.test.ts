/** A component's figures as its project keeps them: capped, counted beyond the caps, and within the bytes a project reserves. */
import { describe, expect, it } from 'vitest';
import { jsonBytes } from '../../machines/budget.js';
import type { ClosedReview, Switchback, SwitchbackKind, TimelineEntry } from '../../machines/context.js';
import { FIGURES_MAX_BYTES, FIGURE_PATHS, FIGURE_SAMPLES, figuresOf, levelSince, type ComponentFigures } from '../../machines/summary.js';
import { ComponentFigures as FiguresSchema } from '../../workflows/definitions.js';

const YEAR = 365 * 86_400_000;

const entry = (at: number, to: number): TimelineEntry => ({ at, from: null, to, how: 'graduation' });
const closed = (submittedAt: number, closedAt: number, outcome: ClosedReview['outcome'] = 'approved'): ClosedReview => ({
  id: `r${submittedAt}`,
  level: 9,
  proposal: 'graduate',
  outcome,
  reReview: true,
  submittedAt,
  closedAt,
  verdicts: [],
  tasks: [],
});
const switchback = (from: number, to: number, kind: SwitchbackKind): Switchback => ({ from, to, kind, reason: 'x', by: 'a@b.c', at: 0 });

describe('figuresOf', () => {
  it('keeps completed stays and verdict turnarounds, and counts switchback paths', () => {
    const figures = figuresOf({
      timeline: [entry(0, 0), entry(10, 1), entry(30, 2)],
      reviews: [closed(5, 10), closed(20, 21, 'cancelled'), closed(25, 30)],
      switchbacks: [switchback(4, 2, 'embedded'), switchback(4, 2, 'embedded'), switchback(8, 7, 'review')],
    });
    expect(figures).toEqual({
      stays: [
        [0, 10],
        [1, 20],
      ],
      turnarounds: [5, 5],
      switchbacks: [
        { from: 4, to: 2, kind: 'embedded', count: 2 },
        { from: 8, to: 7, kind: 'review', count: 1 },
      ],
      leftOut: { stays: 0, turnarounds: 0, switchbacks: 0 },
    });
    expect(levelSince([entry(0, 0), entry(30, 2), entry(10, 1)])).toBe(30);
  });

  it('keeps the latest samples past the caps and counts the rest', () => {
    const timeline = Array.from({ length: FIGURE_SAMPLES + 11 }, (_, i) => entry(i * 100, i % 10));
    const reviews = Array.from({ length: FIGURE_SAMPLES + 5 }, (_, i) => closed(i * 100, i * 100 + i));
    const paths = Array.from({ length: FIGURE_PATHS + 3 }, (_, i) => switchback(9, i % 9, (['discovery', 'review', 'embedded'] as const)[Math.floor(i / 9)]));
    const figures = figuresOf({ timeline, reviews, switchbacks: [...paths, paths[0]] });
    expect(figures.stays).toHaveLength(FIGURE_SAMPLES);
    expect(figures.turnarounds).toHaveLength(FIGURE_SAMPLES);
    expect(figures.turnarounds.at(-1)).toBe(FIGURE_SAMPLES + 4);
    expect(figures.switchbacks).toHaveLength(FIGURE_PATHS);
    expect(figures.switchbacks[0]).toMatchObject({ from: 9, to: 0, kind: 'discovery', count: 2 });
    expect(figures.leftOut).toEqual({ stays: 10, turnarounds: 5, switchbacks: 3 });
  });

  it('fits in the bytes a project reserves for it at its largest, and the project accepts it', () => {
    const large = 100 * YEAR;
    const largest: ComponentFigures = {
      stays: Array.from({ length: FIGURE_SAMPLES }, (): [number, number] => [9, large]),
      turnarounds: Array.from({ length: FIGURE_SAMPLES }, () => large),
      switchbacks: Array.from({ length: FIGURE_PATHS }, () => ({ from: 9, to: 0, kind: 'discovery' as const, count: 1_000_000 })),
      leftOut: { stays: 1_000_000_000, turnarounds: 1_000_000_000, switchbacks: 1_000_000_000 },
    };
    expect(jsonBytes(largest)).toBeLessThanOrEqual(FIGURES_MAX_BYTES);
    expect(FiguresSchema.safeParse(largest).success).toBe(true);
    // One more sample than the cap is refused by the project's schema.
    expect(FiguresSchema.safeParse({ ...largest, turnarounds: [...largest.turnarounds, 1] }).success).toBe(false);
  });
});
