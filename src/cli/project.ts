/** `mltrl project …` and `mltrl status`: starting and growing projects, and where everything stands. */
import type { Client } from '@temporalio/client';
import type { Command } from 'commander';
import { parseInput } from '../../machines/validation.js';
import {
  AddComponent,
  UpdateRoster,
  addComponentUpdate,
  projectStatusQuery,
  statusQuery,
  updateRosterUpdate,
} from '../../workflows/definitions.js';
import { componentHandle, parseProject, projectHandle, startProject } from '../runtime/client.js';
import { holdingBelow } from '../portfolio/holding.js';
import { readRisksOf } from '../portfolio/risks.js';
import { level, parseTarget, readJsonFile, slug } from './args.js';
import { UsageError } from './errors.js';
import { holdingText } from './holding.js';
import { byOption, jsonOption, show, type Context } from './context.js';
import { componentStatusText, projectStatusText, startedText } from './format.js';
import { projectRisksText } from './risks.js';

/** Components are started by the project workflow; wait briefly so the next command finds them. */
async function notYetRunning(client: Client, projectId: string, componentIds: string[], timeoutMs = 10_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let waiting = componentIds;
  for (;;) {
    const running = await Promise.all(waiting.map((id) => componentHandle(client, projectId, id).describe().then(() => true, () => false)));
    waiting = waiting.filter((_, index) => !running[index]);
    if (waiting.length === 0 || Date.now() > deadline) return waiting;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export function registerProjectCommands(program: Command, ctx: Context): void {
  const project = program.command('project').description('start a project and change its components or roster');

  project
    .command('start')
    .description('start a project from its definition file (JSON; see SPEC §5)')
    .argument('<file>', 'project definition, e.g. project.json')
    .action(async (file: string) => {
      const definition = parseProject(readJsonFile(file, 'project file'));
      const taskQueue = ctx.session.settings().MLTRL_TASK_QUEUE;
      const subject = `project ${definition.id}`;
      const handle = await ctx.session.withClient('project start', subject, (client) =>
        startProject(client, taskQueue, definition, { minPolicyInterval: ctx.session.settings().MLTRL_MIN_POLICY_INTERVAL }),
      );
      const waiting = await ctx.session.withClient('project start', subject, (client) =>
        notYetRunning(client, definition.id, definition.components.map((c) => c.id)),
      );
      ctx.io.out(startedText(definition, handle.workflowId, taskQueue, waiting));
    });

  project
    .command('add-component')
    .description('add a component to a running project')
    .argument('<projectId>', 'the project', slug('projectId'))
    .argument('<file>', 'component definition (JSON: id, name, kind, entryLevel, owner)')
    .action(async (projectId: string, file: string) => {
      const what = 'project add-component';
      const component = parseInput(AddComponent, readJsonFile(file, 'component file'), what);
      const status = await ctx.session.withProject(projectId, what, (handle) => handle.executeUpdate(addComponentUpdate, { args: [component] }));
      await ctx.session.withClient(what, `project ${projectId}`, (client) => notYetRunning(client, projectId, [component.id]));
      ctx.io.out(`added ${projectId}/${component.id} at Level ${component.entryLevel}\n\n${projectStatusText(status)}`);
    });

  project
    .command('roster')
    .description("replace a project's roster (JSON: role -> [{ name, email }]); project owners only")
    .argument('<projectId>', 'the project', slug('projectId'))
    .argument('<file>', 'roster file, e.g. roster.json')
    .addOption(byOption('a project owner (email)'))
    .action(async (projectId: string, file: string, opts: { by: string }) => {
      const what = 'project roster';
      const payload = parseInput(UpdateRoster, { by: opts.by, roster: readJsonFile(file, 'roster file') }, what);
      const status = await ctx.session.withProject(projectId, what, (handle) => handle.executeUpdate(updateRosterUpdate, { args: [payload] }));
      ctx.io.out(`roster of ${projectId} updated\n\n${projectStatusText(status)}`);
    });

  program
    .command('status')
    .description("a project's system level, components and risk matrix, or one component's level, review and gate")
    .argument('<target>', '<projectId> or <projectId>/<componentId>', parseTarget)
    .option('--below <level>', "a project's components below this level (0-9) and what each one's gate still misses", level('--below'))
    .addOption(jsonOption())
    .action(async (target: ReturnType<typeof parseTarget>, opts: { json?: boolean; below?: number }) => {
      if ('componentId' in target && opts.below !== undefined) throw new UsageError('--below: applies to a project (mltrl status <projectId> --below N), not to one component');
      if (opts.below !== undefined) {
        const below = opts.below;
        const holding = await ctx.session.withClient('status', `project ${target.projectId}`, (client) => holdingBelow(client, target.projectId, below));
        show(ctx, opts.json, holding, holdingText);
      } else if ('componentId' in target) {
        const status = await ctx.session.withComponent(target, 'status', (handle) => handle.query(statusQuery));
        show(ctx, opts.json, status, componentStatusText);
      } else {
        // One project's view may ask its components for their cards: the risk matrix is read from them.
        const { status, risks } = await ctx.session.withClient('status', `project ${target.projectId}`, async (client) => {
          const status = await projectHandle(client, target.projectId).query(projectStatusQuery);
          return { status, risks: await readRisksOf(client, status) };
        });
        show(ctx, opts.json, { ...status, risks }, () => `${projectStatusText(status)}\n\n${projectRisksText(risks)}`);
      }
    });
}
