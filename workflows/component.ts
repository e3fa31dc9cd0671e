/**
 * One component's whole life as a long-lived workflow. Messages become machine events (handlers
 * only translate); the machine's emitted effects run here as activities; deadlines are absolute
 * times in the machine's context, waited on with `condition(…, timeout)`; the run continues as new
 * before its history grows large, carrying the machine snapshot and the audit trail.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  log,
  patched,
  proxyActivities,
  setHandler,
  startChild,
  ParentClosePolicy,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError, type UpdateDefinition } from '@temporalio/common';
import type { z } from 'zod';
import { initialTransition, transition, type SnapshotFrom } from 'xstate';
import type { Activities, Notification, NotifyResult } from '../activities/index.js';
import { CARRIED_BUDGET_BYTES, jsonBytes, overBudget } from '../machines/budget.js';
import { approvalsByRole, missingRoles } from '../machines/panel.js';
import { upgradeContext, type ComponentContext } from '../machines/context.js';
import { componentLifecycle, type Effect } from '../machines/componentLifecycle.js';
import type { LifecycleEvent } from '../machines/events.js';
import { levelDefinition } from '../machines/levels.js';
import { inputRefusals, isRepeatedVerdict, refusals, type LifecycleState } from '../machines/rules.js';
import { cardView, componentStatus, publicState, type ComponentStatus } from '../machines/status.js';
import { checkInput, parseInput } from '../machines/validation.js';
import {
  Branch,
  Decision,
  DiscoverySwitchback,
  FailureType,
  LifecycleChange,
  ReReviewDue,
  ReportVersions,
  RosterChanged,
  Submit,
  UpdateCard,
  branchUpdate,
  cardQuery,
  componentChangedSignal,
  componentWorkflowId,
  decideUpdate,
  historyQuery,
  pauseUpdate,
  projectWorkflowId,
  reReviewDueSignal,
  reportVersionsUpdate,
  resumeUpdate,
  retireUpdate,
  reviewSignal,
  rosterChangedSignal,
  statusQuery,
  submitUpdate,
  switchbackUpdate,
  updateCardUpdate,
  type AuditEntry,
  type ComponentWorkflowInput,
  type ReviewState,
} from './definitions.js';
import { parseOrRefuse, refuse } from './failures.js';
import { appendAudit, auditCount, auditView, emptyAuditTrail, type AuditTrail } from './audit.js';
import { searchAttributesFor } from './searchAttributes.js';

const { notify } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  // A person is waiting on the other end: retry a mail outage for about a day, then record the
  // failure in history instead of retrying forever. Review state is never held hostage by mail.
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes', maximumAttempts: 150 },
});

const { reconcileReReviewSchedule } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

// Well under the 2,000 events a run may reach: under a burst of messages the server can delay a
// continue-as-new until the burst ends, and the margin absorbs that.
const DEFAULT_HISTORY_LIMIT = 1_000;
/** Patch id: notifications go out as one activity per recipient (see `send`). */
const NOTIFY_EACH_RECIPIENT = 'notify-each-recipient';
/** Patch id: a `reReviewDue` whose payload is not a ReReviewDue is refused, not taken as `{}`. */
const REFUSE_BAD_REREVIEW = 'refuse-bad-rereview';
/** How many of the riskiest requirements a notification carries. */
const TOP_RISKS = 5;

type Snapshot = SnapshotFrom<typeof componentLifecycle>;

/** What a run hands to the next one when it continues as new. */
export interface ComponentCarried {
  snapshot: { value: unknown; context: ComponentContext };
  audit: AuditTrail;
  pendingEffects: Effect[];
}


