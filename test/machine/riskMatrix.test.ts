/**
 * The risk matrix: each requirement lands in the cell of its pFailure band and value band, on the
 * bands' edges too; flags and missing mitigations are the card's own (the gate's), and whatever
 * cannot be placed is counted and listed, never dropped.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { flaggedRequirements, unmitigatedRisks } from '../../machines/gate.js';
import { PFAILURE_BANDS, VALUE_BANDS, riskMatrix, thresholdText, type RatedRequirement, type RiskMatrix } from '../../machines/riskMatrix.js';
import { cardView } from '../../machines/status.js';
import { start } from './helpers.js';

/** A requirement rated the way cardView rates it, with the default threshold of 3. */
function rated(id: string, pFailure?: number, value?: number, extra: Partial<RatedRequirement> = {}, threshold = 3): RatedRequirement {
  const risk = pFailure !== undefined && value !== undefined ? Math.round(pFailure * value * 1000) / 1000 : undefined;
  return { id, ...(pFailure !== undefined ? { pFailure } : {}), ...(value !== undefined ? { value } : {}), ...(risk !== undefined ? { risk } : {}), flagged: (risk ?? 0) >= threshold, ...extra };
}

/** Where each requirement sits, as "pFailure band × value band" → ids. */
function placements(matrix: RiskMatrix): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const row of matrix.rows) {
    for (const cell of row.cells) {
      if (cell.entries.length) out[`${row.pFailure.label} × ${cell.value.label}`] = cell.entries.map((e) => `${e.componentId}/${e.requirementId}`);
    }
  }
  return out;
}

describe('riskMatrix', () => {
  it('lays out five pFailure rows, highest first, by five value columns, lowest first', () => {
    const matrix = riskMatrix([]);
    expect(matrix.rows.map((r) => r.pFailure.label)).toEqual(['0.8–1', '0.6–0.8', '0.4–0.6', '0.2–0.4', '0–0.2']);
    expect(matrix.columns.map((c) => c.label)).toEqual(['1–2', '3–4', '5–6', '7–8', '9–10']);
    expect(matrix.rows.every((r) => r.cells.map((c) => c.value.label).join() === matrix.columns.map((c) => c.label).join())).toBe(true);
    expect(matrix.counts).toEqual({ total: 0, placed: 0, notPlaced: 0, flagged: 0, unmitigated: 0 });
  });

  it('places each requirement by its bands, a band holding its lower bound, the top ones their upper bound', () => {
    const matrix = riskMatrix([
      {
        componentId: 'model',
        riskThreshold: 3,
        requirements: [rated('R1.1', 0, 1), rated('R1.2', 0.2, 2), rated('R1.3', 0.6, 3), rated('R1.4', 0.79, 8), rated('R1.5', 1, 10), rated('R1.6', 0.8, 9)],
      },
    ]);
    expect(placements(matrix)).toEqual({
      '0.8–1 × 9–10': ['model/R1.5', 'model/R1.6'],
      '0.6–0.8 × 7–8': ['model/R1.4'],
      '0.6–0.8 × 3–4': ['model/R1.3'],
      '0.2–0.4 × 1–2': ['model/R1.2'],
      '0–0.2 × 1–2': ['model/R1.1'],
    });
  });

  it('marks flagged and flagged-but-unmitigated entries, lists them by risk, and lists what it could not place', () => {
    const matrix = riskMatrix([
      { componentId: 'model', riskThreshold: 3, requirements: [rated('R1.1', 0.5, 8, { mitigation: 'second reader' }), rated('R1.2', 0.9, 9, { statement: 'Finds rare tumours' }), rated('R1.3', 0.1, 2), rated('R1.4', undefined, 5)] },
      { componentId: 'pipeline', riskThreshold: 3, requirements: [rated('P2.1', 0.4, 10), rated('P2.2')] },
    ]);
    expect(matrix.counts).toEqual({ total: 6, placed: 4, notPlaced: 2, flagged: 3, unmitigated: 2 });
    expect(matrix.flagged.map((e) => [`${e.componentId}/${e.requirementId}`, e.risk, e.unmitigated])).toEqual([
      ['model/R1.2', 8.1, true],
      ['model/R1.1', 4, false],
      ['pipeline/P2.1', 4, true],
    ]);
    expect(matrix.unmitigated.map((e) => e.requirementId)).toEqual(['R1.2', 'P2.1']);
    expect(matrix.unmitigated[0]).toMatchObject({ statement: 'Finds rare tumours', unmitigated: true });
    expect(matrix.unmitigated[0]).not.toHaveProperty('mitigation');
    expect(matrix.notPlaced.map((e) => `${e.componentId}/${e.requirementId}`)).toEqual(['model/R1.4', 'pipeline/P2.2']);
    const cell = matrix.rows[2].cells[3]; // 0.4–0.6 × 7–8
    // A cell holds ids and figures; the flagged list adds the texts a review reads.
    expect(cell.entries).toEqual([{ componentId: 'model', requirementId: 'R1.1', status: 'open', pFailure: 0.5, value: 8, risk: 4, flagged: true, unmitigated: false }]);
    expect(matrix.flagged[1]).toEqual({ ...cell.entries[0], mitigation: 'second reader' });
    expect(matrix.rows[4].cells[0].entries[0]).toMatchObject({ requirementId: 'R1.3', flagged: false, unmitigated: false });
    expect(thresholdText(matrix)).toBe('risk ≥ 3');
  });

  it('names each threshold when components were rated with different ones', () => {
    const matrix = riskMatrix([
      { componentId: 'a', riskThreshold: 3, requirements: [] },
      { componentId: 'b', riskThreshold: 2, requirements: [] },
    ]);
    expect(matrix.riskThresholds).toEqual([2, 3]);
    expect(thresholdText(matrix)).toBe('risk ≥ each component’s threshold (2, 3)');
  });

  it('places every rated requirement in exactly one cell, in the bands that hold its pFailure and value', () => {
    const requirement = fc.record({ pFailure: fc.double({ min: 0, max: 1, noNaN: true }), value: fc.integer({ min: 1, max: 10 }) });
    fc.assert(
      fc.property(fc.array(requirement, { maxLength: 30 }), (specs) => {
        const matrix = riskMatrix([{ componentId: 'c', riskThreshold: 3, requirements: specs.map((s, i) => rated(`R${i + 1}`, s.pFailure, s.value)) }]);
        const seen = matrix.rows.flatMap((row, r) => row.cells.flatMap((cell, c) => cell.entries.map((e) => ({ e, r, c }))));
        expect(seen).toHaveLength(specs.length);
        expect(matrix.counts.notPlaced).toBe(0);
        for (const { e, r, c } of seen) {
          const band = PFAILURE_BANDS[r];
          expect(e.pFailure! >= band.from && (e.pFailure! < band.to || (r === 0 && e.pFailure! <= 1))).toBe(true);
          expect(e.value! >= VALUE_BANDS[c].from && e.value! <= VALUE_BANDS[c].to).toBe(true);
        }
      }),
    );
  });
});

