/** What the HTTP server is built from: the JSON API (../api/) and the web pages (../web/) take the same. */
import type { Client } from '@temporalio/client';
import type { MetricsRead } from '../../portfolio/sharedMetrics.js';
import type { Links } from './links.js';
import type { AlertmanagerSettings } from '../integrations/alertmanager.js';

export interface HttpDependencies {
  client: Client;
  taskQueue: string;
  links: Links;
  /** Requests a minute per address and per token on the API and review pages (MLTRL_API_RATE_LIMIT). */
  rateLimitPerMinute?: number;
  /** The operator's floor for policy durations (MLTRL_MIN_POLICY_INTERVAL); the configuration's default when absent. */
  minPolicyInterval?: string;
  /** The secret MLflow signs its webhook deliveries with (MLTRL_MLFLOW_WEBHOOK_SECRET); unset, POST /integrations/mlflow refuses them all. */
  mlflowWebhookSecret?: string;
  /** Alertmanager's webhook (src/http/integrations/alertmanager.ts): on only with a token (MLTRL_ALERTMANAGER_TOKEN). */
  alertmanager?: AlertmanagerSettings;
}

/** What the routes are built from: the dependencies, and the one metrics read the server shares (src/portfolio/sharedMetrics.ts). */
export interface AppDependencies extends HttpDependencies {
  portfolioMetrics: () => Promise<MetricsRead>;
}