export async function componentWorkflow(input: ComponentWorkflowInput, carried?: ComponentCarried): Promise<ComponentStatus> {
  const historyLimit = input.historyLimit ?? DEFAULT_HISTORY_LIMIT;
  let snapshot: Snapshot;
  const effects: Effect[] = [...(carried?.pendingEffects ?? [])];
  const audit: AuditTrail = carried?.audit ?? emptyAuditTrail();

  if (carried) {
    snapshot = componentLifecycle.resolveState({ value: carried.snapshot.value as string, context: upgradeContext(carried.snapshot.context) });
  } else {
    const [initial, actions] = initialTransition(componentLifecycle, {
      projectId: input.projectId,
      component: input.component,
      projectOwners: input.projectOwners,
      roster: input.roster,
      policy: input.policy,
      startedAt: Date.now(),
      ...(input.card ? { card: input.card } : {}),
    });
    snapshot = initial;
    effects.push(...emitted(actions));
  }

  const state = (): LifecycleState => snapshot.value as LifecycleState;
  const status = (): ComponentStatus => componentStatus(snapshot.value, snapshot.context);

  function record(who: string, what: string, outcome: AuditEntry['outcome'], why?: string): void {
    appendAudit(audit, { at: new Date().toISOString(), who, what, outcome, level: snapshot.context.level, ...(why ? { why } : {}) });
  }

  /** Feed one event to the machine; queue the effects it asks for. */
  function apply(event: LifecycleEvent): void {
    const [next, actions] = transition(componentLifecycle, snapshot, event);
    snapshot = next;
    effects.push(...emitted(actions));
  }

  const inputBytes = jsonBytes(input);
  /** Why accepting `event` would grow the run past its byte budget (see machines/budget.ts), if it would. */
  function budgetRefusal(event: LifecycleEvent): string | undefined {
    const [next] = transition(componentLifecycle, snapshot, event);
    const carried = { value: next.value, context: next.context, audit, pendingEffects: effects };
    // The margin covers the audit entry the event itself adds (an entry is clipped well below it).
    const total = inputBytes + jsonBytes(carried) + 2_000;
    return overBudget('the component', total, CARRIED_BUDGET_BYTES, { ...next.context, audit, pendingEffects: effects });
  }

  /** The rules' reasons, then the byte budget's: empty when the event can be accepted. */
  function reasonsAgainst(event: LifecycleEvent): string[] {
    const reasons = [...refusals(state(), snapshot.context, event), ...inputRefusals(snapshot.context, event)];
    if (reasons.length > 0) return reasons;
    const full = budgetRefusal(event);
    return full ? [full] : [];
  }

  /** Refuse with the rules' reasons, for validators: nothing enters history. */
  function assertAccepted(event: LifecycleEvent): void {
    const reasons = reasonsAgainst(event);
    if (reasons.length > 0) refuse(FailureType.Refused, reasons.join('; '));
  }

  // ----- updates: validate synchronously, then translate into one machine event --------------

  function lifecycleUpdate<S extends z.ZodType>(
    definition: UpdateDefinition<ComponentStatus, [z.input<S>]>,
    schema: S,
    toEvent: (payload: z.output<S>, at: number) => LifecycleEvent & { by: string },
    describe: (payload: z.output<S>) => string | undefined = () => undefined,
  ): void {
    const what = definition.name;
    setHandler(
      definition,
      (raw) => {
        const payload = parseInput(schema, raw, what);
        const event = toEvent(payload, Date.now());
        apply(event);
        record(event.by, what, 'accepted', describe(payload));
        return status();
      },
      { validator: (raw) => assertAccepted(toEvent(parseOrRefuse(schema, raw, what), Date.now())) },
    );
  }

  lifecycleUpdate(submitUpdate, Submit, (p, at) => ({ type: 'SUBMIT', at, ...p }), (p) =>
    [p.proposal && `proposal ${p.proposal}`, p.note].filter(Boolean).join(': ') || undefined,
  );
  lifecycleUpdate(updateCardUpdate, UpdateCard, (p, at) => ({ type: 'UPDATE_CARD', at, ...p }), (p) => `keys ${Object.keys(p.patch).join(', ')}`);
  lifecycleUpdate(
    switchbackUpdate,
    DiscoverySwitchback,
    (p, at) => ({ type: 'SWITCHBACK', at, by: p.by, targetLevel: p.targetLevel, reason: p.reason }),
    (p) => `discovery switchback to Level ${p.targetLevel}: ${p.reason}`,
  );
  lifecycleUpdate(pauseUpdate, LifecycleChange, (p, at) => ({ type: 'PAUSE', at, ...p }), (p) => p.reason);
  lifecycleUpdate(resumeUpdate, LifecycleChange, (p, at) => ({ type: 'RESUME', at, ...p }), (p) => p.reason);
  lifecycleUpdate(retireUpdate, LifecycleChange, (p, at) => ({ type: 'RETIRE', at, ...p }), (p) => p.reason);
  lifecycleUpdate(reportVersionsUpdate, ReportVersions, (p, at) => ({ type: 'REPORT_VERSIONS', at, ...p }), (p) =>
    Object.entries(p.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(', '),
  );

  // Branching starts a new component workflow, which can fail (the id is taken): the handler
  // awaits that start so the caller hears about it, then records the branch in the machine.
  setHandler(
    branchUpdate,
    async (raw) => {
      const payload = parseInput(Branch, raw, 'branch');
      await startBranchWorkflow(payload.componentId, payload.level, payload.name);
      apply({ type: 'BRANCH', at: Date.now(), by: payload.by, level: payload.level, componentId: payload.componentId });
      record(payload.by, 'branch', 'accepted', `branched ${payload.componentId} at Level ${payload.level}`);
      return status();
    },
    {
      validator: (raw) => {
        const payload = parseOrRefuse(Branch, raw, 'branch');
        assertAccepted({ type: 'BRANCH', at: Date.now(), by: payload.by, level: payload.level, componentId: payload.componentId });
      },
    },
  );

  // ----- verdicts: an update that refuses bad input, and a signal that records why it refused --

  function verdictEvent(decision: Decision): LifecycleEvent & { type: 'VERDICT' } {
    return { type: 'VERDICT', at: Date.now(), ...decision };
  }

  function reviewState(decision: Decision, acknowledged: ReviewState['acknowledged']): ReviewState {
    const context = snapshot.context;
    const open = context.review?.id === decision.reviewId ? context.review : null;
    const closed = context.closedReviews.find((r) => r.id === decision.reviewId);
    return {
      reviewId: decision.reviewId,
      acknowledged,
      open: open !== null,
      ...(closed ? { outcome: closed.outcome } : {}),
      approvals: open ? approvalsByRole(context, open) : {},
      missingRoles: open ? missingRoles(context, open) : [],
      level: context.level,
      state: publicState(snapshot.value),
    };
  }

  /** Apply a valid decision; a repeat of the reviewer's earlier verdict is acknowledged and ignored. */
  function decide(decision: Decision, via: string): ReviewState {
    if (isRepeatedVerdict(snapshot.context, verdictEvent(decision))) {
      record(decision.reviewer, via, 'acknowledged', `repeated verdict on review ${decision.reviewId}: changes nothing`);
      return reviewState(decision, 'repeated');
    }
    const levelBefore = snapshot.context.level;
    apply(verdictEvent(decision));
    const moved = snapshot.context.level !== levelBefore ? ` (Level ${levelBefore} → ${snapshot.context.level})` : '';
    record(decision.reviewer, via, 'accepted', `${decision.verdict} on review ${decision.reviewId}${moved}${decision.comment ? `: ${decision.comment}` : ''}`);
    return reviewState(decision, 'counted');
  }

  setHandler(decideUpdate, (raw) => decide(parseInput(Decision, raw, 'decide'), 'decide'), {
    validator: (raw) => {
      const decision = parseOrRefuse(Decision, raw, 'decide');
      if (!isRepeatedVerdict(snapshot.context, verdictEvent(decision))) assertAccepted(verdictEvent(decision));
    },
  });

  setHandler(reviewSignal, (raw) => {
    const who = typeof (raw as { reviewer?: unknown } | null)?.reviewer === 'string' ? String((raw as { reviewer: string }).reviewer) : 'unknown';
    let decision: Decision;
    try {
      decision = parseInput(Decision, raw, 'review');
    } catch (error) {
      record(who, 'review', 'refused', error instanceof Error ? error.message : String(error));
      return;
    }
    const reasons = isRepeatedVerdict(snapshot.context, verdictEvent(decision)) ? [] : reasonsAgainst(verdictEvent(decision));
    if (reasons.length > 0) {
      record(decision.reviewer, 'review', 'refused', reasons.join('; '));
      return;
    }
    decide(decision, 'review');
  });

  setHandler(reReviewDueSignal, (raw) => {
    // No argument at all is a bare "due now"; anything else must be a ReReviewDue. Runs begun before
    // REFUSE_BAD_REREVIEW treated a bad payload as `{}`, and replay that way.
    const result = checkInput(ReReviewDue, raw ?? {}, 'reReviewDue');
    if (!result.success && patched(REFUSE_BAD_REREVIEW)) {
      record('system', 'reReviewDue', 'refused', result.message);
      return;
    }
    const event: LifecycleEvent = { type: 'REREVIEW_DUE', at: Date.now(), ...(result.success ? result.data : {}) };
    const reasons = refusals(state(), snapshot.context, event);
    if (reasons.length > 0) {
      record('system', 'reReviewDue', 'refused', reasons.join('; '));
      return;
    }
    apply(event);
    record('system', 'reReviewDue', 'accepted', `re-review ${snapshot.context.review?.id} opened`);
  });

  setHandler(rosterChangedSignal, (raw) => {
    const result = checkInput(RosterChanged, raw, 'rosterChanged');
    if (!result.success) {
      record('project', 'rosterChanged', 'refused', result.message);
      return;
    }
    const event: LifecycleEvent = { type: 'UPDATE_ROSTER', at: Date.now(), roster: result.data.roster };
    const reasons = reasonsAgainst(event);
    if (reasons.length > 0) {
      record('project', 'rosterChanged', 'refused', reasons.join('; '));
      return;
    }
    apply(event);
    record('project', 'rosterChanged', 'accepted');
  });

  setHandler(statusQuery, status);
  setHandler(cardQuery, () => cardView(snapshot.context));
  setHandler(historyQuery, () => auditView(audit));

  // ----- effects -------------------------------------------------------------------------------

  async function startBranchWorkflow(componentId: string, level: number, name?: string): Promise<void> {
    const context = snapshot.context;
    try {
      await startChild(componentWorkflow, {
        workflowId: componentWorkflowId(context.projectId, componentId),
        parentClosePolicy: ParentClosePolicy.ABANDON,
        args: [
          {
            projectId: context.projectId,
            ...(input.projectName ? { projectName: input.projectName } : {}),
            component: {
              id: componentId,
              name: name ?? `${context.name} (branch at Level ${level})`,
              kind: context.kind,
              entryLevel: level,
              owner: context.owner,
              provenance: { kind: 'branched', projectId: context.projectId, componentId: context.componentId, level },
            },
            projectOwners: context.projectOwners,
            roster: context.roster,
            policy: input.policy,
            card: context.card,
          },
        ],
      });
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) {
        refuse(FailureType.Refused, `componentId: ${componentId} is already taken in project ${context.projectId}`);
      }
      throw error;
    }
  }

  function notification(kind: Notification['kind'], effect: { reviewId: string; level: number; to: Notification['to'] }, extra: Partial<Notification> = {}): Notification {
    const context = snapshot.context;
    const definition = levelDefinition(effect.level);
    return {
      kind,
      messageId: `${workflowInfo().workflowId}/${effect.reviewId}/${kind}/${auditCount(audit)}`,
      projectId: context.projectId,
      projectName: input.projectName ?? context.projectId,
      componentId: context.componentId,
      componentName: context.name,
      level: effect.level,
      levelName: definition.name,
      levelMeaning: definition.meaning,
      reviewId: effect.reviewId,
      topRisks: cardView(context)
        .requirements.slice(0, TOP_RISKS)
        .map(({ id, statement, risk, flagged, mitigation }) => ({ id, statement, risk, flagged, mitigation })),
      to: effect.to,
      ...extra,
    };
  }

  /**
   * One activity per recipient: each delivered email is then recorded in history and never sent
   * again, whatever restarts or retries follow. Runs begun before this change sent one activity
   * for all recipients, and replay them that way.
   */
  async function send(message: Notification): Promise<string[]> {
    if (!patched(NOTIFY_EACH_RECIPIENT)) {
      return heldBack(await notify(message));
    }
    const results = await Promise.allSettled(message.to.map((person) => notify({ ...message, to: [person] })));
    const failed = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed.length > 0) throw new Error(`${failed.length} of ${message.to.length} not notified: ${failed.map((f) => String(f.reason)).join('; ')}`);
    return results.flatMap((result) => (result.status === 'fulfilled' ? heldBack(result.value) : []));
  }

  /** Runs one effect; answers the recipients an email was held back from (past their hourly cap). */
  async function run(effect: Effect): Promise<string[]> {
    const context = snapshot.context;
    switch (effect.type) {
      case 'notifyReviewOpened':
        return send(notification('review-opened', effect, { proposal: context.review?.proposal, note: context.review?.note }));
      case 'notifyReminder':
        return send(notification('reminder', effect));
      case 'notifyEscalation':
        return send(notification('escalation', effect, { waiting: effect.waiting }));
      case 'notifyReviewClosed':
        return send(notification('review-closed', effect, { outcome: effect.outcome, tasks: effect.tasks }));
      case 'reconcileSchedule':
        await reconcileReReviewSchedule({
          projectId: context.projectId,
          componentId: context.componentId,
          desired: effect.desired,
          every: context.policy.rereviewEvery,
        });
        return [];
      case 'startBranch':
        await startBranchWorkflow(effect.componentId, effect.level, `${context.name} (research)`);
        return [];
    }
  }

  /** Run the effects queued so far; effects queued meanwhile wait for the next turn of the loop. */
  async function runEffects(): Promise<void> {
    for (let batch = effects.length; batch > 0; batch--) {
      const effect = effects[0];
      try {
        const held = await run(effect);
        record('system', effect.type, 'done', effectSummary(effect));
        if (held.length > 0) record('system', effect.type, 'held', `held back from ${held.join(', ')}: past the cap of emails per recipient per hour`);
      } catch (error) {
        // A notification that could not be delivered after its bounded retries, or a branch id
        // already taken: recorded for people to see, never a reason to stop the component.
        record('system', effect.type, 'failed', error instanceof Error ? error.message : String(error));
        log.warn('effect failed', { effect: effect.type, error: String(error) });
      }
      effects.shift();
    }
  }

  // ----- reporting: search attributes and the project's view ---------------------------------

  const reportKey = () => `${snapshot.context.level}/${publicState(snapshot.value)}`;
  let reported = '';
  async function reportIfChanged(): Promise<void> {
    if (reportKey() === reported) return;
    reported = reportKey();
    const current = status();
    upsertSearchAttributes(searchAttributesFor(current));
    try {
      await getExternalWorkflowHandle(projectWorkflowId(current.projectId)).signal(componentChangedSignal, {
        component: {
          id: current.componentId,
          name: current.name,
          kind: current.kind,
          entryLevel: current.entryLevel,
          owner: current.owner,
          ...(current.provenance ? { provenance: current.provenance } : {}),
          ...(snapshot.context.target ? { target: snapshot.context.target } : {}),
        },
        level: current.level,
        state: current.state,
        phase: current.phase,
      });
    } catch (error) {
      // A component started on its own (no project workflow) still works; it just has no one to tell.
      log.debug('project not told of change', { error: String(error) });
    }
  }

  // ----- the main loop -------------------------------------------------------------------------

  const shouldContinueAsNew = () => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > historyLimit;

  if (!carried) record(input.component.owner.email, 'start', 'accepted', `entered at Level ${input.component.entryLevel}`);

  for (;;) {
    await runEffects();
    await reportIfChanged();
    if (state() === 'retired') {
      await condition(allHandlersFinished);
      await runEffects();
      return status();
    }
    if (shouldContinueAsNew()) {
      // Effects still queued travel to the next run and run there first.
      await condition(allHandlersFinished);
      await continueAsNew<typeof componentWorkflow>(input, {
        snapshot: { value: snapshot.value, context: snapshot.context },
        audit,
        pendingEffects: effects,
      });
    }
    const deadline = nextDeadline(snapshot);
    const wakeUp = () => effects.length > 0 || reportKey() !== reported || shouldContinueAsNew();
    if (deadline === undefined) {
      await condition(wakeUp);
    } else if (!(await condition(wakeUp, Math.max(1, deadline - Date.now())))) {
      apply({ type: 'TICK', at: Date.now() });
    }
  }
}

/** Recipients held back, from a notify result (runs recorded before the cap returned nothing). */
function heldBack(result: NotifyResult | undefined | void): string[] {
  return result?.held ?? [];
}

function emitted(actions: { type: string; params?: unknown }[]): Effect[] {
  return actions.filter((a) => a.type === 'xstate.emit').map((a) => (a.params as { event: Effect }).event);
}

/** The next reminder or escalation time of an open, unpaused review. */
function nextDeadline(snapshot: Snapshot): number | undefined {
  const review = snapshot.context.review;
  if (!review || snapshot.value !== 'inReview') return undefined;
  return review.escalated ? review.nextReminderAt : Math.min(review.nextReminderAt, review.escalateAt);
}

function effectSummary(effect: Effect): string {
  switch (effect.type) {
    case 'reconcileSchedule':
      return `re-review schedule ${effect.desired}`;
    case 'startBranch':
      return `branched ${effect.componentId} at Level ${effect.level}`;
    default:
      return `${effect.reviewId} to ${effect.to.map((p) => p.email).join(', ')}`;
  }
}
