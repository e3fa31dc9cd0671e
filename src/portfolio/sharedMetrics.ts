/**
 * The portfolio metrics a server shows (`/metrics`, `GET /api/metrics`), read once and shared:
 * requests that arrive together wait for the same read, and a read is reused for a few seconds. A
 * metrics read asks every project (src/portfolio/read.ts), so without this each request costs one
 * query per project; with it, a busy server costs one read per interval whatever its traffic. The
 * answer says when it was read. A read that could not reach everything is not reused: the next
 * request reads again, so a gap lasts no longer than the worker's absence.
 */
import { LRUCache } from 'lru-cache';
import type { PortfolioMetrics } from './metrics.js';

/** How long a metrics read is reused by the HTTP server, unless configured: figures this old are current enough for a portfolio. */
export const DEFAULT_METRICS_MAX_AGE_MS = 15_000;

export type MetricsRead = PortfolioMetrics & { readAt: string };

export function sharedMetricsReader(read: () => Promise<PortfolioMetrics>, maxAgeMs = DEFAULT_METRICS_MAX_AGE_MS): () => Promise<MetricsRead> {
  const cache = new LRUCache<'metrics', MetricsRead>({
    max: 1,
    ttl: maxAgeMs,
    fetchMethod: async () => ({ ...(await read()), readAt: new Date().toISOString() }),
  });
  return async () => {
    const metrics = (await cache.fetch('metrics'))!;
    // A partial answer is shown to the requests that waited for it, and read again for the next.
    if (metrics.unreadable.length > 0) cache.delete('metrics');
    return metrics;
  };
}
