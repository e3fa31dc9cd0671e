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
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { levelDefinition } from '../machines/levels.js';
import type { ComponentDefinition, ProjectDefinition } from '../machines/model.js';
import { ProjectDefinition as ProjectSchema } from '../machines/model.js';
import { systemLevel, type ProjectComponentSummary, type ProjectStatus } from '../machines/status.js';
import { describeIssues, parseInput } from '../machines/validation.js';
import { componentWorkflow } from './component.js';
import {
  AddComponent,
  ComponentReport,
  FailureType,
  UpdateRoster,
  addComponentUpdate,
  componentChangedSignal,
  componentWorkflowId,
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


export async function projectWorkflow(input: unknown, carried?: ProjectCarried): Promise<void> {
  // Raw clients can start this workflow with any JSON: validate it here as well as in the CLI.
  const definition: ProjectDefinition = carried?.definition ?? parseOrRefuse(ProjectSchema, input, 'project');
  const components = new Map<string, ProjectComponentSummary>((carried?.components ?? []).map((c) => [c.componentId, c]));

  function summaryOf(component: ComponentDefinition): ProjectComponentSummary {
    return {
      componentId: component.id,
      name: component.name,
      kind: component.kind,
      level: component.entryLevel,
      phase: levelDefinition(component.entryLevel).phase,
      state: 'working',
      entryLevel: component.entryLevel,
    };
  }

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
        args: [
          {
            projectId: definition.id,
            projectName: definition.name,
            component,
            projectOwners: definition.owners,
            roster: definition.roster,
            policy: definition.policy,
          },
        ],
      });
    } catch (error) {
      // Already running from an earlier run of this project: it keeps its state.
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }
  }

  const status = (): ProjectStatus => {
    const list = [...components.values()].sort((a, b) => a.componentId.localeCompare(b.componentId));
    return { projectId: definition.id, name: definition.name, owners: definition.owners, systemLevel: systemLevel(list), components: list };
  };

  setHandler(projectStatusQuery, status);

  // Reports come from the project's own components and their branches; anything else is ignored.
  setHandler(componentChangedSignal, (raw) => {
    const parsed = ComponentReport.safeParse(raw);
    if (!parsed.success) {
      log.warn('componentChanged ignored: not a component report', { problem: describeIssues(parsed.error) });
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
    components.set(report.component.id, {
      componentId: report.component.id,
      name: report.component.name,
      kind: report.component.kind,
      level: report.level,
      phase: report.phase,
      state: report.state,
      entryLevel: report.component.entryLevel,
    });
  });

  setHandler(
    addComponentUpdate,
    async (raw) => {
      await startComponent(parseInput(AddComponent, raw, 'addComponent'));
      return status();
    },
    {
      validator: (raw) => {
        const component = parseOrRefuse(AddComponent, raw, 'addComponent');
        if (components.has(component.id)) refuse(FailureType.Refused, `id: component ${component.id} already exists in project ${definition.id}`);
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
        const { by } = parseOrRefuse(UpdateRoster, raw, 'updateRoster');
        if (!definition.owners.some((owner) => owner.email === by)) refuse(FailureType.Refused, `by: only a project owner may change the roster`);
      },
    },
  );

  if (!carried) {
    for (const component of definition.components) await startComponent(component);
  }

  await condition(() => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > HISTORY_LIMIT);
  await condition(allHandlersFinished);
  await continueAsNew<typeof projectWorkflow>(definition, { definition, components: [...components.values()] });
}