describe('a card’s own matrix', () => {
  it('flags exactly what the gate flags, and marks unmitigated what the Level 5 gate refuses', () => {
    const life = start({ entryLevel: 4 });
    life.updateCard({
      requirements: [
        { id: 'P1.1', category: 'security', pFailure: 0.6, value: 5 },
        { id: 'P1.2', category: 'privacy', pFailure: 0.3, value: 10, mitigation: 'on-premise only' },
        { id: 'R1.1', pFailure: 0.1, value: 3 },
        { id: 'R1.2', statement: 'Not rated yet' },
      ],
    });
    const { riskMatrix: matrix } = cardView(life.context);
    expect(matrix.flagged.map((e) => e.requirementId)).toEqual(flaggedRequirements(life.context).map((r) => r.id).sort((a, b) => a.localeCompare(b)));
    expect(matrix.unmitigated.map((e) => e.requirementId)).toEqual(unmitigatedRisks(life.context, 5));
    expect(matrix.unmitigated.map((e) => e.requirementId)).toEqual(['P1.1']);
    expect(placements(matrix)).toEqual({ '0.6–0.8 × 5–6': ['anomaly-model/P1.1'], '0.2–0.4 × 9–10': ['anomaly-model/P1.2'], '0–0.2 × 3–4': ['anomaly-model/R1.1'] });
    expect(matrix.notPlaced.map((e) => e.requirementId)).toEqual(['R1.2']);
    expect(matrix.riskThresholds).toEqual([3]);
  });

  it('with a threshold of 0, flags unrated requirements as the gate does', () => {
    const life = start({ policy: { riskThreshold: 0 } });
    life.updateCard({ requirements: [{ id: 'R1.1', statement: 'Not rated yet' }] });
    const { riskMatrix: matrix } = cardView(life.context);
    expect(flaggedRequirements(life.context).map((r) => r.id)).toEqual(['R1.1']);
    expect(matrix.notPlaced).toMatchObject([{ requirementId: 'R1.1', flagged: true, unmitigated: true }]);
  });
});
