/**
 * The drive every side of the throughput benchmark gets: per component one `updateCard` (the full
 * card), then for each level 0 → 8 one `submit` and one `decide` (approve) per required role, with
 * one reviewer per role and `approvalsPerRole` 1. mltrl takes it through the real client against
 * component workflows its project started (src/runtime/client.ts `startProject`), with the updates of
 * workflows/definitions.ts; the hand-written equivalent the same, against components its own
 * project started; the floor takes the same updates with the same payloads. Every `executeUpdate`
 * is timed client-side.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { levelDefinition, MAX_LEVEL, type Role } from '../machines/levels.js';
import { startProject } from '../src/runtime/client.js';
import { ETHICS, FULL_CARD, LEAD, OWNER, project, reviewer } from '../test/support/fixtures.js';
import { componentWorkflowId, decideUpdate, projectWorkflowId, submitUpdate, updateCardUpdate, type Decision, type Submit, type UpdateCard } from '../workflows/definitions.js';
import { ProjectDefinition } from '../machines/model.js';
import { now, pool, until } from './stats.js';
import { bareDecide, bareSubmit, bareUpdateCard, type BareInput } from './workflows/bare.js';
import * as handwritten from './workflows/handwritten.js';

/** mltrl; the hand-written equivalent (bench/workflows/handwritten.ts); the floor (bench/workflows/bare.ts). */
export type Side = 'mltrl' | 'handwritten' | 'floor';
export const SIDES: readonly Side[] = ['mltrl', 'handwritten', 'floor'];
export type UpdateKind = 'updateCard' | 'submit' | 'decide';

/** The levels a component climbs from entry (0) to 9, with the panel each review needs. */
export const CLIMB = Array.from({ length: MAX_LEVEL }, (_, level) => ({
  level,
  proposal: levelDefinition(level).proposals[0],
  roles: levelDefinition(level).roles,
}));
export const VERDICTS_PER_COMPONENT = CLIMB.reduce((sum, step) => sum + step.roles.length, 0);
export const UPDATES_PER_COMPONENT = 1 + CLIMB.length + VERDICTS_PER_COMPONENT;

export type Latencies = Record<UpdateKind, number[]>;

export const emptyLatencies = (): Latencies => ({ updateCard: [], submit: [], decide: [] });

export interface Cohort {
  side: Side;
  /** The workflows driven, one per component. */
  components: WorkflowHandle[];
  /** Everything that must be idle before the cohort counts as settled (mltrl: the projects too). */
  settleSet: WorkflowHandle[];
}

export interface DriveResult {
  side: Side;
  components: number;
  updates: number;
  verdicts: number;
  /** First update sent → last update answered. */
  driveMs: number;
  /** Last update answered → every workflow idle (no pending workflow task or activity). */
  settleMs: number;
  latencies: Latencies;
}

/** Runs after every update of a paced climb (not timed). */
type Pace = (() => Promise<void>) | undefined;

async function timed<T>(latencies: Latencies, kind: UpdateKind, call: () => Promise<T>, pace: Pace): Promise<T> {
  const started = now();
  const result = await call();
  latencies[kind].push(now() - started);
  await pace?.();
  return result;
}

const submitPayload = (proposal: string) => ({ by: LEAD.email, ethics: ETHICS, proposal });
const approval = (reviewId: string, role: Role) => ({ reviewId, reviewer: reviewer(role).email, verdict: 'approve' as const });

/** What the drive reads from the answers: mltrl's ComponentStatus and ReviewState, and the equivalent's, both have it. */
interface ReviewedUpdates {
  updateCard: UpdateDefinition<unknown, [UpdateCard]>;
  submit: UpdateDefinition<{ openReview: { id: string; requiredRoles: string[] } | null }, [Submit]>;
  decide: UpdateDefinition<{ level: number }, [Decision]>;
}

