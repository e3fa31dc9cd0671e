/**
 * A test file's engine whose emails go over real SMTP to a sink on loopback: the harness and the
 * sink start before the file's tests and stop after them. Review links point at an address nobody
 * serves (127.0.0.1:9); tests read them from the mail, they never follow them.
 */
import { afterAll, beforeAll } from 'vitest';
import { createEmailNotifier } from '../../activities/email.js';
import { createLinks } from '../../src/http/core/links.js';
import { smtpTransport } from '../../src/runtime/mail.js';
import { startHarness, type Harness } from './harness.js';
import { startSmtpSink, type SmtpSink } from './smtpSink.js';

export const MAIL_LINK_SECRET = 'test-secret-for-review-links-0123456789';
export const MAIL_PUBLIC_URL = 'http://127.0.0.1:9';

export interface MailHarness {
  harness: Harness;
  sink: SmtpSink;
}

/** Registers the file's set-up and tear-down; the returned object is filled once `beforeAll` ran. */
export function useMailHarness(): MailHarness {
  const links = createLinks({ secret: MAIL_LINK_SECRET, publicUrl: MAIL_PUBLIC_URL, ttlMs: 60 * 60_000 });
  const started = {} as MailHarness;
  beforeAll(async () => {
    started.sink = await startSmtpSink();
    started.harness = await startHarness({ notifier: createEmailNotifier({ transport: smtpTransport(started.sink.url), from: 'mltrl <reviews@lab.example>', links }) });
  });
  afterAll(async () => {
    await started.harness?.stop();
    await started.sink?.stop();
  });
  return started;
}
