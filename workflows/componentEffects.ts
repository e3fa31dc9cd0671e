/**
 * Carrying out what a component's machine asked for, one turn of its loop at a time: the search
 * attributes upserted when level or state change, then ONE `deliver` activity for everything the
 * turn sends out (the project's report, the re-review schedule, every notification to all its
 * recipients), then any branch's child workflow. Each effect's outcome goes to the audit trail;
 * none can stop the component.
 */
import {
  ParentClosePolicy,
  log,
  patched,
  proxyActivities,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Activities, Notification } from '../activities/index.js';
import type { WebhookEvent } from '../activities/webhooks.js';
import { isNotification, type Effect, type NotifyEffect } from '../machines/effects.js';
import { flagLine, openDependencyFlags } from '../machines/dependencyFlags.js';
import { alertLine } from '../machines/alerts.js';
import { followsEditionTwo, type ComponentContext } from '../machines/context.js';
import { ethicsItemsForLevel } from '../machines/ethics.js';
import { levelDefinition } from '../machines/levels.js';
import { tasksForReview, tasksOf } from '../machines/tasks.js';
import { cardView, type ComponentStatus } from '../machines/status.js';
import { figuresOf, levelSince } from '../machines/summary.js';
import { auditCount } from './audit.js';
import type { ComponentRun, SequencedNotice } from './componentRun.js';
import { componentWorkflowId, FailureType, WORKFLOW_TYPES, type Branch, type ComponentReport } from './definitions.js';
import { refuse } from './failures.js';
import { mlflowFollower } from './componentMlflow.js';
import { searchAttributesFor } from './searchAttributes.js';

const { deliver } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  // Retried until it works: the activity itself gives up on mail after a day and reports it, while
  // the project's report and the schedule must land eventually (activities/deliver.ts).
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' },
});

/** How many of the riskiest requirements a notification carries. */
const TOP_RISKS = 5;

const NOTIFICATION_KIND = {
  notifyReviewOpened: 'review-opened',
  notifyReminder: 'reminder',
  notifyEthicsRequested: 'ethics-requested',
  notifyEthicsReminder: 'ethics-reminder',
  notifyEscalation: 'escalation',
  notifyReviewClosed: 'review-closed',
  notifyDependencyFlag: 'dependency-flag',
  notifyDebriefRequested: 'debrief-requested',
  notifyDebriefReminder: 'debrief-reminder',
} as const satisfies Record<NotifyEffect['type'], Notification['kind']>;

/** What a notification of this kind carries beyond the common part. */
function extraFor(context: ComponentContext, effect: NotifyEffect): Partial<Notification> {
  // A review's panel sees the component's open dependency flags (only when there are some).
  const openFlags = openDependencyFlags(context).map(flagLine);
  const flagsForPanel = openFlags.length > 0 ? { openFlags } : {};
  switch (effect.type) {
    case 'notifyReviewOpened':
      return { proposal: context.review?.proposal, note: context.review?.note, ...reviewExtras(context, effect.reviewId), ...flagsForPanel, ...alertsOn(context), ...evidenceOn(context) };
    case 'notifyReminder':
      return { ...reviewExtras(context, effect.reviewId), ...flagsForPanel, ...alertsOn(context), ...evidenceOn(context) };
    case 'notifyEthicsRequested':
    case 'notifyEthicsReminder':
      return { ethicsQuestions: ethicsItemsForLevel(context.policy.ethicsChecklist, effect.level).map(({ id, question }) => ({ id, question })), ...alertsOn(context) };
    case 'notifyEscalation':
      return { waiting: effect.waiting };
    case 'notifyReviewClosed':
      return { outcome: effect.outcome, tasks: effect.tasks };
    case 'notifyDependencyFlag':
      return { flag: effect.flag };
    case 'notifyDebriefRequested':
    case 'notifyDebriefReminder':
      return {};
  }
}

/** The monitoring alerts the open review carries, one line each; nothing for a review without them. */
function alertsOn(context: ComponentContext): Pick<Notification, 'alerts'> {
  const alerts = context.review?.alerts ?? [];
  return alerts.length > 0 ? { alerts: alerts.map((a) => `${alertLine(a)}${a.resolvedAt !== undefined ? ' (resolved)' : ''}`) } : {};
}

/** The checks read from MLflow when the open review opened, one line each with when they were read; nothing without them. */
function evidenceOn(context: ComponentContext): Pick<Notification, 'evidence'> {
  const evidence = context.review?.evidence ?? [];
  return evidence.length > 0 ? { evidence: evidence.map((e) => `${e.holds ? '✓' : '✗'} ${e.line} (read ${new Date(e.readAt).toISOString()})`) } : {};
}

