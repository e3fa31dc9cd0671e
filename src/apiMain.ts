/**
 * `npm run api`: the HTTP API and web page alone, against a running Temporal server, for
 * deployments where workers and the web tier scale separately. It signs and checks links with the
 * same secret as the workers that email them.
 */
import { join } from 'node:path';
import { fileTokenRegistry } from './http/core/tokenRegistry.js';
import { DATA_DIR } from './local/temporalServer.js';
import { createApp, listen } from './http/server.js';
import { connect } from './runtime/client.js';
import { alertmanagerSettings, ConfigError, loadConfig, publicUrl } from './runtime/config.js';
import { configuredLinkSecret } from './local/linkSecret.js';
import { linksFromConfig } from './runtime/mail.js';
import { identityFromConfig, redirectUriFor } from './runtime/identity.js';

/** Where the personal API tokens made from the web app are listed, unless MLTRL_TOKEN_REGISTRY says. */
const TOKEN_REGISTRY_FILE = join(DATA_DIR, 'api-tokens.json');

async function main(): Promise<void> {
  const config = loadConfig();
  const secret = configuredLinkSecret(config.MLTRL_LINK_SECRET);
  if (!secret) throw new ConfigError('configuration: MLTRL_LINK_SECRET: required: the API checks review links and tokens with it');
  const client = await connect(config);
  const http = await listen(
    createApp({ client, taskQueue: config.MLTRL_TASK_QUEUE, links: linksFromConfig(config, secret)!, identity: identityFromConfig(config, secret), minPolicyInterval: config.MLTRL_MIN_POLICY_INTERVAL, rateLimitPerMinute: config.MLTRL_API_RATE_LIMIT, operators: config.MLTRL_OPERATORS, tokens: fileTokenRegistry(config.MLTRL_TOKEN_REGISTRY ?? TOKEN_REGISTRY_FILE), alertmanager: alertmanagerSettings(config), ...(config.MLTRL_MLFLOW_WEBHOOK_SECRET ? { mlflowWebhookSecret: config.MLTRL_MLFLOW_WEBHOOK_SECRET } : {}) }),
    config.MLTRL_HTTP_HOST,
    config.MLTRL_HTTP_PORT,
  );
  console.log(`mltrl web page and API at ${publicUrl(config, http.port)}/ (task queue ${config.MLTRL_TASK_QUEUE} at ${config.TEMPORAL_ADDRESS})`);
  console.log(config.MLTRL_OIDC_ISSUER ? `sign-in through ${config.MLTRL_OIDC_ISSUER} (client ${config.MLTRL_OIDC_CLIENT_ID}, redirect URI ${redirectUriFor(config)})` : 'no sign-in (MLTRL_OIDC_ISSUER not set): pages are read without signing in');
  const stop = () => {
    void http.close().then(() => client.connection.close());
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(`mltrl api: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(error instanceof ConfigError ? 2 : 1);
});
