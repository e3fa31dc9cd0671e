/**
 * A worker: runs mltrl's workflows and activities on the task queue. Run one per process; scale
 * out by starting more (`npm run worker`) against the same Temporal server.
 */
import { DefaultLogger, NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Client } from '@temporalio/client';
import { createActivities, type Notifier, type WebhookSetup } from '../../activities/index.js';
import type { MlflowDependencies } from '../../activities/mlflow.js';
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
  /** Endpoints that receive lifecycle events (MLTRL_WEBHOOKS; see webhooksFromConfig). */
  webhooks?: WebhookSetup;
  /** MLflow's address (MLTRL_MLFLOW_URL) and the cards' public address, for components linked to a registered model. */
  mlflow?: MlflowDependencies;
}

/**
 * Components are long-lived and mostly idle: each cached one holds about 3 MiB of sandbox (the SDK's
 * and zod's modules are evaluated per workflow), so a worker keeps the 100 most recently active and
 * replays any other from history when a message arrives (about 140 ms at p50 for a component that
 * climbed 0 to 9; bench/README.md). With the heap capped at WORKER_HEAP_MIB, 1,000 idle components
 * starting and being read keep the worker under 1 GiB at its peak; uncapped, V8 collects evicted
 * workflows lazily and the worker peaks near 2.7 GiB whatever the cache.
 */
export const DEFAULT_MAX_CACHED_WORKFLOWS = 100;
/** The V8 heap the production worker runs with (`--max-old-space-size`, see package.json and the Dockerfile). */
export const WORKER_HEAP_MIB = 640;
/** What a worker needs besides its cached workflows, and each cached workflow, in heap. */
const BASE_HEAP_MIB = 250;
const HEAP_PER_CACHED_MIB = 3;

/**
 * A warning when the heap cannot hold the cache (the worker would run out of memory as components
 * wake), or is not capped (it would grow to gigabytes before V8 collects): undefined when it fits.
 */
export function heapWarning(maxCachedWorkflows: number, heapLimitBytes: number): string | undefined {
  const heapMiB = Math.round(heapLimitBytes / 1_048_576);
  const needed = BASE_HEAP_MIB + maxCachedWorkflows * HEAP_PER_CACHED_MIB;
  if (heapMiB < needed) {
    return `a heap of ${heapMiB} MiB cannot hold ${maxCachedWorkflows} cached components (about ${needed} MiB): lower MLTRL_MAX_CACHED_WORKFLOWS or raise --max-old-space-size`;
  }
  if (heapMiB > 4 * needed) {
    return `the heap is not capped (${heapMiB} MiB): evicted components are collected late and memory peaks far above what ${maxCachedWorkflows} cached components need; run Node with --max-old-space-size=${Math.max(needed, WORKER_HEAP_MIB)}`;
  }
  return undefined;
}

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
      ...(setup.webhooks ? { webhooks: setup.webhooks } : {}),
      ...(setup.mlflow ? { mlflow: setup.mlflow } : {}),
    }),
  });
}

/** For long-running processes (`npm start`, `npm run worker`): the SDK logs warnings and errors only. */
export function installProcessLogging(): void {
  Runtime.install({ logger: new DefaultLogger('WARN') });
}