const REVIEWED: Record<Exclude<Side, 'floor'>, ReviewedUpdates> = {
  mltrl: { updateCard: updateCardUpdate, submit: submitUpdate, decide: decideUpdate },
  handwritten: { updateCard: handwritten.updateCard, submit: handwritten.submit, decide: handwritten.decide },
};

/** A climb answered by the component itself: the review id and panel come from submit's answer. */
async function climbReviewed(updates: ReviewedUpdates, handle: WorkflowHandle, latencies: Latencies, pace?: Pace): Promise<void> {
  await timed(latencies, 'updateCard', () => handle.executeUpdate(updates.updateCard, { args: [{ by: OWNER.email, patch: FULL_CARD }] }), pace);
  let level = 0;
  for (const step of CLIMB) {
    const status = await timed(latencies, 'submit', () => handle.executeUpdate(updates.submit, { args: [submitPayload(step.proposal)] }), pace);
    const review = status.openReview;
    if (!review) throw new Error(`${handle.workflowId}: submit at Level ${step.level} opened no review`);
    for (const role of review.requiredRoles) {
      const state = await timed(latencies, 'decide', () => handle.executeUpdate(updates.decide, { args: [approval(review.id, role as Role)] }), pace);
      level = state.level;
    }
  }
  if (level !== MAX_LEVEL) throw new Error(`${handle.workflowId} ended the climb at Level ${level}, not ${MAX_LEVEL}`);
}

async function climbFloor(handle: WorkflowHandle, latencies: Latencies, pace?: Pace): Promise<void> {
  await timed(latencies, 'updateCard', () => handle.executeUpdate(bareUpdateCard, { args: [{ by: OWNER.email, patch: FULL_CARD }] }), pace);
  for (const step of CLIMB) {
    await timed(latencies, 'submit', () => handle.executeUpdate(bareSubmit, { args: [submitPayload(step.proposal)] }), pace);
    // mltrl's review ids are r1, r2, …: the same sizes here.
    for (const role of step.roles) {
      await timed(latencies, 'decide', () => handle.executeUpdate(bareDecide, { args: [approval(`r${step.level + 1}`, role)] }), pace);
    }
  }
}

export function climb(side: Side): (handle: WorkflowHandle, latencies: Latencies, pace?: Pace) => Promise<void> {
  return side === 'floor' ? climbFloor : (handle, latencies, pace) => climbReviewed(REVIEWED[side], handle, latencies, pace);
}

/** The card update each idle component gets (the same payload on every side). */
export async function giveCard(side: Side, handle: WorkflowHandle): Promise<void> {
  const card = { args: [{ by: OWNER.email, patch: FULL_CARD }] as [UpdateCard] };
  if (side === 'floor') await handle.executeUpdate(bareUpdateCard, card);
  else await handle.executeUpdate(REVIEWED[side].updateCard, card);
}

/**
 * A workflow's history length when it has no workflow task and no activity pending (or has
 * closed); undefined while it is busy or not started yet.
 */
