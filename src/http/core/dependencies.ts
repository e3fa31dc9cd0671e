/** What the HTTP server is built from: the JSON API (../api/) and the web pages (../web/) take the same. */
import type { Client } from '@temporalio/client';
import type { MetricsRead } from '../../portfolio/sharedMetrics.js';
import type { Links } from './links.js';
import type { OidcSignIn } from './oidc.js';
import type { Sessions } from './session.js';
import type { TokenRegistry } from './tokenRegistry.js';
import type { AlertmanagerSettings } from '../integrations/alertmanager.js';

export interface HttpDependencies {
  client: Client;
  taskQueue: string;
  links: Links;
  /** Requests a minute per address and per token, budgeted separately for the API, the review pages and the other pages (MLTRL_API_RATE_LIMIT). */
  rateLimitPerMinute?: number;
  /** How many live-update streams one address and the whole server may hold open (./web/live.ts); its defaults when absent. */
  liveStreamLimits?: { perAddress: number; total: number };
  /** The operator's floor for policy durations (MLTRL_MIN_POLICY_INTERVAL); the configuration's default when absent. */
  minPolicyInterval?: string;
  /** Web sign-in with OpenID Connect and its sessions; absent: pages are read without signing in, and nothing offers it. */
  identity?: Identity;
  /** Who may list and steer every re-review schedule (MLTRL_OPERATORS); a project's owners steer their own components' too. */
  operators?: readonly string[];
  /** Personal API tokens made from the web app or the API, listed back to their owner; absent: neither is offered. */
  tokens?: TokenRegistry;
  /** The secret MLflow signs its webhook deliveries with (MLTRL_MLFLOW_WEBHOOK_SECRET); unset, POST /integrations/mlflow refuses them all. */
  mlflowWebhookSecret?: string;
  /** Alertmanager's webhook (src/http/integrations/alertmanager.ts): on only with a token (MLTRL_ALERTMANAGER_TOKEN). */
  alertmanager?: AlertmanagerSettings;
}

export interface Identity {
  signIn: OidcSignIn;
  sessions: Sessions;
  /** Who may steer every re-review schedule (MLTRL_OPERATORS); a project's owners steer their own project's without being listed. */
  operators?: readonly string[];
}

/** What the routes are built from: the dependencies, and the one metrics read the server shares (src/portfolio/sharedMetrics.ts). */
export interface AppDependencies extends HttpDependencies {
  portfolioMetrics: () => Promise<MetricsRead>;
}
