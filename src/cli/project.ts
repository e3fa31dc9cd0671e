/** `mltrl project …` and `mltrl status`: starting and growing projects, and where everything stands. */
import type { Command } from 'commander';
import { parseInput } from '../../machines/validation.js';
import { AddComponent, UpdateRoster } from '../../workflows/definitions.js';
import { parseProject } from '../runtime/client.js';
import { level, parseTarget, readJsonFile, slug } from './args.js';
import { UsageError } from './errors.js';
import { holdingText } from './holding.js';
import { actingSchema, byOption, jsonOption, show, type Context } from './context.js';
import { componentStatusText, projectStatusText, startedText } from './format.js';
import { projectRisksText } from './risks.js';

export function registerProjectCommands(program: Command, ctx: Context): void {
  const project = program.command('project').description('start a project and change its components or roster');

  project
    .command('start')
    .description('start a project from its definition file (JSON; see SPEC §5)')
    .argument('<file>', 'project definition, e.g. project.json')
    .action(async (file: string) => {
      const definition = parseProject(readJsonFile(file, 'project file'));
      const { workflowId, taskQueue, waiting } = await ctx.session.startProject('project start', definition);
      ctx.io.out(startedText(definition, workflowId, taskQueue, waiting));
    });

  project
    .command('add-component')
    .description('add a component to a running project')
    .argument('<projectId>', 'the project', slug('projectId'))
    .argument('<file>', 'component definition (JSON: id, name, kind, entryLevel, owner)')
    .action(async (projectId: string, file: string) => {
      const what = 'project add-component';
      const component = parseInput(AddComponent, readJsonFile(file, 'component file'), what);
      const status = await ctx.session.addComponent(what, projectId, component);
      ctx.io.out(`added ${projectId}/${component.id} at Level ${component.entryLevel}\n\n${projectStatusText(status)}`);
    });

  project
    .command('roster')
    .description("replace a project's roster (JSON: role -> [{ name, email }]); project owners only")
    .argument('<projectId>', 'the project', slug('projectId'))
    .argument('<file>', 'roster file, e.g. roster.json')
    .addOption(byOption(ctx, 'a project owner (email)'))
    .action(async (projectId: string, file: string, opts: { by?: string }) => {
      const what = 'project roster';
      const payload = parseInput(actingSchema(UpdateRoster, 'by', opts.by), { by: opts.by, roster: readJsonFile(file, 'roster file') }, what);
      const status = await ctx.session.updateRoster(what, projectId, payload);
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
        const holding = await ctx.session.holding('status', target.projectId, below);
        show(ctx, opts.json, holding, holdingText);
      } else if ('componentId' in target) {
        const status = await ctx.session.componentStatus('status', target);
        show(ctx, opts.json, status, componentStatusText);
      } else {
        const { status, risks } = await ctx.session.projectView('status', target.projectId);
        show(ctx, opts.json, { ...status, risks }, () => `${projectStatusText(status)}\n\n${projectRisksText(risks)}`);
      }
    });
}
