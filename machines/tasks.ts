/**
 * Requested changes as work items (rules edition 2). The framework ends a review with "graduate, or
 * a list of tasks": a `request-changes` verdict's tasks become open work items of the review's
 * level, on the card; the next submit at that level resolves every one of them — done, with a
 * note of what was done, or carried forward, with the reason. A carried task stays on the card as
 * carried, shown to every later panel, until a later submit marks it done; nothing is dropped
 * while there is room (see `keepTasks`). Pure, like the rest of machines/.
 */
import { jsonBytes, keepLatest } from './budget.js';
import { followsEditionTwo, type ComponentContext, type OpenReview } from './context.js';

export type TaskStatus = 'open' | 'done' | 'carried';
/** What a submit says of a task: `done` (what was done) or `carried` (why it waits). */
export type TaskResolutionStatus = Exclude<TaskStatus, 'open'>;

export interface TaskResolution {
  note: string;
  by: string;
  at: number;
  /** The review the resolution was submitted with: its panel sees it. */
  reviewId: string;
}

export interface WorkTask {
  id: string;
  level: number;
  /** The review whose panel asked for it. */
  reviewId: string;
  text: string;
  status: TaskStatus;
  resolution?: TaskResolution;
}

/** A submit's resolutions, by task id. */
export type Resolutions = Record<string, { status: TaskResolutionStatus; note: string }>;

/** Work items kept on the card; done ones go first when there is no more room (see `keepTasks`). */
export const TASKS_KEPT = 300;
export const TASKS_BUDGET_BYTES = 128_000;

/** The work items on the card (a context from before they existed has none). */
export const tasksOf = (context: Pick<ComponentContext, 'tasks'>): WorkTask[] => context.tasks ?? [];

/** Open tasks of `level`: what the next submit at that level must resolve. */
export const openTasksAt = (context: Pick<ComponentContext, 'tasks'>, level: number): WorkTask[] =>
  tasksOf(context).filter((task) => task.status === 'open' && task.level === level);

/**
 * The list within its bounds. Done tasks are the first to go (oldest first): the open and carried
 * ones are the work still owed. Only a card holding more owed work than the bounds allow loses its
 * oldest carried tasks, and the card's byte budget refuses the input long before that.
 */
export function keepTasks(tasks: WorkTask[]): WorkTask[] {
  let kept = tasks;
  let size = jsonBytes(kept);
  while ((kept.length > TASKS_KEPT || size > TASKS_BUDGET_BYTES) && kept.some((t) => t.status === 'done')) {
    const index = kept.findIndex((t) => t.status === 'done');
    size -= jsonBytes(kept[index]) + 1;
    kept = [...kept.slice(0, index), ...kept.slice(index + 1)];
  }
  return keepLatest(kept, TASKS_KEPT, TASKS_BUDGET_BYTES);
}

/** A closed review's requested changes, as open work items of its level. */
export function addTasks(context: ComponentContext, review: Pick<OpenReview, 'id' | 'level'>, texts: string[]): ComponentContext {
  if (!followsEditionTwo(context) || texts.length === 0) return context;
  const seq = context.taskSeq ?? 0;
  const added = texts.map((text, i): WorkTask => ({ id: `t${seq + i + 1}`, level: review.level, reviewId: review.id, text, status: 'open' }));
  return { ...context, taskSeq: seq + texts.length, tasks: keepTasks([...tasksOf(context), ...added]) };
}

/** A submit's resolutions applied: each named task done or carried, with who, when and which review. */
export function resolveTasks(context: ComponentContext, resolutions: Resolutions | undefined, by: string, at: number, reviewId: string): ComponentContext {
  if (!followsEditionTwo(context) || !resolutions || Object.keys(resolutions).length === 0) return context;
  const tasks = tasksOf(context).map((task) => {
    const given = resolutions[task.id];
    if (!given || task.status === 'done') return task;
    return { ...task, status: given.status, resolution: { note: given.note, by: by.toLowerCase(), at, reviewId } };
  });
  return { ...context, tasks };
}

/** The rule a submit breaks when it leaves open tasks of its level unresolved, if it does. */
export function unresolvedTasksRefusal(context: ComponentContext, level: number, resolutions: Resolutions | undefined): string | undefined {
  if (!followsEditionTwo(context)) return undefined;
  const unresolved = openTasksAt(context, level).filter((task) => !resolutions?.[task.id]);
  if (unresolved.length === 0) return undefined;
  const ids = unresolved.map((t) => t.id).join(', ');
  return `resolutions: resolve ${ids} (every open task of Level ${level} is marked done with a note, or carried forward with a reason, before the next submit at that level)`;
}

/** Resolutions naming tasks that are not on the card, or already done: refused where the submit enters. */
export function resolutionInputRefusals(context: ComponentContext, resolutions: Resolutions | undefined): string[] {
  const named = Object.keys(resolutions ?? {});
  if (named.length === 0) return [];
  const byId = new Map(tasksOf(context).map((task) => [task.id, task]));
  const reasons: string[] = [];
  const unknown = named.filter((id) => !byId.has(id));
  if (unknown.length > 0) {
    const open = tasksOf(context).filter((t) => t.status !== 'done').map((t) => t.id);
    reasons.push(`resolutions: ${list(unknown)} ${unknown.length > 1 ? 'are' : 'is'} not a task on this card (open or carried: ${open.length ? open.join(', ') : 'none'})`);
  }
  const done = named.filter((id) => byId.get(id)?.status === 'done');
  if (done.length > 0) reasons.push(`resolutions: ${list(done)} ${done.length > 1 ? 'are' : 'is'} already done`);
  return reasons;
}

function list(ids: string[]): string {
  return ids.slice(0, 5).join(', ') + (ids.length > 5 ? ` and ${ids.length - 5} more` : '');
}

/** What a review's panel is shown: the tasks resolved with it, and every task still carried. */
export function tasksForReview(tasks: readonly WorkTask[], reviewId: string): { resolved: WorkTask[]; carried: WorkTask[] } {
  return {
    resolved: tasks.filter((t) => t.resolution?.reviewId === reviewId),
    carried: tasks.filter((t) => t.status === 'carried' && t.resolution?.reviewId !== reviewId),
  };
}
