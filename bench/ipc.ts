/** Messages between bench/run.ts and the worker processes it forks (bench/worker.ts). */

export interface WorkerMemory {
  /** process.memoryUsage(), bytes. */
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  /** /proc/self/status VmRSS and VmHWM (peak), bytes. */
  vmRss: number;
  vmHwm: number;
  /** Whether a full garbage collection ran just before the reading. */
  collected: boolean;
}

/** `resetPeak`: after the reading, start VmHWM again from the current RSS (/proc/self/clear_refs). */
export type ToWorker = { type: 'memory'; collect: boolean; resetPeak?: boolean } | { type: 'stop' };

export type ToParent =
  | { type: 'ready'; pid: number; maxCachedWorkflows: number; heapSizeLimit: number; memory: WorkerMemory }
  /** `emails`: sent since the worker started, one per recipient of each notification. */
  | { type: 'memory'; memory: WorkerMemory; cachedWorkflows: number; cpuMs: number; emails: number };