/** The email an effect stands for, with a message id stable across retries and replays. */
export function notificationFor(run: ComponentRun, effect: NotifyEffect): Notification {
  const context = run.context;
  const definition = levelDefinition(effect.level);
  const kind = NOTIFICATION_KIND[effect.type];
  const extra = extraFor(context, effect);
  const reviewId = effect.type === 'notifyDependencyFlag' ? `dependency-${effect.flag.dependency}` : effect.reviewId;
  return {
    kind,
    messageId: `${workflowInfo().workflowId}/${reviewId}/${kind}/${auditCount(run.audit)}`,
    projectId: context.projectId,
    projectName: run.input.projectName ?? context.projectId,
    componentId: context.componentId,
    componentName: context.name,
    level: effect.level,
    levelName: definition.name,
    levelMeaning: definition.meaning,
    reviewId,
    topRisks: cardView(context)
      .requirements.slice(0, TOP_RISKS)
      .map(({ id, statement, risk, flagged, mitigation }) => ({ id, statement, risk, flagged, mitigation })),
    to: effect.to,
    ...extra,
  };
}

/**
 * Rules edition 2: what a panel reads in its emails besides the card — the ethics answers given
 * for the review, and the requested changes resolved with it or still carried. Nothing under
 * edition 1, whose emails stay as they were.
 */
function reviewExtras(context: ComponentContext, reviewId: string): Partial<Notification> {
  if (!followsEditionTwo(context)) return {};
  const questions = new Map(context.policy.ethicsChecklist.map((item) => [item.id, item.question]));
  const given = context.ethicsAnswers.find((e) => e.reviewId === reviewId);
  const ethics = Object.entries(given?.answers ?? {}).map(([id, answer]) => ({ id, question: questions.get(id) ?? id, answer }));
  const { resolved, carried } = tasksForReview(tasksOf(context), reviewId);
  const taskResolutions = [...resolved, ...carried].map(({ id, level, text, status, resolution }) => ({ id, level, text, status, ...(resolution ? { note: resolution.note } : {}) }));
  return { ...(ethics.length ? { ethics } : {}), ...(taskResolutions.length ? { taskResolutions } : {}) };
}

/** What a component tells its project: its definition as it stands, level, state and phase. */
function reportOf(run: ComponentRun, current: ComponentStatus): ComponentReport {
  const since = levelSince(run.context.timeline);
  return {
    component: {
      id: current.componentId,
      name: current.name,
      kind: current.kind,
      entryLevel: current.entryLevel,
      owner: current.owner,
      ...(current.provenance ? { provenance: current.provenance } : {}),
      ...(run.context.target ? { target: run.context.target } : {}),
    },
    level: current.level,
    state: current.state,
    phase: current.phase,
    ...(since !== undefined ? { levelSince: since } : {}),
    figures: figuresOf({
      timeline: run.context.timeline,
      reviews: run.context.closedReviews,
      switchbacks: run.context.switchbacks,
      ...(run.context.debriefs ? { debriefLedger: run.context.debriefs } : {}),
    }),
  };
}

/** Patch id: a change of the card's figures alone is reported too (runs begun before follow level and state only). */
const REPORT_FIGURES = 'report-figures';

/**
 * Follows a run's level, state and figures: `take` answers the report of a change not yet
 * reported, having upserted the search attributes, and nothing when none changed since the last one.
 */
export function changeReporter(run: ComponentRun): { due: () => boolean; take: () => ComponentReport | undefined } {
  let reported = '';
  const withFigures = patched(REPORT_FIGURES);
  const due = () => run.reportKey(withFigures) !== reported;
  return {
    due,
    take() {
      if (!due()) return undefined;
      reported = run.reportKey(withFigures);
      const current = run.status();
      upsertSearchAttributes(searchAttributesFor(current));
      return reportOf(run, current);
    },
  };
}

/**
 * A lifecycle event as its webhook carries it. The id is the component's workflow id, its first
 * run's id (a component started again under the same ids is another component) and the event's
 * sequence number: the same on every retry, replay and later run, never the same for two events.
 */
export function webhookEventFor({ type, at, data, seq }: SequencedNotice): WebhookEvent {
  const { workflowId, firstExecutionRunId } = workflowInfo();
  return { id: `${workflowId}/${firstExecutionRunId}/${seq}/${type.replace('.', '-')}`, type, timestamp: new Date(at).toISOString(), data };
}

/** The history's line for a webhook: the event, and whom it reached or was given up for. */
export function webhookSummary(event: WebhookEvent, sent: number, failed: string[]): string {
  const about = 'reviewId' in event.data ? ` ${String(event.data.reviewId)}` : event.type === 'level.changed' ? ` to Level ${event.data.level}` : '';
  const reached = `${event.type}${about} to ${sent} endpoint${sent === 1 ? '' : 's'}`;
  return failed.length === 0 ? reached : `${reached}; given up for ${failed.join('; ')}`;
}

