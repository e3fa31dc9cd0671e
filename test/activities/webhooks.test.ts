/**
 * Webhook deliveries inside the `deliver` activity, against a real HTTP receiver on loopback: every
 * request signed per Standard Webhooks (verified with the `standardwebhooks` library), failures
 * given up after a bounded number of attempts and reported, never thrown, and the endpoints' list
 * read from MLTRL_WEBHOOKS with errors naming the field.
 */
import { randomBytes } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { Client } from '@temporalio/client';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { createDeliveryActivities, type Delivered, type Delivery } from '../../activities/deliver.js';
import { recipientLimit } from '../../activities/recipientLimit.js';
import { endpointKey, WEBHOOK_ATTEMPTS, type WebhookEndpoint, type WebhookEvent } from '../../activities/webhooks.js';
import { loadConfig } from '../../src/runtime/config.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhookReceiver.js';

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const component = { projectId: 'p', componentId: 'c', componentName: 'C', level: 3, levelName: 'Pen and paper', phase: 'research' as const, state: 'working' as const };
const event = (n: number, type: WebhookEvent['type'] = 'level.changed'): WebhookEvent =>
  ({ id: `component/p/c/run/${n}/${type.replace('.', '-')}`, type, timestamp: '2027-01-01T00:00:00.000Z', data: { ...component, from: 2, to: 3, how: 'graduation' } });

let receiver: WebhookReceiver | undefined;
afterEach(() => receiver?.stop());

function deliverTo(endpoints: WebhookEndpoint[]) {
  const activities = createDeliveryActivities({
    client: {} as Client,
    taskQueue: 'q',
    notifier: { send: () => Promise.resolve() },
    limit: recipientLimit(100),
    webhooks: { endpoints, retryWaitsMs: [10, 10] },
  });
  return (delivery: Delivery) => activities.deliver(delivery);
}

const standard = (url: string, extra: Partial<WebhookEndpoint> = {}): WebhookEndpoint => ({ url, secret: SECRET, format: 'standard', ...extra });

