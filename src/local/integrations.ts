/**
 * MLflow and Alertmanager for the local stack, when `npm start` is asked for them
 * (MLTRL_LOCAL_MLFLOW=1, MLTRL_LOCAL_ALERTMANAGER=1): installed if missing, run on their usual
 * ports with their state under data/, and wired to mltrl both ways: MLflow's webhook calls
 * /integrations/mlflow with a secret kept in data/, Alertmanager's receiver calls
 * /integrations/alertmanager with a token kept in data/, and the worker and HTTP server get the
 * matching MLTRL_* settings. Without either switch nothing here runs.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Config } from '../runtime/config.js';
import { ALERTMANAGER_PATH } from '../http/integrations/alertmanager.js';
import { mlflowRegistry } from '../integrations/mlflowRegistry.js';
import { DEFAULT_ALERTMANAGER_PORT, alertmanagerPath, startAlertmanager, type Alertmanager } from './alertmanager.js';
import { localLinkSecret } from './linkSecret.js';
import { DEFAULT_MLFLOW_PORT, mlflowPath, startMlflowServer, type MlflowServer } from './mlflow.js';
import { DATA_DIR, PROJECT_ROOT } from './temporalServer.js';

export const MLFLOW_DATA_DIR = join(DATA_DIR, 'mlflow');
export const ALERTMANAGER_DATA_DIR = join(DATA_DIR, 'alertmanager');
/** Kept like the link secret, so MLflow's stored webhook and mltrl agree after a restart. */
export const MLFLOW_WEBHOOK_SECRET_FILE = join(DATA_DIR, 'mlflow-webhook-secret');
export const ALERTMANAGER_TOKEN_FILE = join(DATA_DIR, 'alertmanager-token');
/** The name of the webhook `npm start` keeps in MLflow (found again by it on the next start). */
export const MLFLOW_WEBHOOK_NAME = 'mltrl';
/** The MLflow events mltrl acts on: a new model version, and the approval alias moved by hand. */
export const MLFLOW_WEBHOOK_EVENTS = [
  { entity: 'MODEL_VERSION', action: 'CREATED' },
  { entity: 'MODEL_VERSION_ALIAS', action: 'CREATED' },
] as const;

export interface LocalSecrets {
  mlflowWebhookSecret?: string;
  alertmanagerToken?: string;
}

/** The secrets the switched-on integrations need: configured ones win, else the ones kept in data/ (made once). */
export function localIntegrationSecrets(
  config: Pick<Config, 'MLTRL_LOCAL_MLFLOW' | 'MLTRL_LOCAL_ALERTMANAGER' | 'MLTRL_MLFLOW_WEBHOOK_SECRET' | 'MLTRL_ALERTMANAGER_TOKEN'>,
  files = { mlflow: MLFLOW_WEBHOOK_SECRET_FILE, alertmanager: ALERTMANAGER_TOKEN_FILE },
): LocalSecrets {
  return {
    ...(config.MLTRL_LOCAL_MLFLOW ? { mlflowWebhookSecret: config.MLTRL_MLFLOW_WEBHOOK_SECRET ?? localLinkSecret(files.mlflow) } : {}),
    ...(config.MLTRL_LOCAL_ALERTMANAGER ? { alertmanagerToken: config.MLTRL_ALERTMANAGER_TOKEN ?? localLinkSecret(files.alertmanager) } : {}),
  };
}

/**
 * The configuration the worker and HTTP server run with when the local integrations are on: the
 * local MLflow's address and its webhook secret, Alertmanager's token. Pure, so it is tested
 * without holding ports 5000 and 9093.
 */
export function withLocalIntegrations(config: Config, local: LocalSecrets & { mlflowUrl?: string }): Config {
  return {
    ...config,
    ...(config.MLTRL_LOCAL_MLFLOW && local.mlflowUrl ? { MLTRL_MLFLOW_URL: local.mlflowUrl } : {}),
    ...(config.MLTRL_LOCAL_MLFLOW && local.mlflowWebhookSecret ? { MLTRL_MLFLOW_WEBHOOK_SECRET: local.mlflowWebhookSecret } : {}),
    ...(config.MLTRL_LOCAL_ALERTMANAGER && local.alertmanagerToken ? { MLTRL_ALERTMANAGER_TOKEN: local.alertmanagerToken } : {}),
  };
}

