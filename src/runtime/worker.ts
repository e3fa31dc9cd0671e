/**
 * A worker: runs mltrl's workflows and activities on the task queue. Run one per process; scale
 * out by starting more (`npm run worker`) against the same Temporal server.
 */
import { DefaultLogger, NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Client } from '@temporalio/client';
import { createActivities, type Notifier } from '../../activities/index.js';
import type { TemporalConnectionOptions } from './connection.js';
import { DATA_CONVERTER, defaultWorkflowSource } from './workflowBundle.js';

export { DATA_CONVERTER, WORKFLOWS_PATH } from './workflowBundle.js';

/** `address`, and for Temporal Cloud or mTLS, `tls` and `apiKey`: see `temporalConnectionOptions`. */
export interface WorkerSetup extends Pick<TemporalConnectionOptions, 'address'>, Partial<Omit<TemporalConnectionOptions, 'address'>> {
  namespace: string;
  taskQueue: string;
  client: Client;
  notifier?: Notifier;
  /**
   * Pre-built workflow bundle (tests bundle once per suite). Without it: dist/workflow-bundle.js when
   * running the compiled build, the sources bundled at start otherwise (src/runtime/workflowBundle.ts).
   */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Workflows kept in memory; see DEFAULT_MAX_CACHED_WORKFLOWS. */
  maxCachedWorkflows?: number;
  /** Emails one address may receive per hour (MLTRL_MAX_EMAILS_PER_HOUR). */
  maxEmailsPerHour?: number;
}

/**
 * Components are long-lived and mostly idle: each cached one holds ~2 MB of sandbox, so a worker
 * keeps the 400 most recently active and replays any other from history when a message arrives.
 * 1,000 idle components then stay well under 1.5 GiB (the SDK's default caches them all).
 */
export const DEFAULT_MAX_CACHED_WORKFLOWS = 400;

export async function createWorker(setup: WorkerSetup): Promise<Worker> {
  const connection = await NativeConnection.connect({
    address: setup.address,
    ...(setup.tls !== undefined ? { tls: setup.tls } : {}),
    ...(setup.apiKey !== undefined ? { apiKey: setup.apiKey } : {}),
  });
  return Worker.create({
    connection,
    namespace: setup.namespace,
    taskQueue: setup.taskQueue,
    ...(setup.workflowBundle ? { workflowBundle: setup.workflowBundle } : defaultWorkflowSource()),
    maxCachedWorkflows: setup.maxCachedWorkflows ?? DEFAULT_MAX_CACHED_WORKFLOWS,
    dataConverter: DATA_CONVERTER,
    activities: createActivities({
      client: setup.client,
      taskQueue: setup.taskQueue,
      ...(setup.notifier ? { notifier: setup.notifier } : {}),
      ...(setup.maxEmailsPerHour ? { maxEmailsPerHour: setup.maxEmailsPerHour } : {}),
    }),
  });
}

/** For long-running processes (`npm start`, `npm run worker`): the SDK logs warnings and errors only. */
export function installProcessLogging(): void {
  Runtime.install({ logger: new DefaultLogger('WARN') });
}
