/**
 * One table renderer per medium: aligned plain text for the terminal, and HTML for the web pages
 * and the metrics page. (The TRL card's Markdown tables are the card's own: ../card/markdown.ts.)
 */
import { html } from 'hono/html';
import type { Html } from './markup.js';

type TextCell = string | number | null | undefined;

/**
 * Columns separated by two spaces; the last column is not padded, so long text just runs on.
 * Without headers it lays out `key  value` pairs. A missing value shows as `-`.
 */
export function textTable(headers: readonly string[] | null, rows: readonly (readonly TextCell[])[]): string {
  const body = rows.map((row) => row.map((cell) => (cell === null || cell === undefined ? '-' : String(cell))));
  const cells = headers ? [[...headers], ...body] : body;
  const widths = (headers ?? body[0] ?? []).map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)));
  return cells
    .map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]))).join('  ').trimEnd())
    .join('\n');
}

/** Text is escaped; markup made with `html` goes in as it is. */
export type HtmlCell = Html | string | number | null | undefined;

export interface HtmlRow {
  cells: readonly HtmlCell[];
  /** A class the stylesheet knows, e.g. `flagged`. */
  class?: string | undefined;
  /** The component the row stands for, as `data-component` (`<projectId>/<componentId>`). */
  component?: string | undefined;
}

export interface HtmlTableOptions {
  caption?: string;
  /** The first cell names its row: a `<th scope="row">`. */
  rowHeaders?: boolean;
}

/** A table with column headers for screen readers, in a wrapper that scrolls sideways on a phone. */
export function htmlTable(headers: readonly string[], rows: readonly (readonly HtmlCell[] | HtmlRow)[], options: HtmlTableOptions = {}): Html {
  const row = (entry: readonly HtmlCell[] | HtmlRow) => {
    const { cells, class: className, component }: HtmlRow = 'cells' in entry ? entry : { cells: entry };
    return html`<tr${className ? html` class="${className}"` : ''}${component ? html` data-component="${component}"` : ''}>${cells.map((cell, column) =>
      options.rowHeaders && column === 0 ? html`<th scope="row">${cell}</th>` : html`<td>${cell}</td>`,
    )}</tr>\n`;
  };
  return html`<div class="table-wrap"><table>
${options.caption ? html`<caption class="muted">${options.caption}</caption>\n` : ''}<thead><tr>${headers.map((header) => html`<th scope="col">${header}</th>`)}</tr></thead>
<tbody>
${rows.map(row)}</tbody>
</table></div>`;
}
