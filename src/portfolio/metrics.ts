/**
 * Portfolio metrics over every component the workflows recorded: how long components stay at each
 * level, how long reviews take, how often and where they switch back, where they stand now. Pure:
 * the records come from src/portfolio/read.ts (the workflows' own cards), so the figures are what
 * actually happened, and tests can feed a portfolio whose true figures are known.
 */
import type { ClosedReview, Switchback, SwitchbackKind, TimelineEntry } from '../../machines/context.js';
import { LEVELS, PHASES, type Phase } from '../../machines/levels.js';
import type { CardView, ComponentStatus, PublicState } from '../../machines/status.js';

export interface ComponentRecord {
  projectId: string;
  componentId: string;
  level: number;
  phase: Phase;
  state: PublicState;
  timeline: TimelineEntry[];
  switchbacks: Switchback[];
  reviews: ClosedReview[];
}

/** A component's record from what its workflow answers to the `status` and `card` queries. */
export function componentRecord(status: ComponentStatus, card: CardView): ComponentRecord {
  return {
    projectId: status.projectId,
    componentId: status.componentId,
    level: status.level,
    phase: status.phase,
    state: status.state,
    timeline: card.timeline,
    switchbacks: card.switchbacks,
    reviews: card.reviews,
  };
}

export interface ProjectRecord {
  projectId: string;
  name: string;
  systemLevel: number | null;
}

export interface Spread {
  samples: number;
  medianMs: number | null;
  p25Ms: number | null;
  p75Ms: number | null;
  minMs: number | null;
  maxMs: number | null;
}

export interface SwitchbackPath {
  from: number;
  to: number;
  path: string;
  count: number;
}

export interface PortfolioMetrics {
  projects: number;
  components: number;
  componentsPerLevel: number[];
  componentsPerPhase: Record<Phase, number>;
  componentsPerState: Record<PublicState, number>;
  systemLevels: ProjectRecord[];
  /** Completed stays only: the time from reaching a level to leaving it, up or down. */
  timeInLevel: (Spread & { level: number })[];
  /** From submit to the verdict that closed the review (cancelled reviews left out). */
  reviewTurnaround: Spread;
  switchbacks: { total: number; byKind: Record<SwitchbackKind, number>; paths: SwitchbackPath[] };
}

/** Linear-interpolated quantile of sorted values. */
function quantile(sorted: number[], q: number): number {
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - lower);
}

export function spread(values: number[]): Spread {
  if (values.length === 0) return { samples: 0, medianMs: null, p25Ms: null, p75Ms: null, minMs: null, maxMs: null };
  const sorted = [...values].sort((a, b) => a - b);
  return {
    samples: sorted.length,
    medianMs: quantile(sorted, 0.5),
    p25Ms: quantile(sorted, 0.25),
    p75Ms: quantile(sorted, 0.75),
    minMs: sorted[0],
    maxMs: sorted.at(-1)!,
  };
}

/** Each completed stay: the level reached by one timeline entry, held until the next entry. */
export function levelStays(timeline: readonly TimelineEntry[]): { level: number; ms: number }[] {
  const ordered = [...timeline].sort((a, b) => a.at - b.at);
  return ordered.slice(0, -1).map((entry, index) => ({ level: entry.to, ms: ordered[index + 1].at - entry.at }));
}

export function computeMetrics(components: readonly ComponentRecord[], projects: readonly ProjectRecord[]): PortfolioMetrics {
  const componentsPerLevel = LEVELS.map(() => 0);
  const componentsPerPhase = Object.fromEntries(PHASES.map((phase) => [phase, 0])) as Record<Phase, number>;
  const componentsPerState: Record<PublicState, number> = { working: 0, 'in-review': 0, paused: 0, retired: 0 };
  const stays = LEVELS.map((): number[] => []);
  const turnarounds: number[] = [];
  const byKind: Record<SwitchbackKind, number> = { discovery: 0, review: 0, embedded: 0 };
  const paths = new Map<string, SwitchbackPath>();

  for (const component of components) {
    componentsPerState[component.state] += 1;
    if (component.state !== 'retired') {
      componentsPerLevel[component.level] += 1;
      componentsPerPhase[component.phase] += 1;
    }
    for (const stay of levelStays(component.timeline)) stays[stay.level].push(stay.ms);
    for (const review of component.reviews) {
      if (review.outcome !== 'cancelled') turnarounds.push(review.closedAt - review.submittedAt);
    }
    for (const switchback of component.switchbacks) {
      byKind[switchback.kind] += 1;
      const path = `${switchback.from}→${switchback.to}`;
      const known = paths.get(path) ?? { from: switchback.from, to: switchback.to, path, count: 0 };
      paths.set(path, { ...known, count: known.count + 1 });
    }
  }

  return {
    projects: projects.length,
    components: components.length,
    componentsPerLevel,
    componentsPerPhase,
    componentsPerState,
    systemLevels: [...projects].sort((a, b) => a.projectId.localeCompare(b.projectId)),
    timeInLevel: stays.map((values, level) => ({ level, ...spread(values) })),
    reviewTurnaround: spread(turnarounds),
    switchbacks: {
      total: byKind.discovery + byKind.review + byKind.embedded,
      byKind,
      paths: [...paths.values()].sort((a, b) => b.count - a.count || b.from - a.from || a.to - b.to),
    },
  };
}
