/**
 * Portfolio reads at scale (`npm run bench -- portfolio`). For each size N (BENCH_PORTFOLIO, default
 * 1000,10000), on a fresh in-memory dev server:
 *
 * 1. start: N components as projects of 100 through the product's `startProject`, on the product's
 *    worker (createWorker; MLTRL_MAX_CACHED_WORKFLOWS as for `npm run worker`, the production heap
 *    flag); timed from the first start until every project's portfolio query lists all its
 *    components with their figures;
 * 2. reads, once every workflow is idle, each `BENCH_PORTFOLIO_READS` times after two warm-ups, one at
 *    a time: the dashboard's data, a project's page, `GET /api/projects` from a real API process
 *    (src/apiMain.ts, as `npm run api` runs it), the metrics in-process and `GET /api/metrics`; the
 *    API process's RSS after them;
 * 3. component wake-ups: the worker serves the SDK's metrics (BENCH_WORKER_METRICS), and the tasks it
 *    takes for component workflows over each read (its cache hits and misses of that workflow type)
 *    are counted from them; a query of one component afterwards shows that the count sees one;
 * 4. where each read's time goes: the visibility list, the project queries, computeMetrics, timed
 *    apart.
 *
 * Writes bench/results/portfolio-<date>.json and the "Portfolio reads" table of bench/README.md
 * (BENCH_RESULTS: that file instead, README untouched).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Client } from '@temporalio/client';
import { LEAD } from '../test/support/fixtures.js';
import { createLinks } from '../src/http/core/links.js';
import { freePort, PROJECT_ROOT, startDevServer } from '../src/local/temporalServer.js';
import { computeMetrics } from '../src/portfolio/metrics.js';
import { ComponentFilter, ProjectFilter, projectComponentsPage, projectsPage } from '../src/portfolio/projects.js';
import { listProjectIds, projectRecord, readMetrics, readPortfolio, readProjectSummaries } from '../src/portfolio/read.js';
import { componentHandle, connect, projectHandle, startProject } from '../src/runtime/client.js';
import { WORKFLOW_TYPES, projectPortfolioQuery, projectStatusQuery, statusQuery } from '../workflows/definitions.js';
import { projectsOf, waitIdle } from './drive.js';
import { replaceSection } from './report.js';
import { now, pool, processCpuMs, processRssMiB, round, summarize, until, type LatencySummary } from './stats.js';
import { prepareBundles, removeBundles, startWorker, WORKER_NODE_FLAGS, type BenchWorker } from './workerProcess.js';

const PER_PROJECT = 100;
const WARMUP = 2;
/** Breakdown runs per read (step 4). */
const PART_RUNS = 10;
const START_TIMEOUT_MS = 90 * 60_000;
const TARGET_P95_MS = 1_000;
const TARGET_GROWTH = 2;

type Log = (message: string) => void;

/** The reads, in the order they run; each gets its own block of timed runs. */
const READS = {
  dashboard: "dashboard's data: projectsPage, page 1 of 25",
  projectPage: "a project's page: projectStatusQuery + projectComponentsPage, page 1 of 50",
  apiProjects: 'GET /api/projects (first page, default size 25), over HTTP',
  metrics: 'readMetrics (every project, with figures)',
  apiMetrics: 'GET /api/metrics, over HTTP (one read shared for up to 15 s)',
} as const;
type ReadName = keyof typeof READS;
const READ_NAMES = Object.keys(READS) as ReadName[];

function sizes(): number[] {
  const raw = process.env['BENCH_PORTFOLIO'] || '1000,10000';
  const list = raw.split(',').map((part) => Number(part.trim()));
  if (list.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`BENCH_PORTFOLIO must list component counts, e.g. 1000,10000; got ${raw}`);
  return list;
}
const READ_RUNS = Number(process.env['BENCH_PORTFOLIO_READS'] || 30);

// ----- the API process ---------------------------------------------------------------------------

interface Api {
  pid: number;
  url: string;
  token: string;
  stop(): Promise<void>;
}

