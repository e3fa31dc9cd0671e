/**
 * The byte budget of what a component's run carries. Everything a run holds travels, as JSON, in
 * its continue-as-new input and (in part) in every query answer, and Temporal refuses a payload over
 * 2 MB: a component whose state outgrew that could neither answer a query nor start its next run
 * (every workflow task would fail). So each input that would grow the state is measured before it
 * is accepted, and refused with the parts that are full named, well before the wall.
 *
 * Pure: no Node built-ins, safe in the workflow sandbox.
 */

/** What a component's run may carry in all: its machine context, audit trail and pending effects. */
export const CARRIED_BUDGET_BYTES = 1_500_000;
/** Of that, the audit trail: older entries are folded into a summary past this (workflows/audit.ts). */
export const AUDIT_BUDGET_BYTES = 300_000;
/** What a project's run may carry: its definition and the summary of each component. */
export const PROJECT_BUDGET_BYTES = 1_500_000;

/**
 * What each list of a component's context may hold, in bytes: with the card's own limit and the
 * audit's, these keep a component's state within its budget by construction; the budget check
 * on each input is the guard for what remains (the open review's verdicts, the roster).
 */
export const LIST_BUDGET_BYTES = {
  graduations: 256_000,
  ethicsAnswers: 96_000,
  closedReviews: 160_000,
  switchbacks: 96_000,
  timeline: 64_000,
  revisions: 32_000,
  dependencyFlags: 32_000,
} as const;

/** UTF-8 length of a string, as Temporal counts a payload. */
export function utf8Bytes(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      // A surrogate pair: one 4-byte character.
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** The size of a value as JSON. */
export const jsonBytes = (value: unknown): number => utf8Bytes(JSON.stringify(value) ?? '');

/** Sizes of objects and lists already measured: a machine context's parts are replaced, never changed in place. */
const MEASURED = new WeakMap<object, number>();

/**
 * The size of a value as JSON, exactly as `jsonBytes` gives it, remembering the size of every object
 * and list it measures: for the parts of a machine context (its fields, its lists and their entries),
 * which are replaced and never changed in place, so each is measured once however often it is asked.
 */
export function sizeOf(value: unknown): number {
  if (value === null || typeof value !== 'object') return jsonBytes(value);
  let size = MEASURED.get(value);
  if (size !== undefined) return size;
  // In a list, JSON writes nothing it cannot hold as null.
  size = Array.isArray(value)
    ? (value as unknown[]).reduce<number>((sum, item, i) => sum + (i > 0 ? 1 : 0) + (item === undefined || typeof item === 'function' ? 4 : sizeOf(item)), 2)
    : jsonBytes(value);
  MEASURED.set(value, size);
  return size;
}

/** `sizeOf` for a record whose fields are measured one by one (a machine context: an event replaces a few). */
export function recordBytes(record: object): number {
  let total = 2;
  let fields = 0;
  for (const [key, value] of Object.entries(record) as [string, unknown][]) {
    if (value === undefined || typeof value === 'function') continue;
    total += (fields++ > 0 ? 1 : 0) + jsonBytes(key) + 1 + sizeOf(value);
  }
  return total;
}

/**
 * The latest entries of `list`, at most `count` of them and within `bytes` as JSON; the newest
 * entry is always kept. `keepFirst` also keeps the first entry (a timeline's start).
 */
export function keepLatest<T>(list: T[], count: number, bytes: number, keepFirst = false): T[] {
  const first = keepFirst && list.length > 0 ? [list[0]] : [];
  let latest = list.slice(first.length).slice(-(count - first.length));
  let size = sizeOf(first) + sizeOf(latest);
  while (latest.length > 1 && size > bytes) {
    size -= sizeOf(latest[0]) + 1;
    latest = latest.slice(1);
  }
  return [...first, ...latest];
}

/** The parts of a state, largest first, with their sizes: what to name when it is full. */
export function largestParts(parts: Record<string, unknown>, count = 3): { name: string; bytes: number }[] {
  return Object.entries(parts)
    .map(([name, value]) => ({ name, bytes: jsonBytes(value) }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, count);
}

/**
 * Why a state of `total` bytes cannot be kept within `budget`, naming its largest parts; undefined
 * when it fits.
 */
export function overBudget(what: string, total: number, budget: number, parts: Record<string, unknown>): string | undefined {
  if (total <= budget) return undefined;
  const named = largestParts(parts)
    .map((part) => `${part.name} ${part.bytes.toLocaleString('en-US')}`)
    .join(', ');
  return `${what} would hold ${total.toLocaleString('en-US')} bytes, over its budget of ${budget.toLocaleString('en-US')} (largest parts in bytes: ${named}): shorten the input, or put long documents behind links`;
}
