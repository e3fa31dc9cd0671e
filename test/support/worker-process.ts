/**
 * A worker in its own process, for tests that kill it: `node --import tsx test/support/worker-process.ts`.
 *
 * Environment:
 * - TEMPORAL_ADDRESS, MLTRL_TASK_QUEUE (required): where to poll;
 * - NOTIFY_LOG (required): every notification is appended to this file as one JSON line, so the
 *   test can count what reached people across worker processes;
 * - MLTRL_WORKFLOW_BUNDLE (optional): a file holding a bundle from bundleWorkflowCode, so a restart
 *   does not spend seconds bundling again;
 * - MLTRL_WEBHOOKS (optional): webhook endpoints, as the production worker reads them.
 *
 * Prints `worker ready` on stdout once it polls.
 */
import { appendFileSync } from 'node:fs';
import type { Notifier } from '../../activities/index.js';
import { WebhooksVariable } from '../../activities/webhooks.js';
import { connect } from '../../src/runtime/client.js';
import { createWorker } from '../../src/runtime/worker.js';
import { NO_EMAIL_CAP } from './fixtures.js';

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    console.error(`worker-process: ${name} must be set`);
    process.exit(2);
  }
  return value;
}

const address = required('TEMPORAL_ADDRESS');
const taskQueue = required('MLTRL_TASK_QUEUE');
const notifyLog = required('NOTIFY_LOG');
const bundlePath = process.env['MLTRL_WORKFLOW_BUNDLE'];
const webhooks = process.env['MLTRL_WEBHOOKS'] ? { endpoints: WebhooksVariable.parse(process.env['MLTRL_WEBHOOKS']) } : undefined;

const notifier: Notifier = {
  send(notification) {
    appendFileSync(notifyLog, `${JSON.stringify({ pid: process.pid, ...notification })}\n`);
    return Promise.resolve();
  },
};

const client = await connect({ TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: 'default' });
const worker = await createWorker({
  address,
  namespace: 'default',
  taskQueue,
  client,
  notifier,
  maxEmailsPerHour: NO_EMAIL_CAP,
  ...(webhooks ? { webhooks } : {}),
  // Loaded as production workers load dist/workflow-bundle.js.
  ...(bundlePath ? { workflowBundle: { codePath: bundlePath } } : {}),
});

// SIGTERM and SIGINT shut the worker down gracefully (the SDK's runtime handles them); tests that
// mean a crash send SIGKILL.
const running = worker.run();
console.log('worker ready');
await running;
await client.connection.close();
