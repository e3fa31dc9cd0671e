/**
 * A project (an ML system): starts one component workflow per component, keeps each one's last
 * reported level and state, and answers the system level — the minimum over live components.
 * Components outlive the project's runs (ParentClosePolicy.ABANDON): a project continuing as new
 * never disturbs them.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  log,
  ParentClosePolicy,
  patched,
  proxyActivities,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Activities } from '../activities/index.js';
import { PROJECT_BUDGET_BYTES, jsonBytes, overBudget } from '../machines/budget.js';
import { FIGURES_MAX_BYTES, withoutFigures } from '../machines/summary.js';
import { levelDefinition } from '../machines/levels.js';
import type { ComponentDefinition, ProjectDefinition } from '../machines/model.js';
import { ProjectDefinition as ProjectSchema } from '../machines/model.js';
import { systemLevel, type ProjectComponentSummary, type ProjectStatus } from '../machines/status.js';
import { checkInput, parseInput } from '../machines/validation.js';
import type { SwitchbackKind } from '../machines/context.js';
import { dependencyPath, dependentsOf, dependsOnIssues, fieldPath, reportedSwitchback, subsystemStatuses } from '../machines/dependencies.js';
import { componentWorkflow } from './component.js';
import {
  AddComponent,
  ComponentReport,
  FailureType,
  UpdateRoster,
  addComponentUpdate,
  componentChangedSignal,
  componentWorkflowId,
  dependencyFlaggedSignal,
  componentWorkflowInput,
  projectPortfolioQuery,
  projectRosterQuery,
  projectStatusQuery,
  rosterChangedSignal,
  updateRosterUpdate,
} from './definitions.js';
import { parseOrRefuse, refuse } from './failures.js';
import { searchAttributesFor } from './searchAttributes.js';

export interface ProjectCarried {
  definition: ProjectDefinition;
  components: ProjectComponentSummary[];
}

const HISTORY_LIMIT = 2_000;
/** Components (with their branches) one project keeps a summary of: bounds what its runs carry. */
export const MAX_PROJECT_COMPONENTS = 1_000;
/** Patch id: components claiming to come from another are checked against it before they start. */
const CHECK_PROVENANCE = 'check-provenance';
/** Patch id: a new project starts all its components at once (runs begun before start them one by one). */
const START_COMPONENTS_TOGETHER = 'start-components-together';

const { provenanceRefusal } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});