/** src/apiMain.ts in its own process, as `npm run api` runs it, with a person token signed with its secret. */
async function startApi(address: string, taskQueue: string): Promise<Api> {
  const port = await freePort();
  const secret = randomBytes(32).toString('base64url');
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'src', 'apiMain.ts')], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: 'default', MLTRL_TASK_QUEUE: taskQueue, MLTRL_LINK_SECRET: secret, MLTRL_HTTP_HOST: '127.0.0.1', MLTRL_HTTP_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  await new Promise<void>((ready, fail) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('mltrl web page and API at')) ready();
    });
    child.once('exit', (code) => fail(new Error(`the API process exited (${code}) before listening:\n${out}`)));
  });
  const url = `http://127.0.0.1:${port}`;
  const token = await createLinks({ secret, publicUrl: url, ttlMs: 3 * 60 * 60_000 }).personToken(LEAD.email);
  return {
    pid: child.pid!,
    url,
    token,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** A GET with the person token; the body's size in bytes and the parsed JSON. */
async function get<T>(api: Api, path: string): Promise<{ bytes: number; json: T }> {
  const response = await fetch(`${api.url}${path}`, { headers: { authorization: `Bearer ${api.token}` } });
  const body = await response.text();
  if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${body.slice(0, 300)}`);
  return { bytes: Buffer.byteLength(body), json: JSON.parse(body) as T };
}

// ----- the worker's own metrics --------------------------------------------------------------------

/** Every sample the worker's Prometheus endpoint serves, by its name and labels. */
async function scrape(address: string): Promise<Map<string, number>> {
  const text = await (await fetch(`http://${address}/metrics`)).text();
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return samples;
}

/** The samples of one workflow type (the component's unless named) that moved between two scrapes, histogram buckets left out. */
function samplesMoved(before: Map<string, number>, after: Map<string, number>, workflowType: string = WORKFLOW_TYPES.component): Record<string, number> {
  const moved: Record<string, number> = {};
  for (const [key, value] of after) {
    if (!key.includes(`workflow_type="${workflowType}"`) || key.includes('_bucket{')) continue;
    const delta = value - (before.get(key) ?? 0);
    if (delta !== 0) moved[key] = round(delta);
  }
  return moved;
}

/** A counter summed over its labels. */
const total = (samples: Map<string, number>, name: string) => [...samples].filter(([key]) => key.startsWith(`${name}{`)).reduce((sum, [, value]) => sum + value, 0);

/** Every workflow task the worker takes, a query's included, counts once in its execution latency (by workflow type). */
const TASKS = 'temporal_workflow_task_execution_latency_count';
/** A workflow task for a workflow not in the cache: its history is replayed (no workflow type on this one). */
const MISSES = 'temporal_sticky_cache_miss';
const TASK_COUNTERS = ['temporal_workflow_task_queue_poll_succeed', TASKS, 'temporal_sticky_cache_hit', MISSES];

/**
 * A scrape once the worker's task counters hold still over two scrapes: a query's answer can reach
 * the client a moment before the worker records the task.
 */
async function settledScrape(address: string): Promise<Map<string, number>> {
  let previous = '';
  let samples = new Map<string, number>();
  await until(
    "the worker's task counters to hold still",
    async () => {
      samples = await scrape(address);
      const current = TASK_COUNTERS.map((name) => total(samples, name)).join(',');
      const still = current === previous;
      previous = current;
      return still;
    },
    60_000,
    250,
  );
  return samples;
}

/** Workflow tasks (queries included) in the moved samples of one workflow type. */
const tasksIn = (moved: Record<string, number>) => total(new Map(Object.entries(moved)), TASKS);

// ----- one size ------------------------------------------------------------------------------------

export interface ReadFigures extends LatencySummary {
  what: string;
  /** Bytes of the HTTP body (API reads). */
  bytes?: number;
  /** Tasks (workflow or query) the worker took for component workflows over this read's warm-ups and timed runs. */
  componentTasks: number;
  /** The same for project workflows: each project query is one, which shows the count sees queries. */
  projectTasks: number;
  /** Tasks for a workflow not in the worker's cache (any type), each a replay of its history. */
  cacheMisses: number;
}

export interface SizeFigures {
  components: number;
  projects: number;
  perProject: number;
  loadAverage1m: { start: number; end: number };
  worker: { maxCachedWorkflows: number; nodeFlags: string; rssAfterStartMiB: number; peakRssMiB: number; cachedWhenIdle: number; cachedAfterReads: number };
  start: {
    /** First start → every project's portfolio lists all its components with figures. */
    startS: number;
    /** First start → the last startProject answered. */
    projectsStartedS: number;
    /** First start → visibility counts every component workflow. */
    componentsExistS: number;
    /** Then until every project and component is idle (not part of startS). */
    idleAfterS: number;
    cpuS: { worker: number; server: number };
    /** Workflow tasks the worker took over it, by workflow type, and those that replayed a workflow not in its cache. */
    tasks: { project: number; component: number; cacheMisses: number };
  };
  reads: Record<ReadName, ReadFigures>;
  /** Medians of the parts of the reads (step 4), over PART_RUNS runs. */
  parts: {
    visibilityListMs: number;
    dashboardProjectQueriesMs: number;
    apiPageProjectQueriesMs: number;
    allProjectQueriesMs: number;
    oneProjectStatusQueryMs: number;
    oneProjectPortfolioQueryMs: number;
    /** The SDK's own `__temporal_workflow_metadata` query of the same project: a query's cost with a small answer. */
    oneProjectMetadataQueryMs: number;
    /** Every project's portfolio query, one after another instead of 16 at once. */
    allProjectQueriesOneAtATimeMs: number;
    readPortfolioMs: number;
    computeMetricsMs: number;
    portfolioBytes: number;
    statusBytesPerProject: number;
  };
  componentsAsked: number;
  unreadable: number;
  /** Moved samples of the component workflow type over the whole read window (should be none). */
  componentSamplesDuringReads: Record<string, number>;
  /** The same after one component's `status` query: the count does see a component woken. */
  componentSamplesAfterOneComponentQuery: Record<string, number>;
  api: { rssMiB: number; peakRssMiB: number };
}

async function timedRuns(runs: number, read: () => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = now();
    await read();
    times.push(now() - started);
  }
  return times;
}

