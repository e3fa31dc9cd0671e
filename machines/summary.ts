/**
 * What a project keeps of each of its components, so portfolio reads (the dashboard, the project
 * list, the metrics) ask projects and never wake components. A component computes its summary from
 * its own card whenever it reports a change; the metrics are computed from the `figures` part,
 * and `figuresOf` is the one definition of them, whether it reads a summary or a whole card.
 *
 * Pure: no Node built-ins, safe in the workflow sandbox.
 */
import type { MlflowLink } from './integrations.js';
import type { ClosedReview, Switchback, SwitchbackKind, TimelineEntry } from './context.js';
import type { PublicState } from './status.js';
import type { DebriefLedger } from './debriefs.js';

/**
 * Samples of each kind a summary carries per component: the latest ones. Older stays and reviews
 * are counted in `leftOut`, so a metric can say how many it did not see; 24 is two years of
 * monthly re-reviews, and keeps a project of a thousand components within its byte budget.
 */
export const FIGURE_SAMPLES = 24;
/** Distinct switchback paths (from, to, kind) a summary counts separately; the rest are counted in `leftOut`. */
export const FIGURE_PATHS = 12;
/** The most bytes `figures` can take as JSON, with every list at its cap: the project's budget reserves this per component. */
export const FIGURES_MAX_BYTES = 1_800;

export interface SwitchbackCount {
  from: number;
  to: number;
  kind: SwitchbackKind;
  count: number;
}

export interface ComponentFigures {
  /** Completed stays at a level, oldest first, as [level, milliseconds]: from reaching it to leaving it. */
  stays: [number, number][];
  /** Milliseconds from submit to the verdict, for each review closed by a verdict (cancelled ones left out), oldest first. */
  turnarounds: number[];
  /** How many switchbacks took each path. */
  switchbacks: SwitchbackCount[];
  /** What the component's card holds beyond the caps above: counted, not carried. */
  leftOut: { stays: number; turnarounds: number; switchbacks: number };
  /** Graduations whose stage debrief was asked for, and of those the ones written (rules edition 2; absent before the first ask). */
  debriefs?: { asked: number; written: number };
}

/** A component as its project keeps it. */
export interface ComponentSummary {
  componentId: string;
  name: string;
  kind: string;
  level: number;
  phase: string;
  state: PublicState;
  entryLevel: number;
  /** The component owner's email; absent from summaries kept before owners were reported. */
  owner?: string;
  /** When the component reached its current level (epoch ms). */
  levelSince?: number;
  /** Absent until the component reports a change with them (summaries kept by earlier versions). */
  figures?: ComponentFigures;
  /** The components this one depends on (from its definition); absent when it depends on none. */
  dependsOn?: string[];
  /** The MLflow registered model it is linked to (from its definition); absent when it has no link. */
  mlflow?: MlflowLink;
}

/** A summary as people read it: the figures are for the portfolio's metrics. */
export function withoutFigures<S extends ComponentSummary>({ figures: _figures, ...summary }: S): Omit<S, 'figures'> {
  return summary;
}

/** Each completed stay: the level reached by one timeline entry, held until the next entry. */
export function levelStays(timeline: readonly TimelineEntry[]): { level: number; ms: number }[] {
  const ordered = [...timeline].sort((a, b) => a.at - b.at);
  return ordered.slice(0, -1).map((entry, index) => ({ level: entry.to, ms: ordered[index + 1].at - entry.at }));
}

const pathKey = (s: { from: number; to: number; kind: SwitchbackKind }) => `${s.from}>${s.to}:${s.kind}`;

/** The figures of a card: its stays, review turnarounds and switchback paths, within the caps. */
export function figuresOf(card: {
  timeline: readonly TimelineEntry[];
  reviews: readonly ClosedReview[];
  switchbacks: readonly Switchback[];
  debriefLedger?: DebriefLedger;
}): ComponentFigures {
  const stays = levelStays(card.timeline).map((stay): [number, number] => [stay.level, stay.ms]);
  const turnarounds = card.reviews.filter((review) => review.outcome !== 'cancelled').map((review) => review.closedAt - review.submittedAt);
  const paths = new Map<string, SwitchbackCount>();
  for (const switchback of card.switchbacks) {
    const key = pathKey(switchback);
    const known = paths.get(key) ?? { from: switchback.from, to: switchback.to, kind: switchback.kind, count: 0 };
    paths.set(key, { ...known, count: known.count + 1 });
  }
  // The most taken paths are kept; ties in a fixed order, so the same card gives the same figures.
  const counted = [...paths.values()].sort((a, b) => b.count - a.count || pathKey(a).localeCompare(pathKey(b)));
  const kept = counted.slice(0, FIGURE_PATHS);
  return {
    stays: stays.slice(-FIGURE_SAMPLES),
    turnarounds: turnarounds.slice(-FIGURE_SAMPLES),
    switchbacks: kept,
    leftOut: {
      stays: Math.max(0, stays.length - FIGURE_SAMPLES),
      turnarounds: Math.max(0, turnarounds.length - FIGURE_SAMPLES),
      switchbacks: counted.slice(FIGURE_PATHS).reduce((sum, path) => sum + path.count, 0),
    },
    ...(card.debriefLedger ? { debriefs: { asked: card.debriefLedger.asked, written: card.debriefLedger.written } } : {}),
  };
}

/** When the component reached its current level: the latest timeline entry. */
export function levelSince(timeline: readonly TimelineEntry[]): number | undefined {
  return timeline.reduce<number | undefined>((latest, entry) => (latest === undefined || entry.at > latest ? entry.at : latest), undefined);
}
