/** `mltrl metrics`: the portfolio's figures, computed from what the workflows recorded. */
import type { Command } from 'commander';
import { computeMetrics } from '../portfolio/metrics.js';
import { metricsPage, metricsText } from '../portfolio/report.js';
import { readComponents, readProjects } from '../portfolio/read.js';
import { jsonOption, show, type Context } from './context.js';

export function registerMetricsCommand(program: Command, ctx: Context): void {
  program
    .command('metrics')
    .description('time per level, review turnaround, switchback paths, components per level and phase, system levels')
    .addOption(jsonOption())
    .option('--html', 'a standalone HTML page with the charts')
    .action(async (opts: { json?: boolean; html?: boolean }) => {
      const scope = { taskQueue: ctx.session.settings().MLTRL_TASK_QUEUE };
      const metrics = await ctx.session.withClient('metrics', 'the portfolio', async (client) => {
        const [components, projects] = await Promise.all([readComponents(client, scope), readProjects(client, scope)]);
        return computeMetrics(components, projects);
      });
      if (opts.html) ctx.io.out(metricsPage(metrics));
      else show(ctx, opts.json, metrics, metricsText);
    });
}
