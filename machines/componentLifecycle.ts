/**
 * The MLTRL lifecycle of one component as a pure XState machine.
 *
 * States: `working` at a level, `inReview` while a gated review is open, `paused`, and `retired`.
 * Every transition is guarded by `accepted` (the refusals of rules.ts are empty), so an event the
 * rules refuse changes nothing. Side effects are emitted events (`notify…`, `reconcileSchedule`,
 * `startBranch`) that the hosting workflow executes as activities; the machine itself does no I/O
 * and reads no clock (every event carries `at`).
 */
import { and, assign, enqueueActions, setup } from 'xstate';
import { CLOSED_REVIEWS_KEPT, ETHICS_ANSWERS_KEPT, GRADUATIONS_KEPT, REVISIONS_KEPT, SWITCHBACKS_KEPT, TIMELINE_KEPT, patchedCard, initialContext, type ClosedReview, type ComponentContext, type ComponentInput, type OpenReview, type ReviewOutcome, type ScheduleState, type SwitchbackKind, type TimelineEntry } from './context.js';
import { panelFor, quorumReached, rolesOf, requiredRoles, unansweredReviewers } from './panel.js';
import type { LifecycleEvent, ReportVersionsEvent, SwitchbackEvent, UpdateCardEvent, VerdictEvent } from './events.js';
import { keepLatest, LIST_BUDGET_BYTES } from './budget.js';
import { MAX_LEVEL, proposalAt, PROPOSAL_OUTCOMES } from './levels.js';
import type { Person } from './model.js';
import { isRepeatedVerdict, refusals, switchbackRefusal, type LifecycleState } from './rules.js';

/**
 * Side effects the machine asks for, as emitted events. The hosting workflow executes each one
 * (email, schedule, child workflow); the machine only says what should happen.
 */
export type Effect =
  | { type: 'notifyReviewOpened'; reviewId: string; level: number; to: Person[] }
  | { type: 'notifyReminder'; reviewId: string; level: number; to: Person[] }
  | { type: 'notifyEscalation'; reviewId: string; level: number; to: Person[]; waiting: Person[] }
  | { type: 'notifyReviewClosed'; reviewId: string; level: number; outcome: ReviewOutcome; to: Person[]; tasks: string[] }
  | { type: 'reconcileSchedule'; desired: ScheduleState }
  | { type: 'startBranch'; componentId: string; level: number };

// ---------------------------------------------------------------------------------------------
// Pure context updates
// ---------------------------------------------------------------------------------------------

function openReview(context: ComponentContext, event: { at: number; by: string; proposal?: string; ethics: Record<string, string>; note?: string }, reReview: boolean): ComponentContext {
  const level = context.level;
  const review: OpenReview = {
    id: `r${context.reviewSeq + 1}`,
    level,
    proposal: proposalAt(level, event.proposal) ?? 'keep',
    submittedBy: event.by.toLowerCase(),
    submittedAt: event.at,
    ...(event.note ? { note: event.note } : {}),
    ethics: event.ethics,
    reReview,
    verdicts: [],
    nextReminderAt: event.at + context.policy.remindEveryMs,
    escalateAt: event.at + context.policy.escalateAfterMs,
    escalated: false,
  };
  const ethicsAnswers = reReview
    ? context.ethicsAnswers
    : keepLatest([...context.ethicsAnswers, { reviewId: review.id, level, by: review.submittedBy, at: event.at, answers: event.ethics }], ETHICS_ANSWERS_KEPT, LIST_BUDGET_BYTES.ethicsAnswers);
  return { ...context, review, reviewSeq: context.reviewSeq + 1, ethicsAnswers };
}

function closeReview(context: ComponentContext, outcome: ReviewOutcome, at: number, tasks: string[] = []): ComponentContext {
  const review = context.review;
  if (!review) return context;
  const closed: ClosedReview = {
    id: review.id,
    level: review.level,
    proposal: review.proposal,
    outcome,
    reReview: review.reReview,
    submittedAt: review.submittedAt,
    closedAt: at,
    verdicts: review.verdicts.map((v) => ({ reviewer: v.reviewer, verdict: v.verdict })),
    tasks,
  };
  return { ...context, review: null, closedReviews: keepLatest([...context.closedReviews, closed], CLOSED_REVIEWS_KEPT, LIST_BUDGET_BYTES.closedReviews) };
}