const median = (times: number[]) => summarize(times).p50Ms;

/** Starts `count` components in projects of PER_PROJECT and waits until every project has every component's figures. */
async function startAll(client: Client, taskQueue: string, count: number, log: Log): Promise<{ projectIds: string[]; startS: number; projectsStartedS: number; componentsExistS: number }> {
  const definitions = projectsOf(`pf${count}`, count, PER_PROJECT);
  const started = now();
  const elapsedS = () => round((now() - started) / 1000, 1);
  for (const definition of definitions) await startProject(client, taskQueue, definition);
  const projectsStartedS = elapsedS();
  log(`${definitions.length} projects started in ${projectsStartedS} s`);

  // Until every component exists only the server is asked (visibility): querying the projects
  // meanwhile would make the worker that starts them replay them.
  let lastLog = now();
  await until(
    `${count} components to start`,
    async () => {
      const { count: existing } = await client.workflow.count(`WorkflowType = '${WORKFLOW_TYPES.component}' AND TaskQueue = '${taskQueue}'`);
      if (now() - lastLog > 60_000) {
        log(`  ${existing} of ${count} components started after ${elapsedS()} s`);
        lastLog = now();
      }
      return existing >= count;
    },
    START_TIMEOUT_MS,
    2_000,
  );
  const componentsExistS = elapsedS();
  log(`every component started after ${componentsExistS} s`);

  const expected = new Map(definitions.map((d) => [d.id, d.components.length]));
  await until(
    'every project to list its components with their figures',
    async () => {
      const pending = [...expected.keys()];
      const complete = await pool(pending, 4, async (projectId) => {
        try {
          const portfolio = await client.withDeadline(Date.now() + 10_000, () => projectHandle(client, projectId).query(projectPortfolioQuery));
          return portfolio.components.filter((c) => c.figures !== undefined).length >= expected.get(projectId)!;
        } catch {
          return false;
        }
      });
      pending.forEach((projectId, i) => complete[i] && expected.delete(projectId));
      if (now() - lastLog > 60_000) {
        log(`  ${definitions.length - expected.size} of ${definitions.length} projects complete after ${elapsedS()} s`);
        lastLog = now();
      }
      return expected.size === 0;
    },
    START_TIMEOUT_MS,
    1_000,
  );
  return { projectIds: definitions.map((d) => d.id), startS: elapsedS(), projectsStartedS, componentsExistS };
}

