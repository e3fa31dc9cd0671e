/**
 * Reads the checks of a gate from MLflow's tracking server (gates backed by evidence): a run's
 * latest value of a metric (`runs/get`), or a model version's tags (`model-versions/get`). Never
 * throws for MLflow's sake: a server that is down, slow or not configured is a reading
 * (`unreadable`) the machine turns into a clear refusal, never a failed workflow task. Judging the
 * readings against the thresholds is the machine's (machines/evidence.ts).
 */
import { log } from '@temporalio/activity';
import type { CheckToRead, Reading } from '../machines/evidence.js';
import { isMetricCheck } from '../machines/evidenceCheck.js';
import { MlflowError, mlflowRegistry } from '../src/integrations/mlflowRegistry.js';

export interface EvidenceRead {
  key: string;
  reading: Reading;
}

interface RawRun {
  run: { data?: { metrics?: { key: string; value: number | string; step?: number | string; timestamp?: number | string }[] } };
}

const missing = (error: unknown) => error instanceof MlflowError && (error.code === 'RESOURCE_DOES_NOT_EXIST' || error.status === 404);

/** Why MLflow could not be read, in a line for the submitter (no stack, no body beyond MLflow's message). */
function whyUnreadable(error: unknown): string {
  if (error instanceof MlflowError) return error.message.slice(0, 300);
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error instanceof Error ? error.message : String(error)}${cause}`.slice(0, 300);
}

export function createEvidenceActivities(deps: { mlflowUrl?: string }) {
  return {
    async readEvidence(checks: CheckToRead[]): Promise<EvidenceRead[]> {
      if (!deps.mlflowUrl) return checks.map(({ key }) => ({ key, reading: { kind: 'unreadable', why: 'MLTRL_MLFLOW_URL is not set on the worker' } }));
      const registry = mlflowRegistry(deps.mlflowUrl);
      const read = async ({ check }: CheckToRead): Promise<Reading> => {
        try {
          if (isMetricCheck(check)) {
            const answer = await registry.call<RawRun>('GET', 'runs/get', { run_id: check.runId });
            const metrics = answer.run.data?.metrics ?? [];
            // runs/get lists each metric's latest value; should a store list several, the highest step, then the newest, wins.
            const found = metrics
              .filter((m) => m.key === check.metric)
              .map((m) => ({ value: Number(m.value), step: Number(m.step ?? 0), timestamp: Number(m.timestamp ?? 0) }))
              .sort((a, b) => b.step - a.step || b.timestamp - a.timestamp)[0];
            return found ? { kind: 'metric', ...found } : { kind: 'no-metric', metrics: [...new Set(metrics.map((m) => m.key))].sort() };
          }
          const version = await registry.modelVersion(check.model, Number(check.version));
          if (!version) return { kind: 'not-found', what: `${check.model} version ${check.version}` };
          const tagValue = version.tags[check.tag.key];
          return { kind: 'model-version', ...(tagValue !== undefined ? { tagValue } : {}) };
        } catch (error) {
          if (missing(error) && isMetricCheck(check)) return { kind: 'not-found', what: `run ${check.runId}` };
          log.warn('mlflow evidence unreadable', { error: String(error) });
          return { kind: 'unreadable', why: whyUnreadable(error) };
        }
      };
      return Promise.all(checks.map(async (item) => ({ key: item.key, reading: await read(item) })));
    },
  };
}
