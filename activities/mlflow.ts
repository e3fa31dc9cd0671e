/**
 * mltrl → MLflow: after a linked component's level changes, its model version in MLflow's registry
 * carries the component's level, phase and card (tags `mltrl.level`, `mltrl.phase`, `mltrl.card`),
 * and the configured alias points at it while the component is at Level 9. Every write is
 * idempotent (a tag or alias set twice is set once; an alias already gone is fine), so the
 * activity's retries and a replayed turn do no harm.
 */
import { log } from '@temporalio/activity';
import { mlflowVersionOfSemver } from '../machines/integrations.js';
import { componentPageUrl } from '../src/http/core/links.js';
import { mlflowRegistry } from '../src/integrations/mlflowRegistry.js';

export interface MlflowSync {
  model: string;
  alias: string;
  projectId: string;
  componentId: string;
  level: number;
  phase: string;
  /** The card's model version ("7.0.0" is registry version 7); absent or another form: the latest version. */
  cardModelVersion?: string;
  /** The alias points at the version while true, and is removed while false. */
  approved: boolean;
}

export type MlflowSynced = { done: true; version: number; summary: string } | { done: false; why: string };

export interface MlflowDependencies {
  /** MLTRL_MLFLOW_URL; unset, syncs are reported as not done. */
  mlflowUrl?: string;
  /** Where the card's page lives (MLTRL_PUBLIC_URL, or the HTTP server's own address). */
  publicUrl?: string;
}

export function createMlflowActivities(deps: MlflowDependencies) {
  return {
    async syncMlflowModel(sync: MlflowSync): Promise<MlflowSynced> {
      if (!deps.mlflowUrl) return { done: false, why: 'MLTRL_MLFLOW_URL is not set on the worker: MLflow was not told' };
      const registry = mlflowRegistry(deps.mlflowUrl);
      const pinned = mlflowVersionOfSemver(sync.cardModelVersion);
      const target = pinned !== undefined ? await registry.modelVersion(sync.model, pinned) : await registry.latestVersion(sync.model);
      if (!target) {
        const which = pinned !== undefined ? `version ${pinned} of ${sync.model}` : `a version of ${sync.model}`;
        return { done: false, why: `MLflow has no ${which} to tag` };
      }
      const tags: Record<string, string> = { 'mltrl.level': String(sync.level), 'mltrl.phase': sync.phase };
      if (deps.publicUrl) tags['mltrl.card'] = componentPageUrl(deps.publicUrl, sync.projectId, sync.componentId);
      for (const [key, value] of Object.entries(tags)) {
        if (target.tags[key] !== value) await registry.setVersionTag(sync.model, target.version, key, value);
      }
      const aliased = await registry.aliasVersion(sync.model, sync.alias);
      let aliasNote = '';
      if (sync.approved && aliased !== target.version) {
        await registry.setAlias(sync.model, sync.alias, target.version);
        aliasNote = `, alias ${sync.alias} set`;
      } else if (!sync.approved && aliased !== undefined) {
        await registry.deleteAlias(sync.model, sync.alias);
        aliasNote = `, alias ${sync.alias} removed (was on version ${aliased})`;
      }
      const summary = `MLflow ${sync.model} version ${target.version}: level ${sync.level}, ${sync.phase}${aliasNote}`;
      log.info('mlflow synced', { summary });
      return { done: true, version: target.version, summary };
    },
  };
}