/** Why an email was not sent to some of its recipients, for the audit trail. */
export const heldBackWhy = (held: string[]) => `held back from ${held.join(', ')}: past the cap of emails per recipient per hour`;

export function effectSummary(effect: Effect): string {
  switch (effect.type) {
    case 'reconcileSchedule':
      return `re-review schedule ${effect.desired}`;
    case 'startBranch':
      return `branched ${effect.componentId} at Level ${effect.level}`;
    case 'notifyDependencyFlag':
      return `dependency ${effect.flag.dependency} switched back, to ${effect.to.map((p) => p.email).join(', ')}`;
    default:
      return `${effect.reviewId} to ${effect.to.map((p) => p.email).join(', ')}`;
  }
}

/** Start a component workflow for a branch of this one; a taken id is refused to the caller. */
export async function startBranchWorkflow(run: ComponentRun, { componentId, level, name }: Pick<Branch, 'componentId' | 'level' | 'name'>): Promise<void> {
  const context = run.context;
  try {
    await startChild(WORKFLOW_TYPES.component, {
      workflowId: componentWorkflowId(context.projectId, componentId),
      parentClosePolicy: ParentClosePolicy.ABANDON,
      args: [
        {
          projectId: context.projectId,
          ...(run.input.projectName ? { projectName: run.input.projectName } : {}),
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
          policy: run.input.policy,
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

/** How a run carries out its effects: this module's one activity per turn, or the legacy shape. */
export interface EffectRunner {
  /** Carry out the effects queued so far and report a change; effects queued meanwhile wait for the next turn. */
  runTurn(): Promise<void>;
  /** Level or state changed since the last report. */
  reportDue(): boolean;
}

export function oneActivityPerTurn(run: ComponentRun): EffectRunner {
  const changes = changeReporter(run);
  const mlflow = mlflowFollower(run);
  return {
    // A component without an MLflow link is never due a sync: its turns are as before.
    reportDue: () => changes.due() || mlflow.due(),
    async runTurn() {
      const batch = run.effects.splice(0);
      const report = changes.take();
      const notifying = batch.filter(isNotification).map((effect) => ({ effect, notification: notificationFor(run, effect) }));
      const scheduling = batch.filter((effect) => effect.type === 'reconcileSchedule');
      const desired = scheduling.at(-1)?.desired;
      // Lifecycle events ride with a delivery the turn makes anyway, never one of their own, so a
      // recorded run's activities stay as they were; the few that come alone (a skipped re-review)
      // wait for the next delivery. Only runs of rules edition 2 on have any (machines/lifecycleEvents.ts).
      if (report || notifying.length > 0 || desired) {
        const context = run.context;
        const events = run.notices.splice(0).map(webhookEventFor);
        try {
          const delivered = await deliver({
            ...(report ? { report: { ...report, projectId: context.projectId } } : {}),
            ...(desired ? { schedule: { projectId: context.projectId, componentId: context.componentId, desired, every: context.policy.rereviewEvery } } : {}),
            notifications: notifying.map(({ notification }) => notification),
            ...(events.length > 0 ? { events } : {}),
          });
          for (const effect of scheduling) run.record('system', effect.type, 'done', effectSummary(effect));
          for (const { effect, notification } of notifying) {
            const failed = delivered.failed[notification.messageId];
            const held = delivered.held[notification.messageId] ?? [];
            run.record('system', effect.type, failed ? 'failed' : 'done', failed ?? effectSummary(effect));
            if (held.length > 0) run.record('system', effect.type, 'held', heldBackWhy(held));
          }
          // Only events some endpoint wants are answered for: with none configured, the history stays quiet.
          for (const event of events) {
            const outcome = delivered.webhooks?.[event.id];
            if (outcome) run.record('system', 'webhook', outcome.failed.length > 0 ? 'failed' : 'done', webhookSummary(event, outcome.sent, outcome.failed));
          }
        } catch (error) {
          for (const effect of [...scheduling, ...notifying.map(({ effect }) => effect)]) run.record('system', effect.type, 'failed', String(error));
          // The events' fate is unknown here (the worker knows its endpoints): the lines above say the delivery failed.
          log.warn('delivery failed', { error: String(error) });
        }
      }
      for (const effect of batch) {
        if (effect.type !== 'startBranch') continue;
        try {
          await startBranchWorkflow(run, { componentId: effect.componentId, level: effect.level, name: `${run.context.name} (research)` });
          run.record('system', effect.type, 'done', effectSummary(effect));
        } catch (error) {
          // A branch id already taken: recorded for people to see, never a reason to stop the component.
          run.record('system', effect.type, 'failed', error instanceof Error ? error.message : String(error));
        }
      }
      await mlflow.runTurn();
    },
  };
}
