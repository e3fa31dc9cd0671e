/**
 * `npm run worker` without SMTP_URL says notifications go to its log: each one must appear there,
 * as one readable line, whatever level the SDK's own logger is set to.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { componentHandle, connect, startProject } from '../../src/runtime/client.js';
import { statusQuery } from '../../workflows/definitions.js';
import { temporalAddress } from '../helpers/temporal.js';
import { project } from '../support/fixtures.js';
import { eventually, PATIENCE_MS } from '../support/harness.js';
import { fillCard, submit } from '../workflow/steps.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
let worker: ChildProcess | undefined;
afterAll(() => {
  worker?.kill('SIGTERM');
});

describe('the log notifier', () => {
  it('prints one line per notification on the worker\'s output', { timeout: 300_000 }, async () => {
    const taskQueue = `log-notifier-${randomUUID()}`;
    const env = { ...process.env, TEMPORAL_ADDRESS: temporalAddress(), MLTRL_TASK_QUEUE: taskQueue, SMTP_URL: '', MLTRL_LINK_SECRET: '' };
    let output = '';
    worker = spawn(process.execPath, ['--import', 'tsx', 'src/workerMain.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    worker.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    worker.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await eventually(async () => expect(output).toContain('notifications to the worker log'), 2 * PATIENCE_MS, 250);

    const client = await connect({ TEMPORAL_ADDRESS: temporalAddress(), TEMPORAL_NAMESPACE: 'default' });
    try {
      const definition = project();
      await startProject(client, taskQueue, definition);
      const handle = componentHandle(client, definition.id, 'anomaly-model');
      await eventually(() => handle.query(statusQuery));
      await fillCard(handle);
      const review = await submit(handle);

      // One line per notification the worker sends, naming its recipients: wait until every reviewer
      // of each reviewing role at Level 0 (two per role) is named, whether in one line or several.
      const line = new RegExp(`^mltrl notify review-opened: ${definition.id}/anomaly-model review r1 \\(Level 0\\) to (\\S+@lab\\.example(?:, \\S+@lab\\.example)*) \\[component/${definition.id}/anomaly-model/r1/review-opened/\\d+\\]$`);
      const expected = review.requiredRoles.flatMap((role) => [1, 2].map((n) => `${role}-${n}@lab.example`)).sort();
      await eventually(async () => {
        const lines = output.split('\n').filter((l) => l.startsWith('mltrl notify review-opened:') && l.includes(definition.id));
        for (const l of lines) expect(l).toMatch(line);
        expect(lines.flatMap((l) => line.exec(l)![1].split(', ')).sort()).toEqual(expected);
      }, PATIENCE_MS, 250);
    } finally {
      await client.connection.close();
    }
  });
});
