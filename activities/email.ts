/**
 * Notifications as email over SMTP (nodemailer). One message per recipient, because a review link
 * belongs to one reviewer. Each message carries a Message-ID derived from the notification's
 * stable id and the recipient, so the same notification sent twice (an activity retried after a
 * partial failure, a replayed workflow) is the same message to any server that de-duplicates.
 * Recipients already delivered are also remembered here, so a retry sends only to the others.
 */
import type { Transporter } from 'nodemailer';
import type { Person } from '../machines/model.js';
import { composeEmail, type EmailLinks } from './emailMessages.js';
import type { Notification, Notifier } from './notifications.js';

/** Builds the links one email needs; implemented by src/http/core/links.ts (signed, per reviewer). */
export interface NotificationLinks {
  reviewUrl(grant: { reviewer: string; projectId: string; componentId: string; reviewId: string }): Promise<{ url: string; expiresAt: number }>;
  componentUrl(projectId: string, componentId: string): string;
}

/** Which message ids went out already. In memory by default: enough for retries on one worker. */
export interface DeliveryLog {
  has(messageId: string): boolean;
  add(messageId: string): void;
}

export function memoryDeliveryLog(capacity = 10_000): DeliveryLog {
  const ids = new Set<string>();
  return {
    has: (id) => ids.has(id),
    add(id) {
      ids.add(id);
      // Oldest first out: a Set iterates in insertion order.
      if (ids.size > capacity) ids.delete(ids.values().next().value!);
    },
  };
}

export interface EmailNotifierOptions {
  transport: Pick<Transporter, 'sendMail'>;
  /** The From header, e.g. `mltrl <reviews@lab.example>`. */
  from: string;
  links: NotificationLinks;
  delivered?: DeliveryLog;
}

/** `<component.proj.comp.r1.review-opened.7.rita=lab.example@mltrl.lab.example>`: RFC 5322 safe. */
export function messageIdFor(notification: Notification, recipient: string, from: string): string {
  const local = `${notification.messageId}/${recipient}`.replace(/@/g, '=').replace(/[^A-Za-z0-9!#$%&'*+\-/=?^_`{|}~.]/g, '-').replace(/\//g, '.');
  const domain = /@([A-Za-z0-9.-]+)>?\s*$/.exec(from)?.[1] ?? 'localhost';
  return `<${local}@mltrl.${domain}>`;
}

async function linksFor(notification: Notification, to: Person, links: NotificationLinks): Promise<EmailLinks> {
  const component = links.componentUrl(notification.projectId, notification.componentId);
  const asksForVerdict = notification.kind === 'review-opened' || notification.kind === 'reminder';
  if (!asksForVerdict) return { component };
  const review = await links.reviewUrl({
    reviewer: to.email,
    projectId: notification.projectId,
    componentId: notification.componentId,
    reviewId: notification.reviewId,
  });
  return { component, review };
}

export function createEmailNotifier(options: EmailNotifierOptions): Notifier {
  const delivered = options.delivered ?? memoryDeliveryLog();
  return {
    async send(notification) {
      const failures: string[] = [];
      for (const to of notification.to) {
        const messageId = messageIdFor(notification, to.email, options.from);
        if (delivered.has(messageId)) continue;
        const message = composeEmail(notification, to, await linksFor(notification, to, options.links));
        try {
          await options.transport.sendMail({
            from: options.from,
            to: { name: to.name, address: to.email },
            subject: message.subject,
            text: message.text,
            html: message.html,
            messageId,
            headers: { 'X-Mltrl-Review': `${notification.projectId}/${notification.componentId}/${notification.reviewId}` },
          });
          delivered.add(messageId);
        } catch (error) {
          failures.push(`${to.email}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      // Failing the activity makes Temporal retry it (bounded, see workflows/component.ts); the
      // recipients that did get their message are skipped on the retry.
      if (failures.length > 0) throw new Error(`email not delivered to ${failures.length} of ${notification.to.length}: ${failures.join('; ')}`);
    },
  };
}
