/**
 * Runs a third-party server (MLflow, Alertmanager, …) as a child process in its own process group,
 * and resolves once a readiness probe says it serves requests.
 *
 * A process group because such servers start helpers of their own (MLflow runs uvicorn as a
 * grandchild): stopping only the process we spawned would leave them running. Stopping signals the
 * whole group, then waits until no process of it is left.
 */
import { spawn } from 'node:child_process';
import { collectLines } from './processes.js';

export interface ChildServerOptions {
  /** Names the server in errors, e.g. `MLflow`. */
  name: string;
  command: string;
  args: string[];
  /** The child's whole environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Resolves true once the server answers as ready. Called again until it does. */
  ready: () => Promise<boolean>;
  /** How long to wait for `ready`. */
  readyTimeoutMs: number;
  /** Receives every line the server prints (stdout and stderr). */
  log?: (line: string) => void;
}

export interface ChildServer {
  pid: number;
  /** SIGTERM to the group, SIGKILL to what is left after 10 s. Safe to call more than once. */
  stop: () => Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends `signal` to every process of the group led by `pid`; false once the group is gone. */
function signalGroup(pid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

async function groupGoneWithin(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (signalGroup(pid, 0)) {
    if (Date.now() > deadline) return false;
    await sleep(100);
  }
  return true;
}

export async function startChildServer(options: ChildServerOptions): Promise<ChildServer> {
  const { name, command, args } = options;
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env, detached: true });
  const tail: string[] = [];
  for (const stream of [child.stdout, child.stderr]) collectLines(stream, tail, 40, options.log);
  let spawnError: Error | undefined;
  child.once('error', (error) => {
    spawnError = error;
  });

  const pid = child.pid;
  // A detached group outlives this process unless killed: never leave one behind.
  const killOnExit = () => {
    if (pid !== undefined) signalGroup(pid, 'SIGKILL');
  };
  process.once('exit', killOnExit);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      process.removeListener('exit', killOnExit);
      if (pid === undefined || !signalGroup(pid, 'SIGTERM')) return;
      if (!(await groupGoneWithin(pid, 10_000))) {
        signalGroup(pid, 'SIGKILL');
        await groupGoneWithin(pid, 5_000);
      }
    })();
    return stopping;
  };

  const failure = (reason: string) =>
    new Error(`${name} (${command} ${args.join(' ')}) ${reason}.` + (tail.length > 0 ? `\nLast output:\n${tail.join('\n')}` : ''));

  const deadline = Date.now() + options.readyTimeoutMs;
  for (;;) {
    if (spawnError !== undefined) {
      await stop();
      throw failure(`could not be started: ${spawnError.message}`);
    }
    if (child.exitCode !== null || child.signalCode !== null) {
      await stop();
      throw failure(`exited (${child.exitCode ?? child.signalCode}) before it was ready`);
    }
    if (await options.ready().catch(() => false)) break;
    if (Date.now() > deadline) {
      await stop();
      throw failure(`was not ready within ${options.readyTimeoutMs} ms`);
    }
    await sleep(200);
  }
  if (pid === undefined) throw failure('has no process id');
  return { pid, stop };
}

/** Whether GET `url` answers 200 (within two seconds), and its body passes `body` if given. */
export async function answersOk(url: string, body?: (text: string) => boolean): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    const text = await response.text();
    return response.status === 200 && (body === undefined || body(text));
  } catch {
    return false;
  }
}
