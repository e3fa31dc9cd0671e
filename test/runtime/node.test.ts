/**
 * The project brings its own Node.js: package.json pins the npm registry's `node` package, whose
 * binary lands in node_modules/.bin, and npm scripts run on it whatever Node the machine has.
 * The production image must run the same release (its base image tag).
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/local/temporalServer.js';
import { temporalAddress } from '../helpers/temporal.js';

const readJson = (path: string) => JSON.parse(readFileSync(join(PROJECT_ROOT, path), 'utf8')) as Record<string, unknown>;
const manifest = readJson('package.json') as { engines: { node: string }; devDependencies: Record<string, string> };
/** The release actually installed, from the `node` package itself. */
const installed = readJson('node_modules/node/package.json')['version'] as string;

/** Runs `npm run <script>` with node_modules/.bin taken off PATH, so only npm itself can put the pinned Node first. */
function npmRun(script: string, env: NodeJS.ProcessEnv) {
  const path = (process.env['PATH'] ?? '').split(delimiter).filter((dir) => !dir.endsWith(join('node_modules', '.bin'))).join(delimiter);
  // Own process group: npm starts a shell that starts node; the test stops all three at once.
  return spawn('npm', ['run', '--silent', script], { cwd: PROJECT_ROOT, env: { ...process.env, ...env, PATH: path }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
}

describe('the pinned Node.js', () => {
  it('is one exact 24.x release, the one installed, and the floor of engines', () => {
    expect(manifest.devDependencies['node']).toBe(installed);
    expect(installed).toMatch(/^24\.\d+\.\d+$/);
    expect(manifest.engines.node).toBe('>=24');
    expect(manifest.devDependencies['@types/node']).toMatch(/^24\./);
  });

  it('is the release every stage of the Docker image starts from', () => {
    const bases = [...readFileSync(join(PROJECT_ROOT, 'Dockerfile'), 'utf8').matchAll(/^FROM\s+(\S+)/gm)].map((match) => match[1]);
    expect(bases.length).toBeGreaterThan(0);
    for (const base of bases) expect(base).toBe(`node:${installed}-bookworm-slim`);
  });

  it('runs `npm run worker`: the worker reports it and then polls', async () => {
    const child = npmRun('worker', { TEMPORAL_ADDRESS: temporalAddress(), TEMPORAL_NAMESPACE: 'default', MLTRL_TASK_QUEUE: `node-version-${randomUUID()}` });
    let output = '';
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the worker was not ready within 90 s:\n${output}`)), 90_000);
        const onData = (chunk: Buffer) => {
          output += chunk.toString('utf8');
          if (/^mltrl worker on task queue /m.test(output)) {
            clearTimeout(timer);
            resolve();
          }
        };
        child.stdout.on('data', onData);
        child.stderr.on('data', onData);
        void exited.then(() => {
          clearTimeout(timer);
          reject(new Error(`the worker exited before it was ready:\n${output}`));
        });
      });
      expect(output).toMatch(new RegExp(`^mltrl worker: Node\\.js v${installed.replaceAll('.', '\\.')}, workflows bundled from the sources at start$`, 'm'));
    } finally {
      if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGTERM');
      await exited;
    }
  }, 120_000);
});
