/**
 * Outgoing webhooks: each lifecycle event a component announces (machines/lifecycleEvents.ts) is
 * posted to every endpoint the worker is configured with (MLTRL_WEBHOOKS) that wants it, signed per
 * the Standard Webhooks specification by the `standardwebhooks` library, or as Slack-compatible
 * text. Which endpoints exist is the worker's configuration, never workflow state: the workflow
 * hands every event to its turn's delivery, and the delivery sends to whatever is configured now.
 *
 * The event's id (`webhook-id`) is fixed by the workflow, so a retried or replayed delivery carries
 * the same id and receivers can drop the copy. Delivery is bounded: a few attempts close together,
 * then the event is given up for that endpoint and the component's history says so.
 */
import { createHash } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { z } from 'zod';
import { LIFECYCLE_EVENT_TYPES, type LifecycleNotice } from '../machines/lifecycleEvents.js';
import { componentPageUrl } from '../src/http/core/links.js';

/** Attempts per event and endpoint, and the waits between them (attempts counted across activity retries). */
export const WEBHOOK_ATTEMPTS = 3;
export const WEBHOOK_RETRY_WAITS_MS = [1_000, 5_000] as const;
/** How long one attempt may take before it counts as failed. */
export const WEBHOOK_TIMEOUT_MS = 5_000;

/** A Standard Webhooks secret: `whsec_` and 24 to 64 random bytes in base64 (the specification's bounds). */
function isStandardSecret(secret: string): boolean {
  if (!/^whsec_[A-Za-z0-9+/]+={0,2}$/.test(secret)) return false;
  const bytes = Buffer.from(secret.slice('whsec_'.length), 'base64').length;
  return bytes >= 24 && bytes <= 64;
}

const SECRET_RULE = 'must be whsec_ followed by 24 to 64 random bytes in base64, e.g. whsec_$(openssl rand -base64 32)';

export const WebhookEndpoint = z
  .object({
    url: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }),
    /** Signs every delivery; required for the standard format, optional for Slack (whose URL is its secret). */
    secret: z.string().refine(isStandardSecret, SECRET_RULE).optional(),
    /** The event types this endpoint receives; all of them when absent. */
    events: z.array(z.enum(LIFECYCLE_EVENT_TYPES, { error: `must be one of ${LIFECYCLE_EVENT_TYPES.join(', ')}` })).min(1, 'must name at least one event type (leave it out for all)').optional(),
    /** `standard`: the event as JSON `{ type, timestamp, data }`; `slack`: `{ text }` for a Slack incoming webhook. */
    format: z.enum(['standard', 'slack'], { error: 'must be standard or slack' }).default('standard'),
  })
  .strict()
  .superRefine((endpoint, ctx) => {
    if (endpoint.format === 'standard' && endpoint.secret === undefined) {
      ctx.addIssue({ code: 'custom', path: ['secret'], message: `required for the standard format: ${SECRET_RULE}` });
    }
  });
export type WebhookEndpoint = z.output<typeof WebhookEndpoint>;

export const WebhookEndpoints = z.array(WebhookEndpoint).max(20, 'at most 20 endpoints');

/** MLTRL_WEBHOOKS: a JSON list of endpoints. */
export const WebhooksVariable = z
  .string()
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be JSON: a list of { "url", "secret", "events"?, "format"? }' });
      return z.NEVER;
    }
  })
  .pipe(WebhookEndpoints);

/** One event as the workflow hands it to a delivery: its stable id, type, when it happened and what it says. */
export type WebhookEvent = { id: string; timestamp: string } & Pick<LifecycleNotice, 'type' | 'data'>;

/** How one event fared with the endpoints that want it. */
export interface WebhookOutcome {
  /** Endpoints it reached. */
  sent: number;
  /** Endpoints it was given up for, each as `<origin>: <why>`. */
  failed: string[];
}

/** The endpoint's origin only: a Slack webhook URL's path is its secret and never goes to the history. */
export function endpointName(endpoint: Pick<WebhookEndpoint, 'url'>): string {
  return new URL(endpoint.url).origin;
}

