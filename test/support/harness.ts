/**
 * A worker for one test file against the shared dev server: its own task queue, the real
 * activities, and a notifier that keeps what it was asked to send so tests can assert on it.
 */
import type { MlflowDependencies } from '../../activities/mlflow.js';
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import type { Notification, Notifier } from '../../activities/index.js';
import { connect } from '../../src/runtime/client.js';
import { createWorker } from '../../src/runtime/worker.js';
import { bundleWorkflows } from '../../src/runtime/workflowBundle.js';
import { temporalAddress } from '../helpers/temporal.js';
import { NO_EMAIL_CAP } from './fixtures.js';
import { PATIENCE_MS } from './patience.js';

export { PATIENCE_MS };

export interface Harness {
  client: Client;
  taskQueue: string;
  sent: Notification[];
  worker: Worker;
  stop(): Promise<void>;
}

let bundle: Promise<{ code: string }> | undefined;
export function workflowBundle(): Promise<{ code: string }> {
  // Bundled as `npm run build` bundles the production workers' code (src/runtime/workflowBundle.ts).
  bundle ??= bundleWorkflows();
  return bundle;
}

export async function startHarness(options: { notifier?: Notifier; maxEmailsPerHour?: number; mlflow?: MlflowDependencies } = {}): Promise<Harness> {
  const address = temporalAddress();
  const taskQueue = `test-${randomUUID()}`;
  const client = await connect({ TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: 'default' });
  const sent: Notification[] = [];
  const notifier: Notifier = options.notifier ?? {
    async send(notification) {
      sent.push(notification);
    },
  };
  const worker = await createWorker({
    address,
    namespace: 'default',
    taskQueue,
    client,
    notifier,
    workflowBundle: await workflowBundle(),
    maxEmailsPerHour: options.maxEmailsPerHour ?? NO_EMAIL_CAP,
    ...(options.mlflow ? { mlflow: options.mlflow } : {}),
  });
  const running = worker.run();
  return {
    client,
    taskQueue,
    sent,
    worker,
    async stop() {
      worker.shutdown();
      await running;
      await client.connection.close();
    },
  };
}

/**
 * Poll until `check` passes (workflow effects such as emails and schedules happen asynchronously).
 * Check the whole state the test asserts on, not a first sign of it.
 */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = PATIENCE_MS, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}