export async function projectWorkflow(input: unknown, carried?: ProjectCarried): Promise<void> {
  // Raw clients can start this workflow with any JSON: validate it here as well as in the CLI.
  const definition: ProjectDefinition = carried?.definition ?? parseOrRefuse(ProjectSchema, input, 'project');
  const components = new Map<string, ProjectComponentSummary>((carried?.components ?? []).map((c) => [c.componentId, c]));

  /** A component's summary: as it starts, or as its latest report has it. */
  function summaryOf(component: ComponentDefinition, report?: ComponentReport, previous?: ProjectComponentSummary): ProjectComponentSummary {
    // A report's definition is the component's own and leaves out `dependsOn`: the project keeps it.
    const dependsOn = component.dependsOn ?? previous?.dependsOn;
    // Likewise its MLflow link, which the webhook route finds linked components by (src/integrations/).
    const mlflow = component.integrations?.mlflow ?? previous?.mlflow;
    return {
      componentId: component.id,
      name: component.name,
      kind: component.kind,
      level: report?.level ?? component.entryLevel,
      phase: report?.phase ?? levelDefinition(component.entryLevel).phase,
      state: report?.state ?? 'working',
      entryLevel: component.entryLevel,
      owner: component.owner.email,
      ...(report?.levelSince !== undefined ? { levelSince: report.levelSince } : {}),
      // A report of an earlier version has no figures: the summary then has none until the next.
      ...(report?.figures ? { figures: report.figures } : {}),
      ...(dependsOn?.length ? { dependsOn } : {}),
      ...(mlflow ? { mlflow } : {}),
    };
  }

  /** What a summary may grow to: its fixed part as it is, its figures at their largest. */
  const summaryBound = (summary: ProjectComponentSummary) => jsonBytes(withoutFigures(summary)) + FIGURES_MAX_BYTES;

  async function startComponent(component: ComponentDefinition): Promise<void> {
    components.set(component.id, summaryOf(component));
    const workflowId = componentWorkflowId(definition.id, component.id);
    try {
      await startChild(componentWorkflow, {
        workflowId,
        parentClosePolicy: ParentClosePolicy.ABANDON,
        typedSearchAttributes: searchAttributesFor({
          projectId: definition.id,
          level: component.entryLevel,
          phase: levelDefinition(component.entryLevel).phase,
          state: 'working',
        }),
        args: [componentWorkflowInput(definition, component)],
      });
    } catch (error) {
      // Already running from an earlier run of this project: it keeps its state.
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }
  }

  /** Refuse a component whose provenance its source does not bear out (see activities/provenance.ts). */
  async function checkProvenance(component: ComponentDefinition, field: string): Promise<void> {
    if (!component.provenance || !patched(CHECK_PROVENANCE)) return;
    const refusal = await provenanceRefusal(component.provenance, field);
    if (refusal) refuse(FailureType.Refused, refusal);
  }

  /** Why the project's state would outgrow its byte budget with `change` applied, if it would. */
  function budgetRefusal(change: { definition?: ProjectDefinition; added?: ComponentDefinition }): string | undefined {
    const next = { definition: change.definition ?? definition, components: [...components.values(), ...(change.added ? [summaryOf(change.added)] : [])] };
    // Each component's figures are counted at their largest: its reports can grow them without asking.
    const total = jsonBytes(next.definition) + next.components.reduce((sum, summary) => sum + summaryBound(summary) + 1, 64);
    return overBudget(`project ${definition.id}`, total, PROJECT_BUDGET_BYTES, { ...next.definition, components: next.components });
  }

  /**
   * Tell every live component that depends on `dependency`, directly or through others, that it
   * switched back. A dependent that cannot be reached (its workflow is gone) is logged and skipped:
   * a flag is news for its owner, never a reason to stop the project.
   */
  async function flagDependents(dependency: string, switched: { from: number; to: number; kind?: SwitchbackKind }): Promise<void> {
    const graph = [...components.values()].map((c) => ({ id: c.componentId, dependsOn: c.dependsOn }));
    const dependents = dependentsOf(graph, dependency).filter((d) => components.get(d.componentId)?.state !== 'retired');
    await Promise.all(
      dependents.map(async (dependent) => {
        const flag = { dependency, ...switched, via: dependent.via, reason: dependencyPath(dependent, dependency) };
        try {
          await getExternalWorkflowHandle(componentWorkflowId(definition.id, dependent.componentId)).signal(dependencyFlaggedSignal, flag);
        } catch (error) {
          log.warn('dependency flag not delivered', { componentId: dependent.componentId, dependency, error: String(error) });
        }
      }),
    );
  }

  const portfolio = (): ProjectStatus => {
    const list = [...components.values()].sort((a, b) => a.componentId.localeCompare(b.componentId));
    return {
      projectId: definition.id,
      name: definition.name,
      owners: definition.owners,
      profile: definition.policy.profile ?? 'default',
      systemLevel: systemLevel(list),
      components: list,
      ...(definition.subsystems ? { subsystems: subsystemStatuses(definition.subsystems, list) } : {}),
    };
  };
  const status = (): ProjectStatus => {
    const whole = portfolio();
    return { ...whole, components: whole.components.map(withoutFigures) };
  };

  setHandler(projectStatusQuery, status);
  setHandler(projectPortfolioQuery, portfolio);
  // A query adds no command to the history: runs recorded before it replay as they did.
  setHandler(projectRosterQuery, () => definition.roster);

  // Reports come from the project's own components and their branches; anything else is ignored.
  setHandler(componentChangedSignal, (raw) => {
    const parsed = checkInput(ComponentReport, raw, 'componentChanged');
    if (!parsed.success) {
      log.warn('componentChanged ignored: not a component report', { problem: parsed.message });
      return;
    }
    const report = parsed.data;
    const { provenance } = report.component;
    const known =
      components.has(report.component.id) || (provenance?.kind === 'branched' && provenance.projectId === definition.id && components.has(provenance.componentId));
    if (!known) {
      log.warn('componentChanged ignored: not a component of this project', { componentId: report.component.id });
      return;
    }
    if (!components.has(report.component.id) && components.size >= MAX_PROJECT_COMPONENTS) {
      log.warn('componentChanged ignored: the project holds its most components', { componentId: report.component.id, max: MAX_PROJECT_COMPONENTS });
      return;
    }
    const previous = components.get(report.component.id);
    components.set(report.component.id, summaryOf(report.component, report, previous));
    const switched = previous ? reportedSwitchback(previous, report) : undefined;
    // Only a project whose components depend on others has dependents to tell: others send nothing.
    if (switched) return flagDependents(report.component.id, switched);
  });

  setHandler(
    addComponentUpdate,
    async (raw) => {
      const component = parseInput(AddComponent, raw, 'addComponent');
      await checkProvenance(component, 'provenance');
      await startComponent(component);
      return status();
    },
    {
      validator: (raw) => {
        const component = parseOrRefuse(AddComponent, raw, 'addComponent');
        if (components.has(component.id)) refuse(FailureType.Refused, `id: component ${component.id} already exists in project ${definition.id}`);
        const unknown = dependsOnIssues(component, new Set(components.keys()), []);
        if (unknown.length > 0) refuse(FailureType.Refused, unknown.map((issue) => `${fieldPath(issue.path)}: ${issue.message}`).join('; '));
        if (components.size >= MAX_PROJECT_COMPONENTS) refuse(FailureType.Refused, `id: project ${definition.id} holds ${MAX_PROJECT_COMPONENTS} components, the most one project keeps`);
        const full = budgetRefusal({ added: component });
        if (full) refuse(FailureType.Refused, full);
      },
    },
  );

  setHandler(
    updateRosterUpdate,
    async (raw) => {
      const { roster } = parseInput(UpdateRoster, raw, 'updateRoster');
      definition.roster = roster;
      for (const component of components.values()) {
        if (component.state === 'retired') continue;
        await getExternalWorkflowHandle(componentWorkflowId(definition.id, component.componentId)).signal(rosterChangedSignal, { roster });
      }
      return status();
    },
    {
      validator: (raw) => {
        const { by, roster } = parseOrRefuse(UpdateRoster, raw, 'updateRoster');
        if (!definition.owners.some((owner) => owner.email === by)) refuse(FailureType.Refused, `by: only a project owner may change the roster`);
        const full = budgetRefusal({ definition: { ...definition, roster } });
        if (full) refuse(FailureType.Refused, full);
      },
    },
  );

  if (!carried) {
    // Every claim is checked before any component starts, so a refused project starts nothing.
    for (const [index, component] of definition.components.entries()) await checkProvenance(component, `components[${index}].provenance`);
    // Started in one workflow task: one at a time, a project of a hundred took a hundred tasks,
    // each replaying its growing history whenever the worker's cache had dropped it meanwhile.
    if (patched(START_COMPONENTS_TOGETHER)) await Promise.all(definition.components.map(startComponent));
    else for (const component of definition.components) await startComponent(component);
  }

  await condition(() => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > HISTORY_LIMIT);
  await condition(allHandlersFinished);
  await continueAsNew<typeof projectWorkflow>(definition, { definition, components: [...components.values()] });
}
