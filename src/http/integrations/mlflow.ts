/**
 * POST /integrations/mlflow: MLflow's webhook. A delivery must carry MLflow's signature under the
 * configured secret (MLTRL_MLFLOW_WEBHOOK_SECRET): unsigned, badly signed or stale deliveries get
 * 401, a replayed delivery id 409, and change nothing. A verified `model_version.created` reports
 * the new version to every component linked to the model; `model_version_alias.created` for a
 * component's approval alias reports the version it now points at (an approval moved outside the
 * reviews sends the component back to 7 and mltrl removes the alias; mltrl's own alias is already
 * on the card and changes nothing). Deliveries may arrive out of order: a version older than the
 * card's, or an alias event for a component no longer at 9, changes nothing (../../integrations/mlflowLinks.ts).
 * Other events, and models nobody links, are acknowledged.
 * A failure to reach Temporal answers 503, so MLflow delivers again.
 */
import { Hono, type Context } from 'hono';
import { linkedComponents, reportRegistryVersion, type Reported } from '../../integrations/mlflowLinks.js';
import { eventKind, MlflowDelivery, mlflowDeliveryVerifier, MlflowEvent } from '../../integrations/mlflowWebhook.js';
import type { HttpDependencies } from '../core/dependencies.js';

export function mlflowWebhookRoutes(deps: Pick<HttpDependencies, 'client' | 'taskQueue' | 'mlflowWebhookSecret'>): Hono {
  const routes = new Hono();
  const verifier = deps.mlflowWebhookSecret ? mlflowDeliveryVerifier(deps.mlflowWebhookSecret) : undefined;
  const refuse = (c: Context, status: 400 | 401 | 409 | 503, why: string) => {
    console.warn(`mltrl mlflow webhook: ${status} ${why}`);
    return c.json({ error: why }, status);
  };

  routes.post('/integrations/mlflow', async (c) => {
    if (!verifier) return refuse(c, 503, 'MLflow webhooks are not configured on this server: set MLTRL_MLFLOW_WEBHOOK_SECRET to the webhook secret given to MLflow');
    const verified = verifier.verify(await c.req.text(), (name) => c.req.header(name));
    if (!verified.ok) return refuse(c, verified.status, verified.why);
    const delivery = MlflowDelivery.safeParse(verified.body);
    if (!delivery.success) return refuse(c, 400, 'body: not an MLflow webhook delivery (entity, action and data are required)');
    const kind = eventKind(delivery.data);
    const event = MlflowEvent.safeParse({ kind, data: delivery.data.data });
    if (!event.success) {
      verifier.accepted(verified.id);
      console.log(`mltrl mlflow webhook: ${kind} acknowledged, nothing to do (delivery ${verified.id})`);
      return c.json({ event: kind, acknowledged: true, reported: [], note: `mltrl acts on model_version.created and model_version_alias.created only` });
    }
    const { name, version } = event.data.data;
    let reported: Reported[];
    try {
      const { linked } = await linkedComponents(deps.client, deps.taskQueue, name);
      const parsed = event.data;
      // An alias event means something only for the alias mltrl keeps for that component.
      const { targets, why, rule } =
        parsed.kind === 'model_version.created'
          ? { targets: linked, why: `MLflow registered version ${version} of ${name}`, rule: 'newer' as const }
          : { targets: linked.filter((l) => l.alias === parsed.data.alias), why: `MLflow alias ${parsed.data.alias} moved to version ${version}`, rule: 'while-approved' as const };
      reported = await Promise.all(targets.map((target) => reportRegistryVersion(deps.client, target, version, why, rule)));
    } catch (error) {
      return refuse(c, 503, `could not reach the components linked to ${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
    verifier.accepted(verified.id);
    if (reported.length === 0) console.log(`mltrl mlflow webhook: ${kind} for ${name} acknowledged: no running component links it (delivery ${verified.id})`);
    for (const r of reported) console.log(`mltrl mlflow webhook: ${kind} ${name} v${version} → ${r.projectId}/${r.componentId}: ${r.outcome}, ${r.detail}`);
    return c.json({ event: kind, acknowledged: true, reported });
  });
  return routes;
}
