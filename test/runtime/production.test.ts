/**
 * The production path: `npm run build` compiles to dist/ and bundles the workflow code once; a
 * compiled worker (`npm run worker:prod`) loads that bundle instead of bundling, and runs workflows:
 * a project started against it opens its components and updates on them are answered.
 *
 * This rewrites dist/ (git-ignored build output), as `npm run build` always does.
 */
import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { componentHandle, connect, startProject } from '../../src/runtime/client.js';
import { PROJECT_ROOT } from '../../src/local/temporalServer.js';
import { BUNDLE_FILE_NAME } from '../../src/runtime/workflowBundle.js';
import { cardQuery, statusQuery, updateCardUpdate } from '../../workflows/definitions.js';
import { temporalAddress } from '../helpers/temporal.js';
import { FULL_CARD, OWNER, project } from '../support/fixtures.js';
import { eventually, PATIENCE_MS } from '../support/harness.js';

const installed = (JSON.parse(readFileSync(join(PROJECT_ROOT, 'node_modules/node/package.json'), 'utf8')) as { version: string }).version;
/** PATH without node_modules/.bin: npm itself must put the project's Node first. */
const PATH = (process.env['PATH'] ?? '').split(delimiter).filter((dir) => !dir.endsWith(join('node_modules', '.bin'))).join(delimiter);

describe('the production build', () => {
  beforeAll(async () => {
    await promisify(execFile)('npm', ['run', '--silent', 'build'], { cwd: PROJECT_ROOT, env: { ...process.env, PATH }, timeout: 240_000 });
  }, 300_000);

  it('compiles the entry points to JavaScript and writes the workflow bundle beside them', () => {
    for (const file of ['src/workerMain.js', 'src/apiMain.js', 'workflows/index.js', BUNDLE_FILE_NAME]) expect(existsSync(join(PROJECT_ROOT, 'dist', file)), file).toBe(true);
  });

  describe('a compiled worker', () => {
    const taskQueue = `production-${randomUUID()}`;
    let output = '';
    const child = () =>
      spawn('npm', ['run', '--silent', 'worker:prod'], {
        cwd: PROJECT_ROOT,
        env: { ...process.env, PATH, TEMPORAL_ADDRESS: temporalAddress(), TEMPORAL_NAMESPACE: 'default', MLTRL_TASK_QUEUE: taskQueue },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
    let worker: ReturnType<typeof child> | undefined;
    let exited: Promise<void> = Promise.resolve();

    beforeAll(async () => {
      worker = child();
      const started = worker;
      exited = new Promise<void>((resolve) => started.once('exit', () => resolve()));
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the compiled worker was not ready within ${PATIENCE_MS / 1000} s:\n${output}`)), PATIENCE_MS);
        const onData = (chunk: Buffer) => {
          output += chunk.toString('utf8');
          if (/^mltrl worker on task queue /m.test(output)) {
            clearTimeout(timer);
            resolve();
          }
        };
        started.stdout.on('data', onData);
        started.stderr.on('data', onData);
        void exited.then(() => {
          clearTimeout(timer);
          reject(new Error(`the compiled worker exited before it was ready:\n${output}`));
        });
      });
    }, 2 * PATIENCE_MS);

    afterAll(async () => {
      if (worker && worker.exitCode === null && worker.signalCode === null) process.kill(-worker.pid!, 'SIGTERM');
      await exited;
    });

    it('runs on the pinned Node and loads the prebuilt bundle instead of bundling', () => {
      const bundle = join(PROJECT_ROOT, 'dist', BUNDLE_FILE_NAME);
      expect(output).toContain(`mltrl worker: Node.js v${installed}, workflows from the prebuilt bundle ${bundle}\n`);
    });

    it('runs the workflows: a project opens its components and a card update is applied', async () => {
      const client = await connect({ TEMPORAL_ADDRESS: temporalAddress(), TEMPORAL_NAMESPACE: 'default' });
      try {
        const definition = project();
        await startProject(client, taskQueue, definition);
        const component = componentHandle(client, definition.id, 'anomaly-model');
        const before = await eventually(() => component.query(statusQuery));
        expect(before.level).toBe(0);
        await component.executeUpdate(updateCardUpdate, { args: [{ by: OWNER.email, patch: FULL_CARD }] });
        const card = await component.query(cardQuery);
        expect(card.content).toMatchObject({ hypotheses: FULL_CARD.hypotheses, versions: FULL_CARD.versions });
        expect(card.revision).toBeGreaterThan(0);
      } finally {
        await client.connection.close();
      }
    });
  });
});
