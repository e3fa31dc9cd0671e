/** Forks bench/worker.ts and talks to it: wait until it polls, read its memory, stop it. */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ToParent, ToWorker, WorkerMemory } from './ipc.js';
import type { Side } from './drive.js';

const WORKER_SCRIPT = fileURLToPath(new URL('./worker.ts', import.meta.url));

export interface BenchWorker {
  kind: Side;
  taskQueue: string;
  pid: number;
  maxCachedWorkflows: number;
  heapSizeLimit: number;
  memory(collect: boolean): Promise<{ memory: WorkerMemory; cachedWorkflows: number; cpuMs: number }>;
  stop(): Promise<void>;
}

/** `maxCachedWorkflows`: overrides MLTRL_MAX_CACHED_WORKFLOWS for this worker. */
export async function startWorker(kind: Side, address: string, taskQueue: string, maxCachedWorkflows?: number): Promise<BenchWorker> {
  const child: ChildProcess = fork(WORKER_SCRIPT, [], {
    // Same flags for both sides; --expose-gc only lets the memory probe run a full collection.
    // BENCH_WORKER_NODE_FLAGS adds Node flags to both, e.g. `--max-old-space-size=1024`.
    execArgv: ['--import', 'tsx', '--expose-gc', ...(process.env['BENCH_WORKER_NODE_FLAGS'] ?? '').split(' ').filter(Boolean)],
    env: {
      ...process.env,
      BENCH_WORKER: kind,
      TEMPORAL_ADDRESS: address,
      MLTRL_TASK_QUEUE: taskQueue,
      ...(maxCachedWorkflows !== undefined ? { MLTRL_MAX_CACHED_WORKFLOWS: String(maxCachedWorkflows) } : {}),
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
    async memory(collect) {
      const reply = next('memory');
      send({ type: 'memory', collect });
      const { memory, cachedWorkflows, cpuMs } = await reply;
      return { memory, cachedWorkflows, cpuMs };
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
