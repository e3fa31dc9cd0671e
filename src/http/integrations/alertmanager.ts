/**
 * Prometheus Alertmanager's webhook (`POST /integrations/alertmanager`): monitoring alerts about a
 * project's components, from a `webhook_configs` receiver that sends `Authorization: Bearer <token>`
 * (Alertmanager does not sign its webhooks, so the token is what tells it from anyone else).
 *
 * Each alert names its component with two labels (`project` and `component` unless configured
 * otherwise) and goes to that component as an `alert` update (workflows/definitions.ts): a firing
 * alert about a Level 9 component opens an out-of-cycle re-review carrying the alert's summary, a
 * repeat opens nothing while it fires, a resolution is noted (machines/alerts.ts). The answer lists
 * what became of every alert; every outcome is also in the component's history.
 *
 * Status codes, which Alertmanager acts on: 401 for a wrong or missing token and 400 for a body that
 * is not a version 4 notification (Alertmanager does not retry a 4xx, and logs it); 404 when no alert
 * named a component mltrl knows; 503 when Temporal cannot be reached (Alertmanager retries a 5xx).
 */
import { timingSafeEqual } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { Slug } from '../../../machines/model.js';
import { InputError, parseInput } from '../../../machines/validation.js';
import { alertUpdate, type AlertAnswer, type AlertReceived } from '../../../workflows/definitions.js';
import { call, ClientError, componentHandle } from '../../runtime/client.js';
import { bearerIn } from '../core/auth.js';
import type { AppDependencies } from '../core/dependencies.js';
import { errorResponse, Unauthorized } from '../core/problems.js';

export const ALERTMANAGER_PATH = '/integrations/alertmanager';

export interface AlertmanagerSettings {
  /** The bearer token Alertmanager's receiver sends (MLTRL_ALERTMANAGER_TOKEN). */
  token: string;
  /** The label naming the project (MLTRL_ALERTMANAGER_PROJECT_LABEL). Default `project`. */
  projectLabel?: string;
  /** The label naming the component (MLTRL_ALERTMANAGER_COMPONENT_LABEL). Default `component`. */
  componentLabel?: string;
}

const Labels = z.record(z.string(), z.string());

/** One alert of Alertmanager's webhook payload (version 4); fields Alertmanager may add later are let through. */
const WebhookAlert = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: Labels,
  annotations: Labels.default({}),
  startsAt: z.string().optional(),
  endsAt: z.string().optional(),
  generatorURL: z.string().optional(),
  fingerprint: z.string().regex(/^[A-Za-z0-9]{1,64}$/, 'must be 1 to 64 letters and digits'),
});

/** Alertmanager's webhook payload, version 4 (https://prometheus.io/docs/alerting/latest/configuration/#webhook_config). */
export const WebhookNotification = z.object({
  version: z.literal('4', { error: 'must be "4" (the webhook payload version this receiver reads)' }),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string(),
  alerts: z.array(WebhookAlert).min(1).max(1_000),
  groupKey: z.string().optional(),
  externalURL: z.string().optional(),
});
type WebhookAlert = z.infer<typeof WebhookAlert>;

/** What became of one alert, in the route's answer: the component's answer, or why it reached none. */
export interface AlertResult extends Partial<Omit<AlertAnswer, 'outcome'>> {
  fingerprint: string;
  alertname: string;
  projectId?: string;
  componentId?: string;
  outcome: AlertAnswer['outcome'] | 'unknown' | 'unlabelled' | 'unavailable';
}

const UNDELIVERED: ReadonlySet<AlertResult['outcome']> = new Set(['unknown', 'unlabelled', 'unavailable']);

/** A string cut to `max` characters (an alert rule may write more than a review keeps); empty is absent. */
function clipped(text: string | undefined, max: number): string | undefined {
  const trimmed = text?.trim();
  if (!trimmed) return undefined;
  return trimmed.length > max ? `${trimmed.slice(0, max - 1)}…` : trimmed;
}

