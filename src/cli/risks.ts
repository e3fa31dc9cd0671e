/**
 * A project's risk matrix for the terminal: a compact grid of counts (the cells' requirements are
 * listed by `--json` and on the project page), then every flagged requirement by risk, what could
 * not be placed and which components did not answer. Marks are letters, never colour.
 */
import { thresholdText, type RiskEntry } from '../../machines/riskMatrix.js';
import type { ProjectRisks } from '../portfolio/risks.js';
import { notRead } from '../portfolio/report.js';
import { textTable } from '../render/tables.js';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const indent = (text: string) => text.replace(/^/gm, '  ');
/** Long mitigations would wrap every line: the card has them whole. */
const clip = (text: string, max = 60) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** A cell: how many requirements it holds, then F<n> flagged and U<n> flagged without a mitigation. */
function cellText(entries: readonly RiskEntry[]): string | null {
  if (entries.length === 0) return null;
  const flagged = entries.filter((e) => e.flagged).length;
  const unmitigated = entries.filter((e) => e.unmitigated).length;
  return [String(entries.length), flagged ? `F${flagged}` : '', unmitigated ? `U${unmitigated}` : ''].filter(Boolean).join(' ');
}

const ref = (e: RiskEntry) => `${e.componentId}/${e.requirementId}`;

export function projectRisksText(risks: ProjectRisks): string {
  const { matrix } = risks;
  const { counts } = matrix;
  const lines = [
    `risk matrix: ${plural(counts.total, 'requirement')}, ${counts.placed} placed, ${counts.notPlaced} not placed; ${counts.flagged} flagged (${thresholdText(matrix)}), ${counts.unmitigated} of them without a mitigation`,
  ];
  if (counts.placed > 0) {
    lines.push(
      indent(
        textTable(
          ['PFAILURE \\ VALUE', ...matrix.columns.map((c) => c.label)],
          matrix.rows.map((row) => [row.pFailure.label, ...row.cells.map((cell) => cellText(cell.entries))]),
        ),
      ),
      '  a cell: how many requirements it holds; F flagged, U flagged without a mitigation',
    );
  }
  if (matrix.flagged.length > 0) {
    lines.push(
      'flagged, highest risk first:',
      indent(
        textTable(
          null,
          matrix.flagged.map((e) => [
            ref(e),
            `risk ${e.risk ?? '-'}`,
            e.pFailure === undefined || e.value === undefined ? 'not rated' : `pFailure ${e.pFailure}, value ${e.value}`,
            e.unmitigated ? 'NO MITIGATION' : `mitigation: ${clip(e.mitigation ?? '')}`,
          ]),
        ),
      ),
    );
  }
  if (matrix.notPlaced.length > 0) lines.push(`not placed (no pFailure or value yet): ${matrix.notPlaced.map(ref).join(', ')}`);
  if (risks.retired.length > 0) lines.push(`retired, left out: ${risks.retired.join(', ')}`);
  if (risks.unreadable.length > 0) lines.push(notRead(risks.unreadable));
  return lines.join('\n');
}
