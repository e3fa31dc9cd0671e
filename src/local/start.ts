/**
 * The whole default stack on one machine (SPEC §6): the Temporal dev server with its SQLite file
 * under data/, a worker, the HTTP API and web page, and Mailpit catching the emails. Prints where
 * to look and how to start the example project; Ctrl-C stops everything.
 */
import { fileURLToPath } from 'node:url';
import { createApp, listen } from '../http/server.js';
import { connect } from '../runtime/client.js';
import { loadConfig, ConfigError, mlflowFromConfig, publicUrl, webhooksFromConfig } from '../runtime/config.js';
import { httpDependenciesFromConfig } from '../runtime/httpDependencies.js';
import { catchUpMlflow } from '../integrations/mlflowLinks.js';
import { mlflowRegistry } from '../integrations/mlflowRegistry.js';
import { temporalConnectionOptions } from '../runtime/connection.js';
import { LINK_SECRET_FILE, localLinkSecret } from './linkSecret.js';
import { localAccounts } from './localAccounts.js';
import { startLocalProvider, type LocalProvider } from './oidcProvider.js';
import { identityFromConfig, redirectUriFor } from '../runtime/identity.js';
import type { Alertmanager } from './alertmanager.js';
import type { MlflowServer } from './mlflow.js';
import { ALERTMANAGER_DATA_DIR, MLFLOW_DATA_DIR, ensureMlflowWebhook, localIntegrationSecrets, mltrlLoopbackUrl, startLocalAlertmanager, startLocalMlflow, withLocalIntegrations } from './integrations.js';
import { DEFAULT_SMTP_PORT, startMailCatcher, type MailCatcher } from './mailCatcher.js';
import { linksFromConfig, notifierFromConfig, redacted } from '../runtime/mail.js';
import { DEFAULT_DB_FILE, DEFAULT_UI_PORT, startDevServer, type DevServer } from './temporalServer.js';
import { createWorker, installProcessLogging } from '../runtime/worker.js';

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1']);
/** The local sign-in provider's port, on loopback (MLTRL_HTTP_PORT is 8280 by default). */
const DEFAULT_LOCAL_OIDC_PORT = 8281;
const EXAMPLES_DIR = fileURLToPath(new URL('../../examples/', import.meta.url));