describe('webhooks in deliver', () => {
  it('signs each event per Standard Webhooks, with the id it was given and a body verified by the library', async () => {
    receiver = await startWebhookReceiver();
    const env = new MockActivityEnvironment({ scheduledTimestampMs: Date.now() });
    const result: Delivered = await env.run(deliverTo([standard(`${receiver.url}/hook`)]), { notifications: [], events: [event(1), event(2, 'component.paused')] });
    expect(result.webhooks).toEqual({ [event(1).id]: { sent: 1, failed: [] }, [event(2, 'component.paused').id]: { sent: 1, failed: [] } });
    const hook = new Webhook(SECRET);
    expect(receiver.received.map((r) => [r.headers['webhook-id'], (hook.verify(r.body, r.headers as Record<string, string>) as { type: string }).type])).toEqual([
      [event(1).id, 'level.changed'],
      [event(2, 'component.paused').id, 'component.paused'],
    ]);
    // Signed with another secret, the library refuses it.
    expect(() => new Webhook(`whsec_${randomBytes(32).toString('base64')}`).verify(receiver!.received[0].body, receiver!.received[0].headers as Record<string, string>)).toThrow(/signature/i);
  });

  it(`an endpoint answering 500 gets ${WEBHOOK_ATTEMPTS} identical attempts, then the event is given up and reported, not thrown`, async () => {
    receiver = await startWebhookReceiver(() => 500);
    const env = new MockActivityEnvironment({ scheduledTimestampMs: Date.now() });
    const result: Delivered = await env.run(deliverTo([standard(`${receiver.url}/down`)]), { notifications: [], events: [event(1), event(2)] });
    expect(result.webhooks?.[event(1).id]).toEqual({ sent: 0, failed: [`${receiver.url}: HTTP 500 after ${WEBHOOK_ATTEMPTS} attempts`] });
    // A struggling endpoint gets one attempt for each later event of the turn.
    expect(result.webhooks?.[event(2).id]).toEqual({ sent: 0, failed: [`${receiver.url}: HTTP 500 after 1 attempt`] });
    const first = receiver.received.filter((r) => r.headers['webhook-id'] === event(1).id);
    expect(first).toHaveLength(WEBHOOK_ATTEMPTS);
    expect(new Set(first.map((r) => r.body)).size).toBe(1);
    expect(receiver.received).toHaveLength(WEBHOOK_ATTEMPTS + 1);
  });

  it('a 4xx is not retried; an endpoint that does not want the event type is not asked', async () => {
    receiver = await startWebhookReceiver((r) => (r.path === '/gone' ? 410 : 200));
    const env = new MockActivityEnvironment({ scheduledTimestampMs: Date.now() });
    const endpoints = [standard(`${receiver.url}/gone`), standard(`${receiver.url}/switchbacks`, { events: ['switchback'] })];
    const result: Delivered = await env.run(deliverTo(endpoints), { notifications: [], events: [event(1)] });
    expect(result.webhooks).toEqual({ [event(1).id]: { sent: 0, failed: [`${receiver.url}: HTTP 410 after 1 attempt`] } });
    expect(receiver.received.map((r) => r.path)).toEqual(['/gone']);
  });

  it('a retried activity counts the attempts an earlier one heartbeated, and skips what it delivered', async () => {
    receiver = await startWebhookReceiver(() => 503);
    const endpoint = standard(`${receiver.url}/down`);
    const key = (n: number) => `${event(n).id} ${endpointKey(endpoint)}`;
    const env = new MockActivityEnvironment({
      scheduledTimestampMs: Date.now(),
      attempt: 2,
      heartbeatDetails: { reported: false, scheduled: false, sent: [], hooked: [key(1)], hookAttempts: { [key(2)]: WEBHOOK_ATTEMPTS - 1 } },
    });
    const result: Delivered = await env.run(deliverTo([endpoint]), { notifications: [], events: [event(1), event(2)] });
    expect(result.webhooks?.[event(1).id]).toEqual({ sent: 1, failed: [] });
    expect(result.webhooks?.[event(2).id]?.failed).toEqual([`${receiver.url}: HTTP 503 after ${WEBHOOK_ATTEMPTS} attempts`]);
    expect(receiver.received.map((r) => r.headers['webhook-id'])).toEqual([event(2).id]);
  });

  it('with no endpoint configured, nothing is sent and nothing is reported', async () => {
    const env = new MockActivityEnvironment({ scheduledTimestampMs: Date.now() });
    expect(await env.run(deliverTo([]), { notifications: [], events: [event(1)] })).toEqual({ held: {}, failed: {} });
  });
});

describe('MLTRL_WEBHOOKS', () => {
  it('reads a JSON list of endpoints, the standard format by default', () => {
    const config = loadConfig({ MLTRL_WEBHOOKS: JSON.stringify([{ url: 'https://hooks.example/mltrl', secret: SECRET }, { url: 'https://hooks.slack.com/services/T/B/X', format: 'slack', events: ['switchback'] }]) });
    expect(config.MLTRL_WEBHOOKS).toEqual([
      { url: 'https://hooks.example/mltrl', secret: SECRET, format: 'standard' },
      { url: 'https://hooks.slack.com/services/T/B/X', format: 'slack', events: ['switchback'] },
    ]);
  });

  it('names the variable, the endpoint and the field of every problem', () => {
    expect(() => loadConfig({ MLTRL_WEBHOOKS: 'not json' })).toThrow('MLTRL_WEBHOOKS: must be JSON');
    expect(() => loadConfig({ MLTRL_WEBHOOKS: JSON.stringify([{ url: 'ftp://x', secret: 'short', events: ['level.moved'], format: 'teams' }]) })).toThrow(
      /MLTRL_WEBHOOKS\[0\]\.url: must be an http:\/\/ or https:\/\/ URL.*MLTRL_WEBHOOKS\[0\]\.secret: must be whsec_.*MLTRL_WEBHOOKS\[0\]\.events\[0\]: must be one of .*MLTRL_WEBHOOKS\[0\]\.format: must be standard or slack/,
    );
    expect(() => loadConfig({ MLTRL_WEBHOOKS: JSON.stringify([{ url: 'https://hooks.example/x' }]) })).toThrow('MLTRL_WEBHOOKS[0].secret: required for the standard format');
  });
});