function moveTo(context: ComponentContext, to: number, entry: Omit<TimelineEntry, 'from' | 'to'>): ComponentContext {
  const timelineEntry: TimelineEntry = { ...entry, from: context.level, to, ...(context.card.versions ? { versions: context.card.versions } : {}) };
  return { ...context, level: to, timeline: keepLatest([...context.timeline, timelineEntry], TIMELINE_KEPT, LIST_BUDGET_BYTES.timeline, true) };
}

function switchBack(context: ComponentContext, to: number, kind: SwitchbackKind, by: string, reason: string, at: number, reviewId?: string): ComponentContext {
  const moved = moveTo(context, to, { at, how: 'switchback', ...(reviewId ? { reviewId } : {}) });
  return { ...moved, switchbacks: keepLatest([...context.switchbacks, { from: context.level, to, kind, reason, by: by.toLowerCase(), at }], SWITCHBACKS_KEPT, LIST_BUDGET_BYTES.switchbacks) };
}

function recordVerdict(context: ComponentContext, event: VerdictEvent): ComponentContext {
  const review = context.review;
  if (!review) return context;
  const reviewer = event.reviewer.toLowerCase();
  const given = {
    reviewer,
    roles: rolesOf(context.roster, reviewer, requiredRoles(context, review.level)),
    verdict: event.verdict,
    at: event.at,
    ...(event.comment ? { comment: event.comment } : {}),
    ...(event.tasks?.length ? { tasks: event.tasks } : {}),
    ...(event.targetLevel !== undefined ? { targetLevel: event.targetLevel } : {}),
  };
  return { ...context, review: { ...review, verdicts: [...review.verdicts, given] } };
}

/** Quorum reached: the proposal takes effect. */
function applyProposal(context: ComponentContext, at: number): ComponentContext {
  const review = context.review;
  if (!review) return context;
  const outcome = PROPOSAL_OUTCOMES[review.proposal];
  const closed = closeReview(context, 'approved', at);
  switch (outcome.kind) {
    case 'raise': {
      const snapshot = { level: context.level, reviewId: review.id, at, revision: context.cardRevision, content: context.card };
      const graduated = { ...closed, graduations: keepLatest([...context.graduations, snapshot], GRADUATIONS_KEPT, LIST_BUDGET_BYTES.graduations) };
      return moveTo(graduated, Math.min(context.level + 1, MAX_LEVEL), { at, how: review.proposal === 'graduate' ? 'graduation' : 'decision', reviewId: review.id });
    }
    case 'switchback':
      return switchBack(closed, outcome.to, 'embedded', review.submittedBy, `proposal ${review.proposal} approved`, at, review.id);
    case 'stay':
    case 'pause':
      return closed;
  }
}

function applyCardPatch(context: ComponentContext, event: UpdateCardEvent): ComponentContext {
  const revision = context.cardRevision + 1;
  return {
    ...context,
    card: patchedCard(context.card, event.patch),
    cardRevision: revision,
    revisions: keepLatest([...context.revisions, { revision, by: event.by.toLowerCase(), at: event.at, keys: Object.keys(event.patch) }], REVISIONS_KEPT, LIST_BUDGET_BYTES.revisions),
  };
}

function applyVersions(context: ComponentContext, event: ReportVersionsEvent): ComponentContext {
  const versions = { ...context.card.versions, ...event.versions };
  const revision = context.cardRevision + 1;
  const updated: ComponentContext = {
    ...context,
    card: { ...context.card, versions },
    cardRevision: revision,
    revisions: keepLatest([...context.revisions, { revision, by: event.by.toLowerCase(), at: event.at, keys: ['versions'] }], REVISIONS_KEPT, LIST_BUDGET_BYTES.revisions),
  };
  return updated;
}

const changedVersionKeys = (event: ReportVersionsEvent, context: ComponentContext) =>
  (Object.keys(event.versions) as (keyof typeof event.versions)[]).filter((k) => event.versions[k] !== context.card.versions?.[k]);

function desiredSchedule(level: number, state: LifecycleState): ScheduleState {
  if (level !== MAX_LEVEL || state === 'retired') return 'absent';
  return state === 'paused' ? 'paused' : 'active';
}

const lastVerdict = (context: ComponentContext) => context.review?.verdicts.at(-1);

/** Close an open review as cancelled (a switchback overtook it) and tell the owner; no-op without one. */
function cancelOpenReview(context: ComponentContext, at: number, enqueue: { emit: (effect: Effect) => void }): ComponentContext {
  const review = context.review;
  if (!review) return context;
  enqueue.emit({ type: 'notifyReviewClosed', reviewId: review.id, level: review.level, outcome: 'cancelled', to: [context.owner], tasks: [] });
  return closeReview(context, 'cancelled', at);
}

