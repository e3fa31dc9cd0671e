/**
 * Forks bench/worker.ts and talks to it: wait until it polls, read its memory and counters, stop it.
 * Each side's workflow code is bundled once, here, as `npm run build` bundles it for production
 * workers: the workers then load it in a second instead of bundling it each time they start.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import { bundleWorkflows } from '../src/runtime/workflowBundle.js';
import { WORKER_HEAP_MIB } from '../src/runtime/worker.js';
import type { ToParent, ToWorker, WorkerMemory } from './ipc.js';
import type { Side } from './drive.js';

const WORKER_SCRIPT = fileURLToPath(new URL('./worker.ts', import.meta.url));
const WORKFLOWS: Record<Exclude<Side, 'mltrl'>, string> = {
  handwritten: fileURLToPath(new URL('./workflows/handwritten.ts', import.meta.url)),
  floor: fileURLToPath(new URL('./workflows/bare.ts', import.meta.url)),
};
const silent = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} };

let bundleDir: string | undefined;
const bundles = new Map<Side, string>();

/** Bundles every side's workflow code into a temporary directory (removeBundles deletes it). */
export async function prepareBundles(sides: readonly Side[]): Promise<void> {
  bundleDir ??= mkdtempSync(join(tmpdir(), 'mltrl-bench-'));
  for (const side of sides) {
    // mltrl's as the product bundles it (src/runtime/workflowBundle.ts); the others with the SDK's defaults.
    const { code } = side === 'mltrl' ? await bundleWorkflows() : await bundleWorkflowCode({ workflowsPath: WORKFLOWS[side], logger: silent });
    const path = join(bundleDir, `${side}.js`);
    writeFileSync(path, code);
    bundles.set(side, path);
  }
}

export function removeBundles(): void {
  if (bundleDir) rmSync(bundleDir, { recursive: true, force: true });
  bundleDir = undefined;
  bundles.clear();
}

export interface BenchWorker {
  kind: Side;
  taskQueue: string;
  pid: number;
  maxCachedWorkflows: number;
  heapSizeLimit: number;
  /** `resetPeak`: VmHWM starts again from the current RSS after this reading. */
  memory(collect: boolean, resetPeak?: boolean): Promise<{ memory: WorkerMemory; cachedWorkflows: number; cpuMs: number; emails: number }>;
  stop(): Promise<void>;
}

/**
 * Node flags for every side's worker: the production worker's heap cap (`npm run worker:prod`, the
 * image), unless BENCH_WORKER_NODE_FLAGS says otherwise (e.g. `--max-old-space-size=1024`, or empty).
 */
export const WORKER_NODE_FLAGS = process.env['BENCH_WORKER_NODE_FLAGS'] ?? `--max-old-space-size=${WORKER_HEAP_MIB}`;

/** `maxCachedWorkflows`: overrides MLTRL_MAX_CACHED_WORKFLOWS for this worker; `env`: more variables for it. */
export async function startWorker(kind: Side, address: string, taskQueue: string, maxCachedWorkflows?: number, env: Record<string, string> = {}): Promise<BenchWorker> {
  const bundle = bundles.get(kind);
  if (!bundle) throw new Error(`no workflow bundle for ${kind}: prepareBundles first`);
  const child: ChildProcess = fork(WORKER_SCRIPT, [], {
    // Same flags for every side; --expose-gc only lets the memory probe run a full collection.
    execArgv: ['--import', 'tsx', '--expose-gc', ...WORKER_NODE_FLAGS.split(' ').filter(Boolean)],
    env: {
      ...process.env,
      BENCH_WORKER: kind,
      BENCH_WORKFLOW_BUNDLE: bundle,
      TEMPORAL_ADDRESS: address,
      MLTRL_TASK_QUEUE: taskQueue,
      ...(maxCachedWorkflows !== undefined ? { MLTRL_MAX_CACHED_WORKFLOWS: String(maxCachedWorkflows) } : {}),
      ...env,
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const next = <T extends ToParent['type']>(type: T) =>
    new Promise<Extract<ToParent, { type: T }>>((resolve, reject) => {
      const onMessage = (message: ToParent) => {
        if (message.type !== type) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(message as Extract<ToParent, { type: T }>);
      };
      const onExit = (code: number | null) => {
        child.off('message', onMessage);
        reject(new Error(`${kind} worker exited (${code}) before sending ${type}`));
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  const ready = await next('ready');
  const send = (message: ToWorker) => child.send(message);
  return {
    kind,
    taskQueue,
    pid: ready.pid,
    maxCachedWorkflows: ready.maxCachedWorkflows,
    heapSizeLimit: ready.heapSizeLimit,
    async memory(collect, resetPeak = false) {
      const reply = next('memory');
      send({ type: 'memory', collect, resetPeak });
      const { memory, cachedWorkflows, cpuMs, emails } = await reply;
      return { memory, cachedWorkflows, cpuMs, emails };
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      send({ type: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