async function measureSize(count: number, log: Log): Promise<SizeFigures> {
  const loadAtStart = round(loadavg()[0] ?? NaN);
  const server = await startDevServer({ port: await freePort(), uiPort: await freePort() });
  const client = await connect({ TEMPORAL_ADDRESS: server.address, TEMPORAL_NAMESPACE: 'default' });
  const taskQueue = 'bench-portfolio';
  const metricsAddress = `127.0.0.1:${await freePort()}`;
  let worker: BenchWorker | undefined;
  let api: Api | undefined;
  try {
    worker = await startWorker('mltrl', server.address, taskQueue, undefined, { BENCH_WORKER_METRICS: metricsAddress });
    log(`${count}: worker polling (cache ${worker.maxCachedWorkflows}, ${WORKER_NODE_FLAGS || 'no Node flags'})`);

    const cpuBefore = { worker: (await worker.memory(false)).cpuMs, server: processCpuMs(server.pid) };
    const scrapeBefore = await scrape(metricsAddress);
    const started = await startAll(client, taskQueue, count, (m) => log(`${count}: ${m}`));
    const cpuS = { worker: round(((await worker.memory(false)).cpuMs - cpuBefore.worker) / 1000, 1), server: round((processCpuMs(server.pid) - cpuBefore.server) / 1000, 1) };
    const scrapeAfter = await scrape(metricsAddress);
    const startTasks = {
      project: tasksIn(samplesMoved(scrapeBefore, scrapeAfter, WORKFLOW_TYPES.project)),
      component: tasksIn(samplesMoved(scrapeBefore, scrapeAfter)),
      cacheMisses: total(scrapeAfter, MISSES) - total(scrapeBefore, MISSES),
    };
    log(`${count}: workflow tasks over the start ${JSON.stringify(startTasks)}`);
    const afterStart = await worker.memory(false);
    log(`${count}: every project lists its components with figures after ${started.startS} s (CPU: worker ${cpuS.worker} s, server ${cpuS.server} s)`);

    const idleFrom = now();
    const projects = started.projectIds.map((id) => projectHandle(client, id));
    const components = projectsOf(`pf${count}`, count, PER_PROJECT).flatMap((d) => d.components.map((c) => componentHandle(client, d.id, c.id)));
    await waitIdle([...projects, ...components], `${count}: every workflow to be idle`, 8, 1000);
    const idleAfterS = round((now() - idleFrom) / 1000, 1);
    const cachedWhenIdle = (await worker.memory(false)).cachedWorkflows;
    log(`${count}: idle after ${idleAfterS} s more; ${cachedWhenIdle} workflows cached`);

    api = await startApi(server.address, taskQueue);
    const theApi = api;
    const someProject = started.projectIds[Math.floor(started.projectIds.length / 2)];
    const check = (what: string, unreadable: unknown[]) => {
      if (unreadable.length > 0) throw new Error(`${what}: ${unreadable.length} projects did not answer`);
    };
    const bytes: Partial<Record<ReadName, number>> = {};
    const read: Record<ReadName, () => Promise<unknown>> = {
      dashboard: async () => check('dashboard', (await projectsPage(client, taskQueue, ProjectFilter.parse({ page: 1, pageSize: 25 }))).unreadable),
      projectPage: async () => projectComponentsPage(await projectHandle(client, someProject).query(projectStatusQuery), ComponentFilter.parse({ page: 1, pageSize: 50 })),
      apiProjects: async () => {
        const { bytes: size, json } = await get<{ unreadable: unknown[] }>(theApi, '/api/projects');
        bytes.apiProjects = size;
        check('GET /api/projects', json.unreadable);
      },
      metrics: async () => check('metrics', (await readMetrics(client, { taskQueue })).unreadable),
      apiMetrics: async () => {
        const { bytes: size, json } = await get<{ unreadable: unknown[] }>(theApi, '/api/metrics');
        bytes.apiMetrics = size;
        check('GET /api/metrics', json.unreadable);
      },
    };

    const windowStart = await settledScrape(metricsAddress);
    const reads = {} as Record<ReadName, ReadFigures>;
    for (const name of READ_NAMES) {
      const before = await settledScrape(metricsAddress);
      await timedRuns(WARMUP, read[name]);
      const times = await timedRuns(READ_RUNS, read[name]);
      const after = await settledScrape(metricsAddress);
      const tasks = {
        componentTasks: tasksIn(samplesMoved(before, after)),
        projectTasks: tasksIn(samplesMoved(before, after, WORKFLOW_TYPES.project)),
        cacheMisses: total(after, MISSES) - total(before, MISSES),
      };
      reads[name] = { what: READS[name], ...summarize(times), ...(bytes[name] !== undefined ? { bytes: bytes[name] } : {}), ...tasks };
      log(`${count}: ${name} p50 ${reads[name].p50Ms} ms, p95 ${reads[name].p95Ms} ms, max ${reads[name].maxMs} ms; tasks: component ${tasks.componentTasks}, project ${tasks.projectTasks}; cache misses ${tasks.cacheMisses}`);
    }
    const apiMemory = processRssMiB(api.pid);

    // Where the time goes: each part of the reads on its own.
    const ids = await listProjectIds(client, taskQueue);
    let portfolio = await readPortfolio(client, { taskQueue });
    const parts = {
      visibilityListMs: median(await timedRuns(PART_RUNS, () => listProjectIds(client, taskQueue))),
      dashboardProjectQueriesMs: median(await timedRuns(PART_RUNS, () => readProjectSummaries(client, ids.slice(0, 25)))),
      apiPageProjectQueriesMs: median(await timedRuns(PART_RUNS, () => readProjectSummaries(client, ids.slice(0, 50)))),
      allProjectQueriesMs: median(await timedRuns(PART_RUNS, () => readProjectSummaries(client, ids))),
      oneProjectStatusQueryMs: median(await timedRuns(PART_RUNS, () => projectHandle(client, someProject).query(projectStatusQuery))),
      oneProjectPortfolioQueryMs: median(await timedRuns(PART_RUNS, () => projectHandle(client, someProject).query(projectPortfolioQuery))),
      oneProjectMetadataQueryMs: median(await timedRuns(PART_RUNS, () => projectHandle(client, someProject).query('__temporal_workflow_metadata'))),
      allProjectQueriesOneAtATimeMs: median(await timedRuns(3, () => pool(ids, 1, (id) => projectHandle(client, id).query(projectPortfolioQuery)))),
      readPortfolioMs: median(await timedRuns(PART_RUNS, async () => (portfolio = await readPortfolio(client, { taskQueue })))),
      computeMetricsMs: median(await timedRuns(PART_RUNS, () => Promise.resolve(computeMetrics(portfolio.components, portfolio.projects.map(projectRecord), portfolio.unreadable)))),
      portfolioBytes: Buffer.byteLength(JSON.stringify(portfolio.projects)),
      statusBytesPerProject: Buffer.byteLength(JSON.stringify(await projectHandle(client, someProject).query(projectStatusQuery))),
    };
    const windowEnd = await settledScrape(metricsAddress);
    const cachedAfterReads = (await worker.memory(false)).cachedWorkflows;

    // The control: one component asked directly must show in the count.
    const someComponent = components[Math.floor(components.length / 3)];
    await someComponent.query(statusQuery);
    const afterControl = samplesMoved(windowEnd, await settledScrape(metricsAddress));
    log(`${count}: component samples moved over the reads ${JSON.stringify(samplesMoved(windowStart, windowEnd))}; after one component query ${JSON.stringify(afterControl)}`);

    return {
      components: count,
      projects: started.projectIds.length,
      perProject: PER_PROJECT,
      loadAverage1m: { start: loadAtStart, end: round(loadavg()[0] ?? NaN) },
      worker: {
        maxCachedWorkflows: worker.maxCachedWorkflows,
        nodeFlags: WORKER_NODE_FLAGS,
        rssAfterStartMiB: round(afterStart.memory.vmRss / 2 ** 20, 1),
        peakRssMiB: round((await worker.memory(false)).memory.vmHwm / 2 ** 20, 1),
        cachedWhenIdle,
        cachedAfterReads,
      },
      start: { startS: started.startS, projectsStartedS: started.projectsStartedS, componentsExistS: started.componentsExistS, idleAfterS, cpuS, tasks: startTasks },
      reads,
      parts,
      componentsAsked: portfolio.componentsAsked,
      unreadable: portfolio.unreadable.length,
      componentSamplesDuringReads: samplesMoved(windowStart, windowEnd),
      componentSamplesAfterOneComponentQuery: afterControl,
      api: { rssMiB: apiMemory.rss, peakRssMiB: apiMemory.peak },
    };
  } finally {
    await api?.stop();
    await worker?.stop();
    await client.connection.close();
    await server.stop();
  }
}

