/**
 * One benchmark worker in its own process, forked by bench/run.ts so both sides run with the same
 * process settings and the memory figure is this process's own:
 *
 *   BENCH_WORKER=mltrl  mltrl's worker exactly as `npm run worker` builds it (createWorker)
 *   BENCH_WORKER=bare   the same SDK defaults, polling for bench/workflows/bare.ts only
 *
 * Environment: TEMPORAL_ADDRESS, MLTRL_TASK_QUEUE, MLTRL_MAX_CACHED_WORKFLOWS (as for `npm run
 * worker`; the bare worker gets the same). Talks to its parent over the IPC channel: sends
 * `ready` once polling, answers `memory` with its memory usage and CPU time, and shuts down on `stop`.
 *
 * BENCH_WORKER_OPTIONS (JSON, optional) adds SDK worker options to both kinds, to measure a setting
 * before the product's worker offers it, e.g. `{"maxCachedWorkflows":500}` or
 * `{"reuseV8Context":false}`. The mltrl worker is then built as createWorker builds it, plus those.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { connect } from '../src/runtime/client.js';
import { createActivities, type Notifier } from '../activities/index.js';
import { createWorker, DATA_CONVERTER, DEFAULT_MAX_CACHED_WORKFLOWS, installProcessLogging, WORKFLOWS_PATH } from '../src/runtime/worker.js';
import type { ToParent, ToWorker, WorkerMemory } from './ipc.js';

const BARE_WORKFLOWS_PATH = fileURLToPath(new URL('./workflows/bare.ts', import.meta.url));

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
const address = required('TEMPORAL_ADDRESS');
const taskQueue = required('MLTRL_TASK_QUEUE');
const namespace = process.env['TEMPORAL_NAMESPACE'] ?? 'default';

const extra = JSON.parse(process.env['BENCH_WORKER_OPTIONS'] || 'null') as Partial<WorkerOptions> | null;

installProcessLogging();
const client = await connect({ TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: namespace });

// Both kinds keep as many workflows in memory as the product's worker would: MLTRL_MAX_CACHED_WORKFLOWS
// as `npm run worker` reads it, else createWorker's default.
const cached = process.env['MLTRL_MAX_CACHED_WORKFLOWS'];
const maxCachedWorkflows = cached ? Number(cached) : DEFAULT_MAX_CACHED_WORKFLOWS;

const silentNotifier: Notifier = { send: () => Promise.resolve() };

async function build(): Promise<Worker> {
  // Notifications go nowhere: the benchmark measures the engine, not a log or a mail server.
  if (kind === 'mltrl' && extra === null) return createWorker({ address, namespace, taskQueue, client, maxCachedWorkflows, notifier: silentNotifier, maxEmailsPerHour: 1_000_000 });
  const connection = await NativeConnection.connect({ address });
  const common = { connection, namespace, taskQueue, maxCachedWorkflows, ...extra };
  if (kind === 'mltrl') {
    const activities = createActivities({ client, taskQueue, notifier: silentNotifier, maxEmailsPerHour: 1_000_000 });
    return Worker.create({ ...common, workflowsPath: WORKFLOWS_PATH, dataConverter: DATA_CONVERTER, activities });
  }
  // The baseline keeps the SDK's default converter: it measures the SDK alone, and its workflows are not mltrl's.
  return Worker.create({ ...common, workflowsPath: BARE_WORKFLOWS_PATH });
}
const worker = await build();

process.on('message', (message: ToWorker) => {
  if (message.type === 'memory') {
    const cpu = process.cpuUsage();
    send({ type: 'memory', memory: memory(message.collect), cachedWorkflows: worker.getStatus().numCachedWorkflows, cpuMs: (cpu.user + cpu.system) / 1000 });
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
