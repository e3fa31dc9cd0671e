/**
 * The `deliver` activity on its own (a unit test of one piece: its notifier and clock are stand-ins;
 * the real SMTP conversation, crash and outage runs are in test/email and test/faults): a retry skips
 * every recipient an earlier attempt heartbeated as sent, mail still failing a day after the turn
 * began is given up and reported instead of retried, and the hourly cap holds a recipient back.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import type { Client } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { createDeliveryActivities, MAIL_GIVE_UP_AFTER_MS, type Delivered, type Delivery } from '../../activities/deliver.js';
import type { Notification } from '../../activities/notifications.js';
import { recipientLimit } from '../../activities/recipientLimit.js';

const person = (n: number) => ({ name: `Reviewer ${n}`, email: `reviewer-${n}@lab.example` });

function notification(messageId: string, recipients: number[]): Notification {
  return {
    kind: 'review-opened',
    messageId,
    projectId: 'p',
    projectName: 'P',
    componentId: 'c',
    componentName: 'C',
    level: 0,
    levelName: 'First principles',
    levelMeaning: 'm',
    reviewId: 'r1',
    topRisks: [],
    to: recipients.map(person),
  };
}

/** A notifier recording each send, failing for the addresses in `down`. */
function notifier(down: Set<string> = new Set()) {
  const sent: string[] = [];
  return {
    sent,
    send(message: Notification) {
      const to = message.to.map((p) => p.email).join(',');
      if (down.has(to)) return Promise.reject(new Error(`550 ${to} refused`));
      sent.push(`${message.messageId} ${to}`);
      return Promise.resolve();
    },
  };
}

const noClient = {} as Client;

function deliverWith(transport: ReturnType<typeof notifier>, maxPerHour = 100) {
  const activities = createDeliveryActivities({ client: noClient, taskQueue: 'q', notifier: transport, limit: recipientLimit(maxPerHour) });
  return (delivery: Delivery) => activities.deliver(delivery);
}

describe('deliver', () => {
  const delivery: Delivery = { notifications: [notification('m1', [1, 2, 3]), notification('m2', [4])] };

  it('sends each notification to each recipient, heartbeating every one sent', async () => {
    const transport = notifier();
    const env = new MockActivityEnvironment({ scheduledTimestampMs: Date.now() });
    const beats: unknown[] = [];
    env.on('heartbeat', (details) => beats.push(details));
    const result = await env.run(deliverWith(transport), delivery);
    expect(result).toEqual({ held: {}, failed: {} });
    expect(transport.sent).toEqual(['m1 reviewer-1@lab.example', 'm1 reviewer-2@lab.example', 'm1 reviewer-3@lab.example', 'm2 reviewer-4@lab.example']);
    expect(beats.at(-1)).toMatchObject({ sent: transport.sent });
  });

  it('a retry skips the recipients an earlier attempt heartbeated as sent', async () => {
    const transport = notifier();
    const env = new MockActivityEnvironment({
      scheduledTimestampMs: Date.now(),
      attempt: 2,
      heartbeatDetails: { reported: false, scheduled: false, sent: ['m1 reviewer-1@lab.example', 'm1 reviewer-2@lab.example'] },
    });
    await env.run(deliverWith(transport), delivery);
    expect(transport.sent).toEqual(['m1 reviewer-3@lab.example', 'm2 reviewer-4@lab.example']);
  });

  it('within a day, a refused recipient fails the attempt (to be retried) after saving who was reached', async () => {
    const transport = notifier(new Set(['reviewer-2@lab.example']));
    const env = new MockActivityEnvironment({ scheduledTimestampMs: Date.now() - 3_600_000 });
    const beats: { sent: string[] }[] = [];
    env.on('heartbeat', (details: { sent: string[] }) => beats.push(details));
    await expect(env.run(deliverWith(transport), delivery)).rejects.toThrow(/550 reviewer-2@lab.example refused/);
    expect(beats.at(-1)?.sent).toEqual(['m1 reviewer-1@lab.example']);
  });

  it('a day after the turn began, mail that still fails is given up and reported, and the rest is sent', async () => {
    const transport = notifier(new Set(['reviewer-2@lab.example']));
    const env = new MockActivityEnvironment({ scheduledTimestampMs: Date.now() - MAIL_GIVE_UP_AFTER_MS - 60_000 });
    const result: Delivered = await env.run(deliverWith(transport), delivery);
    expect(result.failed).toEqual({ m1: 'reviewer-2@lab.example: 550 reviewer-2@lab.example refused' });
    expect(transport.sent).toEqual(['m1 reviewer-1@lab.example', 'm1 reviewer-3@lab.example', 'm2 reviewer-4@lab.example']);
  });

  it('holds back a recipient past the hourly cap, and says so', async () => {
    const transport = notifier();
    const env = new MockActivityEnvironment({ scheduledTimestampMs: Date.now() });
    const result: Delivered = await env.run(deliverWith(transport, 1), { notifications: [notification('m1', [1]), notification('m2', [1, 2])] });
    expect(result.held).toEqual({ m2: ['reviewer-1@lab.example'] });
    expect(transport.sent).toEqual(['m1 reviewer-1@lab.example', 'm2 reviewer-2@lab.example']);
  });
});
