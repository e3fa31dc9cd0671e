/**
 * Steps the workflow and durability suites share: start a project and wait for a component to
 * answer, have a level's panel approve, climb a component to a level, and catch a refusal as the
 * client reports it (a ClientError naming the rule).
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import { expect } from 'vitest';
import type { Role } from '../../machines/levels.js';
import { ClientError, call, componentHandle, startProject } from '../../src/runtime/client.js';
import { decideUpdate, statusQuery, submitUpdate, updateCardUpdate, type ComponentStatus, type ReviewState, type Submit } from '../../workflows/definitions.js';
import { ETHICS, FULL_CARD, LEAD, OWNER, project, reviewer } from '../support/fixtures.js';
import { eventually } from '../support/harness.js';

export type ProjectInput = ReturnType<typeof project>;

/** Start the project and wait until `componentId`'s workflow answers queries. */
export async function startAndReach(client: Client, taskQueue: string, definition: ProjectInput, componentId = 'anomaly-model'): Promise<WorkflowHandle> {
  await startProject(client, taskQueue, definition);
  const handle = componentHandle(client, definition.id, componentId);
  await eventually(() => handle.query(statusQuery));
  return handle;
}

export async function fillCard(handle: WorkflowHandle): Promise<ComponentStatus> {
  return handle.executeUpdate(updateCardUpdate, { args: [{ by: OWNER.email, patch: FULL_CARD }] });
}

/** `resolutions`: how the open tasks of the level are resolved (rules edition 2), e.g. `{ t1: { status: 'done', note: '…' } }`. */
export async function submit(handle: WorkflowHandle, proposal?: string, by = LEAD.email, resolutions?: Submit['resolutions']): Promise<NonNullable<ComponentStatus['openReview']>> {
  const status = await handle.executeUpdate(submitUpdate, { args: [{ by, ethics: ETHICS, ...(proposal ? { proposal } : {}), ...(resolutions ? { resolutions } : {}) }] });
  expect(status.state).toBe('in-review');
  return status.openReview!;
}

export async function decide(
  handle: WorkflowHandle,
  reviewId: string,
  who: string,
  verdict: 'approve' | 'request-changes' | 'switchback' = 'approve',
  extra: { tasks?: string[]; targetLevel?: number; comment?: string } = {},
): Promise<ReviewState> {
  return handle.executeUpdate(decideUpdate, { args: [{ reviewId, reviewer: who, verdict, ...extra }] });
}

/** Every required role's reviewers 1..perRole approve; returns the last review state. */
export async function approveAll(handle: WorkflowHandle, review: { id: string; requiredRoles: string[] }, perRole: 1 | 2 = 1): Promise<ReviewState> {
  let last: ReviewState | undefined;
  const counted = new Set<string>();
  for (const role of review.requiredRoles) {
    for (let n = 1; n <= perRole; n++) {
      const email = reviewer(role as Role, n as 1 | 2).email;
      if (counted.has(email)) continue;
      counted.add(email);
      last = await decide(handle, review.id, email);
    }
  }
  return last!;
}

/** Submit and approve level after level (each level's first proposal) until `to`. */
export async function climb(handle: WorkflowHandle, to: number, perRole: 1 | 2 = 1): Promise<ComponentStatus> {
  let status = await handle.query(statusQuery);
  while (status.level < to) {
    const from = status.level;
    const review = await submit(handle);
    const closed = await approveAll(handle, review, perRole);
    expect(closed).toMatchObject({ open: false, outcome: 'approved', level: from + 1 });
    status = await handle.query(statusQuery);
  }
  return status;
}

/** Run a client call that must be refused; returns the ClientError (kind and the rule's message). */
export async function refused(operation: () => Promise<unknown>): Promise<ClientError> {
  try {
    await call(operation);
  } catch (error) {
    if (error instanceof ClientError) return error;
    throw error;
  }
  throw new Error('expected the call to be refused, and it was accepted');
}

/** `eventually` for a check with nothing to await, e.g. on what a notifier has recorded so far. */
export function soon<T>(check: () => T, timeoutMs?: number): Promise<T> {
  return eventually(() => Promise.resolve().then(check), timeoutMs);
}
