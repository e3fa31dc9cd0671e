/**
 * The operators' commands over the whole portfolio (../portfolio/): `mltrl projects`, a page of the
 * running projects; `mltrl metrics`, the figures computed from what the workflows recorded; and
 * `mltrl schedules …`, what operators see and steer of the Level 9 re-reviews.
 */
import type { Command } from 'commander';
import { utcSecond } from '../../machines/dates.js';
import { reReviewScheduleId } from '../../workflows/definitions.js';
import { ProjectFilter, givenFilters, type Page } from '../portfolio/projects.js';
import { parseInput } from '../../machines/validation.js';
import type { ProjectStatus } from '../../workflows/definitions.js';
import { metricsPage, metricsText, notRead } from '../portfolio/report.js';
import type { ReReviewSchedule, ScheduleAction } from '../portfolio/schedules.js';
import { textTable } from '../render/tables.js';
import { parseRef, type ComponentRef } from './args.js';
import { jsonOption, show, type Context } from './context.js';

function schedulesText(schedules: ReReviewSchedule[]): string {
  if (schedules.length === 0) return 'No re-review schedules: no component is at Level 9.';
  return textTable(
    ['component', 'every', 'next fire', 'recent fires', 'paused', 'schedule id'],
    schedules.map((s) => [
      `${s.projectId}/${s.componentId}`,
      s.every,
      s.nextFires[0] ? utcSecond(s.nextFires[0]) : null,
      s.recentFires.length ? `${s.recentFires.length}, last ${utcSecond(s.recentFires.at(-1)!)}` : 'none',
      s.paused ? 'yes' : 'no',
      s.scheduleId,
    ]),
  );
}

const DONE: Record<ScheduleAction, string> = {
  trigger: 'fired now: a re-review opens unless one is already open',
  pause: 'paused',
  unpause: 'unpaused',
};

export function registerScheduleCommands(program: Command, ctx: Context): void {
  const schedules = program
    .command('schedules')
    .description('Level 9 re-review schedules: list them, or trigger, pause or unpause one')
    .addOption(jsonOption())
    .action(async (opts: { json?: boolean }) => {
      const list = await ctx.session.schedules('schedules');
      show(ctx, opts.json, list, schedulesText);
    });

  for (const action of ['trigger', 'pause', 'unpause'] as const) {
    schedules
      .command(action)
      .description(`${action} the re-review schedule of a deployed component`)
      .argument('<ref>', '<projectId>/<componentId>', parseRef)
      .option('--reason <text>', 'why, for the schedule\'s note', `${action} from the mltrl CLI`)
      .action(async (ref: ComponentRef, opts: { reason: string }) => {
        await ctx.session.steerSchedule(`schedules ${action}`, ref, action, opts.reason);
        ctx.io.out(`${reReviewScheduleId(ref.projectId, ref.componentId)}: ${DONE[action]}`);
      });
  }
}

export function registerMetricsCommand(program: Command, ctx: Context): void {
  program
    .command('metrics')
    .description('time per level, review turnaround, switchback paths, components per level and phase, system levels')
    .addOption(jsonOption())
    .option('--html', 'a standalone HTML page with the charts')
    .action(async (opts: { json?: boolean; html?: boolean }) => {
      const metrics = await ctx.session.metrics('metrics');
      if (opts.html) ctx.io.out(await metricsPage(metrics));
      else show(ctx, opts.json, metrics, metricsText);
    });
}

function projectsText(page: Page<ProjectStatus>): string {
  const lines: string[] = [];
  if (page.unreadable.length > 0) lines.push(notRead(page.unreadable), '');
  lines.push(
    page.items.length === 0
      ? 'No running project matches.'
      : textTable(
          ['PROJECT', 'SYSTEM LEVEL', 'COMPONENTS', 'IN REVIEW', 'NAME'],
          page.items.map((p) => [p.projectId, p.systemLevel, p.components.length, p.components.filter((c) => c.state === 'in-review').length, p.name]),
        ),
    '',
    `page ${page.page} of ${page.pages} (${page.total} project${page.total === 1 ? '' : 's'})`,
  );
  return lines.join('\n');
}

export function registerProjectsCommand(program: Command, ctx: Context): void {
  program
    .command('projects')
    .description('the running projects, a page at a time: system level, components, reviews open')
    .option('--project <text>', 'only projects whose id contains this')
    .option('--owner <email>', 'only projects this person owns, or owns a component of')
    .option('--level <n>', 'only projects at this system level')
    .option('--page <n>', 'which page, from 1')
    .option('--page-size <n>', 'projects per page, 1 to 200 (default 25)')
    .addOption(jsonOption())
    .action(async (opts: { project?: string; owner?: string; level?: string; page?: string; pageSize?: string; json?: boolean }) => {
      const { json, ...given } = opts;
      const filter = parseInput(ProjectFilter, givenFilters(given), 'options');
      const page = await ctx.session.projects('projects', filter);
      show(ctx, json, page, projectsText);
    });
}
