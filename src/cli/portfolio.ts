/**
 * The operators' commands over the whole portfolio (../portfolio/): `mltrl metrics`, the figures
 * computed from what the workflows recorded, and `mltrl schedules …`, what operators see and steer
 * of the Level 9 re-reviews.
 */
import type { Command } from 'commander';
import { utcSecond } from '../../machines/dates.js';
import { reReviewScheduleId } from '../../workflows/definitions.js';
import { readMetrics } from '../portfolio/read.js';
import { metricsPage, metricsText } from '../portfolio/report.js';
import { listReReviewSchedules, steerReReviewSchedule, type ReReviewSchedule, type ScheduleAction } from '../portfolio/schedules.js';
import { textTable } from '../render/tables.js';
import { formatRef, parseRef, type ComponentRef } from './args.js';
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
      const list = await ctx.session.withClient('schedules', 'the re-review schedules', (client) => listReReviewSchedules(client));
      show(ctx, opts.json, list, schedulesText);
    });

  for (const action of ['trigger', 'pause', 'unpause'] as const) {
    schedules
      .command(action)
      .description(`${action} the re-review schedule of a deployed component`)
      .argument('<ref>', '<projectId>/<componentId>', parseRef)
      .option('--reason <text>', 'why, for the schedule\'s note', `${action} from the mltrl CLI`)
      .action(async (ref: ComponentRef, opts: { reason: string }) => {
        await ctx.session.withClient(`schedules ${action}`, `the re-review schedule of ${formatRef(ref)}`, (client) =>
          steerReReviewSchedule(client, ref.projectId, ref.componentId, action, opts.reason),
        );
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
      const scope = { taskQueue: ctx.session.settings().MLTRL_TASK_QUEUE };
      const metrics = await ctx.session.withClient('metrics', 'the portfolio', (client) => readMetrics(client, scope));
      if (opts.html) ctx.io.out(metricsPage(metrics));
      else show(ctx, opts.json, metrics, metricsText);
    });
}
