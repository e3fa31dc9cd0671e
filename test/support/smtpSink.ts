/**
 * A real SMTP server on loopback (nodemailer's smtp-server) that keeps every message it accepts,
 * parsed (mailparser), so tests assert on what a mail server would really receive.
 */
import { simpleParser, type AddressObject } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { eventually, PATIENCE_MS } from './harness.js';

export interface ReceivedMail {
  messageId: string;
  from: string;
  /** Envelope recipients: who the server was asked to deliver to. */
  to: string[];
  subject: string;
  text: string;
  html: string;
}

export interface SmtpSink {
  port: number;
  url: string;
  received: ReceivedMail[];
  /** Refuse the next `count` deliveries to `address` with a temporary error. */
  refuseNext(address: string, count: number): void;
  /** Wait until at least `count` received mails match (more may still be on their way). */
  waitFor(predicate: (mail: ReceivedMail) => boolean, count?: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  stop(): Promise<void>;
}

const addresses = (value: AddressObject | AddressObject[] | undefined) =>
  (Array.isArray(value) ? value : value ? [value] : []).flatMap((a) => a.value.map((v) => v.address ?? ''));

export async function startSmtpSink(port = 0): Promise<SmtpSink> {
  const received: ReceivedMail[] = [];
  const refusals = new Map<string, number>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      const left = refusals.get(address.address) ?? 0;
      if (left > 0) {
        refusals.set(address.address, left - 1);
        const error = Object.assign(new Error('mailbox busy, try again later'), { responseCode: 450 });
        callback(error);
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          received.push({
            messageId: parsed.messageId ?? '',
            from: addresses(parsed.from).join(', '),
            to: session.envelope.rcptTo.map((r) => r.address),
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
            html: typeof parsed.html === 'string' ? parsed.html : '',
          });
          callback();
        })
        .catch((error: Error) => callback(error));
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  return {
    port: bound,
    url: `smtp://127.0.0.1:${bound}`,
    received,
    refuseNext(address, count) {
      refusals.set(address, count);
    },
    waitFor(predicate, count = 1, timeoutMs = PATIENCE_MS) {
      return eventually(() => {
        const matching = received.filter(predicate);
        if (matching.length < count) {
          return Promise.reject(new Error(`expected ${count} matching mail(s), got ${matching.length}: ${received.map((m) => `${m.to.join(',')} "${m.subject}"`).join('; ')}`));
        }
        return Promise.resolve(matching);
      }, timeoutMs);
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
