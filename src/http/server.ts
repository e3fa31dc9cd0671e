/**
 * One HTTP server for the JSON API (/api/…, ./api/), the web pages (/, /projects/…) and the review
 * page (/review/<token>, ./web/). The two sides never import each other: both stand on ./core/
 * (tokens, guards, how a failure becomes a status). It binds to loopback unless told otherwise
 * (MLTRL_HTTP_HOST), answers only for its public URL's host and loopback, and takes form posts only
 * from its own pages (./core/guards.ts).
 */
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { except } from 'hono/combine';
import { contextStorage } from 'hono/context-storage';
import { html } from 'hono/html';
import { secureHeaders } from 'hono/secure-headers';
import { apiRoutes } from './api/routes.js';
import { mlflowWebhookRoutes } from './integrations/mlflow.js';
import { ALERTMANAGER_PATH, alertmanagerRoutes } from './integrations/alertmanager.js';
import { readMetrics } from '../portfolio/read.js';
import { sharedMetricsReader } from '../portfolio/sharedMetrics.js';
import type { AppDependencies, HttpDependencies } from './core/dependencies.js';
import { hostCheck, noStore, originCheck, rateLimits } from './core/guards.js';
import { errorResponse, pathText, problemFor, TooLarge } from './core/problems.js';
import { messagePage } from './web/layout.js';
import { webPages } from './web/pages.js';
import { reviewPages } from './web/review.js';
import { signInPages } from './web/signIn.js';
import { viewer } from './web/viewer.js';
import { STYLESHEET } from './web/styles.js';
import { livePages } from './web/live.js';
import { LIVE_SCRIPT } from './web/liveScript.js';
import { operatorPages } from './web/operators.js';
import { tokenPages } from './web/tokens.js';

const MAX_BODY_MIB = 1;
/** Requests a minute per address and per token when the caller does not say (MLTRL_API_RATE_LIMIT). */
export const DEFAULT_RATE_LIMIT = 600;

export function createApp(deps: HttpDependencies): Hono {
  const app = new Hono();
  // The page shell reads who is signed in from the request's context (./web/viewer.ts).
  app.use(contextStorage());
  // The public URL the links point at: the one host (besides loopback) and origin this server serves.
  const publicUrl = deps.links.dashboardUrl();
  app.use(hostCheck(publicUrl));
  app.use(
    secureHeaders({
      contentSecurityPolicy: { defaultSrc: ["'self'"], formAction: ["'self'"], frameAncestors: ["'none'"], baseUri: ["'none'"] },
      // Review links carry their token in the path: never leak it to another site in a Referer.
      referrerPolicy: 'no-referrer',
    }),
  );
  // The limit's own error (an HTTPException) would reach onError below as unforeseen: a 500.
  app.use(
    bodyLimit({
      maxSize: MAX_BODY_MIB * 1024 * 1024,
      onError: () => {
        throw new TooLarge(`body: larger than the ${MAX_BODY_MIB} MiB limit`);
      },
    }),
  );
  const perMinute = deps.rateLimitPerMinute ?? DEFAULT_RATE_LIMIT;
  for (const path of ['/api/*', '/review/*']) app.use(path, ...rateLimits(perMinute));
  // The pages (every read asks Temporal) have a budget of their own; the stylesheet and script cost
  // nothing, and MLflow and Alertmanager authenticate each delivery and retry what is refused.
  app.use(except(['/api/*', '/review/*', '/assets/*', '/integrations/*'], ...rateLimits(perMinute)));
  app.use(originCheck(publicUrl));
  // Everything but the stylesheet carries a status, a card or a token.
  app.use(async (c, next) => (c.req.path.startsWith('/assets/') ? next() : noStore(c, next)));
  app.get('/assets/style.css', (c) => c.body(STYLESHEET, 200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'max-age=300' }));
  app.get('/assets/live.js', (c) => c.body(LIVE_SCRIPT, 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'max-age=300' }));
  // Pages (not the API, which takes bearer tokens only) know who is signed in; an altered or expired cookie reads as nobody.
  const readViewer = viewer(deps.identity?.sessions, deps.identity?.operators, deps.tokens !== undefined);
  app.use(async (c, next) => (/^\/(api|assets)(\/|$)/.test(c.req.path) ? next() : readViewer(c, next)));
  const shared: AppDependencies = { ...deps, portfolioMetrics: sharedMetricsReader(() => readMetrics(deps.client, { taskQueue: deps.taskQueue })) };
  app.route('/api', apiRoutes(shared));
  app.route('/', mlflowWebhookRoutes(deps));
  // Only when a token is configured: an unauthenticated alert could open re-reviews.
  if (deps.alertmanager) app.route(ALERTMANAGER_PATH, alertmanagerRoutes(shared, deps.alertmanager));
  app.route('/', reviewPages(shared));
  app.route('/', signInPages(shared, deps.identity));
  app.route('/', operatorPages(shared));
  app.route('/', tokenPages(shared));
  app.route('/', livePages(shared));
  app.route('/', webPages(shared));
  app.notFound((c) => c.html(messagePage('Not found', 'error', [html`There is no page at ${pathText(c.req.path)}.`], [{ href: '/', text: 'All projects' }]), 404));
  app.onError((error, c) => {
    // What fails before the API's routes (host, origin, rate and body limits) still answers an API request in JSON.
    if (/^\/(api|integrations)(\/|$)/.test(c.req.path)) return errorResponse(c, error, 'mltrl api:');
    const problem = problemFor(error);
    if (problem.status === 500) console.error('mltrl web:', error);
    if (problem.retryAfter !== undefined) c.header('Retry-After', String(problem.retryAfter));
    return c.html(messagePage(problem.status === 421 ? 'Wrong address' : 'Something went wrong', 'error', [html`${problem.message}`], [{ href: '/', text: 'All projects' }]), problem.status);
  });
  return app;
}

export interface HttpServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Listen on `host:port` (port 0 picks a free one); resolves once it accepts connections. */
export function listen(app: Hono, host: string, port: number): Promise<HttpServer> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    const server: ServerType = serve({ fetch: app.fetch, hostname: host, port }, (info: AddressInfo) => {
      server.off('error', onError);
      const shown = info.family === 'IPv6' ? `[${info.address}]` : info.address;
      resolve({
        url: `http://${shown}:${info.port}`,
        port: info.port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            // Browsers keep connections alive; without this, close waits for them to time out.
            if ('closeAllConnections' in server) server.closeAllConnections();
          }),
      });
    });
    server.once('error', onError);
  });
}
