/**
 * How many inputs each fuzz suite tried, per message type and outcome, printed once per suite as a
 * table (the numbers a reader needs to judge how hard the input edges were pushed).
 */
export class Tally {
  private readonly rows = new Map<string, Map<string, number>>();
  private readonly started = Date.now();

  constructor(private readonly title: string) {}

  add(target: string, outcome: string, n = 1): void {
    const row = this.rows.get(target) ?? new Map<string, number>();
    row.set(outcome, (row.get(outcome) ?? 0) + n);
    this.rows.set(target, row);
  }

  total(target?: string): number {
    const rows = target === undefined ? [...this.rows.values()] : [this.rows.get(target) ?? new Map<string, number>()];
    return rows.reduce((sum, row) => sum + [...row.values()].reduce((a, b) => a + b, 0), 0);
  }

  table(): string {
    const outcomes = [...new Set([...this.rows.values()].flatMap((row) => [...row.keys()]))].sort();
    const header = ['target', 'tried', ...outcomes];
    const body = [...this.rows.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([target, row]) => [target, String(this.total(target)), ...outcomes.map((o) => String(row.get(o) ?? 0))]);
    const total = ['total', String(this.total()), ...outcomes.map((o) => String([...this.rows.values()].reduce((sum, row) => sum + (row.get(o) ?? 0), 0)))];
    const lines = [header, ...body, total];
    const widths = header.map((_, i) => Math.max(...lines.map((line) => line[i].length)));
    const render = (line: string[]) => line.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
    const seconds = ((Date.now() - this.started) / 1000).toFixed(1);
    return [`${this.title} — inputs tried (${seconds} s)`, render(header), ...[...body, total].map(render)].join('\n');
  }

  print(): void {
    console.log(this.table());
  }
}
