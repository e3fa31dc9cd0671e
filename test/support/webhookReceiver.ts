/**
 * A loopback HTTP server that keeps every request it receives (headers and the raw body, as sent,
 * so tests can check signatures over the exact bytes) and answers 200, or the status `answer` gives.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { eventually, PATIENCE_MS } from './harness.js';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface WebhookReceiver {
  /** Base URL, e.g. http://127.0.0.1:41234; any path is accepted. */
  url: string;
  received: ReceivedRequest[];
  /** Waits until `count` received requests match (more may still be on their way). */
  waitFor(predicate: (request: ReceivedRequest) => boolean, count?: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  stop(): Promise<void>;
}

export async function startWebhookReceiver(answer: (request: ReceivedRequest) => number = () => 200): Promise<WebhookReceiver> {
  const received: ReceivedRequest[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const kept = { method: request.method ?? '', path: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks).toString('utf8') };
      received.push(kept);
      response.writeHead(answer(kept), { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    waitFor(predicate, count = 1, timeoutMs = PATIENCE_MS) {
      return eventually(async () => {
        const matching = received.filter(predicate);
        if (matching.length < count) {
          throw new Error(`${matching.length} of ${count} expected requests received; all received:\n${received.map((r) => `${r.method} ${r.path} ${r.body}`).join('\n')}`);
        }
        return matching;
      }, timeoutMs);
    },
    stop: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