async function idleLength(handle: WorkflowHandle): Promise<number | undefined> {
  try {
    const { raw, historyLength } = await handle.describe();
    return !raw.pendingWorkflowTask && (raw.pendingActivities?.length ?? 0) === 0 ? historyLength : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Waits until every handle is idle twice in a row with the same history length: a signal to the
 * project is in flight for a moment after the command that sent it, with nothing pending in
 * between. Re-checks only the handles not settled yet.
 */
export async function waitIdle(handles: readonly WorkflowHandle[], what: string, concurrency = 8, intervalMs = 50): Promise<void> {
  const seen = new Map<WorkflowHandle, number>();
  let busy = [...handles];
  await until(
    what,
    async () => {
      const lengths = await pool(busy, concurrency, idleLength);
      busy = busy.filter((handle, i) => {
        const length = lengths[i];
        const settled = length !== undefined && seen.get(handle) === length;
        if (length === undefined) seen.delete(handle);
        else seen.set(handle, length);
        return !settled;
      });
      return busy.length === 0;
    },
    600_000,
    intervalMs,
  );
}

const componentIds = (count: number) => Array.from({ length: count }, (_, i) => `c-${String(i + 1).padStart(4, '0')}`);

/** Projects hold at most 200 components (SPEC's project schema). */
const PROJECT_CAPACITY = 200;

/** `count` components in projects of `perProject` (the last one may hold fewer), ids `<label>-p1`, `-p2`, … */
export function projectsOf(label: string, count: number, perProject = PROJECT_CAPACITY): ProjectDefinition[] {
  const ids = componentIds(count);
  const chunks = Array.from({ length: Math.ceil(ids.length / perProject) }, (_, i) => ids.slice(i * perProject, (i + 1) * perProject));
  return chunks.map((chunk, i) =>
    ProjectDefinition.parse(
      project({
        id: `${label}-p${i + 1}`,
        components: chunk.map((id) => ({ id, name: `Component ${id}`, kind: 'model', entryLevel: 0, owner: OWNER })),
      }),
    ),
  );
}

/**
 * Starts `count` components for one side and waits until each is idle at its entry level.
 * mltrl and the hand-written equivalent take the product's path: projects of up to 200
 * components, each starting its own; the floor's workflows are started by the client.
 */
export async function startCohort(client: Client, side: Side, taskQueue: string, label: string, count: number): Promise<Cohort> {
  // Polling a large cohort every 50 ms would load the server it measures.
  const interval = count > 100 ? 1000 : 50;
  if (side === 'floor') {
    const input: BareInput = { updates: UPDATES_PER_COMPONENT };
    const components = await pool(componentIds(count), 8, (id) => client.workflow.start('bareWorkflow', { workflowId: `floor/${label}/${id}`, taskQueue, args: [input] }));
    await waitIdle(components, `${label}: floor workflows to start`, 8, interval);
    return { side, components, settleSet: components };
  }
  const definitions = projectsOf(label, count);
  let projects: WorkflowHandle[];
  let components: WorkflowHandle[];
  if (side === 'mltrl') {
    for (const definition of definitions) await startProject(client, taskQueue, definition);
    projects = definitions.map((d) => client.workflow.getHandle(projectWorkflowId(d.id)));
    components = definitions.flatMap((d) => d.components.map((c) => client.workflow.getHandle(componentWorkflowId(d.id, c.id))));
  } else {
    projects = await Promise.all(
      definitions.map((d) =>
        client.workflow.start(handwritten.handwrittenProjectWorkflow, { workflowId: handwritten.handwrittenProjectId(d.id), taskQueue, args: [d] }),
      ),
    );
    components = definitions.flatMap((d) => d.components.map((c) => client.workflow.getHandle(handwritten.handwrittenComponentId(d.id, c.id))));
  }
  await waitIdle(projects, `${label}: projects to start their components`, 8, interval);
  await waitIdle([...projects, ...components], `${label}: components to start`, 8, interval);
  return { side, components, settleSet: [...components, ...projects] };
}

/**
 * Drives every component of the cohort from Level 0 to 9, `concurrency` components at a time.
 * `paced`: after each update, wait until the workflow (and its project) is idle again, as when
 * people answer hours apart; nothing then lands in the same workflow task by chance.
 */
export async function driveCohort(cohort: Cohort, concurrency: number, paced = false): Promise<DriveResult> {
  const latencies = emptyLatencies();
  const climbOne = climb(cohort.side);
  const pace = (handle: WorkflowHandle) => (paced ? () => waitIdle([handle], `${handle.workflowId} to settle`, 1) : undefined);
  const started = now();
  await pool(cohort.components, concurrency, (handle) => climbOne(handle, latencies, pace(handle)));
  const driven = now();
  await waitIdle(cohort.settleSet, `${cohort.side} cohort to settle`);
  const settled = now();
  return {
    side: cohort.side,
    components: cohort.components.length,
    updates: cohort.components.length * UPDATES_PER_COMPONENT,
    verdicts: cohort.components.length * VERDICTS_PER_COMPONENT,
    driveMs: driven - started,
    settleMs: settled - driven,
    latencies,
  };
}
