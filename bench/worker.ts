/**
 * One benchmark worker in its own process, forked by bench/run.ts so every side runs with the same
 * process settings and the memory figure is this process's own:
 *
 *   BENCH_WORKER=mltrl        mltrl's worker exactly as `npm run worker` builds it (createWorker)
 *   BENCH_WORKER=handwritten  the same SDK defaults, polling for bench/workflows/handwritten.ts and
 *                             its notify activity (bench/handwrittenActivities.ts)
 *   BENCH_WORKER=floor        the same SDK defaults, polling for bench/workflows/bare.ts only
 *
 * mltrl and the hand-written equivalent notify through the same Notifier: the log notifier, its
 * lines counted and discarded (the benchmark measures the engines, not a terminal or a mail server).
 *
 * Environment: TEMPORAL_ADDRESS, MLTRL_TASK_QUEUE, MLTRL_MAX_CACHED_WORKFLOWS (as for `npm run
 * worker`; every kind gets the same), BENCH_WORKFLOW_BUNDLE (the kind's workflow code, bundled once
 * by bench/workerProcess.ts as `npm run build` bundles it for production workers). Talks to its parent over the IPC channel: sends `ready` once
 * polling, answers `memory` with its memory usage, CPU time and the emails it sent, and shuts down
 * on `stop`.
 *
 * BENCH_WORKER_OPTIONS (JSON, optional) adds SDK worker options to every kind, to measure a setting
 * before the product's worker offers it, e.g. `{"maxCachedWorkflows":500}` or
 * `{"reuseV8Context":false}`. The mltrl worker is then built as createWorker builds it, plus those.
 *
 * BENCH_WORKER_METRICS (host:port, optional) serves the SDK's worker metrics there for Prometheus.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import v8 from 'node:v8';
import { DefaultLogger, NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { connect } from '../src/runtime/client.js';
import { createActivities } from '../activities/index.js';
import { createLogNotifier, type Notifier } from '../activities/notifications.js';
import { createWorker, DATA_CONVERTER, DEFAULT_MAX_CACHED_WORKFLOWS, installProcessLogging } from '../src/runtime/worker.js';
import { createHandwrittenActivities } from './handwrittenActivities.js';
import type { ToParent, ToWorker, WorkerMemory } from './ipc.js';

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`bench worker: ${name} must be set`);
  return value;
}

function send(message: ToParent): void {
  process.send?.(message);
}

/** VmRSS and VmHWM (peak RSS) from /proc, in bytes. */
function procStatus(): { vmRss: number; vmHwm: number } {
  const status = readFileSync('/proc/self/status', 'utf8');
  const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { vmRss: kib('VmRSS'), vmHwm: kib('VmHWM') };
}

function memory(collect: boolean): WorkerMemory {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (collect && gc) gc();
  const usage = process.memoryUsage();
  return { ...usage, ...procStatus(), collected: collect && gc !== undefined };
}

const kind = required('BENCH_WORKER');
const workflowBundle = { codePath: required('BENCH_WORKFLOW_BUNDLE') };
const address = required('TEMPORAL_ADDRESS');
const taskQueue = required('MLTRL_TASK_QUEUE');
const namespace = process.env['TEMPORAL_NAMESPACE'] ?? 'default';

const extra = JSON.parse(process.env['BENCH_WORKER_OPTIONS'] || 'null') as Partial<WorkerOptions> | null;

// BENCH_WORKER_METRICS (host:port): the SDK's own worker metrics, for Prometheus, so a run can count
// the workflow tasks each workflow type took (bench/portfolio.ts); otherwise the product's logging.
const metricsAddress = process.env['BENCH_WORKER_METRICS'];
if (metricsAddress) Runtime.install({ logger: new DefaultLogger('WARN'), telemetryOptions: { metrics: { prometheus: { bindAddress: metricsAddress } } } });
else installProcessLogging();
const client = await connect({ TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: namespace });

// Both kinds keep as many workflows in memory as the product's worker would: MLTRL_MAX_CACHED_WORKFLOWS
// as `npm run worker` reads it, else createWorker's default.
const cached = process.env['MLTRL_MAX_CACHED_WORKFLOWS'];
const maxCachedWorkflows = cached ? Number(cached) : DEFAULT_MAX_CACHED_WORKFLOWS;

/** Emails sent, one per recipient of each notification: both engines must come to the same count. */
let emails = 0;
const logLines = createLogNotifier(() => {});
const notifier: Notifier = {
  send(notification) {
    emails += notification.to.length;
    return logLines.send(notification);
  },
};
// Components climb in seconds here: no hourly cap may hold an email back.
const maxEmailsPerHour = 1_000_000;

async function build(): Promise<Worker> {
  if (kind === 'mltrl' && extra === null) return createWorker({ address, namespace, taskQueue, client, workflowBundle, maxCachedWorkflows, notifier, maxEmailsPerHour });
  const connection = await NativeConnection.connect({ address });
  const common = { connection, namespace, taskQueue, workflowBundle, maxCachedWorkflows, ...extra };
  switch (kind) {
    case 'mltrl': {
      const activities = createActivities({ client, taskQueue, notifier, maxEmailsPerHour });
      return Worker.create({ ...common, dataConverter: DATA_CONVERTER, activities });
    }
    // The others keep the SDK's default converter, as a team writing them would.
    case 'handwritten':
      return Worker.create({ ...common, activities: createHandwrittenActivities(notifier, maxEmailsPerHour) });
    case 'floor':
      return Worker.create(common);
    default:
      throw new Error(`bench worker: BENCH_WORKER must be mltrl, handwritten or floor, got ${kind}`);
  }
}
const worker = await build();

process.on('message', (message: ToWorker) => {
  if (message.type === 'memory') {
    const cpu = process.cpuUsage();
    send({ type: 'memory', memory: memory(message.collect), cachedWorkflows: worker.getStatus().numCachedWorkflows, cpuMs: (cpu.user + cpu.system) / 1000, emails });
    if (message.resetPeak) writeFileSync('/proc/self/clear_refs', '5');
  }
  if (message.type === 'stop') worker.shutdown();
});
// The parent going away ends the worker too: never leave a poller behind.
process.on('disconnect', () => {
  if (worker.getState() === 'RUNNING') worker.shutdown();
});

const running = worker.run();
send({
  type: 'ready',
  pid: process.pid,
  maxCachedWorkflows: worker.options.maxCachedWorkflows,
  heapSizeLimit: v8.getHeapStatistics().heap_size_limit,
  memory: memory(false),
});
await running;
await client.connection.close();
if (process.connected) process.disconnect();
