/**
 * What the workflow and CLI fuzz suites ask the server after each batch: did any workflow task
 * fail (in any run, across continue-as-new), is the workflow still running, and what does it look
 * like from outside (status and card, to prove nothing changed).
 */
import { temporal } from '@temporalio/proto';
import { WorkflowUpdateFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { cardQuery, statusQuery } from '../../workflows/definitions.js';
import { eventually } from '../support/harness.js';

export interface TaskFailure {
  runId: string;
  message: string;
}

/** Every WorkflowTaskFailed event of every run of `workflowId`, newest run first. */
const Cause = temporal.api.enums.v1.WorkflowTaskFailedCause;
const SERVER_SIDE_CAUSES = new Set<number>([Cause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND, Cause.WORKFLOW_TASK_FAILED_CAUSE_FORCE_CLOSE_COMMAND]);

export async function workflowTaskFailures(client: Client, workflowId: string): Promise<TaskFailure[]> {
  const failures: TaskFailure[] = [];
  let runId: string | undefined = (await client.workflow.getHandle(workflowId).describe()).runId;
  for (let runs = 0; runId && runs < 50; runs++) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    for (const event of history.events ?? []) {
      const failed = event.workflowTaskFailedEventAttributes;
      // UnhandledCommand is the server turning a completion away because new messages arrived while
      // the task ran (e.g. a continue-as-new racing a signal); the SDK retries with them. Not a bug.
      // FORCE_CLOSE_COMMAND is the server itself (identity history-service) cutting a task short to
      // write signals buffered past its 2 MB buffer, as two megabyte signals in a row do. Not a bug either.
      if (failed && SERVER_SIDE_CAUSES.has(failed.cause ?? 0)) continue;
      if (failed) failures.push({ runId, message: failed.failure?.message ?? String(failed.cause) });
    }
    runId = history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
  }
  return failures;
}

/**
 * A history event that hands the workflow something to handle later: its start, a signal, an
 * update admitted ahead of its task. (An accepted update is recorded after the workflow task that
 * took it: it has been handled.)
 */
const isMessage = (event: temporal.api.history.v1.IHistoryEvent) =>
  event.workflowExecutionStartedEventAttributes != null ||
  event.workflowExecutionSignaledEventAttributes != null ||
  event.workflowExecutionUpdateAdmittedEventAttributes != null;

/**
 * Wait until the latest run of `workflowId` has handled everything sent to it so far: a workflow
 * task completed (or failed) after its last message. A workflow task that fails on a message is
 * then in its history, for `workflowTaskFailures` to find.
 */
export async function handledAll(client: Client, workflowId: string): Promise<void> {
  await eventually(async () => {
    const { runId } = await client.workflow.getHandle(workflowId).describe();
    const events = (await client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? [];
    let lastMessage = -1;
    events.forEach((event, index) => {
      if (isMessage(event)) lastMessage = index;
    });
    // A task the server itself cut short (see SERVER_SIDE_CAUSES) is retried: not yet handled.
    const handled = events
      .slice(lastMessage + 1)
      .some((event) => event.workflowTaskCompletedEventAttributes != null || (event.workflowTaskFailedEventAttributes != null && !SERVER_SIDE_CAUSES.has(event.workflowTaskFailedEventAttributes.cause ?? 0)));
    if (!handled) throw new Error(`${workflowId} has not handled its last message yet`);
  });
}

/** What a client sees of a component: its public status and its card, as JSON. */
export async function componentLooks(handle: WorkflowHandle): Promise<string> {
  const [status, card] = await Promise.all([handle.query(statusQuery), handle.query(cardQuery)]);
  return JSON.stringify({ status, card });
}

export type Rejection =
  | { kind: 'rejected'; type: string; message: string }
  | { kind: 'accepted'; result: unknown }
  | { kind: 'other'; name: string; message: string };

/** Run an update and say how it ended: rejected with an ApplicationFailure, accepted, or something else. */
export async function outcomeOf(run: () => Promise<unknown>): Promise<Rejection> {
  try {
    return { kind: 'accepted', result: await run() };
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure) {
      return { kind: 'rejected', type: error.cause.type ?? '(none)', message: error.cause.message };
    }
    const e = error as Error;
    return { kind: 'other', name: e?.name ?? typeof error, message: String(e?.message ?? error) };
  }
}

/** Run `items` through `fn`, `width` at a time. */
export async function inBatches<T, R>(items: T[], width: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += width) results.push(...(await Promise.all(items.slice(i, i + width).map(fn))));
  return results;
}