/** Where MLflow and Alertmanager reach mltrl's routes: its own loopback address, never the public one (a proxy may sit there). */
export function mltrlLoopbackUrl(config: Pick<Config, 'MLTRL_HTTP_HOST'>, port: number): string {
  const host = config.MLTRL_HTTP_HOST === '0.0.0.0' || config.MLTRL_HTTP_HOST === '::' ? '127.0.0.1' : config.MLTRL_HTTP_HOST;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** Runs scripts/install-integrations.sh for `what` unless `found` succeeds (it throws when the server is not installed). */
function installIfMissing(what: 'mlflow' | 'alertmanager', found: () => string, log: (line: string) => void): void {
  try {
    found();
    return;
  } catch {
    log(`mltrl: installing ${what === 'mlflow' ? 'MLflow (a Python environment in tools/mlflow, about a minute and 850 MB, once)' : 'Alertmanager (built with Go into tools/bin, once)'}…`);
  }
  const result = spawnSync('bash', [join(PROJECT_ROOT, 'scripts', 'install-integrations.sh'), what], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`scripts/install-integrations.sh ${what} failed (exit ${result.status ?? result.signal}); see its output above`);
  found();
}

/** Creates MLflow's webhook to mltrl, or brings the one a previous start made up to date (mltrl's port and the secret may have changed). */
export async function ensureMlflowWebhook(mlflowUrl: string, targetUrl: string, secret: string): Promise<{ id: string; created: boolean }> {
  const registry = mlflowRegistry(mlflowUrl);
  const { webhooks = [] } = await registry.call<{ webhooks?: { webhook_id: string; name: string }[] }>('GET', 'webhooks', { max_results: 1000 });
  const existing = webhooks.find((w) => w.name === MLFLOW_WEBHOOK_NAME);
  const settings = { url: targetUrl, events: MLFLOW_WEBHOOK_EVENTS, secret, status: 'ACTIVE' };
  if (existing) {
    await registry.call('PATCH', `webhooks/${existing.webhook_id}`, settings);
    return { id: existing.webhook_id, created: false };
  }
  const { webhook } = await registry.call<{ webhook: { webhook_id: string } }>('POST', 'webhooks', { name: MLFLOW_WEBHOOK_NAME, ...settings });
  return { id: webhook.webhook_id, created: true };
}

/** Installs MLflow if needed and starts it on port 5000 with its state in data/mlflow; webhooks may call mltrl on loopback. */
export async function startLocalMlflow(log: (line: string) => void): Promise<MlflowServer> {
  installIfMissing('mlflow', mlflowPath, log);
  log(`mltrl: starting MLflow (registry in ${join(MLFLOW_DATA_DIR, 'mlflow.db')}; a first start migrates it, up to a minute)…`);
  return startMlflowServer({ port: DEFAULT_MLFLOW_PORT, dataDir: MLFLOW_DATA_DIR, allowLocalWebhooks: true });
}

/** Installs Alertmanager if needed and starts it on port 9093, its one receiver mltrl's route with the bearer token. */
export async function startLocalAlertmanager(mltrlUrl: string, token: string, log: (line: string) => void): Promise<Alertmanager> {
  installIfMissing('alertmanager', alertmanagerPath, log);
  log(`mltrl: starting Alertmanager (state in ${ALERTMANAGER_DATA_DIR})…`);
  return startAlertmanager({
    port: DEFAULT_ALERTMANAGER_PORT,
    dataDir: ALERTMANAGER_DATA_DIR,
    webhookUrl: `${mltrlUrl}${ALERTMANAGER_PATH}`,
    bearerToken: token,
    // Shorter than Alertmanager's 30 s, so an alert posted while trying mltrl out shows up promptly.
    groupWait: '5s',
    groupInterval: '30s',
  });
}
