/**
 * One component's whole life as a long-lived workflow: a host for the lifecycle machine. Messages
 * become machine events through `accept` (componentMessages.ts); the effects the machine asks for
 * are carried out one turn of the loop at a time (componentEffects.ts); reminder and escalation
 * deadlines are absolute times in the machine's context, waited on with `condition(…, timeout)`;
 * the run continues as new before its history grows large, carrying the snapshot and audit trail.
 */
import { allHandlersFinished, condition, continueAsNew, patched, workflowInfo } from '@temporalio/workflow';
import { FIRST_RULES_EDITION, RULES_EDITION } from '../machines/context.js';
import { nextDebriefReminder } from '../machines/debriefs.js';
import type { ComponentStatus } from '../machines/status.js';
import { oneActivityPerTurn, startBranchWorkflow, type EffectRunner } from './componentEffects.js';
import { listen } from './componentMessages.js';
import { ComponentRun, type ComponentCarried } from './componentRun.js';
import type { ComponentWorkflowInput } from './definitions.js';
import { legacyEffects } from './legacyEffects.js';

export type { ComponentCarried } from './componentRun.js';

// Well under the 2,000 events a run may reach: under a burst of messages the server can delay a
// continue-as-new until the burst ends, and the margin absorbs that.
const DEFAULT_HISTORY_LIMIT = 1_000;
/** Patch id: a run's effects go out as one `deliver` activity per turn of its loop. */
const ONE_ACTIVITY_PER_TURN = 'one-activity-per-turn';
/** Patch id: a run follows the current edition of the rules (machines/context.ts); older runs keep the first. */
const CURRENT_RULES = 'rules-edition-2';

export async function componentWorkflow(input: ComponentWorkflowInput, carried?: ComponentCarried): Promise<ComponentStatus> {
  // A run whose history began without the marker follows the rules it was recorded under.
  const run = new ComponentRun(input, carried, patched(CURRENT_RULES) ? RULES_EDITION : FIRST_RULES_EDITION);
  // Asked once, first thing: a run whose history began without the marker keeps the old shape throughout.
  const effects: EffectRunner = patched(ONE_ACTIVITY_PER_TURN) ? oneActivityPerTurn(run) : legacyEffects(run);
  listen(run, (branch) => startBranchWorkflow(run, branch));
  if (!carried) run.record(input.component.owner.email, 'start', 'accepted', `entered at Level ${input.component.entryLevel}`);

  const historyLimit = input.historyLimit ?? DEFAULT_HISTORY_LIMIT;
  const shouldContinueAsNew = () => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > historyLimit;
  const workWaiting = () => run.effects.length > 0 || effects.reportDue() || shouldContinueAsNew();

  for (;;) {
    await effects.runTurn();
    if (run.state === 'retired') {
      await condition(allHandlersFinished);
      await effects.runTurn();
      return run.status();
    }
    if (shouldContinueAsNew()) {
      // Effects still queued travel to the next run and run there first.
      await condition(allHandlersFinished);
      await continueAsNew<typeof componentWorkflow>(input, run.carried());
    }
    const deadline = nextDeadline(run);
    if (deadline === undefined) {
      await condition(workWaiting);
    } else if (!(await condition(workWaiting, Math.max(1, deadline - Date.now())))) {
      const answer = run.ask({ type: 'TICK', at: Date.now() }, 'replay');
      if (answer.kind === 'accepted') run.take(answer);
    }
  }
}

/** The next reminder or escalation time of an open, unpaused review, or of a debrief owed (edition 2). */
function nextDeadline(run: ComponentRun): number | undefined {
  const review = run.context.review;
  const reviewDeadline =
    review && run.state === 'inReview' ? (review.escalated ? review.nextReminderAt : Math.min(review.nextReminderAt, review.escalateAt)) : undefined;
  // Debrief reminders wait while paused; an edition 1 run has no ledger, so its deadlines are as before.
  const debriefDeadline = run.state === 'working' || run.state === 'inReview' ? nextDebriefReminder(run.context.debriefs) : undefined;
  if (debriefDeadline === undefined) return reviewDeadline;
  return reviewDeadline === undefined ? debriefDeadline : Math.min(reviewDeadline, debriefDeadline);
}