/** The alert as a component takes it (workflows/definitions.ts, AlertReceived). */
export function alertReceived(alert: WebhookAlert): AlertReceived {
  const optional = (key: string, value: string | undefined) => (value === undefined ? {} : { [key]: value });
  return {
    status: alert.status,
    fingerprint: alert.fingerprint,
    alertname: clipped(alert.labels['alertname'], 200) ?? 'unnamed alert',
    ...optional('severity', clipped(alert.labels['severity'], 40)),
    ...optional('summary', clipped(alert.annotations['summary'], 1_000)),
    ...optional('startsAt', clipped(alert.startsAt, 40)),
    ...optional('source', clipped(alert.generatorURL, 2_000)),
  };
}

function tokenMatches(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function jsonBody(c: Context): Promise<unknown> {
  try {
    return await c.req.json();
  } catch {
    throw new InputError('body: not valid JSON (Alertmanager sends application/json)');
  }
}

export function alertmanagerRoutes(deps: AppDependencies, settings: AlertmanagerSettings): Hono {
  const projectLabel = settings.projectLabel ?? 'project';
  const componentLabel = settings.componentLabel ?? 'component';
  const route = new Hono();
  route.onError((error, c) => errorResponse(c, error, 'mltrl alertmanager:'));

  /** One alert to its component; what the component did, or why it reached none. */
  async function deliver(alert: WebhookAlert): Promise<AlertResult> {
    const received = alertReceived(alert);
    const named = { fingerprint: alert.fingerprint, alertname: received.alertname };
    const projectId = Slug.safeParse(alert.labels[projectLabel]);
    const componentId = Slug.safeParse(alert.labels[componentLabel]);
    if (!projectId.success || !componentId.success) {
      const missing = [!projectId.success && projectLabel, !componentId.success && componentLabel].filter(Boolean).join(' and ');
      return { ...named, outcome: 'unlabelled', reason: `labels: ${missing} must name a project and a component of mltrl (a lowercase slug)` };
    }
    const target = { projectId: projectId.data, componentId: componentId.data };
    try {
      const answer = await call(() => componentHandle(deps.client, target.projectId, target.componentId).executeUpdate(alertUpdate, { args: [received] }));
      return { ...named, ...target, ...answer };
    } catch (error) {
      if (!(error instanceof ClientError)) throw error;
      if (error.kind === 'not-found') {
        return { ...named, ...target, outcome: 'unknown', reason: `no component ${target.projectId}/${target.componentId} in mltrl (is the project started, with that component?)` };
      }
      if (error.kind === 'unavailable') return { ...named, ...target, outcome: 'unavailable', reason: error.message };
      // A retired component's workflow has ended: a skip like any other, with the reason.
      return { ...named, ...target, outcome: 'skipped', reason: error.message };
    }
  }

  route.post('/', async (c) => {
    if (!tokenMatches(bearerIn(c), settings.token)) {
      throw new Unauthorized('authorization: send "Authorization: Bearer <MLTRL_ALERTMANAGER_TOKEN>" (the http_config.authorization of the Alertmanager receiver)');
    }
    const notification = parseInput(WebhookNotification, await jsonBody(c), 'alertmanager');
    const results: AlertResult[] = [];
    // One at a time: a group's alerts usually name one component, whose updates run in order anyway.
    for (const alert of notification.alerts) results.push(await deliver(alert));
    for (const result of results.filter((r) => UNDELIVERED.has(r.outcome))) {
      console.warn(`mltrl alertmanager: ${result.alertname} [${result.fingerprint}] not delivered (${result.outcome}): ${result.reason}`);
    }
    if (results.some((r) => r.outcome === 'unavailable')) {
      return c.json({ error: { kind: 'unavailable', message: 'Temporal is unavailable: Alertmanager will retry' }, results }, 503);
    }
    if (results.every((r) => r.outcome === 'unknown' || r.outcome === 'unlabelled')) {
      const message = results.map((r) => `${r.alertname}: ${r.reason}`).join('; ');
      return c.json({ error: { kind: 'not-found', message }, results }, 404);
    }
    return c.json({ results });
  });
  return route;
}
