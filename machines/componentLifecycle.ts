/**
 * The MLTRL lifecycle of one component as a pure XState machine: the state chart, once.
 *
 * States: `working` at a level, `inReview` while a gated review is open, `paused`, and `retired`.
 * Which state takes which event, and where it leads, is said here and nowhere else; whether an
 * event is allowed at all (who sends it, what the gate still misses) is said by the rules of
 * rules.ts, and `accept` (accept.ts) asks both before any event reaches the machine. Guards here
 * only choose between an event's paths. Side effects are emitted events that the hosting workflow
 * carries out; the machine does no I/O and reads no clock (every event carries `at`).
 */
import { assign, enqueueActions, setup } from 'xstate';
import { followsEditionTwo, initialContext, nextReminderAfter, type ComponentContext, type ComponentInput, type ScheduleState } from './context.js';
import {
  applyCardPatch,
  applyProposal,
  applyVersions,
  changedVersionKeys,
  closeReview,
  lastVerdict,
  openReview,
  recordVerdict,
  switchBack,
} from './changes.js';
import { addDependencyFlag } from './dependencyFlags.js';
import { noteFiring, noteResolved } from './alerts.js';
import type { Effect } from './effects.js';
import type {
  AlertFiringEvent,
  AlertResolvedEvent,
  AnswerEthicsEvent,
  DependencyFlagEvent,
  LifecycleEvent,
  ReportVersionsEvent,
  SwitchbackEvent,
  UpdateCardEvent,
  VerdictEvent,
} from './events.js';
import { MAX_LEVEL, proposalAt, PROPOSAL_OUTCOMES } from './levels.js';
import { panelFor, quorumReached, unansweredReviewers } from './panel.js';
import { recordEthicsAnswers } from './reReviewEthics.js';
import { switchbackRefusal } from './rules.js';
import { askDebrief, debriefsWritten, dueReminders, restartReminders } from './debriefs.js';
import { addTasks } from './tasks.js';

type Emit = { emit: (effect: Effect) => void };

/** The context of the throwaway actor XState's `transition()` creates; never a component's. */
const NO_COMPONENT = { level: 0, schedule: 'absent' } as ComponentContext;

/** Close an open review as cancelled (a switchback overtook it) and tell the owner; no-op without one. */
function cancelOpenReview(context: ComponentContext, at: number, enqueue: Emit): ComponentContext {
  const review = context.review;
  if (!review) return context;
  enqueue.emit({ type: 'notifyReviewClosed', reviewId: review.id, level: review.level, outcome: 'cancelled', to: [context.owner], tasks: [] });
  return closeReview(context, 'cancelled', at);
}

