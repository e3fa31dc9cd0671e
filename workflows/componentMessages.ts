/**
 * How each message a component takes becomes one machine event, and what it answers. Every
 * message asks `accept` through the run: an update's validator refuses before anything enters
 * history (and hands its answer to the handler, which takes it); a signal cannot be refused to its
 * sender, so a refusal is recorded in the audit trail instead.
 */
import { currentUpdateInfo, patched, setHandler } from '@temporalio/workflow';
import type { UpdateDefinition } from '@temporalio/common';
import type { z } from 'zod';
import type { Answer } from '../machines/accept.js';
import type { LifecycleEvent } from '../machines/events.js';
import { flagLine } from '../machines/dependencyFlags.js';
import { alertLine } from '../machines/alerts.js';
import { approvalsByRole, missingRoles } from '../machines/panel.js';
import { cardView, publicState, type ComponentStatus } from '../machines/status.js';
import { checkInput } from '../machines/validation.js';
import { Email } from '../machines/model.js';
import { noPermissions, permissionsFor } from '../machines/permissions.js';
import { cardChecks, checksAt, judged } from '../machines/evidence.js';
import { MAX_LEVEL } from '../machines/levels.js';
import { readChecks } from './componentEvidence.js';
import { auditView } from './audit.js';
import type { ComponentRun } from './componentRun.js';
import {
  AlertReceived,
  alertUpdate,
  type AlertAnswer,
  AnswerEthics,
  Branch,
  Decision,
  DependencyFlagged,
  DiscoverySwitchback,
  FailureType,
  LifecycleChange,
  ReReviewDue,
  ReportVersions,
  answerEthicsUpdate,
  RosterChanged,
  Submit,
  UpdateCard,
  branchUpdate,
  cardQuery,
  decideUpdate,
  dependencyFlaggedSignal,
  historyQuery,
  permissionsQuery,
  pauseUpdate,
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
  type ReviewState,
} from './definitions.js';
import { parseOrRefuse, refuse } from './failures.js';

/** Patch id: a `reReviewDue` whose payload is not a ReReviewDue is refused, not taken as `{}`. */
const REFUSE_BAD_REREVIEW = 'refuse-bad-rereview';

type Stamped<P> = (payload: P, at: number) => LifecycleEvent & { by: string };
interface Checked<P> {
  payload: P;
  event: LifecycleEvent & { by: string };
  answer: Answer;
}

/**
 * An update whose validator asks `accept` with the entry limits and refuses with its reasons; the
 * handler takes the validator's answer (validators do not run on replay: then it asks again).
 */
function validatedUpdate<S extends z.ZodType, R>(
  run: ComponentRun,
  definition: UpdateDefinition<R, [z.input<S>]>,
  schema: S,
  toEvent: Stamped<z.output<S>>,
  handle: (checked: Checked<z.output<S>>) => R | Promise<R>,
): void {
  let validated: (Checked<z.output<S>> & { updateId: string }) | undefined;
  const check = (raw: unknown, limits: 'entry' | 'replay'): Checked<z.output<S>> => {
    const payload = parseOrRefuse(schema, raw, definition.name);
    const event = toEvent(payload, Date.now());
    const answer = run.ask(event, limits);
    if (answer.kind === 'refused') refuse(FailureType.Refused, answer.reasons.join('; '));
    return { payload, event, answer };
  };
  setHandler(
    definition,
    (raw) => {
      const updateId = currentUpdateInfo()?.id;
      const checked = validated?.updateId === updateId ? validated! : check(raw, 'replay');
      validated = undefined;
      return handle(checked);
    },
    { validator: (raw) => void (validated = { ...check(raw, 'entry'), updateId: currentUpdateInfo()?.id ?? '' }) },
  );
}

/** An update that moves the component and answers its status, recording who did what. */
function lifecycleUpdate<S extends z.ZodType>(
  run: ComponentRun,
  definition: UpdateDefinition<ComponentStatus, [z.input<S>]>,
  schema: S,
  toEvent: Stamped<z.output<S>>,
  describe: (payload: z.output<S>) => string | undefined,
): void {
  validatedUpdate(run, definition, schema, toEvent, ({ payload, event, answer }) => {
    if (answer.kind === 'accepted') run.take(answer);
    run.record(event.by, definition.name, 'accepted', describe(payload));
    return run.status();
  });
}

