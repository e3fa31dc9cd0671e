/**
 * The Temporal server and the worker restart (same SQLite file) while a review email is half
 * delivered: the mail server took it for one panelist and refused the other, so the notify activity
 * is waiting to retry. After the restart the retry reaches the refused panelist; nobody gets the
 * same email twice, the review is where it was, and nothing is lost.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmailNotifier } from '../../activities/email.js';
import { componentHandle, connect, startProject } from '../../src/runtime/client.js';
import { createLinks } from '../../src/http/core/links.js';
import { smtpTransport } from '../../src/runtime/mail.js';
import { freePort, startDevServer, type DevServer } from '../../src/local/temporalServer.js';
import { createWorker } from '../../src/runtime/worker.js';
import { historyQuery, statusQuery } from '../../workflows/definitions.js';
import { NO_EMAIL_CAP, project, reviewer } from '../support/fixtures.js';
import { eventually, PATIENCE_MS, workflowBundle } from '../support/harness.js';
import { startSmtpSink, type SmtpSink } from '../support/smtpSink.js';
import { deliveryFailed } from '../support/notifications.js';
import { fillCard, soon, submit } from '../workflow/steps.js';
import { workflowTaskFailures } from '../fuzz/server.js';

interface Stack {
  server: DevServer;
  client: Client;
  worker: Worker;
  running: Promise<void>;
}

const RL1 = reviewer('research-lead', 1).email;
const RL2 = reviewer('research-lead', 2).email;
const dir = mkdtempSync(join(tmpdir(), 'mltrl-restart-mail-'));
const dbFile = join(dir, 'temporal.sqlite');
const taskQueue = `restart-mail-${randomUUID()}`;
const links = createLinks({ secret: 'faults-secret-for-review-links-0123456789', publicUrl: 'http://127.0.0.1:9', ttlMs: 60 * 60_000 });
const stacks: Stack[] = [];
let sink: SmtpSink;

beforeAll(async () => {
  sink = await startSmtpSink();
});
afterAll(async () => {
  for (const stack of [...stacks]) await stopStack(stack).catch(() => undefined);
  await sink?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A server on the shared SQLite file and a worker whose notifier emails the sink (each with its own memory). */
async function startStack(): Promise<Stack> {
  const server = await startDevServer({ dbFile, port: await freePort(), uiPort: await freePort(), readyTimeoutMs: PATIENCE_MS });
  const client = await connect({ TEMPORAL_ADDRESS: server.address, TEMPORAL_NAMESPACE: 'default' });
  const notifier = createEmailNotifier({ transport: smtpTransport(sink.url), from: 'mltrl <reviews@lab.example>', links });
  const worker = await createWorker({ address: server.address, namespace: 'default', taskQueue, client, notifier, workflowBundle: await workflowBundle(), maxEmailsPerHour: NO_EMAIL_CAP });
  const stack = { server, client, worker, running: worker.run() };
  stacks.push(stack);
  return stack;
}

async function stopStack(stack: Stack): Promise<void> {
  stacks.splice(stacks.indexOf(stack), 1);
  if (stack.worker.getState() === 'RUNNING') stack.worker.shutdown();
  await stack.running;
  await stack.client.connection.close();
  await stack.server.stop();
}

describe('a server and worker restart while an email is half delivered', () => {
  it('delivers the rest after the restart and sends nobody the same email twice', async () => {
    const definition = project();
    const ours = (m: { text: string }) => m.text.includes(`${definition.id}/anomaly-model`);
    // The mail server refuses one panelist for now (450, try again later).
    sink.refuseNext(RL2, 1_000);

    const before = await startStack();
    await startProject(before.client, taskQueue, definition);
    const component = componentHandle(before.client, definition.id, 'anomaly-model');
    await eventually(() => component.query(statusQuery));
    await fillCard(component);
    const review = await submit(component);
    // One panelist has the email; the activity failed for the other and waits to retry.
    const first = await sink.waitFor(ours, 1);
    await deliveryFailed(component);
    expect(first.map((m) => m.to)).toEqual([[RL1]]);
    await stopStack(before);

    sink.refuseNext(RL2, 0);
    const after = await startStack();
    const again = componentHandle(after.client, definition.id, 'anomaly-model');
    expect(await eventually(() => again.query(statusQuery))).toMatchObject({ state: 'in-review', openReview: { id: review.id } });

    // The retry reaches the other panelist (its backoff may have grown to tens of seconds across the
    // restart); once the notification is done every email is in, and the first does not hear twice.
    await soon(async () => {
      const history = await again.query(historyQuery);
      expect(history.filter((h) => h.what === 'notifyReviewOpened').map((h) => h.outcome)).toEqual(['done']);
    }, 120_000);
    const mail = sink.received.filter(ours);
    expect(mail.map((m) => m.to.join(',')).sort()).toEqual([RL1, RL2]);
    expect(new Set(mail.map((m) => m.messageId)).size).toBe(mail.length);
    expect(await workflowTaskFailures(after.client, again.workflowId)).toEqual([]);
  }, 300_000);
});
