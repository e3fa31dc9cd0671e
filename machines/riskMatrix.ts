/**
 * The risk matrix: requirements placed by their probability of failure (rows, highest first) and
 * their value (columns), the "proper risk-quantification matrix" MLTRL asks for at Levels 7 and 8
 * so a review sees which critical scenarios the tests must cover. One component's matrix is built
 * from its card; a project's from the cards of its components.
 *
 * The grid is five by five, the usual likelihood × impact layout: pFailure in bands of 0.2 and value
 * (an integer 1–10) in pairs. Ten value columns would not fit a phone or a terminal, and a pair of
 * values differs less than the uncertainty of any pFailure estimate. The exact risk stays on each
 * entry, and whether it is flagged is the card's own answer (machines/gate.ts `flaggedRequirements`,
 * carried by `cardView`), so a cell may hold flagged and unflagged requirements side by side.
 *
 * Pure: no Node built-ins, safe in the workflow sandbox.
 */
import type { Requirement } from './model.js';

export interface Band {
  /** Lowest value in the band (included). */
  from: number;
  /**
   * For pFailure, the next band's lower bound (excluded; the top band holds 1). For value, an
   * integer, the highest one in the band (included).
   */
  to: number;
  label: string;
}

/** pFailure bands, highest first: a band holds its lower bound, so 0.2 sits in 0.2–0.4. */
export const PFAILURE_BANDS: readonly Band[] = [
  { from: 0.8, to: 1, label: '0.8–1' },
  { from: 0.6, to: 0.8, label: '0.6–0.8' },
  { from: 0.4, to: 0.6, label: '0.4–0.6' },
  { from: 0.2, to: 0.4, label: '0.2–0.4' },
  { from: 0, to: 0.2, label: '0–0.2' },
];

/** Value bands, lowest first (columns read left to right). */
export const VALUE_BANDS: readonly Band[] = [
  { from: 1, to: 2, label: '1–2' },
  { from: 3, to: 4, label: '3–4' },
  { from: 5, to: 6, label: '5–6' },
  { from: 7, to: 8, label: '7–8' },
  { from: 9, to: 10, label: '9–10' },
];

/** A requirement as the card shows it: its risk (when it has pFailure and value) and whether it is flagged. */
export type RatedRequirement = Requirement & { risk?: number; flagged: boolean };

/** The requirements of one component, as its card rates them. */
export interface RiskSource {
  componentId: string;
  riskThreshold: number;
  requirements: readonly RatedRequirement[];
}

/** A requirement in a cell: ids and figures only, so a card's query answer stays small (its texts are on the card). */
export interface RiskEntry {
  componentId: string;
  requirementId: string;
  status: string;
  pFailure?: number;
  value?: number;
  risk?: number;
  /** At or above the component's risk threshold. */
  flagged: boolean;
  /** Flagged and without a mitigation: what the Level 5 and Level 8 gates refuse. */
  unmitigated: boolean;
}

/** A flagged requirement in the lists a review reads: with its statement and mitigation. */
export interface FlaggedRisk extends RiskEntry {
  statement?: string;
  mitigation?: string;
}

export interface RiskCell {
  value: Band;
  /** Highest risk first. */
  entries: RiskEntry[];
}

export interface RiskRow {
  pFailure: Band;
  cells: RiskCell[];
}

export interface RiskMatrix {
  /** The thresholds the flags were computed with, distinct and sorted (one per project in practice). */
  riskThresholds: number[];
  columns: readonly Band[];
  /** pFailure bands, highest first. */
  rows: RiskRow[];
  counts: { total: number; placed: number; notPlaced: number; flagged: number; unmitigated: number };
  /** Every flagged requirement, highest risk first; unmitigated ones included and marked. */
  flagged: FlaggedRisk[];
  /** Flagged requirements without a mitigation, highest risk first. */
  unmitigated: FlaggedRisk[];
  /** Requirements without pFailure or value: they cannot be placed until they are rated. */
  notPlaced: RiskEntry[];
}

/** The first band from the top whose lower bound `pFailure` reaches: compared with the literal bounds, so 0.6 is never lost to 0.6 / 0.2 = 2.999…. */
function pFailureRow(pFailure: number): number {
  return PFAILURE_BANDS.findIndex((band) => pFailure >= band.from);
}

function valueColumn(value: number): number {
  // Values are integers 1–10; a band is two of them.
  return VALUE_BANDS.findIndex((band) => value >= band.from && value <= band.to);
}

function entryOf(componentId: string, r: RatedRequirement): RiskEntry {
  return {
    componentId,
    requirementId: r.id,
    status: r.status ?? 'open',
    ...(r.pFailure !== undefined ? { pFailure: r.pFailure } : {}),
    ...(r.value !== undefined ? { value: r.value } : {}),
    ...(r.risk !== undefined ? { risk: r.risk } : {}),
    flagged: r.flagged,
    unmitigated: r.flagged && !r.mitigation,
  };
}

function flaggedOf(entry: RiskEntry, r: RatedRequirement): FlaggedRisk {
  return { ...entry, ...(r.statement !== undefined ? { statement: r.statement } : {}), ...(r.mitigation !== undefined ? { mitigation: r.mitigation } : {}) };
}

/** Highest risk first, then by component and requirement id, so every reader sees the same order. */
function byRisk(a: RiskEntry, b: RiskEntry): number {
  return (b.risk ?? -1) - (a.risk ?? -1) || a.componentId.localeCompare(b.componentId) || a.requirementId.localeCompare(b.requirementId);
}

export function riskMatrix(sources: readonly RiskSource[]): RiskMatrix {
  const rows: RiskRow[] = PFAILURE_BANDS.map((pFailure) => ({ pFailure, cells: VALUE_BANDS.map((value) => ({ value, entries: [] as RiskEntry[] })) }));
  let total = 0;
  const flagged: FlaggedRisk[] = [];
  const notPlaced: RiskEntry[] = [];
  for (const source of sources) {
    for (const requirement of source.requirements) {
      const entry = entryOf(source.componentId, requirement);
      total++;
      if (entry.flagged) flagged.push(flaggedOf(entry, requirement));
      const row = requirement.pFailure === undefined ? -1 : pFailureRow(requirement.pFailure);
      const column = requirement.value === undefined ? -1 : valueColumn(requirement.value);
      if (row < 0 || column < 0) notPlaced.push(entry);
      else rows[row].cells[column].entries.push(entry);
    }
  }
  for (const row of rows) for (const cell of row.cells) cell.entries.sort(byRisk);
  flagged.sort(byRisk);
  const unmitigated = flagged.filter((e) => e.unmitigated);
  notPlaced.sort(byRisk);
  return {
    riskThresholds: [...new Set(sources.map((s) => s.riskThreshold))].sort((a, b) => a - b),
    columns: VALUE_BANDS,
    rows,
    counts: { total, placed: total - notPlaced.length, notPlaced: notPlaced.length, flagged: flagged.length, unmitigated: unmitigated.length },
    flagged,
    unmitigated,
    notPlaced,
  };
}

/** How the flags were set, in words: "risk ≥ 3", or each threshold when components differ. */
export function thresholdText(matrix: Pick<RiskMatrix, 'riskThresholds'>): string {
  const thresholds = matrix.riskThresholds;
  if (thresholds.length === 0) return 'risk ≥ the project’s threshold';
  if (thresholds.length === 1) return `risk ≥ ${thresholds[0]}`;
  return `risk ≥ each component’s threshold (${thresholds.join(', ')})`;
}
