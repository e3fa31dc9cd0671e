/**
 * MLflow → mltrl, the delivery itself: MLflow signs each webhook delivery the Standard Webhooks way
 * (HMAC-SHA256 over "<id>.<timestamp>.<body>", base64, "v1," prefix) under its own header names, so
 * the `standardwebhooks` package verifies it once the headers are mapped; it also refuses a
 * timestamp more than five minutes off. A delivery id seen within that window is a replay.
 */
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { z } from 'zod';

export const MLFLOW_HEADERS = { id: 'x-mlflow-delivery-id', timestamp: 'x-mlflow-timestamp', signature: 'x-mlflow-signature' } as const;

/** Standard Webhooks' tolerance (the package's): a delivery older or newer than this is refused. */
const TOLERANCE_MS = 5 * 60_000;
/** Ids remembered at most; past it the oldest are forgotten (they are stale by then in any normal flow). */
const MAX_REMEMBERED = 10_000;

export type Verified = { ok: true; id: string; body: unknown } | { ok: false; status: 401 | 409 | 400; why: string };

/** One per server: verifies deliveries and remembers the ids it has accepted, to refuse replays. */
export function mlflowDeliveryVerifier(secret: string, now: () => number = Date.now) {
  // MLflow uses the secret's UTF-8 bytes as the HMAC key ("raw" in the package's terms).
  const webhook = new Webhook(new Uint8Array(Buffer.from(secret, 'utf8')), { format: 'raw' });
  const seen = new Map<string, number>();

  function forgetStale(): void {
    const cutoff = now() - 2 * TOLERANCE_MS;
    for (const [id, at] of seen) {
      if (at >= cutoff && seen.size <= MAX_REMEMBERED) break;
      seen.delete(id);
    }
  }

  return {
    verify(rawBody: string, header: (name: string) => string | undefined): Verified {
      const id = header(MLFLOW_HEADERS.id);
      const timestamp = header(MLFLOW_HEADERS.timestamp);
      const signature = header(MLFLOW_HEADERS.signature);
      const missing = Object.values(MLFLOW_HEADERS).filter((name) => !header(name));
      if (!id || !timestamp || !signature) return { ok: false, status: 401, why: `unsigned delivery: missing ${missing.join(', ')}` };
      let body: unknown;
      try {
        body = webhook.verify(rawBody, { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': signature });
      } catch (error) {
        if (error instanceof WebhookVerificationError) return { ok: false, status: 401, why: `signature refused: ${error.message}` };
        if (error instanceof SyntaxError) return { ok: false, status: 400, why: 'body: signed, but not JSON' };
        throw error;
      }
      forgetStale();
      if (seen.has(id)) return { ok: false, status: 409, why: `delivery ${id} was already received (a replay)` };
      return { ok: true, id, body };
    },
    /** Remember an id once its delivery was acted on; a delivery that failed may come again (MLflow retries 5xx). */
    accepted(id: string): void {
      seen.set(id, now());
    },
  };
}
export type MlflowDeliveryVerifier = ReturnType<typeof mlflowDeliveryVerifier>;

const Version = z.union([z.string().regex(/^[1-9]\d{0,8}$/), z.number().int().positive()]).transform(Number);

/** The events mltrl reads; every other event MLflow sends is acknowledged and ignored. */
export const MlflowEvent = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('model_version.created'), data: z.object({ name: z.string().min(1), version: Version }) }),
  z.object({ kind: z.literal('model_version_alias.created'), data: z.object({ name: z.string().min(1), alias: z.string().min(1), version: Version }) }),
]);
export type MlflowEvent = z.infer<typeof MlflowEvent>;

export const MlflowDelivery = z.object({
  entity: z.string().min(1),
  action: z.string().min(1),
  timestamp: z.string().optional(),
  data: z.record(z.string(), z.unknown()),
});

/** `entity.action` in MLflow's lower-case spelling, e.g. "model_version.created". */
export const eventKind = (delivery: z.infer<typeof MlflowDelivery>) => `${delivery.entity}.${delivery.action}`.toLowerCase();