/** A short fingerprint of an endpoint, for progress kept in heartbeats (never the URL itself). */
export function endpointKey(endpoint: Pick<WebhookEndpoint, 'url'>): string {
  return createHash('sha256').update(endpoint.url).digest('hex').slice(0, 16);
}

export const wants = (endpoint: WebhookEndpoint, event: Pick<WebhookEvent, 'type'>) => !endpoint.events || endpoint.events.includes(event.type);

/** The body an endpoint receives: identical on every attempt, so a copy is byte for byte the first. */
export function webhookBody(endpoint: WebhookEndpoint, event: WebhookEvent, publicUrl?: string): string {
  if (endpoint.format === 'slack') return JSON.stringify({ text: slackText(event, publicUrl) });
  return JSON.stringify({ type: event.type, timestamp: event.timestamp, data: event.data });
}

/** One line a person reads in a channel. */
export function slackText(event: WebhookEvent, publicUrl?: string): string {
  const d = event.data;
  const who = `*${d.componentName}* (${d.projectId})`;
  const line = ((): string => {
    switch (event.type) {
      case 'review.opened': {
        const o = event.data as Extract<LifecycleNotice, { type: 'review.opened' }>['data'];
        return `${o.reReview ? 'Level 9 re-review' : 'review'} ${o.reviewId} opened at Level ${o.reviewLevel} (${o.proposal}) by ${o.submittedBy}`;
      }
      case 'review.closed': {
        const o = event.data as Extract<LifecycleNotice, { type: 'review.closed' }>['data'];
        return `review ${o.reviewId} at Level ${o.reviewLevel} closed: ${o.outcome}${o.tasks.length ? ` (${o.tasks.length} task${o.tasks.length === 1 ? '' : 's'})` : ''}`;
      }
      case 'level.changed': {
        const o = event.data as Extract<LifecycleNotice, { type: 'level.changed' }>['data'];
        return `Level ${o.from ?? '–'} → ${o.to} (${d.levelName}, ${o.how})`;
      }
      case 'switchback': {
        const o = event.data as Extract<LifecycleNotice, { type: 'switchback' }>['data'];
        return `switched back from Level ${o.from} to ${o.to} (${o.kind}) by ${o.by}: ${o.reason}`;
      }
      case 'rereview.due': {
        const o = event.data as Extract<LifecycleNotice, { type: 'rereview.due' }>['data'];
        return `Level 9 re-review due: review ${o.reviewId} opened`;
      }
      case 'rereview.skipped': {
        const o = event.data as Extract<LifecycleNotice, { type: 'rereview.skipped' }>['data'];
        return o.reason;
      }
      case 'component.paused':
      case 'component.resumed':
      case 'component.retired': {
        const o = event.data as Extract<LifecycleNotice, { type: 'component.paused' }>['data'];
        return `${event.type.slice('component.'.length)} by ${o.by}${o.reason ? `: ${o.reason}` : ''}`;
      }
    }
  })();
  const card = publicUrl ? ` <${componentPageUrl(publicUrl, d.projectId, d.componentId)}|card>` : '';
  return `${who}: ${line}${card}`;
}

export type Attempt = { ok: true } | { ok: false; retry: boolean; why: string };

/** Post one event to one endpoint once, signed when the endpoint has a secret. */
export async function postOnce(endpoint: WebhookEndpoint, event: WebhookEvent, body: string, now = new Date()): Promise<Attempt> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'mltrl-webhooks',
    'webhook-id': event.id,
    'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
  };
  if (endpoint.secret) headers['webhook-signature'] = new Webhook(endpoint.secret).sign(event.id, now, body);
  try {
    const response = await fetch(endpoint.url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS) });
    await response.body?.cancel();
    if (response.ok) return { ok: true };
    // Timeouts, throttling and server errors may pass; anything else (a 4xx, a redirect) will not.
    const retry = response.status >= 500 || response.status === 408 || response.status === 429;
    return { ok: false, retry, why: `HTTP ${response.status}` };
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return { ok: false, retry: true, why: `${error instanceof Error ? error.message : String(error)}${cause}` };
  }
}
