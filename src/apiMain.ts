/**
 * `npm run api`: the HTTP API and web page alone, against a running Temporal server, for
 * deployments where workers and the web tier scale separately. It signs and checks links with the
 * same secret as the workers that email them.
 */
import { createApp, listen } from './http/server.js';
import { connect } from './runtime/client.js';
import { ConfigError, loadConfig, publicUrl } from './runtime/config.js';
import { httpDependenciesFromConfig } from './runtime/httpDependencies.js';
import { configuredLinkSecret } from './local/linkSecret.js';
import { linksFromConfig } from './runtime/mail.js';
import { identityFromConfig, redirectUriFor } from './runtime/identity.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const secret = configuredLinkSecret(config.MLTRL_LINK_SECRET);
  if (!secret) throw new ConfigError('configuration: MLTRL_LINK_SECRET: required: the API checks review links and tokens with it');
  const client = await connect(config);
  const http = await listen(
    createApp(httpDependenciesFromConfig(config, { client, links: linksFromConfig(config, secret)!, identity: identityFromConfig(config, secret) })),
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
