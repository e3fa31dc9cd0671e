/**
 * Starting and stopping test/support/worker-process.ts from a test: a worker in its own process,
 * so a test can SIGKILL it mid-flight and start another one on the same task queue.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll } from 'vitest';
import type { Notification } from '../../activities/index.js';
import { PROJECT_ROOT } from '../../src/local/temporalServer.js';
import { connect } from '../../src/runtime/client.js';
import { temporalAddress } from '../helpers/temporal.js';
import { PATIENCE_MS, workflowBundle } from '../support/harness.js';

export interface WorkerProcess {
  child: ChildProcess;
  pid: number;
  /** The last lines it printed, for failure messages. */
  output: string[];
  exited: Promise<void>;
  kill(signal: NodeJS.Signals): Promise<void>;
}

/** Write the workflow bundle once, so each worker process starts in about a second. */
export async function writeBundle(dir: string): Promise<string> {
  const path = join(dir, 'workflow-bundle.js');
  writeFileSync(path, (await workflowBundle()).code);
  return path;
}

export async function startWorkerProcess(env: { address: string; taskQueue: string; notifyLog: string; bundle: string; webhooks?: string }): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'test/support/worker-process.ts')], {
    cwd: PROJECT_ROOT,
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: env.address,
      MLTRL_TASK_QUEUE: env.taskQueue,
      NOTIFY_LOG: env.notifyLog,
      MLTRL_WORKFLOW_BUNDLE: env.bundle,
      ...(env.webhooks ? { MLTRL_WEBHOOKS: env.webhooks } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line === '') continue;
        output.push(line);
        if (output.length > 60) output.shift();
        if (line.includes('worker ready')) resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then(() => reject(new Error(`worker process exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${output.join('\n')}`)));
  });
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`worker process not ready in ${PATIENCE_MS / 1000} s:\n${output.join('\n')}`)), PATIENCE_MS).unref());
  await Promise.race([ready, timeout]);
  return {
    child,
    pid: child.pid!,
    output,
    exited,
    async kill(signal) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      await exited;
    },
  };
}

/** The notifications a worker process wrote to its NOTIFY_LOG, in order. */
export function readNotifications(notifyLog: string): (Notification & { pid: number })[] {
  if (!existsSync(notifyLog)) return [];
  return readFileSync(notifyLog, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Notification & { pid: number });
}

export interface WorkerProcesses {
  client: Client;
  /** A folder of the test's own, removed after it. */
  dir: string;
  /** The workflow bundle the worker processes load. */
  bundle: string;
  /** Workers started by the test: stopped after it. */
  workers: WorkerProcess[];
}

/** What a test with worker processes shares: a client, a folder with the bundle, and its workers stopped after it. */
export function useWorkerProcesses(name: string): () => WorkerProcesses {
  let shared: WorkerProcesses | undefined;
  beforeAll(async () => {
    const client = await connect({ TEMPORAL_ADDRESS: temporalAddress(), TEMPORAL_NAMESPACE: 'default' });
    const dir = mkdtempSync(join(tmpdir(), `mltrl-${name}-`));
    shared = { client, dir, bundle: await writeBundle(dir), workers: [] };
  });
  afterAll(async () => {
    if (!shared) return;
    for (const worker of shared.workers) await worker.kill('SIGTERM');
    await shared.client.connection.close();
    rmSync(shared.dir, { recursive: true, force: true });
  });
  return () => shared!;
}