async function main(): Promise<void> {
  const env = process.env;
  const ownMailCatcher = !env['SMTP_URL'];
  const loaded = loadConfig({
    ...env,
    ...(ownMailCatcher ? { SMTP_URL: `smtp://127.0.0.1:${DEFAULT_SMTP_PORT}` } : {}),
    ...(env['MLTRL_LINK_SECRET'] ? {} : { MLTRL_LINK_SECRET: localLinkSecret(LINK_SECRET_FILE) }),
  });
  installProcessLogging();
  const secrets = localIntegrationSecrets(loaded);

  let mailCatcher: MailCatcher | undefined;
  let server: DevServer | undefined;
  let mlflow: MlflowServer | undefined;
  let alertmanager: Alertmanager | undefined;
  const stopped: (() => Promise<void>)[] = [];
  try {
    // Before the worker: it tags model versions in this MLflow.
    if (loaded.MLTRL_LOCAL_MLFLOW) {
      mlflow = await startLocalMlflow((line) => console.log(line));
      stopped.push(() => mlflow!.stop());
    }
    const config = withLocalIntegrations(loaded, { ...secrets, ...(mlflow ? { mlflowUrl: mlflow.url } : {}) });
    if (ownMailCatcher) {
      console.log('mltrl: starting Mailpit, the local mail catcher (messages in data/mailpit.db)…');
      mailCatcher = await startMailCatcher();
      stopped.push(() => mailCatcher!.stop());
    }

    const [host = 'localhost', portText = '7233'] = config.TEMPORAL_ADDRESS.split(/:(?=\d+$)/);
    let uiUrl = `http://localhost:${DEFAULT_UI_PORT}`;
    if (LOCAL_HOSTS.has(host)) {
      console.log(`mltrl: starting the Temporal dev server (state in ${DEFAULT_DB_FILE})…`);
      server = await startDevServer({ port: Number(portText), uiPort: Number(portText) + 1000, dbFile: DEFAULT_DB_FILE, namespace: config.TEMPORAL_NAMESPACE });
      stopped.push(() => server!.stop());
      uiUrl = server.uiUrl;
    } else {
      console.log(`mltrl: using the Temporal server at ${config.TEMPORAL_ADDRESS}`);
    }
    // The dev server started here speaks plain gRPC on loopback; TLS and API key are for a remote one.
    const target = server ? { TEMPORAL_ADDRESS: server.address, TEMPORAL_NAMESPACE: config.TEMPORAL_NAMESPACE } : config;
    const address = target.TEMPORAL_ADDRESS;
    const client = await connect(target);
    stopped.push(() => client.connection.close());
    const { notifier } = notifierFromConfig(config);
    const worker = await createWorker({ ...temporalConnectionOptions(target), namespace: config.TEMPORAL_NAMESPACE, taskQueue: config.MLTRL_TASK_QUEUE, client, notifier, maxCachedWorkflows: config.MLTRL_MAX_CACHED_WORKFLOWS, maxEmailsPerHour: config.MLTRL_MAX_EMAILS_PER_HOUR, webhooks: webhooksFromConfig(config), mlflow: mlflowFromConfig(config) });

    const links = linksFromConfig(config)!;
    // Sign-in: the configured identity provider, else a local one whose accounts are the projects' people.
    let localProvider: LocalProvider | undefined;
    if (!config.MLTRL_OIDC_ISSUER) {
      console.log(`mltrl: starting the local sign-in provider (for development only) on 127.0.0.1:${DEFAULT_LOCAL_OIDC_PORT}…`);
      localProvider = await startLocalProvider({
        port: DEFAULT_LOCAL_OIDC_PORT,
        redirectUri: redirectUriFor(config),
        postLogoutRedirectUri: `${publicUrl(config)}/`,
        accounts: () => localAccounts(client, config.MLTRL_TASK_QUEUE, EXAMPLES_DIR),
      });
      stopped.push(() => localProvider!.stop());
    }
    const identity = identityFromConfig(config, config.MLTRL_LINK_SECRET!, localProvider);
    const http = await listen(
      createApp(httpDependenciesFromConfig(config, { client, links, identity })),
      config.MLTRL_HTTP_HOST,
      config.MLTRL_HTTP_PORT,
    );
    stopped.push(() => http.close());
    // MLflow and Alertmanager call mltrl's routes once they exist, on the port it actually got.
    const mltrlUrl = mltrlLoopbackUrl(config, http.port);
    if (mlflow) {
      const webhook = await ensureMlflowWebhook(mlflow.url, `${mltrlUrl}/integrations/mlflow`, config.MLTRL_MLFLOW_WEBHOOK_SECRET!);
      console.log(`mltrl: MLflow's webhook ${webhook.id} ${webhook.created ? 'created' : 'updated'}: new model versions and alias moves go to ${mltrlUrl}/integrations/mlflow`);
    }
    if (config.MLTRL_LOCAL_ALERTMANAGER) {
      alertmanager = await startLocalAlertmanager(mltrlUrl, config.MLTRL_ALERTMANAGER_TOKEN!, (line) => console.log(line));
      stopped.push(() => alertmanager!.stop());
    }
    if (config.MLTRL_MLFLOW_URL) {
      // MLflow keeps no webhook deliveries: versions registered while mltrl was down are caught up now.
      void catchUpMlflow(client, config.MLTRL_TASK_QUEUE, mlflowRegistry(config.MLTRL_MLFLOW_URL)).then(
        ({ reported, problems }) => {
          for (const r of reported.filter((r) => r.outcome === 'reported')) console.log(`mltrl: MLflow catch-up: ${r.projectId}/${r.componentId} ${r.detail}`);
          for (const p of problems) console.warn(`mltrl: MLflow catch-up: ${p}`);
        },
        (error: unknown) => console.warn(`mltrl: MLflow catch-up failed: ${error instanceof Error ? error.message : String(error)}`),
      );
    }
    const webUrl = publicUrl(config, http.port);

    const stop = () => {
      console.log('\nmltrl: stopping…');
      worker.shutdown();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);

    console.log(`
mltrl is running.
  Web page and API  ${webUrl}/  (API under ${webUrl}/api)
  Sign-in           ${localProvider ? `${localProvider.issuer}  (LOCAL DEVELOPMENT PROVIDER, not for production: pick any person of the loaded projects; set MLTRL_OIDC_ISSUER for your own)` : `${config.MLTRL_OIDC_ISSUER}  (client ${config.MLTRL_OIDC_CLIENT_ID}; redirect URI ${redirectUriFor(config)})`}
  Inbox             ${mailCatcher ? `${mailCatcher.inboxUrl}  (Mailpit: every email the engine sends lands here)` : `emails go out via ${redacted(config.SMTP_URL!)}`}
  Temporal server   ${address}  (namespace ${config.TEMPORAL_NAMESPACE}, task queue ${config.MLTRL_TASK_QUEUE})
  Temporal UI       ${uiUrl}
  Worker            running in this process, on Node.js ${process.version}${integrationLines(mlflow, alertmanager)}

Start the example project, in another terminal:
  npx mltrl project start examples/neuro-copilot.json
  npx mltrl status neuro-copilot
When a review opens, each reviewer's email (with their own review link) shows up in the inbox.${mlflow ? `

Replay the MLflow example (a model registered in MLflow, sent back by a new version; a drift alert):
  MLTRL_MLFLOW_URL=${mlflow.url}${alertmanager ? ` MLTRL_ALERTMANAGER_URL=${alertmanager.url}` : ''} npm run examples` : ''}

Press Ctrl-C to stop.`);

    await worker.run();
  } finally {
    // Stop in reverse order of starting: the API before the client it uses, the server last.
    for (const stopOne of stopped.reverse()) await stopOne().catch(() => undefined);
  }
}

/** The lines of the "mltrl is running." block for the servers the local integrations started. */
function integrationLines(mlflow: MlflowServer | undefined, alertmanager: Alertmanager | undefined): string {
  return [
    mlflow ? `\n  MLflow            ${mlflow.url}  (Model Registry and UI, state in ${MLFLOW_DATA_DIR}; its webhook calls /integrations/mlflow)` : '',
    alertmanager ? `\n  Alertmanager      ${alertmanager.url}  (alerts API and UI, state in ${ALERTMANAGER_DATA_DIR}; sends to /integrations/alertmanager)` : '',
  ].join('');
}

main().catch((error: unknown) => {
  console.error(`mltrl: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(error instanceof ConfigError ? 2 : 1);
});