// ----- results -------------------------------------------------------------------------------------

export interface PortfolioTarget {
  read: ReadName;
  p95AtLargestMs: number;
  growth: number | null;
  p95Pass: boolean;
  growthPass: boolean | null;
}

export interface PortfolioResults {
  date: string;
  startedAt: string;
  durationS: number;
  environment: Record<string, string | number | boolean>;
  settings: { sizes: number[]; perProject: number; warmupReads: number; timedReads: number; partRuns: number };
  sizes: SizeFigures[];
  targets: PortfolioTarget[];
}

/** p95 at the largest size against 1 s, and its growth from the smallest size (when there are two). */
function targetsOf(figures: SizeFigures[]): PortfolioTarget[] {
  const smallest = figures[0];
  const largest = figures.at(-1)!;
  return READ_NAMES.map((read) => {
    const p95 = largest.reads[read].p95Ms;
    const growth = figures.length > 1 ? round(p95 / smallest.reads[read].p95Ms) : null;
    return { read, p95AtLargestMs: p95, growth, p95Pass: p95 <= TARGET_P95_MS, growthPass: growth === null ? null : growth < TARGET_GROWTH };
  });
}

const thousands = (n: number) => n.toLocaleString('en-US');
const verdict = (pass: boolean | null) => (pass === null ? '—' : pass ? '**pass**' : '**miss**');

