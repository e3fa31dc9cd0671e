/**
 * What a component's workflow holds while it runs: the machine snapshot, the audit trail, and the
 * effects waiting to be carried out. Every message reaches the machine through `ask`, which is
 * `accept` (machines/accept.ts) with the limits an entry checks; `take` makes an accepted answer
 * the component's new state. No Temporal calls here except the workflow clock.
 */
import { accept, begin, restore, type Answer, type EntryLimits, type LifecycleSnapshot } from '../machines/accept.js';
import { CARRIED_BUDGET_BYTES, jsonBytes, overBudget, recordBytes } from '../machines/budget.js';
import { upgradeContext, type ComponentContext } from '../machines/context.js';
import type { Effect } from '../machines/effects.js';
import type { LifecycleEvent } from '../machines/events.js';
import { announcesLifecycle, lifecycleNotices, skippedReReview, type LifecycleNotice } from '../machines/lifecycleEvents.js';
import type { LifecycleState } from '../machines/rules.js';
import { componentStatus, publicState, type ComponentStatus } from '../machines/status.js';
import { appendAudit, auditCount, emptyAuditTrail, type AuditTrail } from './audit.js';
import type { AuditEntry, ComponentWorkflowInput } from './definitions.js';

/** What a run hands to the next one when it continues as new. */
export interface ComponentCarried {
  snapshot: { value: unknown; context: ComponentContext };
  audit: AuditTrail;
  pendingEffects: Effect[];
  /** Lifecycle events not yet handed to a delivery; absent when there are none (and in runs before them). */
  pendingNotices?: SequencedNotice[];
}

/** A lifecycle event with the audit count at which it happened: its id's sequence number, never reused. */
export type SequencedNotice = LifecycleNotice & { seq: number };

/**
 * Notices kept waiting at most: they wait only for the run's next delivery, but a paused component
 * whose schedule keeps firing piles up skipped re-reviews; the oldest go first.
 */
export const NOTICES_KEPT = 100;

export type Accepted = Extract<Answer, { kind: 'accepted' }>;

export class ComponentRun {
  snapshot: LifecycleSnapshot;
  readonly audit: AuditTrail;
  /** Effects the machine asked for and the loop has not yet carried out. */
  readonly effects: Effect[];
  /** Lifecycle events the run announces (rules edition 2 on), waiting for the next turn's delivery. */
  readonly notices: SequencedNotice[];
  private readonly inputBytes: number;
  readonly limits: EntryLimits;

  /** `rulesEdition`: the edition of the rules this run follows (machines/context.ts, RULES_EDITION). */
  constructor(
    readonly input: ComponentWorkflowInput,
    carried: ComponentCarried | undefined,
    rulesEdition: number,
  ) {
    this.audit = carried?.audit ?? emptyAuditTrail();
    this.effects = [...(carried?.pendingEffects ?? [])];
    this.notices = [...(carried?.pendingNotices ?? [])];
    if (carried) {
      this.snapshot = restore(carried.snapshot.value as string, upgradeContext(carried.snapshot.context));
    } else {
      const { projectId, component, projectOwners, roster, policy, card, subsystem } = input;
      const started = begin({ projectId, component, projectOwners, roster, policy, startedAt: Date.now(), ...(card ? { card } : {}), ...(subsystem ? { subsystem } : {}) });
      this.snapshot = started.snapshot;
      this.effects.push(...started.effects);
    }
    if (this.snapshot.context.rulesEdition !== rulesEdition) {
      this.snapshot = restore(this.snapshot.value, { ...this.snapshot.context, rulesEdition });
    }
    this.inputBytes = jsonBytes(input);
    this.limits = { budget: (next) => this.budgetRefusal(next) };
  }

  get context(): ComponentContext {
    return this.snapshot.context;
  }

  get state(): LifecycleState {
    return this.snapshot.value as LifecycleState;
  }

  status(): ComponentStatus {
    return componentStatus(this.snapshot.value, this.snapshot.context);
  }

  /**
   * Level and public state: what the project and the search attributes follow; with `figures`,
   * also the card's timeline, closed reviews and switchbacks, which the project's summary counts
   * (they change with the level or state, except when one turn takes several events).
   */
  reportKey(figures = false): string {
    const key = `${this.context.level}/${publicState(this.snapshot.value)}`;
    if (!figures) return key;
    const { timeline, closedReviews, switchbacks, debriefs } = this.context;
    // Debrief counts only where the run keeps them (edition 2): an edition 1 run reports exactly as before.
    const asked = debriefs ? `/${debriefs.asked}:${debriefs.written}` : '';
    return `${key}/${timeline.length}@${timeline.at(-1)?.at}/${closedReviews.length}@${closedReviews.at(-1)?.closedAt}/${switchbacks.length}@${switchbacks.at(-1)?.at}${asked}`;
  }

  /** What the machine would do with `event`, checked as an entry checks it (limits on), or as a replay does (off). */
  ask(event: LifecycleEvent, limits: 'entry' | 'replay' = 'entry'): Answer {
    return accept(this.snapshot, event, limits === 'entry' ? this.limits : undefined);
  }

  take(answer: Accepted): void {
    const before = { state: this.state, context: this.context };
    this.snapshot = answer.snapshot;
    this.effects.push(...answer.effects);
    if (announcesLifecycle(this.context)) this.announce(lifecycleNotices(before, { state: this.state, context: this.context }, answer.event));
  }

  /** A Level 9 schedule fire that the run did not take, announced with the next delivery (edition 2 on). */
  skipReReview(at: number, reason: string, scheduledAt?: string): void {
    if (announcesLifecycle(this.context)) this.announce([skippedReReview({ state: this.state, context: this.context }, at, reason, scheduledAt)]);
  }

  private announce(notices: LifecycleNotice[]): void {
    // Taken before the message's own audit entry: distinct for every message that changes something.
    const seq = auditCount(this.audit);
    this.notices.push(...notices.map((notice) => ({ ...notice, seq })));
    if (this.notices.length > NOTICES_KEPT) this.notices.splice(0, this.notices.length - NOTICES_KEPT);
  }

  record(who: string, what: string, outcome: AuditEntry['outcome'], why?: string): void {
    appendAudit(this.audit, { at: new Date().toISOString(), who, what, outcome, level: this.context.level, ...(why ? { why } : {}) });
  }

  carried(): ComponentCarried {
    return {
      snapshot: { value: this.snapshot.value, context: this.snapshot.context },
      audit: this.audit,
      pendingEffects: this.effects,
      ...(this.notices.length > 0 ? { pendingNotices: this.notices } : {}),
    };
  }

  /** Why the snapshot `next` would grow the run past its byte budget (see machines/budget.ts), if it would. */
  private budgetRefusal(next: LifecycleSnapshot): string | undefined {
    const audit = jsonBytes(this.audit.folded) + (this.audit.bytes ?? jsonBytes(this.audit.recent));
    // The margin covers the audit entry the event itself adds (an entry is clipped well below it)
    // and the few bytes of the carried object's own keys.
    const total = this.inputBytes + recordBytes(next.context) + audit + jsonBytes(this.effects) + jsonBytes(next.value) + 2_000;
    return overBudget('the component', total, CARRIED_BUDGET_BYTES, { ...next.context, audit: this.audit, pendingEffects: this.effects });
  }
}
