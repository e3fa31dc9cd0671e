/**
 * The audit trail of a component: every message, refusal and effect, who, what, when, why. A
 * component lives for years, so each run keeps only the latest entries and folds older ones into a
 * compact summary (how many of each kind, over which period); the card keeps the level timeline
 * and switchbacks in full. The continue-as-new input therefore stays bounded however long it lives.
 */
import { AUDIT_BUDGET_BYTES, jsonBytes } from '../machines/budget.js';
import type { AuditEntry } from './definitions.js';

export const AUDIT_KEPT = 500;

export interface FoldedAudit {
  count: number;
  since: string | null;
  until: string | null;
  byWhat: Record<string, number>;
}

export interface AuditTrail {
  recent: AuditEntry[];
  folded: FoldedAudit;
  /** UTF-8 size of `recent` as JSON, kept as entries come and go (absent in trails from older runs). */
  bytes?: number;
}

export function emptyAuditTrail(): AuditTrail {
  return { recent: [], folded: { count: 0, since: null, until: null, byWhat: {} } };
}

/** Longest `who` (an email's maximum) and `why` kept: a refused signal may carry anything at all. */
const MAX_WHO = 254;
const MAX_WHY = 1_000;

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/**
 * Record an entry; past `keep` entries or the audit's byte budget, the oldest are folded into the
 * summary, so the trail a run carries stays bounded in count and in bytes.
 */
export function appendAudit(trail: AuditTrail, entry: AuditEntry, keep = AUDIT_KEPT, budget = AUDIT_BUDGET_BYTES): void {
  const kept = { ...entry, who: clip(entry.who, MAX_WHO), ...(entry.why !== undefined ? { why: clip(entry.why, MAX_WHY) } : {}) };
  trail.bytes = (trail.bytes ?? jsonBytes(trail.recent)) + jsonBytes(kept) + 1;
  trail.recent.push(kept);
  while (trail.recent.length > keep || (trail.bytes > budget && trail.recent.length > 1)) {
    const oldest = trail.recent.shift()!;
    trail.bytes -= jsonBytes(oldest) + 1;
    const folded = trail.folded;
    folded.count += 1;
    folded.since ??= oldest.at;
    folded.until = oldest.at;
    const key = `${oldest.what} ${oldest.outcome}`;
    folded.byWhat[key] = (folded.byWhat[key] ?? 0) + 1;
  }
}

/** Entries ever recorded, folded or not: a stable sequence number for message ids. */
export function auditCount(trail: AuditTrail): number {
  return trail.folded.count + trail.recent.length;
}

/** What the `history` query returns: one summary entry for the folded past, then the recent entries. */
export function auditView(trail: AuditTrail): AuditEntry[] {
  const { folded } = trail;
  if (folded.count === 0) return trail.recent;
  const kinds = Object.entries(folded.byWhat)
    .sort(([, a], [, b]) => b - a)
    .map(([what, n]) => `${what} ×${n}`)
    .join(', ');
  const summary: AuditEntry = {
    at: folded.until ?? '',
    who: 'system',
    what: 'folded',
    outcome: 'done',
    why: `${folded.count} earlier entries from ${folded.since} to ${folded.until}: ${kinds}`,
    level: trail.recent[0]?.level ?? 0,
  };
  return [summary, ...trail.recent];
}
