/**
 * The worker's notifier from configuration: email over SMTP when `SMTP_URL` is set, else the
 * worker's log. Review links are signed with the configured secret.
 */
import nodemailer from 'nodemailer';
import { createEmailNotifier } from '../../activities/email.js';
import { logNotifier, type Notifier } from '../../activities/notifications.js';
import { durationMillis } from '../../machines/model.js';
import { publicUrl, type Config } from './config.js';
import { createLinks, type Links } from '../http/core/links.js';

/**
 * Short socket timeouts: the notify activity has one minute per attempt, and a mail server that
 * hangs should fail the attempt early so the activity's bounded retries do the waiting.
 */
export function smtpTransport(url: string) {
  return nodemailer.createTransport({ url, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 });
}

export function linksFromConfig(config: Config, secret = config.MLTRL_LINK_SECRET): Links | undefined {
  if (!secret) return undefined;
  return createLinks({ secret, previousSecret: config.MLTRL_LINK_SECRET_PREVIOUS, publicUrl: publicUrl(config), ttlMs: durationMillis(config.MLTRL_LINK_TTL) });
}

export function notifierFromConfig(config: Config): { notifier: Notifier; describe: string } {
  const links = linksFromConfig(config);
  if (!config.SMTP_URL || !links) return { notifier: logNotifier, describe: 'to the worker log (SMTP_URL is not set)' };
  const notifier = createEmailNotifier({ transport: smtpTransport(config.SMTP_URL), from: config.MAIL_FROM, links });
  return { notifier, describe: `by email via ${redacted(config.SMTP_URL)}` };
}

/** The SMTP URL without its password, for logs. */
export function redacted(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString().replace(/\/$/, '');
}