// ---------------------------------------------------------------------------------------------
// The machine
// ---------------------------------------------------------------------------------------------

export const componentLifecycle = setup({
  types: {
    context: {} as ComponentContext,
    events: {} as LifecycleEvent,
    input: {} as ComponentInput,
    emitted: {} as Effect,
  },
  guards: {
    /** The event passes every rule of rules.ts in the state it arrives in, and is not a repeated verdict. */
    accepted: ({ context, event }, params: { state: LifecycleState }) =>
      !(event.type === 'VERDICT' && isRepeatedVerdict(context, event)) && refusals(params.state, context, event).length === 0,
    lastVerdictRequestsChanges: ({ context }) => lastVerdict(context)?.verdict === 'request-changes',
    lastVerdictSwitchesBack: ({ context }) => lastVerdict(context)?.verdict === 'switchback',
    quorumWithPause: ({ context }) =>
      context.review !== null && quorumReached(context, context.review) && PROPOSAL_OUTCOMES[context.review.proposal].kind === 'pause',
    quorum: ({ context }) => context.review !== null && quorumReached(context, context.review),
    /** A new code, model or data version of a deployed component sends it back to integration (9→7). */
    leavesDeployment: ({ context, event }) =>
      event.type === 'REPORT_VERSIONS' &&
      refusals('working', context, event).length === 0 &&
      context.level === MAX_LEVEL &&
      changedVersionKeys(event, context).length > 0 &&
      switchbackRefusal(context, MAX_LEVEL, 7) === undefined,
    reviewWasOpen: ({ context }) => context.review !== null,
  },
  actions: {
    openReview: assign(({ context, event }) => {
      if (event.type === 'SUBMIT') return openReview(context, event, false);
      return openReview(context, { at: event.at, by: 'system', proposal: 'keep', ethics: {} }, true);
    }),
    recordVerdict: assign(({ context, event }) => recordVerdict(context, event as VerdictEvent)),
    applyQuorum: assign(({ context }) => applyProposal(context, lastVerdict(context)?.at ?? 0)),
    closeWithChanges: assign(({ context }) => {
      const verdict = lastVerdict(context);
      return verdict ? closeReview(context, 'changes-requested', verdict.at, verdict.tasks ?? []) : context;
    }),
    closeWithSwitchback: assign(({ context }) => {
      const review = context.review;
      const verdict = lastVerdict(context);
      if (!review || verdict?.targetLevel === undefined) return context;
      // A re-review's switchback is the process's own (embedded 9→7 or 9→4); any other is a review switchback.
      const kind: SwitchbackKind = review.reReview ? 'embedded' : 'review';
      const reason = verdict.comment ?? `review ${review.id}: switchback to Level ${verdict.targetLevel}`;
      const closed = closeReview(context, 'switched-back', verdict.at);
      return switchBack(closed, verdict.targetLevel, kind, verdict.reviewer, reason, verdict.at, review.id);
    }),
    discoverySwitchback: enqueueActions(({ context, event, enqueue }) => {
      const { by, targetLevel, reason, at } = event as SwitchbackEvent;
      enqueue.assign(switchBack(cancelOpenReview(context, at, enqueue), targetLevel, 'discovery', by, reason, at));
    }),
    updateCard: assign(({ context, event }) => applyCardPatch(context, event as UpdateCardEvent)),
    reportVersions: assign(({ context, event }) => applyVersions(context, event as ReportVersionsEvent)),
    /** 9→7: a deployed component with a new code, model or data version goes back to integration. */
    versionSwitchback: enqueueActions(({ context, event, enqueue }) => {
      const report = event as ReportVersionsEvent;
      const what = changedVersionKeys(report, context).map((k) => `${k} ${report.versions[k]}`).join(', ');
      const withVersions = applyVersions(cancelOpenReview(context, report.at, enqueue), report);
      enqueue.assign(switchBack(withVersions, 7, 'embedded', report.by, `new version of a deployed component: ${what}`, report.at));
    }),
    updateRoster: assign(({ event }) => (event.type === 'UPDATE_ROSTER' ? { roster: event.roster } : {})),
    recordBranch: assign(({ context, event }) => (event.type === 'BRANCH' ? { branches: [...context.branches, event.componentId] } : {})),
    retire: assign(({ context, event }) => closeReview(context, 'cancelled', event.at)),
    /** Resuming restarts the reminder clock: the paused time does not count against reviewers. */
    restartDeadlines: assign(({ context, event }) =>
      context.review
        ? { review: { ...context.review, nextReminderAt: event.at + context.policy.remindEveryMs, escalateAt: event.at + context.policy.escalateAfterMs } }
        : {},
    ),

    /** Announce a newly opened review to its panel. */
    announceReview: enqueueActions(({ context, enqueue }) => {
      const review = context.review;
      if (!review) return;
      const seen = new Set<string>();
      const to = panelFor(context, review.level, review.submittedBy)
        .map(({ person }) => person)
        .filter((p) => !seen.has(p.email) && seen.add(p.email));
      enqueue.emit({ type: 'notifyReviewOpened', reviewId: review.id, level: review.level, to });
    }),
    /** Reminders go to panelists who have not answered; escalation to the project owners, once. */
    remindOrEscalate: enqueueActions(({ context, event, enqueue }) => {
      const review = context.review;
      if (!review) return;
      let next = review;
      const waiting = unansweredReviewers(context, review);
      if (event.at >= review.nextReminderAt) {
        if (waiting.length > 0) enqueue.emit({ type: 'notifyReminder', reviewId: review.id, level: review.level, to: waiting });
        const periods = Math.floor((event.at - review.nextReminderAt) / context.policy.remindEveryMs) + 1;
        next = { ...next, nextReminderAt: review.nextReminderAt + periods * context.policy.remindEveryMs };
      }
      if (!review.escalated && event.at >= review.escalateAt) {
        enqueue.emit({ type: 'notifyEscalation', reviewId: review.id, level: review.level, to: context.projectOwners, waiting });
        next = { ...next, escalated: true };
      }
      if (next !== review) enqueue.assign({ review: next });
    }),
    /** The owner hears how a review ended (and the tasks, if changes were requested). */
    announceOutcome: enqueueActions(({ context, enqueue }) => {
      const closed = context.closedReviews.at(-1);
      if (!closed) return;
      const to = [context.owner];
      enqueue.emit({ type: 'notifyReviewClosed', reviewId: closed.id, level: closed.level, outcome: closed.outcome, to, tasks: closed.tasks });
    }),
    /** `both` at Level 2: the component goes on to 3 and a research copy is branched at 2. */
    branchIfBoth: enqueueActions(({ context, enqueue }) => {
      const closed = context.closedReviews.at(-1);
      if (!closed || closed.outcome !== 'approved' || !(PROPOSAL_OUTCOMES[closed.proposal] as { branch?: true }).branch) return;
      // A later `both` (after a switchback to 2) gets the next free id: -research, -research-2, …
      const base = `${context.componentId.slice(0, 50)}-research`;
      let componentId = base;
      for (let n = 2; context.branches.includes(componentId); n++) componentId = `${base}-${n}`;
      enqueue.assign({ branches: [...context.branches, componentId] });
      enqueue.emit({ type: 'startBranch', componentId, level: closed.level });
    }),
    /** Keep the Level 9 re-review schedule in line with level and state. */
    syncSchedule: enqueueActions(({ context, enqueue }, params: { state: LifecycleState }) => {
      const desired = desiredSchedule(context.level, params.state);
      if (desired === context.schedule) return;
      enqueue.assign({ schedule: desired });
      enqueue.emit({ type: 'reconcileSchedule', desired });
    }),
  },
}).createMachine({
  id: 'componentLifecycle',
  context: ({ input }) => initialContext(input),
  initial: 'working',
  // Entering at Level 9 (an adopted deployed component) needs its schedule from the start.
  entry: [{ type: 'syncSchedule', params: { state: 'working' } }],
  on: {
    UPDATE_CARD: { guard: { type: 'accepted', params: { state: 'working' } }, actions: 'updateCard' },
    UPDATE_ROSTER: { actions: 'updateRoster' },
    BRANCH: { guard: { type: 'accepted', params: { state: 'working' } }, actions: 'recordBranch' },
  },
  states: {
    working: {
      on: {
        SUBMIT: { guard: { type: 'accepted', params: { state: 'working' } }, target: 'inReview', actions: ['openReview', 'announceReview'] },
        REREVIEW_DUE: { guard: { type: 'accepted', params: { state: 'working' } }, target: 'inReview', actions: ['openReview', 'announceReview'] },
        SWITCHBACK: {
          guard: { type: 'accepted', params: { state: 'working' } },
          target: 'working',
          reenter: true,
          actions: ['discoverySwitchback', { type: 'syncSchedule', params: { state: 'working' } }],
        },
        REPORT_VERSIONS: [
          {
            guard: 'leavesDeployment',
            target: 'working',
            reenter: true,
            actions: ['versionSwitchback', { type: 'syncSchedule', params: { state: 'working' } }],
          },
          { guard: { type: 'accepted', params: { state: 'working' } }, actions: 'reportVersions' },
        ],
        PAUSE: { guard: { type: 'accepted', params: { state: 'working' } }, target: 'paused', actions: { type: 'syncSchedule', params: { state: 'paused' } } },
        RETIRE: { guard: { type: 'accepted', params: { state: 'working' } }, target: 'retired' },
      },
    },
    inReview: {
      on: {
        VERDICT: { guard: { type: 'accepted', params: { state: 'inReview' } }, actions: 'recordVerdict', target: 'deciding' },
        TICK: { actions: 'remindOrEscalate' },
        SWITCHBACK: {
          guard: { type: 'accepted', params: { state: 'inReview' } },
          target: 'working',
          actions: ['discoverySwitchback', { type: 'syncSchedule', params: { state: 'working' } }],
        },
        REPORT_VERSIONS: [
          { guard: 'leavesDeployment', target: 'working', actions: ['versionSwitchback', { type: 'syncSchedule', params: { state: 'working' } }] },
          { guard: { type: 'accepted', params: { state: 'inReview' } }, actions: 'reportVersions' },
        ],
        PAUSE: { guard: { type: 'accepted', params: { state: 'inReview' } }, target: 'paused', actions: { type: 'syncSchedule', params: { state: 'paused' } } },
        RETIRE: { guard: { type: 'accepted', params: { state: 'inReview' } }, target: 'retired', actions: ['retire', 'announceOutcome'] },
      },
    },
    /**
     * A verdict was just recorded: decide at once whether it closes the review. Transient (`always`),
     * so the outside world only ever sees `working`, `inReview`, `paused` or `retired`.
     */
    deciding: {
      always: [
        { guard: 'lastVerdictRequestsChanges', target: 'working', actions: ['closeWithChanges', 'announceOutcome'] },
        {
          guard: 'lastVerdictSwitchesBack',
          target: 'working',
          actions: ['closeWithSwitchback', 'announceOutcome', { type: 'syncSchedule', params: { state: 'working' } }],
        },
        {
          guard: 'quorumWithPause',
          target: 'paused',
          actions: ['applyQuorum', 'announceOutcome', { type: 'syncSchedule', params: { state: 'paused' } }],
        },
        {
          guard: 'quorum',
          target: 'working',
          actions: ['applyQuorum', 'announceOutcome', 'branchIfBoth', { type: 'syncSchedule', params: { state: 'working' } }],
        },
        { target: 'inReview' },
      ],
    },
    paused: {
      on: {
        RESUME: [
          {
            guard: and([{ type: 'accepted', params: { state: 'paused' as const } }, 'reviewWasOpen']),
            target: 'inReview',
            actions: ['restartDeadlines', { type: 'syncSchedule', params: { state: 'inReview' } }],
          },
          { guard: { type: 'accepted', params: { state: 'paused' } }, target: 'working', actions: { type: 'syncSchedule', params: { state: 'working' } } },
        ],
        // A paused component still takes switchbacks and versions; it stays paused at the new level.
        SWITCHBACK: {
          guard: { type: 'accepted', params: { state: 'paused' } },
          target: 'paused',
          reenter: true,
          actions: ['discoverySwitchback', { type: 'syncSchedule', params: { state: 'paused' } }],
        },
        REPORT_VERSIONS: [
          { guard: 'leavesDeployment', target: 'paused', reenter: true, actions: ['versionSwitchback', { type: 'syncSchedule', params: { state: 'paused' } }] },
          { guard: { type: 'accepted', params: { state: 'paused' } }, actions: 'reportVersions' },
        ],
        RETIRE: { guard: { type: 'accepted', params: { state: 'paused' } }, target: 'retired', actions: ['retire', 'announceOutcome'] },
      },
    },
    retired: {
      type: 'final',
      entry: { type: 'syncSchedule', params: { state: 'retired' } },
      // Handled here so the root's handlers never reach a retired component: it never changes again.
      on: { UPDATE_CARD: {}, UPDATE_ROSTER: {}, BRANCH: {} },
    },
  },
});
