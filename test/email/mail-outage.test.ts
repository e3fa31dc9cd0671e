/**
 * A mail server that is down or refuses some recipients delays mail; it never loses a review, and
 * once it accepts again every panelist gets exactly one message.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmailNotifier } from '../../activities/email.js';
import { createLinks } from '../../src/http/core/links.js';
import { smtpTransport } from '../../src/runtime/mail.js';
import { freePort } from '../../src/local/temporalServer.js';
import { statusQuery } from '../../workflows/definitions.js';
import { project, reviewer } from '../support/fixtures.js';
import { startHarness, type Harness } from '../support/harness.js';
import { deliveryFailed, whenDone } from '../support/notifications.js';
import { startSmtpSink, type SmtpSink } from '../support/smtpSink.js';
import { fillCard, startAndReach, submit } from '../workflow/steps.js';

const links = createLinks({ secret: 'test-secret-for-review-links-0123456789', publicUrl: 'http://127.0.0.1:9', ttlMs: 60 * 60_000 });
const RL1 = reviewer('research-lead', 1).email;
const RL2 = reviewer('research-lead', 2).email;

let port: number;
let sink: SmtpSink | undefined;
let harness: Harness;
beforeAll(async () => {
  // The notifier points at a port where no mail server listens yet.
  port = await freePort();
  harness = await startHarness({ notifier: createEmailNotifier({ transport: smtpTransport(`smtp://127.0.0.1:${port}`), from: 'reviews@lab.example', links }) });
});
afterAll(async () => {
  await harness?.stop();
  await sink?.stop();
});

describe('mail delivery when the mail server misbehaves', () => {
  it('keeps the review open while the server is down and delivers once, to each panelist, when it is back', async () => {
    const definition = project();
    const component = await startAndReach(harness.client, harness.taskQueue, definition);
    await fillCard(component);
    const review = await submit(component);

    await deliveryFailed(component); // connection refused: the activity waits to retry
    expect(await component.query(statusQuery)).toMatchObject({ state: 'in-review', openReview: { id: review.id } });

    sink = await startSmtpSink(port);
    const ours = (m: { text: string }) => m.text.includes(`${definition.id}/anomaly-model`);
    // Done means every panelist's email is in; one sent twice would have arrived before that.
    await whenDone(component, 'notifyReviewOpened');
    const delivered = sink.received.filter(ours);
    expect(delivered.map((m) => m.to[0]).sort()).toEqual([RL1, RL2]);
    expect(await component.query(statusQuery)).toMatchObject({ state: 'in-review', openReview: { id: review.id } });
  });

  it('retries only the recipient the server refused, so nobody gets the same email twice', async () => {
    sink ??= await startSmtpSink(port);
    sink.refuseNext(RL2, 1);
    const definition = project();
    const component = await startAndReach(harness.client, harness.taskQueue, definition);
    await fillCard(component);
    await submit(component);

    const ours = (m: { text: string }) => m.text.includes(`${definition.id}/anomaly-model`);
    await whenDone(component, 'notifyReviewOpened');
    const delivered = sink.received.filter(ours);
    expect(delivered.map((m) => m.to[0]).sort()).toEqual([RL1, RL2]);
  });
});
