/** What the HTTP server is built from: the JSON API (../api/) and the web pages (../web/) take the same. */
import type { Client } from '@temporalio/client';
import type { Links } from './links.js';

export interface HttpDependencies {
  client: Client;
  taskQueue: string;
  links: Links;
  /** Requests a minute per address and per token on the API and review pages (MLTRL_API_RATE_LIMIT). */
  rateLimitPerMinute?: number;
  /** The operator's floor for policy durations (MLTRL_MIN_POLICY_INTERVAL); the configuration's default when absent. */
  minPolicyInterval?: string;
}
