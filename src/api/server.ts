/**
 * One HTTP server for the JSON API (/api/…), the web pages (/, /projects/…) and the review page
 * (/review/<token>). It binds to loopback unless told otherwise (MLTRL_HTTP_HOST).
 */
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { html } from 'hono/html';
import { secureHeaders } from 'hono/secure-headers';
import { STYLESHEET } from '../web/styles.js';
import { messagePage } from '../web/layout.js';
import { webPages } from '../web/pages.js';
import { reviewPages } from '../web/review.js';
import { TooLarge, pathText, problemFor } from './errors.js';
import { apiRoutes, type ApiDependencies } from './routes.js';

const MAX_BODY_MIB = 1;

export function createApp(deps: ApiDependencies): Hono {
  const app = new Hono();
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
  app.get('/assets/style.css', (c) => c.body(STYLESHEET, 200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'max-age=300' }));
  app.route('/api', apiRoutes(deps));
  app.route('/', reviewPages(deps));
  app.route('/', webPages(deps));
  app.notFound((c) => c.html(messagePage('Not found', 'error', [html`There is no page at ${pathText(c.req.path)}.`], [{ href: '/', text: 'All projects' }]), 404));
  app.onError((error, c) => {
    const problem = problemFor(error);
    if (problem.status === 500) console.error('mltrl web:', error);
    // What fails before the API's routes (the body limit) still answers an API request in JSON.
    if (/^\/api(\/|$)/.test(c.req.path)) return c.json({ error: { kind: problem.kind, message: problem.message } }, problem.status);
    return c.html(messagePage('Something went wrong', 'error', [html`${problem.message}`], [{ href: '/', text: 'All projects' }]), problem.status);
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
