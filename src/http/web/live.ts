/**
 * Live pages: a component's page and a project's page follow their subject as it changes, so a team
 * lead sees a verdict land without reloading. The page says where to listen (`data-live` on
 * `<main>`) and which version it shows (`data-live-version`); ./liveScript.ts opens a server-sent
 * event stream there and, when the version differs, fetches the page again and swaps `<main>`.
 * Without scripts the page reads as before.
 *
 * The version is a digest of the query the page is drawn from (the component's `status`, the
 * project's `status`): every change a page shows (level, state, review, verdicts, card revision)
 * changes it. The server asks Temporal every two seconds per subject, and only while someone
 * listens: however many pages watch one component, one query goes out (the hub below).
 *
 * A stream costs the server a query every two seconds for as long as it is open, so nobody may hold
 * many: a stream opens only for a component or project that exists, at most `perAddress` from one
 * address and `total` in all. Over either, the page is not live (429 or 503) and says so.
 */
import { createHash } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { Slug } from '../../../machines/model.js';
import { projectStatusQuery, statusQuery } from '../../../workflows/definitions.js';
import { call, ClientError, componentHandle, projectHandle } from '../../runtime/client.js';
import type { AppDependencies } from '../core/dependencies.js';
import { clientAddress } from '../core/guards.js';
import { RateLimited } from '../core/problems.js';

/** How often a watched subject is asked, and how long one stream lasts before the browser reconnects (so none is held forever). */
export const LIVE_POLL_MS = 2_000;
const STREAM_LIFETIME_MS = 10 * 60_000;
/** Streams open at once: one address's (a person's tabs, or an office behind one proxy) and the server's. */
export const LIVE_STREAM_LIMITS = { perAddress: 32, total: 1_000 };
/** A comment now and then keeps proxies from closing a quiet stream. */
const KEEP_ALIVE_MS = 25_000;

/** The version a page carries and the stream sends: equal exactly when what the page is drawn from is. */
export function versionOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('base64url').slice(0, 22);
}

/** Where a component's and a project's page listen. */
export const componentLivePath = (projectId: string, componentId: string) => `/projects/${projectId}/components/${componentId}/live`;
export const projectLivePath = (projectId: string) => `/projects/${projectId}/live`;

type Listener = (version: string) => void;

interface Watch {
  listeners: Set<Listener>;
  last?: string;
  timer?: NodeJS.Timeout;
}

/** One poll per watched subject, shared by its listeners; it stops when the last one leaves. */
export function liveHub(intervalMs = LIVE_POLL_MS) {
  const watches = new Map<string, Watch>();

  function schedule(key: string, read: () => Promise<string>, watch: Watch, delay: number) {
    watch.timer = setTimeout(() => {
      void read()
        .then((version) => {
          if (version === watch.last) return;
          watch.last = version;
          for (const listener of watch.listeners) listener(version);
        })
        // Unreadable for now (Temporal away, a worker restarting): say nothing, ask again next time.
        .catch(() => undefined)
        .finally(() => {
          if (watches.get(key) === watch && watch.listeners.size > 0) schedule(key, read, watch, intervalMs);
        });
    }, delay);
  }

  return {
    /** `known`: the version the caller has just read, so a new watch asks again only after an interval. */
    watch(key: string, read: () => Promise<string>, listener: Listener, known?: string): () => void {
      let watch = watches.get(key);
      if (!watch) {
        watch = known === undefined ? { listeners: new Set() } : { listeners: new Set(), last: known };
        watches.set(key, watch);
        schedule(key, read, watch, known === undefined ? 0 : intervalMs);
      }
      if (watch.last !== undefined) listener(watch.last);
      watch.listeners.add(listener);
      const mine = watch;
      return () => {
        mine.listeners.delete(listener);
        if (mine.listeners.size === 0) {
          clearTimeout(mine.timer);
          watches.delete(key);
        }
      };
    },
    /** Subjects being asked right now (for tests: nobody listening means no polling). */
    watched: () => [...watches.keys()],
  };
}

export type LiveHub = ReturnType<typeof liveHub>;

export function livePages(deps: AppDependencies, hub: LiveHub = liveHub()): Hono {
  const { client } = deps;
  const limits = deps.liveStreamLimits ?? LIVE_STREAM_LIMITS;
  const web = new Hono();
  const openFrom = new Map<string, number>();
  let open = 0;

  async function stream(c: Context, key: string, read: () => Promise<string>) {
    const address = clientAddress(c);
    const mine = openFrom.get(address) ?? 0;
    if (mine >= limits.perAddress) throw new RateLimited(`live updates: ${mine} pages from this address are already following changes, the most one address may; close some, or reload this page later`, 60);
    if (open >= limits.total) throw new ClientError(`live updates: this server is following ${open} pages, the most it takes; reload this page later`, 'unavailable');
    // Only something that exists is watched (an unknown one answers 404 here, and is never polled).
    const known = await read();
    open += 1;
    openFrom.set(address, mine + 1);
    const release = () => {
      open -= 1;
      const left = (openFrom.get(address) ?? 1) - 1;
      if (left > 0) openFrom.set(address, left);
      else openFrom.delete(address);
    };
    return streamSSE(c, async (sse) => {
        let ended: () => void = () => undefined;
        const gone = new Promise<void>((resolve) => (ended = resolve));
        sse.onAbort(() => ended());
        const stop = hub.watch(key, read, (version) => void sse.writeSSE({ event: 'version', data: version, retry: LIVE_POLL_MS * 2 }).catch(() => ended()), known);
        const keepAlive = setInterval(() => void sse.write(': keep-alive\n\n').catch(() => ended()), KEEP_ALIVE_MS);
        const lifetime = setTimeout(() => ended(), STREAM_LIFETIME_MS);
        try {
          await gone;
        } finally {
          clearInterval(keepAlive);
          clearTimeout(lifetime);
          stop();
          release();
        }
      });
  }


  web.get('/projects/:projectId/live', (c) => {
    const projectId = Slug.safeParse(c.req.param('projectId'));
    if (!projectId.success) return c.text('no such project', 404);
    const id = projectId.data;
    return stream(c, `project:${id}`, async () => versionOf(await call(() => projectHandle(client, id).query(projectStatusQuery))));
  });

  web.get('/projects/:projectId/components/:componentId/live', (c) => {
    const projectId = Slug.safeParse(c.req.param('projectId'));
    const componentId = Slug.safeParse(c.req.param('componentId'));
    if (!projectId.success || !componentId.success) return c.text('no such component', 404);
    const [p, k] = [projectId.data, componentId.data];
    return stream(c, `component:${p}/${k}`, async () => versionOf(await call(() => componentHandle(client, p, k).query(statusQuery))));
  });

  return web;
}
