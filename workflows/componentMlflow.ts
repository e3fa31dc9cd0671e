/**
 * mltrl → MLflow for a component linked to a registered model (`integrations.mlflow` in its
 * definition): whenever its level, its card's model version or its retirement changes, one
 * `syncMlflowModel` activity tags the model version and moves or removes the approval alias
 * (activities/mlflow.ts), and the outcome goes to `history`. A component without the link never
 * runs it, so runs recorded before the link existed replay exactly as they did.
 */
import { log, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { mlflowLinkOf } from '../machines/integrations.js';
import { levelDefinition, MAX_LEVEL } from '../machines/levels.js';
import type { ComponentRun } from './componentRun.js';

const { syncMlflowModel } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  // Bounded: an MLflow outage must not hold the component's turns for long. The next change syncs
  // everything again (tags and alias as they should be), so a sync given up on is repaired then.
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 8 },
});

export interface MlflowFollower {
  /** The component is linked and changed since its last sync. */
  due(): boolean;
  runTurn(): Promise<void>;
}

export function mlflowFollower(run: ComponentRun): MlflowFollower {
  const link = mlflowLinkOf(run.input.component);
  if (!link) return { due: () => false, runTurn: () => Promise.resolve() };
  const keyOf = () => `${run.context.level}/${run.state === 'retired'}/${run.context.card.versions?.model ?? ''}`;
  // Unset in a new run (also after continue-as-new): its first turn syncs, which repairs any sync given up on before.
  let synced: string | undefined;
  return {
    due: () => keyOf() !== synced,
    async runTurn() {
      const key = keyOf();
      if (key === synced) return;
      synced = key;
      const { level, projectId, componentId } = run.context;
      const cardModelVersion = run.context.card.versions?.model;
      try {
        const result = await syncMlflowModel({
          model: link.model,
          alias: link.alias,
          projectId,
          componentId,
          level,
          phase: levelDefinition(level).phase,
          ...(cardModelVersion ? { cardModelVersion } : {}),
          approved: level === MAX_LEVEL && run.state !== 'retired',
        });
        run.record('system', 'syncMlflow', result.done ? 'done' : 'failed', result.done ? result.summary : result.why);
      } catch (error) {
        run.record('system', 'syncMlflow', 'failed', `MLflow ${link.model}: ${error instanceof Error ? error.message : String(error)}`);
        log.warn('mlflow sync failed', { error: String(error) });
      }
    },
  };
}
