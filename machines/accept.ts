/**
 * The one question every entry asks — update validators and handlers, the review and re-review
 * signals, roster changes, the CLI's pre-checks, the review page: what would this event do to the
 * component? The answer is `accepted` (with the next snapshot and the effects it asks for),
 * `refused` (with the reasons, one line each) or `repeated` (a reviewer's verdict given before, or an
 * alert still firing, acknowledged and changing nothing). Pure: safe in the workflow sandbox and anywhere else.
 */
import { initialTransition, transition, type SnapshotFrom } from 'xstate';
import type { ComponentContext, ComponentInput } from './context.js';
import { componentLifecycle } from './componentLifecycle.js';
import type { Effect } from './effects.js';
import type { LifecycleEvent } from './events.js';
import { isRepeatedAlert } from './alerts.js';
import { inputRefusals, isRepeatedVerdict, notNow, ruleRefusals, type LifecycleState } from './rules.js';

export type LifecycleSnapshot = SnapshotFrom<typeof componentLifecycle>;

export type Answer =
  /** `event`: what was accepted, so the host can tell what it changed (machines/lifecycleEvents.ts). */
  | { kind: 'accepted'; snapshot: LifecycleSnapshot; effects: Effect[]; event: LifecycleEvent }
  | { kind: 'refused'; reasons: string[] }
  | { kind: 'repeated' };

/**
 * Limits checked where an input enters (an update's validator, a signal's handler) and not when a
 * recorded history replays, so a limit added later never changes how an old history replays: the
 * ethics ids a submit may answer, and the byte budget of what the run carries (given by the host,
 * which alone knows its audit trail; it sees the snapshot the event would lead to).
 */
export interface EntryLimits {
  budget?: (next: LifecycleSnapshot) => string | undefined;
}

export function accept(snapshot: LifecycleSnapshot, event: LifecycleEvent, limits?: EntryLimits): Answer {
  const context = snapshot.context;
  if (event.type === 'VERDICT' && isRepeatedVerdict(context, event)) return { kind: 'repeated' };
  // Alertmanager re-sends a firing alert until it resolves: a repeat changes nothing, whatever the state.
  if (event.type === 'ALERT_FIRING' && isRepeatedAlert(context, event)) return { kind: 'repeated' };
  const state = snapshot.value as LifecycleState;
  const reasons = takes(state, event.type) ? ruleRefusals(context, event) : [notNow(state, context, event)];
  if (limits && reasons.length === 0) reasons.push(...inputRefusals(context, event));
  if (reasons.length > 0) return { kind: 'refused', reasons };
  const [next, actions] = transition(componentLifecycle, snapshot, event);
  const overBudget = limits?.budget?.(next);
  if (overBudget) return { kind: 'refused', reasons: [overBudget] };
  return { kind: 'accepted', snapshot: next, effects: emitted(actions), event };
}

/**
 * The event types each state has a transition for, its own or (unless it overrides them) the
 * root's: the chart's say, read once from the machine, whatever guards then choose between paths.
 */
const TAKEN: ReadonlyMap<string, ReadonlySet<string>> = new Map(
  Object.entries(componentLifecycle.root.states).map(([state, node]) => {
    const inherited = componentLifecycle.root.ownEvents.filter((type) => !(type in node.on));
    return [state, new Set([...node.ownEvents, ...inherited])];
  }),
);

/** Whether the chart has a transition for `type` in `state` (the rules then decide whether it is taken). */
export function takes(state: LifecycleState, type: LifecycleEvent['type']): boolean {
  return TAKEN.get(state)?.has(type) ?? false;
}

/** The effects among a transition's actions: the machine emits them, the host carries them out. */
function emitted(actions: { type: string; params?: unknown }[]): Effect[] {
  return actions.filter((action) => action.type === 'xstate.emit').map((action) => (action.params as { event: Effect }).event);
}

/** A new component's first snapshot, and the effects its start asks for (a schedule when it enters at 9). */
export function begin(input: ComponentInput): { snapshot: LifecycleSnapshot; effects: Effect[] } {
  const [snapshot, actions] = initialTransition(componentLifecycle, input);
  return { snapshot, effects: emitted(actions) };
}

/** A snapshot from a context carried across continue-as-new (or kept by a test). */
export function restore(value: string, context: ComponentContext): LifecycleSnapshot {
  return componentLifecycle.resolveState({ value, context });
}
