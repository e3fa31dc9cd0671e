/** Runs the `mltrl` command as a user does: a real subprocess against the test server. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { temporalAddress } from '../helpers/temporal.js';
import { PATIENCE_MS } from './patience.js';

const BIN = fileURLToPath(new URL('../../bin/mltrl.js', import.meta.url));

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], options: { taskQueue: string; cwd?: string }): Promise<CliRun> {
  const env = { ...process.env, TEMPORAL_ADDRESS: temporalAddress(), MLTRL_TASK_QUEUE: options.taskQueue };
  return new Promise((resolve) => {
    // A command compiles its TypeScript as it starts (tsx): seconds each when the cores are busy.
    execFile(process.execPath, [BIN, ...args], { cwd: options.cwd, env, timeout: PATIENCE_MS }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}
