/**
 * Stage debriefs asked for (rules edition 2): after every graduation the component's owner is
 * asked for the debrief of the level just completed — what was done and by whom, what was punted,
 * what was learned, the technical debt taken on or paid — and reminded every `remindEvery` until a
 * debrief for that level is written on the card. Reminders wait while the component is paused
 * (nobody works on a paused component) and start a fresh period when it resumes.
 *
 * The ledger is bounded by construction: one owed entry per level (a second graduation from a
 * level whose debrief is still owed is counted on the same entry), and two counters. Pure.
 */
import { nextReminderAfter } from './context.js';
import { MAX_LEVEL } from './levels.js';

/** A debrief the owner was asked for and has not written yet. */
export interface DebriefOwed {
  /** The level completed. */
  level: number;
  /** The review whose approval graduated the component from that level (the latest, if several). */
  reviewId: string;
  /** When it was first asked for. */
  askedAt: number;
  nextReminderAt: number;
  /** Graduations from this level waiting on this debrief (more than one after a switchback and a new graduation). */
  graduations: number;
}

export interface DebriefLedger {
  /** Graduations whose debrief was asked for. */
  asked: number;
  /** Of those, the ones whose debrief was written after the asking. */
  written: number;
  /** Debriefs still owed, lowest level first: at most one per level. */
  owed: DebriefOwed[];
}

export const EMPTY_LEDGER: DebriefLedger = { asked: 0, written: 0, owed: [] };
/** One owed entry per level, at most. */
export const DEBRIEFS_OWED_KEPT = MAX_LEVEL + 1;

/** The ledger after the graduation from `level` by review `reviewId` at `at`. */
export function askDebrief(ledger: DebriefLedger | undefined, level: number, reviewId: string, at: number, remindEveryMs: number): DebriefLedger {
  const current = ledger ?? EMPTY_LEDGER;
  const known = current.owed.find((owed) => owed.level === level);
  const entry: DebriefOwed = known
    ? { ...known, reviewId, graduations: known.graduations + 1 }
    : { level, reviewId, askedAt: at, nextReminderAt: at + remindEveryMs, graduations: 1 };
  const owed = [...current.owed.filter((o) => o.level !== level), entry].sort((a, b) => a.level - b.level).slice(0, DEBRIEFS_OWED_KEPT);
  return { asked: current.asked + 1, written: current.written, owed };
}

/** The ledger after the card got debriefs for `levels`: each owed one for those levels is written. */
export function debriefsWritten(ledger: DebriefLedger, levels: readonly number[]): DebriefLedger {
  const done = ledger.owed.filter((owed) => levels.includes(owed.level));
  if (done.length === 0) return ledger;
  return {
    asked: ledger.asked,
    written: ledger.written + done.reduce((sum, owed) => sum + owed.graduations, 0),
    owed: ledger.owed.filter((owed) => !levels.includes(owed.level)),
  };
}

/** The owed debriefs whose reminder is due at `at`, and the ledger with their next reminders set. */
export function dueReminders(ledger: DebriefLedger, at: number, remindEveryMs: number): { due: DebriefOwed[]; ledger: DebriefLedger } {
  const due = ledger.owed.filter((owed) => at >= owed.nextReminderAt);
  if (due.length === 0) return { due, ledger };
  const owed = ledger.owed.map((o) => {
    return at < o.nextReminderAt ? o : { ...o, nextReminderAt: nextReminderAfter(o.nextReminderAt, at, remindEveryMs) };
  });
  return { due, ledger: { ...ledger, owed } };
}

/** Every owed debrief's reminder a full period from `at` (a resumed component). */
export function restartReminders(ledger: DebriefLedger, at: number, remindEveryMs: number): DebriefLedger {
  return ledger.owed.length === 0 ? ledger : { ...ledger, owed: ledger.owed.map((o) => ({ ...o, nextReminderAt: at + remindEveryMs })) };
}

/** The earliest debrief reminder, if one is owed. */
export function nextDebriefReminder(ledger: DebriefLedger | undefined): number | undefined {
  if (!ledger || ledger.owed.length === 0) return undefined;
  return Math.min(...ledger.owed.map((o) => o.nextReminderAt));
}
