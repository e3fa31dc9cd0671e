/** `npm run worker`: one worker process alone, for scaling out against a running Temporal server. */
import { connect } from './runtime/client.js';
import { ConfigError, loadConfig, mlflowFromConfig, webhooksFromConfig } from './runtime/config.js';
import { describeSecurity, temporalConnectionOptions } from './runtime/connection.js';
import { notifierFromConfig } from './runtime/mail.js';
import { getHeapStatistics } from 'node:v8';
import { createWorker, DEFAULT_MAX_CACHED_WORKFLOWS, heapWarning, installProcessLogging } from './runtime/worker.js';
import { describeWorkflowSource } from './runtime/workflowBundle.js';

async function main(): Promise<void> {
  // Which Node.js runs the worker: the project pins one (package.json's `node`), and this line shows it was used.
  console.log(`mltrl worker: Node.js ${process.version}, ${describeWorkflowSource()}`);
  const config = loadConfig();
  installProcessLogging();
  const connection = temporalConnectionOptions(config);
  const client = await connect(config);
  // Email when SMTP_URL is set (the link secret is then required); the worker's log otherwise.
  const { notifier, describe } = notifierFromConfig(config);
  const worker = await createWorker({ ...connection, namespace: config.TEMPORAL_NAMESPACE, taskQueue: config.MLTRL_TASK_QUEUE, client, notifier, maxCachedWorkflows: config.MLTRL_MAX_CACHED_WORKFLOWS, maxEmailsPerHour: config.MLTRL_MAX_EMAILS_PER_HOUR, webhooks: webhooksFromConfig(config), mlflow: mlflowFromConfig(config) });
  const cached = config.MLTRL_MAX_CACHED_WORKFLOWS ?? DEFAULT_MAX_CACHED_WORKFLOWS;
  const heap = heapWarning(cached, getHeapStatistics().heap_size_limit);
  if (heap) console.warn(`mltrl worker: warning: ${heap}`);
  process.once('SIGINT', () => worker.shutdown());
  process.once('SIGTERM', () => worker.shutdown());
  console.log(`mltrl worker on task queue ${config.MLTRL_TASK_QUEUE} at ${config.TEMPORAL_ADDRESS} (${describeSecurity(connection)}); notifications ${describe}; webhooks to ${config.MLTRL_WEBHOOKS?.length ?? 0} endpoint(s)`);
  try {
    await worker.run();
  } finally {
    await client.connection.close();
  }
}

main().catch((error: unknown) => {
  console.error(`mltrl worker: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(error instanceof ConfigError ? 2 : 1);
});