function reviewState(run: ComponentRun, decision: Decision, acknowledged: ReviewState['acknowledged']): ReviewState {
  const context = run.context;
  const open = context.review?.id === decision.reviewId ? context.review : null;
  const closed = context.closedReviews.find((r) => r.id === decision.reviewId);
  const reviewer = decision.reviewer.toLowerCase();
  const confirmed = open ? open.verdicts.find((v) => v.reviewer === reviewer)?.confirmed : closed?.confirmed?.by.includes(reviewer) ? closed.confirmed : undefined;
  return {
    reviewId: decision.reviewId,
    acknowledged,
    open: open !== null,
    ...(closed ? { outcome: closed.outcome } : {}),
    approvals: open ? approvalsByRole(context, open) : {},
    missingRoles: open ? missingRoles(context, open) : [],
    level: context.level,
    state: publicState(run.snapshot.value),
    ...(confirmed ? { confirmed: { level: confirmed.level, codeCaliber: confirmed.codeCaliber, dataConsiderations: confirmed.dataConsiderations } } : {}),
  };
}

/** Take a verdict the run accepted, or acknowledge a repeated one; either way, answer the review's state. */
function decide(run: ComponentRun, decision: Decision, answer: Answer, via: string): ReviewState {
  if (answer.kind !== 'accepted') {
    run.record(decision.reviewer, via, 'acknowledged', `repeated verdict on review ${decision.reviewId}: changes nothing`);
    return reviewState(run, decision, 'repeated');
  }
  const levelBefore = run.context.level;
  run.take(answer);
  const moved = run.context.level !== levelBefore ? ` (Level ${levelBefore} → ${run.context.level})` : '';
  run.record(decision.reviewer, via, 'accepted', `${decision.verdict} on review ${decision.reviewId}${moved}${decision.comment ? `: ${decision.comment}` : ''}`);
  return reviewState(run, decision, 'counted');
}

/** The audit's words for a submit's task resolutions: `t1 done, t2 carried`. */
const resolvedText = (resolutions: Submit['resolutions']) =>
  resolutions && Object.keys(resolutions).length > 0
    ? Object.entries(resolutions).map(([id, r]) => `${id} ${r.status}`).join(', ')
    : undefined;

const verdictEvent = (decision: Decision, at: number) => ({ type: 'VERDICT' as const, at, by: decision.reviewer, ...decision });

/** The checks a Level 9 re-review reads again: every check on the card (machines/evidence.ts). */
const reReviewChecks = (run: ComponentRun) => (run.context.level === MAX_LEVEL ? cardChecks(run.context) : []);

/** The audit's words for the evidence an opened review carries; nothing when it carries none. */
const evidenceNote = (run: ComponentRun) => {
  const evidence = run.context.review?.evidence ?? [];
  return evidence.length > 0 ? `; evidence: ${evidence.map((e) => e.line).join('; ')}` : '';
};

