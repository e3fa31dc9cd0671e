/**
 * MLflow → mltrl, what a registry event does: find the running components linked to the event's
 * registered model (through their projects' summaries, which keep each component's link from its
 * definition), and report the version on each one's card as `reportVersions` by MLflow's actor. At
 * Level 9 that is the embedded switchback to 7. Also the catch-up (MLflow keeps no deliveries): the
 * latest version of every linked model, reported where the card has an older one or none.
 */
import type { Client } from '@temporalio/client';
import { DEFAULT_MLFLOW_ALIAS, MLFLOW_ACTOR, mlflowVersionOfSemver, semverOfMlflowVersion } from '../../machines/integrations.js';
import { MAX_LEVEL } from '../../machines/levels.js';
import { cardQuery, componentWorkflowId, reportVersionsUpdate } from '../../workflows/definitions.js';
import { listProjectIds, readProjectSummaries } from '../portfolio/read.js';
import type { MlflowRegistry } from './mlflowRegistry.js';

export interface LinkedComponent {
  projectId: string;
  componentId: string;
  model: string;
  alias: string;
  level: number;
}

/** Running, not retired, components linked to `model` (every model when absent). Projects that do not answer are named. */
export async function linkedComponents(client: Client, taskQueue: string, model?: string): Promise<{ linked: LinkedComponent[]; unreadable: string[] }> {
  const { projects, unreadable } = await readProjectSummaries(client, await listProjectIds(client, taskQueue));
  const linked = projects.flatMap((project) =>
    project.components
      .filter((c) => c.mlflow && c.state !== 'retired' && (model === undefined || c.mlflow.model === model))
      .map((c) => ({ projectId: project.projectId, componentId: c.componentId, model: c.mlflow!.model, alias: c.mlflow!.alias ?? DEFAULT_MLFLOW_ALIAS, level: c.level })),
  );
  return { linked, unreadable: unreadable.map((u) => `${u.id}: ${u.why}`) };
}

export interface Reported {
  projectId: string;
  componentId: string;
  outcome: 'reported' | 'unchanged' | 'older' | 'not-approved' | 'refused';
  detail: string;
}

/**
 * Which reports may change a card. MLflow delivers its webhooks in no guaranteed order (each on
 * its own thread, retried on failure), so an event can arrive after a later one:
 * - `newer`: a registered version (or the catch-up's latest) is reported only if the card has no
 *   newer one, so a late `model_version.created` never rolls a card back;
 * - `while-approved`: an alias move counts only while the component is at Level 9, where mltrl
 *   keeps the alias; below 9 mltrl holds no alias, so the event is mltrl's own alias arriving late
 *   (set at 9, removed since) and changes nothing.
 */
export type ReportRule = 'newer' | 'while-approved';

/** Report registry version `version` on a linked component's card, unless the card has it already or `rule` says the event is stale. */
export async function reportRegistryVersion(client: Client, target: LinkedComponent, version: number, why: string, rule: ReportRule): Promise<Reported> {
  const handle = client.workflow.getHandle(componentWorkflowId(target.projectId, target.componentId));
  const base = { projectId: target.projectId, componentId: target.componentId };
  const card = await handle.query(cardQuery);
  const onCard = card.content.versions?.model;
  const semver = semverOfMlflowVersion(version);
  if (onCard === semver) return { ...base, outcome: 'unchanged', detail: `model ${semver} is already on the card` };
  const cardVersion = mlflowVersionOfSemver(onCard);
  if (rule === 'newer' && cardVersion !== undefined && cardVersion > version) return { ...base, outcome: 'older', detail: `the card has model ${onCard}, newer than ${semver}` };
  if (rule === 'while-approved' && card.summary.level !== MAX_LEVEL) {
    return { ...base, outcome: 'not-approved', detail: `at Level ${card.summary.level} mltrl holds no ${target.alias} alias: a late event of one it set and removed, nothing to report` };
  }
  try {
    const status = await handle.executeUpdate(reportVersionsUpdate, { args: [{ by: MLFLOW_ACTOR, versions: { model: semver } }] });
    return { ...base, outcome: 'reported', detail: `model ${semver} (${why}); now Level ${status.level}` };
  } catch (error) {
    return { ...base, outcome: 'refused', detail: error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error) };
  }
}

/** Catch-up: every linked model's latest version, reported where a card has an older one or none. */
export async function catchUpMlflow(client: Client, taskQueue: string, registry: MlflowRegistry): Promise<{ reported: Reported[]; problems: string[] }> {
  const { linked, unreadable } = await linkedComponents(client, taskQueue);
  const reported: Reported[] = [];
  const problems = [...unreadable];
  const latest = new Map<string, number | undefined>();
  for (const target of linked) {
    try {
      if (!latest.has(target.model)) latest.set(target.model, (await registry.latestVersion(target.model))?.version);
      const version = latest.get(target.model);
      if (version === undefined) {
        problems.push(`${target.projectId}/${target.componentId}: MLflow has no version of ${target.model}`);
        continue;
      }
      reported.push(await reportRegistryVersion(client, target, version, `catch-up: latest version ${version} of ${target.model}`, 'newer'));
    } catch (error) {
      problems.push(`${target.projectId}/${target.componentId}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return { reported, problems };
}
