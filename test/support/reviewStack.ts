/**
 * The reviewers' loop for one test file: a real SMTP sink, a worker whose notifier emails through
 * it with signed links, and the HTTP server (API, web pages, review page) on a free loopback port.
 */
import { afterAll, beforeAll } from 'vitest';
import { createEmailNotifier } from '../../activities/email.js';
import { createApp, listen, type HttpServer } from '../../src/http/server.js';
import { createLinks, type Links } from '../../src/http/core/links.js';
import { smtpTransport } from '../../src/runtime/mail.js';
import { freePort } from '../../src/local/temporalServer.js';
import { startHarness, type Harness } from './harness.js';
import { startSmtpSink, type ReceivedMail, type SmtpSink } from './smtpSink.js';

export const LINK_SECRET = 'test-secret-for-review-links-0123456789';

export interface ReviewStack {
  harness: Harness;
  sink: SmtpSink;
  links: Links;
  http: HttpServer;
  /** The review link in a received email. */
  linkIn(mail: ReceivedMail): string;
  stop(): Promise<void>;
}

/** A notifier that emails through the sink, its review links signed by `links`. */
export function sinkNotifier(sink: SmtpSink, links: Links) {
  return createEmailNotifier({ transport: smtpTransport(sink.url), from: 'mltrl <reviews@lab.example>', links });
}

/** Finds the review link to the server at `baseUrl` in a received email. */
export function reviewLinkIn(baseUrl: string): (mail: ReceivedMail) => string {
  return (mail) => {
    const match = new RegExp(`${baseUrl}/review/\\S+`).exec(mail.text);
    if (!match) throw new Error(`no review link in mail "${mail.subject}" to ${mail.to.join(', ')}`);
    return match[0];
  };
}

export async function startReviewStack(): Promise<ReviewStack> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const links = createLinks({ secret: LINK_SECRET, publicUrl: baseUrl, ttlMs: 60 * 60_000 });
  const sink = await startSmtpSink();
  const harness = await startHarness({ notifier: sinkNotifier(sink, links) });
  const http = await listen(createApp({ client: harness.client, taskQueue: harness.taskQueue, links }), '127.0.0.1', port);
  return {
    harness,
    sink,
    links,
    http,
    linkIn: reviewLinkIn(baseUrl),
    async stop() {
      await http.close();
      await harness.stop();
      await sink.stop();
    },
  };
}

/** One stack for the whole test file, started before its tests and stopped after them. */
export function useReviewStack(): () => ReviewStack {
  let stack: ReviewStack | undefined;
  beforeAll(async () => {
    stack = await startReviewStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });
  return () => {
    if (!stack) throw new Error('the review stack is not running (use it inside a test)');
    return stack;
  };
}
