/**
 * How runs begun before one activity per turn (componentEffects.ts) carry out their effects, kept
 * so that those runs replay and go on unchanged: an activity per notification (or, before
 * NOTIFY_EACH_RECIPIENT, per message), one for the schedule, and the project told by a signal
 * after the effects. A run takes this path only if its history began without the
 * ONE_ACTIVITY_PER_TURN marker; its next run (after continue-as-new) takes the new one. Delete
 * this file once no such run is left.
 */
import { getExternalWorkflowHandle, log, patched, proxyActivities } from '@temporalio/workflow';
import type { Activities, Notification, NotifyResult } from '../activities/index.js';
import { isNotification } from '../machines/effects.js';
import { changeReporter, effectSummary, heldBackWhy, notificationFor, startBranchWorkflow, type EffectRunner } from './componentEffects.js';
import type { ComponentRun } from './componentRun.js';
import { componentChangedSignal, projectWorkflowId } from './definitions.js';

const { notify } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes', maximumAttempts: 150 },
});

const { reconcileReReviewSchedule } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/** Patch id: notifications go out as one activity per recipient. */
const NOTIFY_EACH_RECIPIENT = 'notify-each-recipient';

function heldBack(result: NotifyResult | undefined | void): string[] {
  return result?.held ?? [];
}

async function send(message: Notification): Promise<string[]> {
  if (!patched(NOTIFY_EACH_RECIPIENT)) return heldBack(await notify(message));
  const results = await Promise.allSettled(message.to.map((person) => notify({ ...message, to: [person] })));
  const failed = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed.length > 0) throw new Error(`${failed.length} of ${message.to.length} not notified: ${failed.map((f) => String(f.reason)).join('; ')}`);
  return results.flatMap((result) => (result.status === 'fulfilled' ? heldBack(result.value) : []));
}

export function legacyEffects(run: ComponentRun): EffectRunner {
  const changes = changeReporter(run);

  async function runOne(effect: ComponentRun['effects'][number]): Promise<string[]> {
    if (isNotification(effect)) return send(notificationFor(run, effect));
    const context = run.context;
    if (effect.type === 'reconcileSchedule') {
      await reconcileReReviewSchedule({ projectId: context.projectId, componentId: context.componentId, desired: effect.desired, every: context.policy.rereviewEvery });
    } else {
      await startBranchWorkflow(run, { componentId: effect.componentId, level: effect.level, name: `${context.name} (research)` });
    }
    return [];
  }

  return {
    reportDue: changes.due,
    async runTurn() {
      for (let batch = run.effects.length; batch > 0; batch--) {
        const effect = run.effects[0];
        try {
          const held = await runOne(effect);
          run.record('system', effect.type, 'done', effectSummary(effect));
          if (held.length > 0) run.record('system', effect.type, 'held', heldBackWhy(held));
        } catch (error) {
          run.record('system', effect.type, 'failed', error instanceof Error ? error.message : String(error));
          log.warn('effect failed', { effect: effect.type, error: String(error) });
        }
        run.effects.shift();
      }
      const report = changes.take();
      if (!report) return;
      try {
        await getExternalWorkflowHandle(projectWorkflowId(run.context.projectId)).signal(componentChangedSignal, report);
      } catch (error) {
        log.debug('project not told of change', { error: String(error) });
      }
    },
  };
}
