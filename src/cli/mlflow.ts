/**
 * `mltrl mlflow sync`: the catch-up MLflow's webhooks need (MLflow keeps no deliveries, so one sent
 * while mltrl was down is lost). Reads the latest version of every linked registered model and
 * reports it to each linked component whose card has an older model version or none.
 */
import type { Command } from 'commander';
import { catchUpMlflow } from '../integrations/mlflowLinks.js';
import { mlflowRegistry } from '../integrations/mlflowRegistry.js';
import { jsonOption, show, type Context } from './context.js';
import { UsageError } from './errors.js';

export function registerMlflowCommands(program: Command, ctx: Context): void {
  const mlflow = program.command('mlflow').description("MLflow's Model Registry: components linked to registered models");
  mlflow
    .command('sync')
    .description('report the latest version of every linked model to components whose card has an older one (catch-up after missed webhooks)')
    .addOption(jsonOption())
    .action(async (opts: { json?: boolean }) => {
      // Temporal only: the HTTP API has no route for it (through the API this is refused, naming the command).
      const result = await ctx.session.withTemporal('mlflow sync', 'the linked components', (settings) => {
        if (!settings.MLTRL_MLFLOW_URL) throw new UsageError('mlflow sync: MLTRL_MLFLOW_URL is not set: say where the MLflow tracking server is');
        const registry = mlflowRegistry(settings.MLTRL_MLFLOW_URL);
        return (client) => catchUpMlflow(client, settings.MLTRL_TASK_QUEUE, registry);
      });
      show(ctx, opts.json, result, ({ reported, problems }) =>
        [
          ...(reported.length === 0 && problems.length === 0 ? ['no running component is linked to an MLflow model'] : []),
          ...reported.map((r) => `${r.projectId}/${r.componentId}: ${r.outcome}, ${r.detail}`),
          ...problems.map((p) => `not synced: ${p}`),
        ].join('\n'),
      );
    });
}
