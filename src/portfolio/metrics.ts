/**
 * Portfolio metrics over every component the workflows recorded: how long components stay at each
 * level, how long reviews take, how often and where they switch back, where they stand now. Pure:
 * the records come from src/portfolio/read.ts (the summaries projects keep of their components'
 * cards, machines/summary.ts), so the figures are what actually happened, and tests can feed a
 * portfolio whose true figures are known.
 */
import type { SwitchbackKind } from '../../machines/context.js';
import { LEVELS, PHASES, type Phase } from '../../machines/levels.js';
import type { CardView, ComponentStatus, PublicState } from '../../machines/status.js';
import { figuresOf, type ComponentFigures } from '../../machines/summary.js';

export interface ComponentRecord {
  projectId: string;
  componentId: string;
  level: number;
  phase: Phase;
  state: PublicState;
  figures: ComponentFigures;
}

/** A component's record from what its workflow answers to the `status` and `card` queries. */
export function componentRecord(status: ComponentStatus, card: CardView): ComponentRecord {
  return {
    projectId: status.projectId,
    componentId: status.componentId,
    level: status.level,
    phase: status.phase,
    state: status.state,
    figures: figuresOf(card),
  };
}

/** A project or component a read could not reach, and why: a read never leaves one out silently. */
export interface Unreadable {
  /** `projectId`, or `projectId/componentId`. */
  id: string;
  why: string;
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

export interface DebriefCoverage {
  projectId: string;
  asked: number;
  written: number;
  coverage: number | null;
}

const coverageOf = (asked: number, written: number) => ({ asked, written, coverage: asked === 0 ? null : written / asked });

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
  /**
   * Stage debriefs per project, and over the portfolio: graduations whose debrief was asked for
   * (rules edition 2) and of those the ones written; `coverage` is written / asked, null before any ask.
   */
  debriefCoverage: { projects: DebriefCoverage[]; total: Omit<DebriefCoverage, 'projectId'> };
  /** Older samples the components' summaries counted but did not carry (machines/summary.ts): the figures above leave them out. */
  leftOut: { stays: number; turnarounds: number; switchbacks: number };
  /** What the read behind these figures could not reach: they describe the rest. */
  unreadable: Unreadable[];
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

export function computeMetrics(components: readonly ComponentRecord[], projects: readonly ProjectRecord[], unreadable: readonly Unreadable[] = []): PortfolioMetrics {
  const componentsPerLevel = LEVELS.map(() => 0);
  const componentsPerPhase = Object.fromEntries(PHASES.map((phase) => [phase, 0])) as Record<Phase, number>;
  const componentsPerState: Record<PublicState, number> = { working: 0, 'in-review': 0, paused: 0, retired: 0 };
  const stays = LEVELS.map((): number[] => []);
  const turnarounds: number[] = [];
  const byKind: Record<SwitchbackKind, number> = { discovery: 0, review: 0, embedded: 0 };
  const paths = new Map<string, SwitchbackPath>();
  const leftOut = { stays: 0, turnarounds: 0, switchbacks: 0 };
  // Every project read has a row, asked or not, so a project that was never asked shows as such.
  const debriefs = new Map<string, { asked: number; written: number }>(projects.map((p) => [p.projectId, { asked: 0, written: 0 }]));

  for (const component of components) {
    const counted = debriefs.get(component.projectId) ?? { asked: 0, written: 0 };
    debriefs.set(component.projectId, {
      asked: counted.asked + (component.figures.debriefs?.asked ?? 0),
      written: counted.written + (component.figures.debriefs?.written ?? 0),
    });
    componentsPerState[component.state] += 1;
    if (component.state !== 'retired') {
      componentsPerLevel[component.level] += 1;
      componentsPerPhase[component.phase] += 1;
    }
    const { figures } = component;
    for (const [level, ms] of figures.stays) stays[level].push(ms);
    turnarounds.push(...figures.turnarounds);
    for (const switchback of figures.switchbacks) {
      byKind[switchback.kind] += switchback.count;
      const path = `${switchback.from}→${switchback.to}`;
      const known = paths.get(path) ?? { from: switchback.from, to: switchback.to, path, count: 0 };
      paths.set(path, { ...known, count: known.count + switchback.count });
    }
    leftOut.stays += figures.leftOut.stays;
    leftOut.turnarounds += figures.leftOut.turnarounds;
    leftOut.switchbacks += figures.leftOut.switchbacks;
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
      total: byKind.discovery + byKind.review + byKind.embedded + leftOut.switchbacks,
      byKind,
      paths: [...paths.values()].sort((a, b) => b.count - a.count || b.from - a.from || a.to - b.to),
    },
    debriefCoverage: {
      projects: [...debriefs.entries()].map(([projectId, d]) => ({ projectId, ...coverageOf(d.asked, d.written) })).sort((a, b) => a.projectId.localeCompare(b.projectId)),
      total: coverageOf(
        [...debriefs.values()].reduce((sum, d) => sum + d.asked, 0),
        [...debriefs.values()].reduce((sum, d) => sum + d.written, 0),
      ),
    },
    leftOut,
    unreadable: [...unreadable],
  };
}
