/**
 * Monitoring alerts (Prometheus Alertmanager, through src/http/integrations/alertmanager.ts) as
 * the lifecycle sees them. A firing alert about a component at Level 9 opens an out-of-cycle
 * re-review that carries the alert (or, if a review of the component is already open, is noted on
 * it); a resolved alert is noted. Alertmanager re-sends a firing alert every `repeat_interval` and
 * with every change in its group, so the component remembers the fingerprints of the alerts firing
 * about it (`firingAlerts`, bounded) and takes a repeat as a repeat: acknowledged, nothing opened.
 * The memory lives in the component's context because the component is what decides, and it
 * travels with the run across continue-as-new; a resolution forgets the fingerprint, so the same
 * alert firing again later is a new occurrence.
 *
 * Only the alert route sends these events, so a history recorded before them never holds one and
 * replays as it ran; `firingAlerts` and a review's `alerts` are absent until the first alert.
 * Pure: safe in the workflow sandbox.
 */
import { keepLatest } from './budget.js';
import type { ComponentContext, OpenReview } from './context.js';
import type { AlertFiringEvent, AlertResolvedEvent } from './events.js';
import { MAX_LEVEL } from './levels.js';

/** One alert as Alertmanager describes it, cut to what the lifecycle keeps. */
export interface AlertNotice {
  /** Alertmanager's fingerprint: a hash of the alert's labels, the same for every repeat of the alert. */
  fingerprint: string;
  alertname: string;
  severity?: string;
  /** `annotations.summary`: what the people who wrote the alert rule want the panel to read. */
  summary?: string;
  /** When the alert began firing, as Alertmanager says (ISO 8601). */
  startsAt?: string;
  /** Where the alert comes from (the alert's generatorURL), for people to follow. */
  source?: string;
}

/** A firing alert the component remembers, so its repeats open nothing. */
export interface FiringAlert {
  fingerprint: string;
  alertname: string;
  /** When the component first heard of it. */
  since: number;
  /** The review it opened or was noted on, if any. */
  reviewId?: string;
}

/** An alert as a review carries it: what the panel and the owner read. */
export interface ReviewAlert extends AlertNotice {
  /** When the component heard it fire. */
  firedAt: number;
  /** When the component heard it resolved, while the review was open. */
  resolvedAt?: number;
}

/** Firing alerts remembered per component: more than any component should have firing at once. */
export const FIRING_ALERTS_KEPT = 50;
/** Alerts a review carries: the one that opened it and those that fired while it was open. */
export const REVIEW_ALERTS_KEPT = 10;
const FIRING_ALERTS_BYTES = 24_000;
const REVIEW_ALERTS_BYTES = 24_000;

/** A repeat: the component already heard this alert fire and has not heard it resolved. */
export const isRepeatedAlert = (context: ComponentContext, event: AlertFiringEvent): boolean =>
  (context.firingAlerts ?? []).some((alert) => alert.fingerprint === event.alert.fingerprint);

/** Why a firing alert opens no re-review: as a scheduled re-review is skipped, with the reason. */
export function alertFiringRefusals(context: ComponentContext): string[] {
  return context.level === MAX_LEVEL ? [] : [`re-review skipped: the component is at Level ${context.level}, not ${MAX_LEVEL}`];
}

function remember(context: ComponentContext, alert: AlertNotice, at: number, reviewId: string | undefined): FiringAlert[] {
  const entry: FiringAlert = { fingerprint: alert.fingerprint, alertname: alert.alertname, since: at, ...(reviewId ? { reviewId } : {}) };
  return keepLatest([...(context.firingAlerts ?? []), entry], FIRING_ALERTS_KEPT, FIRING_ALERTS_BYTES);
}

function withAlert(review: OpenReview, alert: AlertNotice, at: number): OpenReview {
  return { ...review, alerts: keepLatest([...(review.alerts ?? []), { ...alert, firedAt: at }], REVIEW_ALERTS_KEPT, REVIEW_ALERTS_BYTES) };
}

/** The context after a firing alert: carried by the open review (just opened, or already open), and remembered. */
export function noteFiring(context: ComponentContext, event: AlertFiringEvent): ComponentContext {
  const review = context.review ? withAlert(context.review, event.alert, event.at) : null;
  return { ...context, review, firingAlerts: remember(context, event.alert, event.at, review?.id) };
}

/** The context after a resolved alert: forgotten, and marked resolved on the open review that carries it. */
export function noteResolved(context: ComponentContext, event: AlertResolvedEvent): ComponentContext {
  const { fingerprint } = event.alert;
  const known = context.firingAlerts?.some((alert) => alert.fingerprint === fingerprint) ?? false;
  const carried = context.review?.alerts?.some((alert) => alert.fingerprint === fingerprint && alert.resolvedAt === undefined) ?? false;
  if (!known && !carried) return context;
  const review =
    context.review && carried
      ? {
          ...context.review,
          alerts: context.review.alerts!.map((alert) => (alert.fingerprint === fingerprint && alert.resolvedAt === undefined ? { ...alert, resolvedAt: event.at } : alert)),
        }
      : context.review;
  return { ...context, review, ...(known ? { firingAlerts: context.firingAlerts!.filter((alert) => alert.fingerprint !== fingerprint) } : {}) };
}

/** One line for an alert: `ModelDrift (critical): prediction drift above 0.3 for 15m`. */
export function alertLine(alert: Pick<AlertNotice, 'alertname' | 'severity' | 'summary'>): string {
  return `${alert.alertname}${alert.severity ? ` (${alert.severity})` : ''}${alert.summary ? `: ${alert.summary}` : ''}`;
}
