/**
 * How long a worker takes from process start to polling: spawns a worker command several times
 * against an in-memory dev server and times each run until the worker prints its ready line
 * (workerMain prints it once `Worker.create` returns, right before `worker.run()` polls).
 *
 *   node --import tsx bench/workerStart.ts [--runs N] -- <command…>
 *   node --import tsx bench/workerStart.ts -- node --import tsx src/workerMain.ts    # dev path
 *   node --import tsx bench/workerStart.ts -- node dist/src/workerMain.js             # after `npm run build`
 *
 * Runs are sequential, so each start has the machine to itself (apart from the dev server).
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { freePort, startDevServer } from '../src/local/temporalServer.js';

const READY = /^mltrl worker on task queue /m;
const TIMEOUT_MS = 120_000;

function parseArgs(argv: string[]): { runs: number; command: string[] } {
  const split = argv.indexOf('--');
  const options = split === -1 ? argv : argv.slice(0, split);
  const command = split === -1 ? [] : argv.slice(split + 1);
  const runsAt = options.indexOf('--runs');
  const runs = runsAt === -1 ? 5 : Number(options[runsAt + 1]);
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs: must be a whole number of at least 1');
  if (command.length === 0) throw new Error('command: required after `--`, e.g. -- node dist/src/workerMain.js');
  return { runs, command };
}

/** Milliseconds from spawn to the ready line; the worker is then stopped with SIGTERM and awaited. */
function timeOneStart(command: string[], address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const [file, ...args] = command as [string, ...string[]];
    const child = spawn(file, args, {
      env: { ...process.env, TEMPORAL_ADDRESS: address, MLTRL_TASK_QUEUE: `bench-start-${randomUUID()}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let readyAfter: number | undefined;
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (readyAfter === undefined && READY.test(output)) {
        readyAfter = performance.now() - started;
        child.kill('SIGTERM');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', reject);
    child.once('exit', () => {
      clearTimeout(timer);
      if (readyAfter === undefined) reject(new Error(`the worker exited before its ready line:\n${output}`));
      else resolve(readyAfter);
    });
  });
}

const { runs, command } = parseArgs(process.argv.slice(2));
const port = await freePort();
const server = await startDevServer({ port, uiPort: await freePort() });
try {
  const times: number[] = [];
  for (let run = 1; run <= runs; run++) {
    const ms = await timeOneStart(command, server.address);
    times.push(ms);
    console.log(`run ${run}: ${(ms / 1000).toFixed(2)} s`);
  }
  const sorted = [...times].sort((a, b) => a - b);
  const median = sorted[Math.floor((sorted.length - 1) / 2)];
  console.log(`${command.join(' ')}: median ${(median / 1000).toFixed(2)} s, min ${(sorted[0] / 1000).toFixed(2)} s, max ${(sorted.at(-1)! / 1000).toFixed(2)} s over ${runs} runs`);
} finally {
  await server.stop();
}