export const componentLifecycle = setup({
  types: {
    context: {} as ComponentContext,
    events: {} as LifecycleEvent,
    input: {} as ComponentInput,
    emitted: {} as Effect,
  },
  guards: {
    /** A submit opens a review only for a proposal its level has (rules.ts words the refusal). */
    proposalKnown: ({ context, event }) => event.type === 'SUBMIT' && proposalAt(context.level, event.proposal) !== undefined,
    lastVerdictRequestsChanges: ({ context }) => lastVerdict(context)?.verdict === 'request-changes',
    lastVerdictSwitchesBack: ({ context }) => lastVerdict(context)?.verdict === 'switchback',
    quorumWithPause: ({ context }) =>
      context.review !== null && quorumReached(context, context.review) && PROPOSAL_OUTCOMES[context.review.proposal].kind === 'pause',
    quorum: ({ context }) => context.review !== null && quorumReached(context, context.review),
    /** A new code, model or data version of a deployed component sends it back to integration (9→7). */
    leavesDeployment: ({ context, event }) =>
      event.type === 'REPORT_VERSIONS' &&
      context.level === MAX_LEVEL &&
      changedVersionKeys(event, context).length > 0 &&
      switchbackRefusal(context, MAX_LEVEL, 7) === undefined,
    reviewWasOpen: ({ context }) => context.review !== null,
  },
  actions: {
    openReview: assign(({ context, event }) => {
      if (event.type === 'SUBMIT') {
        const proposal = proposalAt(context.level, event.proposal);
        return proposal ? openReview(context, { ...event, proposal }, false) : context;
      }
      const evidence = event.type === 'REREVIEW_DUE' ? event.evidence : undefined;
      return openReview(context, { at: event.at, by: 'system', proposal: 'keep', ethics: {}, ...(evidence ? { evidence } : {}) }, true);
    }),
    /**
     * A firing alert at Level 9 opens an out-of-cycle re-review carrying it: the same re-review a
     * schedule opens (keep, or a switchback verdict to 7 or 4; edition 2 asks the owner for the
     * ethics checklist first), submitted by `alertmanager`.
     */
    openAlertReview: assign(({ context, event }) => {
      const { at, evidence } = event as AlertFiringEvent;
      return noteFiring(openReview(context, { at, by: 'alertmanager', proposal: 'keep', ethics: {}, ...(evidence ? { evidence } : {}) }, true), event as AlertFiringEvent);
    }),
    /** A firing alert while a review is open is noted on it (and remembered, so its repeats open nothing). */
    noteAlertFiring: assign(({ context, event }) => noteFiring(context, event as AlertFiringEvent)),
    noteAlertResolved: assign(({ context, event }) => noteResolved(context, event as AlertResolvedEvent)),
    recordVerdict: assign(({ context, event }) => recordVerdict(context, event as VerdictEvent)),
    applyQuorum: assign(({ context }) => applyProposal(context, lastVerdict(context)?.at ?? 0)),
    closeWithChanges: assign(({ context }) => {
      const review = context.review;
      const verdict = lastVerdict(context);
      if (!review || !verdict) return context;
      // Edition 2: the tasks also become open work items of the level (machines/tasks.ts).
      return addTasks(closeReview(context, 'changes-requested', verdict.at, verdict.tasks ?? []), review, verdict.tasks ?? []);
    }),
    recordEthics: assign(({ context, event }) => recordEthicsAnswers(context, event as AnswerEthicsEvent)),
    closeWithSwitchback: assign(({ context }) => {
      const review = context.review;
      const verdict = lastVerdict(context);
      if (!review || verdict?.targetLevel === undefined) return context;
      // A re-review's switchback is the process's own (embedded 9→7 or 9→4); any other is a review switchback.
      const kind = review.reReview ? 'embedded' : 'review';
      const reason = verdict.comment ?? `review ${review.id}: switchback to Level ${verdict.targetLevel}`;
      const closed = closeReview(context, 'switched-back', verdict.at);
      return switchBack(closed, verdict.targetLevel, kind, verdict.reviewer, reason, verdict.at, review.id);
    }),
    discoverySwitchback: enqueueActions(({ context, event, enqueue }) => {
      const { by, targetLevel, reason, at } = event as SwitchbackEvent;
      enqueue.assign(switchBack(cancelOpenReview(context, at, enqueue), targetLevel, 'discovery', by, reason, at));
    }),
    updateCard: assign(({ context, event }) => applyCardPatch(context, event as UpdateCardEvent)),
    /** Edition 2: a debrief written for a level whose debrief is owed settles it (machines/debriefs.ts). */
    noteDebriefsWritten: assign(({ context, event }) => {
      const levels = (event as UpdateCardEvent).patch.debriefs?.map((d) => d.level) ?? [];
      if (!context.debriefs || levels.length === 0) return {};
      const debriefs = debriefsWritten(context.debriefs, levels);
      return debriefs === context.debriefs ? {} : { debriefs };
    }),
    /** Edition 2: after a graduation, the owner is asked for the debrief of the level just completed. */
    askForDebrief: enqueueActions(({ context, enqueue }) => {
      const closed = context.closedReviews.at(-1);
      if (!followsEditionTwo(context) || closed?.outcome !== 'approved' || PROPOSAL_OUTCOMES[closed.proposal].kind !== 'raise') return;
      enqueue.assign({ debriefs: askDebrief(context.debriefs, closed.level, closed.id, closed.closedAt, context.policy.remindEveryMs) });
      enqueue.emit({ type: 'notifyDebriefRequested', reviewId: closed.id, level: closed.level, to: [context.owner] });
    }),
    /** Edition 2: the owner is reminded of each debrief still owed, every `remindEvery`. */
    remindDebriefs: enqueueActions(({ context, event, enqueue }) => {
      if (!context.debriefs) return;
      const { due, ledger } = dueReminders(context.debriefs, event.at, context.policy.remindEveryMs);
      if (due.length === 0) return;
      enqueue.assign({ debriefs: ledger });
      for (const owed of due) enqueue.emit({ type: 'notifyDebriefReminder', reviewId: owed.reviewId, level: owed.level, to: [context.owner] });
    }),
    /** Reminders of owed debriefs wait while paused; a resumed component gets a full period to write them. */
    restartDebriefReminders: assign(({ context, event }) =>
      context.debriefs && context.debriefs.owed.length > 0 ? { debriefs: restartReminders(context.debriefs, event.at, context.policy.remindEveryMs) } : {},
    ),
    reportVersions: assign(({ context, event }) => applyVersions(context, event as ReportVersionsEvent)),
    /** 9→7: a deployed component with a new code, model or data version goes back to integration. */
    versionSwitchback: enqueueActions(({ context, event, enqueue }) => {
      const report = event as ReportVersionsEvent;
      const what = changedVersionKeys(report, context).map((k) => `${k} ${report.versions[k]}`).join(', ');
      const withVersions = applyVersions(cancelOpenReview(context, report.at, enqueue), report);
      enqueue.assign(switchBack(withVersions, 7, 'embedded', report.by, `new version of a deployed component: ${what}`, report.at));
    }),
    /** A dependency switched back: the flag goes on the card and the owner hears of it. */
    flagDependency: enqueueActions(({ context, event, enqueue }) => {
      const flagged = addDependencyFlag(context, event as DependencyFlagEvent);
      enqueue.assign(flagged);
      const flag = flagged.dependencyFlags!.at(-1)!;
      enqueue.emit({ type: 'notifyDependencyFlag', level: context.level, flag, to: [context.owner] });
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

    /** Announce a newly opened review to its panel; a re-review waiting for ethics answers asks the owner first. */
    announceReview: enqueueActions(({ context, enqueue }) => {
      const review = context.review;
      if (!review) return;
      if (review.awaitingEthics) {
        enqueue.emit({ type: 'notifyEthicsRequested', reviewId: review.id, level: review.level, to: [context.owner] });
        return;
      }
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
      // While a re-review waits for the owner's ethics answers, the owner is the one it waits on.
      const waiting = review.awaitingEthics ? [context.owner] : unansweredReviewers(context, review);
      if (event.at >= review.nextReminderAt) {
        if (waiting.length > 0) {
          const type = review.awaitingEthics ? 'notifyEthicsReminder' : 'notifyReminder';
          enqueue.emit({ type, reviewId: review.id, level: review.level, to: waiting });
        }
        next = { ...next, nextReminderAt: nextReminderAfter(review.nextReminderAt, event.at, context.policy.remindEveryMs) };
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
      const outcome = closed && PROPOSAL_OUTCOMES[closed.proposal];
      if (closed?.outcome !== 'approved' || outcome?.kind !== 'raise' || !outcome.branch) return;
      // A later `both` (after a switchback to 2) gets the next free id: -research, -research-2, …
      const base = `${context.componentId.slice(0, 50)}-research`;
      let componentId = base;
      for (let n = 2; context.branches.includes(componentId); n++) componentId = `${base}-${n}`;
      enqueue.assign({ branches: [...context.branches, componentId] });
      enqueue.emit({ type: 'startBranch', componentId, level: closed.level });
    }),
    /** Make the Level 9 re-review schedule what the state being entered asks for: it runs only at Level 9. */
    syncSchedule: enqueueActions(({ context, enqueue }, params: { whileHere: ScheduleState }) => {
      const desired = context.level === MAX_LEVEL ? params.whileHere : 'absent';
      if (desired === context.schedule) return;
      enqueue.assign({ schedule: desired });
      enqueue.emit({ type: 'reconcileSchedule', desired });
    }),
  },
}).createMachine({
  id: 'componentLifecycle',
  // XState's pure `transition()` builds a throwaway actor on every call, which computes an initial
  // snapshot without input; an empty context keeps that cheap. A component always starts with input.
  context: ({ input }) => (input ? initialContext(input) : NO_COMPONENT),
  initial: 'working',
  on: {
    UPDATE_CARD: { actions: ['updateCard', 'noteDebriefsWritten'] },
    UPDATE_ROSTER: { actions: 'updateRoster' },
    BRANCH: { actions: 'recordBranch' },
    DEPENDENCY_FLAG: { actions: 'flagDependency' },
    // A resolution is noted in every state but `retired`: the component forgets the alert, so it may fire anew.
    ALERT_RESOLVED: { actions: 'noteAlertResolved' },
  },
  states: {
    // Entering at Level 9 (an adopted deployed component) starts its schedule at once.
    working: {
      entry: { type: 'syncSchedule', params: { whileHere: 'active' } },
      on: {
        SUBMIT: { guard: 'proposalKnown', target: 'inReview', actions: ['openReview', 'announceReview'] },
        REREVIEW_DUE: { target: 'inReview', actions: ['openReview', 'announceReview'] },
        ALERT_FIRING: { target: 'inReview', actions: ['openAlertReview', 'announceReview'] },
        SWITCHBACK: { target: 'working', reenter: true, actions: 'discoverySwitchback' },
        REPORT_VERSIONS: [{ guard: 'leavesDeployment', target: 'working', reenter: true, actions: 'versionSwitchback' }, { actions: 'reportVersions' }],
        PAUSE: { target: 'paused' },
        RETIRE: { target: 'retired' },
        // Only owed debriefs set a deadline while working (edition 2); an edition 1 run never ticks here.
        TICK: { actions: 'remindDebriefs' },
      },
    },
    inReview: {
      entry: { type: 'syncSchedule', params: { whileHere: 'active' } },
      on: {
        VERDICT: { target: 'deciding', actions: 'recordVerdict' },
        ANSWER_ETHICS: { actions: ['recordEthics', 'announceReview'] },
        ALERT_FIRING: { actions: 'noteAlertFiring' },
        TICK: { actions: ['remindOrEscalate', 'remindDebriefs'] },
        SWITCHBACK: { target: 'working', actions: 'discoverySwitchback' },
        REPORT_VERSIONS: [{ guard: 'leavesDeployment', target: 'working', actions: 'versionSwitchback' }, { actions: 'reportVersions' }],
        PAUSE: { target: 'paused' },
        RETIRE: { target: 'retired', actions: ['retire', 'announceOutcome'] },
      },
    },
    /**
     * A verdict was just recorded: decide at once whether it closes the review. Transient (`always`),
     * so the outside world only ever sees `working`, `inReview`, `paused` or `retired`.
     */
    deciding: {
      always: [
        { guard: 'lastVerdictRequestsChanges', target: 'working', actions: ['closeWithChanges', 'announceOutcome'] },
        { guard: 'lastVerdictSwitchesBack', target: 'working', actions: ['closeWithSwitchback', 'announceOutcome'] },
        { guard: 'quorumWithPause', target: 'paused', actions: ['applyQuorum', 'announceOutcome'] },
        { guard: 'quorum', target: 'working', actions: ['applyQuorum', 'announceOutcome', 'branchIfBoth', 'askForDebrief'] },
        { target: 'inReview' },
      ],
    },
    paused: {
      entry: { type: 'syncSchedule', params: { whileHere: 'paused' } },
      on: {
        RESUME: [
          { guard: 'reviewWasOpen', target: 'inReview', actions: ['restartDeadlines', 'restartDebriefReminders'] },
          { target: 'working', actions: 'restartDebriefReminders' },
        ],
        // A paused component still takes switchbacks and versions; it stays paused at the new level.
        SWITCHBACK: { target: 'paused', reenter: true, actions: 'discoverySwitchback' },
        REPORT_VERSIONS: [{ guard: 'leavesDeployment', target: 'paused', reenter: true, actions: 'versionSwitchback' }, { actions: 'reportVersions' }],
        RETIRE: { target: 'retired', actions: ['retire', 'announceOutcome'] },
      },
    },
    retired: {
      type: 'final',
      entry: { type: 'syncSchedule', params: { whileHere: 'absent' } },
      // Taken here so the root's handlers never reach a retired component: it never changes again.
      on: { UPDATE_CARD: {}, UPDATE_ROSTER: {}, BRANCH: {}, DEPENDENCY_FLAG: {}, ALERT_RESOLVED: {} },
    },
  },
});
