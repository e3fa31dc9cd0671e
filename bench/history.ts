/**
 * History events per graduation, from real histories: the events from the first `submit` update
 * accepted (after the start and the card update) to the end of the settled history, over the number
 * of graduations. Also split per level (from one `submit` accepted to the next; approximate, as the
 * effects of one graduation can land after the next submit) and by event type.
 */
import type { WorkflowHandle } from '@temporalio/client';
import protos, { type temporal } from '@temporalio/proto';
import { pool, round } from './stats.js';

// A CommonJS module: its namespaces come through the default export under ESM.
const { EventType } = protos.temporal.api.enums.v1;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export interface HistoryFigures {
  workflows: number;
  graduationsPerWorkflow: number;
  /** Mean events per graduation (the figure the target is about). */
  eventsPerGraduation: number;
  /** Mean history length of one workflow after its climb settled. */
  eventsPerWorkflow: number;
  /** Events before the climb: start, first workflow task, the card update. */
  eventsBeforeClimb: number;
  /** Mean events per level's segment, Level 0 → 1 first. */
  perLevel: number[];
  /** Mean events per graduation by event type, most frequent first. */
  byType: Record<string, number>;
}

const typeName = (event: HistoryEvent) =>
  (EventType[event.eventType ?? 0] ?? String(event.eventType)).replace(/^EVENT_TYPE_/, '');

function isSubmitAccepted(event: HistoryEvent): boolean {
  return event.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED &&
    event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name === 'submit';
}

export interface Segmented {
  total: number;
  before: number;
  perLevel: number[];
  byType: Record<string, number>;
}

export function segment(events: readonly HistoryEvent[]): Segmented {
  const submits = events.flatMap((event, index) => (isSubmitAccepted(event) ? [index] : []));
  if (submits.length === 0) throw new Error('history has no accepted submit');
  const bounds = [...submits, events.length];
  const perLevel = submits.map((start, i) => bounds[i + 1] - start);
  const byType: Record<string, number> = {};
  for (const event of events.slice(submits[0])) byType[typeName(event)] = (byType[typeName(event)] ?? 0) + 1;
  return { total: events.length, before: submits[0], perLevel, byType };
}

export async function historyFigures(handles: readonly WorkflowHandle[], graduations: number): Promise<HistoryFigures> {
  const segmented = await pool(handles, 4, async (handle) => segment((await handle.fetchHistory()).events ?? []));
  for (const [i, s] of segmented.entries()) {
    if (s.perLevel.length !== graduations) throw new Error(`${handles[i].workflowId}: ${s.perLevel.length} submits, expected ${graduations}`);
  }
  const mean = (pick: (s: Segmented) => number) => segmented.reduce((sum, s) => sum + pick(s), 0) / segmented.length;
  const types = new Set(segmented.flatMap((s) => Object.keys(s.byType)));
  const byType = Object.fromEntries(
    [...types]
      .map((type) => [type, round(mean((s) => s.byType[type] ?? 0) / graduations)] as const)
      .sort((a, b) => b[1] - a[1]),
  );
  return {
    workflows: handles.length,
    graduationsPerWorkflow: graduations,
    eventsPerGraduation: round(mean((s) => s.total - s.before) / graduations),
    eventsPerWorkflow: round(mean((s) => s.total)),
    eventsBeforeClimb: round(mean((s) => s.before)),
    perLevel: Array.from({ length: graduations }, (_, level) => round(mean((s) => s.perLevel[level]))),
    byType,
  };
}