export function listen(run: ComponentRun, startBranch: (payload: Branch) => Promise<void>): void {
  // A level whose deliverables include checks is decided on evidence: the validator asks with the
  // evidence `'unread'` (so it refuses all it can without reading MLflow), the handler reads the
  // checks and asks again with the readings. A level without checks is as it always was.
  const describeSubmit = (p: z.output<typeof Submit>) =>
    [p.proposal && `proposal ${p.proposal}`, p.note, resolvedText(p.resolutions)].filter(Boolean).join(': ') || undefined;
  const toSubmit: Stamped<z.output<typeof Submit>> = (p, at) => ({
    type: 'SUBMIT',
    at,
    ...p,
    ...(checksAt(run.context, run.context.level).length > 0 ? { evidence: 'unread' as const } : {}),
  });
  validatedUpdate(run, submitUpdate, Submit, toSubmit, async ({ payload, event, answer }) => {
    if (event.type !== 'SUBMIT' || event.evidence !== 'unread') {
      if (answer.kind === 'accepted') run.take(answer);
      run.record(event.by, 'submit', 'accepted', describeSubmit(payload));
      return run.status();
    }
    const evidence = await readChecks(checksAt(run.context, run.context.level));
    // The component may have moved while MLflow was read: the machine decides on it as it is now.
    const decided = run.ask({ ...event, at: Date.now(), evidence }, 'replay');
    if (decided.kind !== 'accepted') {
      const why = decided.kind === 'refused' ? decided.reasons.join('; ') : 'changes nothing';
      run.record(event.by, 'submit', 'refused', why);
      refuse(FailureType.Refused, why);
    }
    run.take(decided);
    const lines = judged(evidence).map((e) => e.line);
    run.record(event.by, 'submit', 'accepted', [describeSubmit(payload), `evidence: ${lines.join('; ')}`].filter(Boolean).join(': '));
    return run.status();
  });
  lifecycleUpdate(run, answerEthicsUpdate, AnswerEthics, (p, at) => ({ type: 'ANSWER_ETHICS', at, ...p }), (p) =>
    `ethics answers for review ${run.context.review?.id}: ${Object.keys(p.answers).join(', ')}`,
  );
  lifecycleUpdate(run, updateCardUpdate, UpdateCard, (p, at) => ({ type: 'UPDATE_CARD', at, ...p }), (p) => `keys ${Object.keys(p.patch).join(', ')}`);
  lifecycleUpdate(
    run,
    switchbackUpdate,
    DiscoverySwitchback,
    (p, at) => ({ type: 'SWITCHBACK', at, by: p.by, targetLevel: p.targetLevel, reason: p.reason }),
    (p) => `discovery switchback to Level ${p.targetLevel}: ${p.reason}`,
  );
  lifecycleUpdate(run, pauseUpdate, LifecycleChange, (p, at) => ({ type: 'PAUSE', at, ...p }), (p) => p.reason);
  lifecycleUpdate(run, resumeUpdate, LifecycleChange, (p, at) => ({ type: 'RESUME', at, ...p }), (p) => p.reason);
  lifecycleUpdate(run, retireUpdate, LifecycleChange, (p, at) => ({ type: 'RETIRE', at, ...p }), (p) => p.reason);
  lifecycleUpdate(run, reportVersionsUpdate, ReportVersions, (p, at) => ({ type: 'REPORT_VERSIONS', at, ...p }), (p) =>
    Object.entries(p.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(', '),
  );

  // Branching starts a new component workflow, which can fail (the id is taken): the handler awaits
  // that start so the caller hears about it, then asks again, since the component may have moved meanwhile.
  const toBranch: Stamped<z.output<typeof Branch>> = (p, at) => ({ type: 'BRANCH', at, by: p.by, level: p.level, componentId: p.componentId });
  validatedUpdate(run, branchUpdate, Branch, toBranch, async ({ payload }) => {
    await startBranch(payload);
    const answer = run.ask(toBranch(payload, Date.now()), 'replay');
    if (answer.kind === 'accepted') run.take(answer);
    run.record(payload.by, 'branch', answer.kind === 'accepted' ? 'accepted' : 'refused', `branched ${payload.componentId} at Level ${payload.level}`);
    return run.status();
  });

  validatedUpdate(run, decideUpdate, Decision, verdictEvent, ({ payload, answer }) => decide(run, payload, answer, 'decide'));

  setHandler(reviewSignal, (raw) => {
    const who = typeof (raw as { reviewer?: unknown } | null)?.reviewer === 'string' ? String((raw as { reviewer: string }).reviewer) : 'unknown';
    const parsed = checkInput(Decision, raw, 'review');
    if (!parsed.success) return run.record(who, 'review', 'refused', parsed.message);
    const answer = run.ask(verdictEvent(parsed.data, Date.now()));
    if (answer.kind === 'refused') return run.record(parsed.data.reviewer, 'review', 'refused', answer.reasons.join('; '));
    decide(run, parsed.data, answer, 'review');
  });

  setHandler(reReviewDueSignal, async (raw) => {
    // No argument at all is a bare "due now"; anything else must be a ReReviewDue. Runs begun before
    // REFUSE_BAD_REREVIEW treated a bad payload as `{}`, and replay that way.
    const parsed = checkInput(ReReviewDue, raw ?? {}, 'reReviewDue');
    if (!parsed.success && patched(REFUSE_BAD_REREVIEW)) return run.record('system', 'reReviewDue', 'refused', parsed.message);
    const event: LifecycleEvent = { type: 'REREVIEW_DUE', at: Date.now(), ...(parsed.success ? parsed.data : {}) };
    // Not an entry limit: a re-review carries nothing from outside, and runs before the budget replay without it.
    let answer = run.ask(event, 'replay');
    // A card with checks: the re-review reads them again for its panel (data-gated: old cards have none).
    const checks = answer.kind === 'accepted' ? reReviewChecks(run) : [];
    if (checks.length > 0) answer = run.ask({ ...event, at: Date.now(), evidence: await readChecks(checks) }, 'replay');
    if (answer.kind !== 'accepted') {
      const why = answer.kind === 'refused' ? answer.reasons.join('; ') : undefined;
      run.skipReReview(event.at, why ?? 're-review skipped', event.scheduledAt);
      return run.record('system', 'reReviewDue', 'refused', why);
    }
    run.take(answer);
    run.record('system', 'reReviewDue', 'accepted', `re-review ${run.context.review?.id} opened${evidenceNote(run)}`);
  });

  // From the alert route: every outcome is recorded, skips and repeats too, and answered to the route;
  // only a payload that is not an AlertReceived is refused (by the validator, before history).
  setHandler(
    alertUpdate,
    async (raw) => {
      const { status, ...alert } = parseOrRefuse(AlertReceived, raw, 'alert');
      const line = alertLine(alert);
      const event: LifecycleEvent = { type: status === 'firing' ? 'ALERT_FIRING' : 'ALERT_RESOLVED', at: Date.now(), alert };
      let answer = run.ask(event);
      // An alert that opens a re-review of a card with checks reads them again for the panel, then asks anew.
      const checks = answer.kind === 'accepted' && event.type === 'ALERT_FIRING' && run.state === 'working' ? reReviewChecks(run) : [];
      if (checks.length > 0 && event.type === 'ALERT_FIRING') answer = run.ask({ ...event, at: Date.now(), evidence: await readChecks(checks) });
      const answered = (outcome: AlertAnswer['outcome'], extra: Pick<AlertAnswer, 'reviewId' | 'reason'> = {}): AlertAnswer => ({
        outcome,
        ...extra,
        level: run.context.level,
        state: publicState(run.snapshot.value),
      });
      if (answer.kind === 'repeated') {
        const reviewId = run.context.firingAlerts?.find((a) => a.fingerprint === alert.fingerprint)?.reviewId;
        run.record('alertmanager', 'alert', 'acknowledged', `still firing, heard before${reviewId ? ` (review ${reviewId})` : ''}: ${line}`);
        return answered('repeated', reviewId ? { reviewId } : {});
      }
      if (answer.kind === 'refused') {
        const reason = answer.reasons.join('; ');
        run.record('alertmanager', 'alert', 'refused', `${reason}: ${line}`);
        return answered('skipped', { reason });
      }
      const seq = run.context.reviewSeq;
      run.take(answer);
      const reviewId = run.context.review?.id;
      if (status === 'resolved') {
        const onReview = reviewId !== undefined && run.context.review?.alerts?.some((a) => a.fingerprint === alert.fingerprint);
        run.record('alertmanager', 'alert', 'accepted', `resolved${onReview ? ` (noted on open review ${reviewId})` : ''}: ${line}`);
        return answered('resolved', onReview ? { reviewId } : {});
      }
      const opened = run.context.reviewSeq > seq;
      run.record('alertmanager', 'alert', 'accepted', `${opened ? `re-review ${reviewId} opened by alert${evidenceNote(run)}` : `noted on open review ${reviewId}`}: ${line}`);
      return answered(opened ? 'opened' : 'noted', reviewId ? { reviewId } : {});
    },
    { validator: (raw) => void parseOrRefuse(AlertReceived, raw, 'alert') },
  );

  setHandler(rosterChangedSignal, (raw) => {
    const parsed = checkInput(RosterChanged, raw, 'rosterChanged');
    if (!parsed.success) return run.record('project', 'rosterChanged', 'refused', parsed.message);
    const answer = run.ask({ type: 'UPDATE_ROSTER', at: Date.now(), roster: parsed.data.roster });
    if (answer.kind !== 'accepted') return run.record('project', 'rosterChanged', 'refused', answer.kind === 'refused' ? answer.reasons.join('; ') : undefined);
    run.take(answer);
    run.record('project', 'rosterChanged', 'accepted');
  });

  // From the project only: a component this one depends on switched back. A bad payload or a
  // refusal (e.g. the component is retired) is recorded, never a failed workflow task.
  setHandler(dependencyFlaggedSignal, (raw) => {
    const parsed = checkInput(DependencyFlagged, raw, 'dependencyFlagged');
    if (!parsed.success) return run.record('project', 'dependencyFlagged', 'refused', parsed.message);
    // `via` is for other readers of the signal; the reason already says the path in words.
    const { via: _via, ...flag } = parsed.data;
    const answer = run.ask({ type: 'DEPENDENCY_FLAG', at: Date.now(), by: 'project', ...flag });
    if (answer.kind !== 'accepted') return run.record('project', 'dependencyFlagged', 'refused', answer.kind === 'refused' ? answer.reasons.join('; ') : undefined);
    run.take(answer);
    run.record('project', 'dependencyFlagged', 'accepted', flagLine(flag));
  });

  setHandler(statusQuery, () => run.status());
  setHandler(cardQuery, () => cardView(run.context));
  setHandler(historyQuery, () => auditView(run.audit));
  // A query records nothing in history: adding it changes no replay.
  setHandler(permissionsQuery, (raw) => {
    const email = checkInput(Email, raw, 'permissions');
    return email.success ? permissionsFor(run.snapshot, email.data, Date.now()) : noPermissions();
  });
}
