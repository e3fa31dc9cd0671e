/**
 * Failures a batch found, grouped by message and problem, each with the smallest input that shows
 * it (the batch suites send many inputs concurrently, so they report rather than stop at the first).
 */
import { show } from './arbitraries.js';

export class Findings {
  private readonly found = new Map<string, { what: string; problem: string; input: unknown; size: number; detail: string; count: number }>();

  add(what: string, problem: string, input: unknown, detail = ''): void {
    const key = `${what}: ${problem}`;
    const size = show(input, Infinity).length;
    const existing = this.found.get(key);
    if (!existing || size < existing.size) this.found.set(key, { what, problem, input, size, detail, count: (existing?.count ?? 0) + 1 });
    else existing.count += 1;
  }

  /** One line per problem: what, how often, the smallest input and what came back. */
  list(): string[] {
    return [...this.found.values()].map(({ what, problem, input, detail, count }) => `${what}: ${problem} (×${count}); smallest input ${show(input)}${detail ? ` → ${show(detail)}` : ''}`);
  }
}