function table(r: PortfolioResults): string {
  const env = r.environment;
  const large = r.sizes.at(-1)!;
  const many = r.sizes.length > 1;
  const head = `| read (ms) | ${r.sizes.map((s) => `${thousands(s.components)}: p50 / p95 / max`).join(' | ')} | p95 growth | target: p95 ≤ 1 s at ${thousands(large.components)}, growth < 2× |`;
  const rows = READ_NAMES.map((name) => {
    const t = r.targets.find((x) => x.read === name)!;
    const cells = r.sizes.map((s) => `${s.reads[name].p50Ms} / ${s.reads[name].p95Ms} / ${s.reads[name].maxMs}`);
    return `| ${READS[name]} | ${cells.join(' | ')} | ${t.growth === null ? '—' : `${t.growth}×`} | ${verdict(t.p95Pass)}; ${verdict(t.growthPass)} |`;
  });
  const per = (pick: (s: SizeFigures) => string | number) => r.sizes.map(pick).join(' | ');
  const blank = many ? ' | |' : ' |';
  return [
    `Run of ${r.date} ([results/portfolio-${r.date}.json](results/portfolio-${r.date}.json)): projects of ${r.settings.perProject} components, ${r.settings.timedReads} timed reads each after ${r.settings.warmupReads} warm-ups, one at a time; ${env['cpuModel']} × ${env['cpus']}, Node ${env['node']}, ${env['temporalCli']}; load average ${r.sizes.map((s) => `${s.loadAverage1m.start} → ${s.loadAverage1m.end}`).join(', ')} (per size, start → end).`,
    '',
    head,
    `|---|${r.sizes.map(() => '---:').join('|')}|---:|---|`,
    ...rows,
    `| starting the components: first start → every project lists them with figures (s) | ${per((s) => s.start.startS)}${blank}`,
    `| … worker / server CPU over it (s) | ${per((s) => `${s.start.cpuS.worker} / ${s.start.cpuS.server}`)}${blank}`,
    `| … workflow tasks over it: project / component / replayed (not in the cache) | ${per((s) => `${thousands(s.start.tasks.project)} / ${thousands(s.start.tasks.component)} / ${thousands(s.start.tasks.cacheMisses)}`)}${blank}`,
    `| GET /api/projects body, GET /api/metrics body (bytes) | ${per((s) => `${thousands(s.reads.apiProjects.bytes ?? NaN)}, ${thousands(s.reads.apiMetrics.bytes ?? NaN)}`)}${blank}`,
    `| API process RSS after the reads (MiB) | ${per((s) => s.api.rssMiB)}${blank}`,
    `| worker peak RSS (MiB) | ${per((s) => s.worker.peakRssMiB)}${blank}`,
    `| components asked by readMetrics (\`componentsAsked\`) | ${per((s) => s.componentsAsked)}${blank}`,
    `| tasks the worker took for component workflows over all the reads (queries included) | ${per((s) => READ_NAMES.reduce((sum, name) => sum + s.reads[name].componentTasks, 0))}${blank}`,
    `| … for project workflows (one per project query) | ${per((s) => READ_NAMES.reduce((sum, name) => sum + s.reads[name].projectTasks, 0))}${blank}`,
    `| … for workflows not in the worker's cache (replayed) | ${per((s) => READ_NAMES.reduce((sum, name) => sum + s.reads[name].cacheMisses, 0))}${blank}`,
    `| … for component workflows after one component's \`status\` query (the control) | ${per((s) => tasksIn(s.componentSamplesAfterOneComponentQuery))}${blank}`,
    '',
    `Where the time goes (medians of ${r.settings.partRuns} runs): ${r.sizes
      .map(
        (s) =>
          `at ${thousands(s.components)}, the visibility list ${s.parts.visibilityListMs} ms, the dashboard's ${Math.min(25, s.projects)} project queries ${s.parts.dashboardProjectQueriesMs} ms, the API page's ${Math.min(50, s.projects)} ${s.parts.apiPageProjectQueriesMs} ms, all ${s.projects} projects' portfolio queries ${s.parts.allProjectQueriesMs} ms (${thousands(s.parts.portfolioBytes)} bytes; one at a time ${s.parts.allProjectQueriesOneAtATimeMs} ms), one project's status ${s.parts.oneProjectStatusQueryMs} ms (${thousands(s.parts.statusBytesPerProject)} bytes), portfolio ${s.parts.oneProjectPortfolioQueryMs} ms, the SDK's metadata query ${s.parts.oneProjectMetadataQueryMs} ms, computeMetrics ${s.parts.computeMetricsMs} ms`,
      )
      .join('; ')}.${many ? '' : ' One size only: no growth.'}`,
  ].join('\n');
}

export async function runPortfolio(environment: Record<string, string | number | boolean>, log: Log): Promise<void> {
  const startedAt = new Date();
  const settings = { sizes: sizes(), perProject: PER_PROJECT, warmupReads: WARMUP, timedReads: READ_RUNS, partRuns: PART_RUNS };
  log(`portfolio ${JSON.stringify(settings)}`);
  await prepareBundles(['mltrl']);
  try {
    const figures: SizeFigures[] = [];
    for (const count of settings.sizes) figures.push(await measureSize(count, log));
    const date = startedAt.toISOString().slice(0, 10);
    const results: PortfolioResults = {
      date,
      startedAt: startedAt.toISOString(),
      durationS: round((Date.now() - startedAt.getTime()) / 1000, 0),
      environment: { ...environment, loadAverage1mAtEnd: round(loadavg()[0] ?? NaN) },
      settings,
      sizes: figures,
      targets: targetsOf(figures),
    };
    const override = process.env['BENCH_RESULTS'];
    const file = override ? resolve(override) : join(PROJECT_ROOT, 'bench', 'results', `portfolio-${date}.json`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
    if (!override) replaceSection(join(PROJECT_ROOT, 'bench', 'README.md'), 'portfolio', table(results));
    log(`wrote ${file}${override ? '' : ' and bench/README.md'}`);
    console.log(table(results));
  } finally {
    removeBundles();
  }
}
