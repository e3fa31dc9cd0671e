/**
 * Mailpit, the local mail catcher of the default stack: an SMTP server that keeps every message
 * and a web inbox to read them, so a newcomer sees the emails reviewers would get. Run as a child
 * process, on loopback, with its messages in data/mailpit.db (they survive restarts).
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { acceptsConnections, isExecutableFile } from './processes.js';
import { DATA_DIR, PROJECT_ROOT } from './temporalServer.js';

export const DEFAULT_SMTP_PORT = 1025;
export const DEFAULT_INBOX_PORT = 8025;

export interface MailCatcher {
  smtpUrl: string;
  inboxUrl: string;
  stop(): Promise<void>;
}

/** `$MAILPIT`, else `mailpit` on PATH, else the copy scripts/install-mailpit.sh builds in tools/bin. */
export function mailpitPath(): string {
  const candidates = [process.env['MAILPIT'], ...(process.env['PATH'] ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, 'mailpit')), join(PROJECT_ROOT, 'tools', 'bin', 'mailpit')];
  const found = candidates.find((path): path is string => Boolean(path) && isExecutableFile(path!));
  if (!found) throw new Error('Mailpit was not found: run scripts/install-mailpit.sh, or set SMTP_URL to a mail server of your own');
  return found;
}

export async function startMailCatcher(options: { smtpPort?: number; inboxPort?: number; timeoutMs?: number } = {}): Promise<MailCatcher> {
  const smtpPort = options.smtpPort ?? DEFAULT_SMTP_PORT;
  const inboxPort = options.inboxPort ?? DEFAULT_INBOX_PORT;
  for (const port of [smtpPort, inboxPort]) {
    if (await acceptsConnections(port)) throw new Error(`port ${port} on 127.0.0.1 is already in use (another Mailpit? then set SMTP_URL to it)`);
  }
  mkdirSync(DATA_DIR, { recursive: true });
  const child = spawn(
    mailpitPath(),
    [
      '--smtp', `127.0.0.1:${smtpPort}`,
      '--listen', `127.0.0.1:${inboxPort}`,
      '--database', join(DATA_DIR, 'mailpit.db'),
      // The same notification retried carries the same Message-ID: keep one copy in the inbox.
      '--ignore-duplicate-ids',
      '--disable-version-check',
      '--quiet',
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };

  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  while (!((await acceptsConnections(smtpPort)) && (await acceptsConnections(inboxPort)))) {
    if (child.exitCode !== null) throw new Error(`Mailpit exited (${child.exitCode}) before it was ready`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`Mailpit did not listen on ports ${smtpPort} and ${inboxPort} in time`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { smtpUrl: `smtp://127.0.0.1:${smtpPort}`, inboxUrl: `http://127.0.0.1:${inboxPort}`, stop };
}
