/**
 * Outgoing webhooks end to end: worker processes configured with MLTRL_WEBHOOKS send a component's
 * lifecycle events to a receiver on loopback. Every standard delivery is verified with the
 * `standardwebhooks` library, and each event arrives exactly once, in order, although the worker
 * that announced the review was killed and another one carried on.
 */
import { join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { componentHandle, startProject } from '../../src/runtime/client.js';
import { historyQuery, pauseUpdate, resumeUpdate, retireUpdate, reviewSignal, statusQuery, switchbackUpdate } from '../../workflows/definitions.js';
import type { Role } from '../../machines/levels.js';
import { temporalAddress } from '../helpers/temporal.js';
import { LEAD, project, reviewer } from '../support/fixtures.js';
import { eventually } from '../support/harness.js';
import { startWebhookReceiver, type ReceivedRequest, type WebhookReceiver } from '../support/webhookReceiver.js';
import { climb, fillCard, submit } from '../workflow/steps.js';
import { startWorkerProcess, useWorkerProcesses } from './processes.js';

const processes = useWorkerProcesses('webhooks');
const SECRET = `whsec_${randomBytes(32).toString('base64')}`;

let receiver: WebhookReceiver;
beforeAll(async () => {
  receiver = await startWebhookReceiver();
});
afterAll(() => receiver?.stop());

/** The standard endpoint's deliveries, each verified (signature and timestamp) by the library. */
function verified(requests: ReceivedRequest[]) {
  const hook = new Webhook(SECRET);
  return requests.map((request) => {
    const body = hook.verify(request.body, request.headers as Record<string, string>) as { type: string; timestamp: string; data: Record<string, unknown> };
    return { id: String(request.headers['webhook-id']), ...body };
  });
}

describe('outgoing webhooks across a worker restart', () => {
  it('a climb with a switchback and a pause: every event signed, once each, in order; Slack text for the events it asked for', async () => {
    const { client, dir, bundle, workers } = processes();
    const taskQueue = `webhooks-${randomUUID()}`;
    const webhooks = JSON.stringify([
      { url: `${receiver.url}/standard`, secret: SECRET },
      { url: `${receiver.url}/slack`, format: 'slack', events: ['switchback', 'component.paused'] },
    ]);
    const env = { address: temporalAddress(), taskQueue, notifyLog: join(dir, 'notifications.jsonl'), bundle, webhooks };
    const first = await startWorkerProcess(env);
    workers.push(first);

    const definition = project();
    await startProject(client, taskQueue, definition);
    const component = componentHandle(client, definition.id, 'anomaly-model');
    await eventually(() => component.query(statusQuery));
    await fillCard(component);
    const review = await submit(component);
    const standard = (r: ReceivedRequest) => r.path === '/standard';
    await receiver.waitFor(standard, 1);
    // The turn's activity is recorded as done before the crash, so nothing of it is sent again.
    await eventually(async () => expect((await component.query(historyQuery)).filter((h) => h.what === 'webhook' && h.outcome === 'done')).toHaveLength(1));

    await first.kill('SIGKILL');
    for (const role of review.requiredRoles) {
      await component.signal(reviewSignal, { reviewId: review.id, reviewer: reviewer(role as Role).email, verdict: 'approve', comment: 'Sound' });
    }
    const second = await startWorkerProcess(env);
    workers.push(second);
    await eventually(async () => expect((await component.query(statusQuery)).level).toBe(1));

    await climb(component, 2);
    await component.executeUpdate(switchbackUpdate, { args: [{ by: LEAD.email, kind: 'discovery', targetLevel: 1, reason: 'The baseline leaked test data' }] });
    await component.executeUpdate(pauseUpdate, { args: [{ by: LEAD.email, reason: 'Waiting for new data' }] });
    await component.executeUpdate(resumeUpdate, { args: [{ by: LEAD.email, reason: 'Data arrived' }] });
    await component.executeUpdate(retireUpdate, { args: [{ by: LEAD.email, reason: 'Replaced by a newer model' }] });

    const expected = [
      'review.opened',
      'review.closed',
      'level.changed',
      'review.opened',
      'review.closed',
      'level.changed',
      'level.changed',
      'switchback',
      'component.paused',
      'component.resumed',
      'component.retired',
    ];
    await receiver.waitFor(standard, expected.length);
    await receiver.waitFor((r) => r.path === '/slack', 2);
    await eventually(async () => expect((await component.query(historyQuery)).filter((h) => h.what === 'webhook')).toHaveLength(expected.length));

    const events = verified(receiver.received.filter(standard));
    expect(events.map((e) => e.type)).toEqual(expected);
    // Exactly once: no id twice, each id the component's workflow id, its first run and a sequence number.
    const ids = events.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const [i, id] of ids.entries()) {
      expect(id).toMatch(new RegExp(`^component/${definition.id}/anomaly-model/[0-9a-f-]{36}/\\d+/${expected[i].replace('.', '-')}$`));
    }

    const common = { projectId: definition.id, componentId: 'anomaly-model', componentName: expect.any(String) as string };
    expect(events[0].data).toEqual({ ...common, level: 0, levelName: expect.any(String) as string, phase: 'research', state: 'in-review', reviewId: review.id, reviewLevel: 0, proposal: review.proposal, reReview: false, submittedBy: LEAD.email });
    expect(events[1].data).toMatchObject({ reviewId: review.id, outcome: 'approved', reviewLevel: 0, tasks: [], level: 1 });
    expect(events[2].data).toMatchObject({ from: 0, to: 1, how: 'graduation', reviewId: review.id, level: 1, state: 'working' });
    expect(events[6].data).toMatchObject({ from: 2, to: 1, how: 'switchback', level: 1 });
    expect(events[7].data).toMatchObject({ from: 2, to: 1, kind: 'discovery', reason: 'The baseline leaked test data', by: LEAD.email });
    expect(events[8].data).toMatchObject({ by: LEAD.email, reason: 'Waiting for new data', state: 'paused' });
    expect(events[9].data).toMatchObject({ reason: 'Data arrived', state: 'working' });
    expect(events[10].data).toMatchObject({ reason: 'Replaced by a newer model', state: 'retired' });
    for (const event of events) expect(Date.parse(event.timestamp)).toBeGreaterThan(0);

    // The Slack endpoint: only the two event types it named, as text, with the same ids.
    const slack = receiver.received.filter((r) => r.path === '/slack');
    expect(slack.map((r) => JSON.parse(r.body) as { text: string })).toEqual([
      { text: expect.stringMatching(/switched back from Level 2 to 1 \(discovery\) by lead@lab\.example: The baseline leaked test data/) as string },
      { text: expect.stringMatching(/paused by lead@lab\.example: Waiting for new data/) as string },
    ]);
    expect(slack.map((r) => r.headers['webhook-id'])).toEqual([ids[7], ids[8]]);
    expect(slack.every((r) => r.headers['webhook-signature'] === undefined)).toBe(true);

    const history = (await component.query(historyQuery)).filter((h) => h.what === 'webhook');
    expect(history.every((h) => h.outcome === 'done')).toBe(true);
    expect(history.map((h) => h.why)).toContain(`switchback to 2 endpoints`);
    expect(history[0].why).toBe(`review.opened ${review.id} to 1 endpoint`);
  }, 300_000);
});
