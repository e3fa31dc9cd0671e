/**
 * The HTTP server's dependencies as the configuration sets them: one place for `npm start`
 * (src/local/start.ts) and the API process (src/apiMain.ts), so the two never drift apart.
 */
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import type { HttpDependencies, Identity } from '../http/core/dependencies.js';
import type { Links } from '../http/core/links.js';
import { fileTokenRegistry } from '../http/core/tokenRegistry.js';
import { LIVE_STREAM_LIMITS } from '../http/web/live.js';
import { DATA_DIR } from '../local/temporalServer.js';
import { alertmanagerSettings, type Config } from './config.js';

/** Where the personal API tokens made from the web app are listed, unless MLTRL_TOKEN_REGISTRY says. */
const TOKEN_REGISTRY_FILE = join(DATA_DIR, 'api-tokens.json');

export function httpDependenciesFromConfig(config: Config, parts: { client: Client; links: Links; identity: Identity | undefined }): HttpDependencies {
  return {
    client: parts.client,
    taskQueue: config.MLTRL_TASK_QUEUE,
    links: parts.links,
    ...(parts.identity ? { identity: parts.identity } : {}),
    minPolicyInterval: config.MLTRL_MIN_POLICY_INTERVAL,
    rateLimitPerMinute: config.MLTRL_API_RATE_LIMIT,
    liveStreamLimits: { ...LIVE_STREAM_LIMITS, perAddress: config.MLTRL_LIVE_STREAMS_PER_ADDRESS },
    operators: config.MLTRL_OPERATORS,
    tokens: fileTokenRegistry(config.MLTRL_TOKEN_REGISTRY ?? TOKEN_REGISTRY_FILE),
    alertmanager: alertmanagerSettings(config),
    ...(config.MLTRL_MLFLOW_WEBHOOK_SECRET ? { mlflowWebhookSecret: config.MLTRL_MLFLOW_WEBHOOK_SECRET } : {}),
  };
}
