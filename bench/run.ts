/**
 * mltrl's benchmark (`npm run bench`): the cost of a graduation, on one in-memory dev server, for
 * three sides, each on its own worker process with the same flags and settings (bench/worker.ts):
 *
 * - mltrl, as `npm run worker` runs it;
 * - the hand-written equivalent (bench/workflows/handwritten.ts): the same behaviour written
 *   directly on Temporal;
 * - the floor (bench/workflows/bare.ts): the same messages, no effects.
 *
 * Phases:
 * 0. equivalence: mltrl and the equivalent take the same good and bad updates and must answer alike
 *    (bench/equivalence.ts);
 * 1. throughput: components driven from Level 0 to 9 with quorum approvals through the client,
 *    `concurrency` at a time, rounds rotating which side goes first; latency, CPU of the worker and
 *    the server, emails sent;
 * 2. history events per graduation, from paced climbs (one update at a time, each settled) and from
 *    the throughput cohorts;
 * 3. waking: a fresh worker per side reads every climbed component, each read replaying its history;
 * 4. idle memory: a fresh worker per side with the product's cache setting; 1,000 idle components
 *    started, given the card and read; the worker's peak RSS, and the reads' latency;
 * 5. computeMetrics over 1,000 component records (src/portfolio/metrics.ts).
 *
 * Writes bench/results/<date>.json and the table in bench/README.md.
 *
 * Environment: BENCH_COMPONENTS (20), BENCH_ROUNDS (3), BENCH_CONCURRENCY (8), BENCH_WARMUP (4),
 * BENCH_PACED_COMPONENTS (3), BENCH_IDLE_COMPONENTS (1000), BENCH_METRICS_RECORDS (1000),
 * BENCH_METRICS_RUNS (20); BENCH_RESULTS (a file to write the results to instead of
 * bench/results/<date>.json, leaving bench/README.md alone: for trying a change or a setting);
 * MLTRL_MAX_CACHED_WORKFLOWS, BENCH_WORKER_OPTIONS and BENCH_WORKER_NODE_FLAGS (every worker gets
 * them: bench/worker.ts, bench/workerProcess.ts).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { connect } from '../src/runtime/client.js';
import { freePort, PROJECT_ROOT, startDevServer, temporalCliPath } from '../src/local/temporalServer.js';
import { CLIMB, driveCohort, giveCard, SIDES, startCohort, UPDATES_PER_COMPONENT, VERDICTS_PER_COMPONENT, waitIdle, type DriveResult, type Side } from './drive.js';
import { checkEquivalence } from './equivalence.js';
import { historyFigures } from './history.js';
import { runPortfolio } from './portfolio.js';
import { MiB, targetsOf, updateReadme, type IdleFigures, type MetricsFigures, type PerSide, type Results, type SideFigures, type WakeFigures } from './report.js';
import { now, percentile, pool, processCpuMs, round, sleep, summarize } from './stats.js';
import { prepareBundles, removeBundles, startWorker, WORKER_NODE_FLAGS, type BenchWorker } from './workerProcess.js';

const BENCH_DIR = join(PROJECT_ROOT, 'bench');

function setting(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got ${raw}`);
  return value;
}

const settings = {
  components: setting('BENCH_COMPONENTS', 20),
  rounds: setting('BENCH_ROUNDS', 3),
  concurrency: setting('BENCH_CONCURRENCY', 8),
  warmupComponents: setting('BENCH_WARMUP', 4),
  pacedComponents: setting('BENCH_PACED_COMPONENTS', 3),
  idleComponents: setting('BENCH_IDLE_COMPONENTS', 1000),
  metricsRecords: setting('BENCH_METRICS_RECORDS', 1000),
  metricsRuns: setting('BENCH_METRICS_RUNS', 20),
  updatesPerComponent: UPDATES_PER_COMPONENT,
  verdictsPerComponent: VERDICTS_PER_COMPONENT,
  graduationsPerComponent: CLIMB.length,
};

const log = (message: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);

function environment(): Record<string, string | number | boolean> {
  const git = (...args: string[]) => {
    try {
      return execFileSync('git', args, { cwd: PROJECT_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return 'unknown';
    }
  };
  const sdk = JSON.parse(readFileSync(join(PROJECT_ROOT, 'node_modules', '@temporalio', 'worker', 'package.json'), 'utf8')) as { version: string };
  return {
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    cpus: cpus().length,
    memoryGiB: round(totalmem() / 1024 ** 3, 1),
    node: process.version,
    temporalCli: execFileSync(temporalCliPath(), ['--version'], { encoding: 'utf8' }).trim(),
    temporalSdk: sdk.version,
    platform: `${process.platform} ${process.arch}`,
    gitCommit: git('rev-parse', '--short', 'HEAD'),
    gitWorkingTreeClean: git('status', '--porcelain', '--untracked-files=no') === '',
    // Other work on the machine skews every figure: the load when the run began.
    loadAverage1mAtStart: round(loadavg()[0] ?? NaN),
  };
}

/** Three sides in a record, built side by side. */
async function perSide<T>(make: (side: Side) => Promise<T>): Promise<PerSide<T>> {
  const out: Partial<PerSide<T>> = {};
  for (const side of SIDES) out[side] = await make(side);
  return out as PerSide<T>;
}

// ----- 1. throughput ---------------------------------------------------------------------------

/** What a cohort cost while it was driven and settled: CPU ms by process, and the emails sent. */
interface Spent {
  worker: number;
  server: number;
  client: number;
  emails: number;
}

interface Measured {
  round: number;
  result: DriveResult;
  spent: Spent;
  components: WorkflowHandle[];
}

async function runCohort(client: Client, serverPid: number, worker: BenchWorker, label: string, count: number, paced = false): Promise<Omit<Measured, 'round'>> {
  const cohort = await startCohort(client, worker.kind, worker.taskQueue, label, count);
  const before = { worker: await worker.memory(false), server: processCpuMs(serverPid), client: process.cpuUsage() };
  const result = await driveCohort(cohort, paced ? count : settings.concurrency, paced);
  const clientCpu = process.cpuUsage(before.client);
  const after = await worker.memory(false);
  const spent = {
    worker: after.cpuMs - before.worker.cpuMs,
    server: processCpuMs(serverPid) - before.server,
    client: (clientCpu.user + clientCpu.system) / 1000,
    emails: after.emails - before.worker.emails,
  };
  log(`${label}: ${count} ${worker.kind} components in ${round(result.driveMs / 1000)} s (+${round(result.settleMs / 1000)} s to settle)`);
  return { result, spent, components: cohort.components };
}

function sideFigures(measured: Measured[], workerRssAfterMiB: number): SideFigures {
  const results = measured.map((m) => m.result);
  const sum = (pick: (r: DriveResult) => number) => results.reduce((total, r) => total + pick(r), 0);
  const driveS = sum((r) => r.driveMs) / 1000;
  const settleS = sum((r) => r.settleMs) / 1000;
  const pooled = (kind: keyof DriveResult['latencies']) => results.flatMap((r) => r.latencies[kind]);
  const components = sum((r) => r.components);
  const perComponent = (pick: (s: Spent) => number, digits = 0) => round(measured.reduce((total, m) => total + pick(m.spent), 0) / components, digits);
  return {
    components,
    updates: sum((r) => r.updates),
    verdicts: sum((r) => r.verdicts),
    driveS: round(driveS),
    settleS: round(settleS),
    componentsPerS: round(components / driveS, 3),
    verdictsPerS: round(sum((r) => r.verdicts) / driveS, 1),
    updatesPerS: round(sum((r) => r.updates) / driveS, 1),
    componentsPerSSettled: round(components / (driveS + settleS), 3),
    latency: {
      all: summarize([...pooled('updateCard'), ...pooled('submit'), ...pooled('decide')]),
      updateCard: summarize(pooled('updateCard')),
      submit: summarize(pooled('submit')),
      decide: summarize(pooled('decide')),
    },
    cpuMsPerComponent: {
      worker: perComponent((s) => s.worker),
      server: perComponent((s) => s.server),
      workerAndServer: perComponent((s) => s.worker + s.server),
      client: perComponent((s) => s.client),
    },
    emailsPerComponent: perComponent((s) => s.emails, 1),
    workerRssAfterMiB: round(workerRssAfterMiB, 1),
  };
}

// ----- 3, 4. reads, waking, idle memory ----------------------------------------------------------

/** A read each idle workflow answers: `status` (the floor has none of its own: the SDK's stack trace). */
async function read(handle: WorkflowHandle, side: Side): Promise<void> {
  await handle.query(side === 'floor' ? '__stack_trace' : 'status');
}

async function sweep(handles: readonly WorkflowHandle[], side: Side, concurrency: number): Promise<number[]> {
  const latencies: number[] = [];
  await pool(handles, concurrency, async (handle) => {
    const started = now();
    await read(handle, side);
    latencies.push(now() - started);
  });
  return latencies;
}

/**
 * Waking an evicted component: a fresh worker on the throughput task queue (nothing in its cache)
 * reads every climbed component one at a time, so each read replays a whole 0 → 9 history alone.
 */
async function wakeClimbed(address: string, side: Side, taskQueue: string, handles: readonly WorkflowHandle[]): Promise<WakeFigures> {
  const worker = await startWorker(side, address, taskQueue);
  try {
    const replayed = await sweep(handles, side, 1);
    const cached = await sweep(handles, side, 1);
    log(`wake ${side}: ${handles.length} climbed components, replay p50 ${round(percentile(replayed, 50))} ms`);
    return { components: handles.length, replayQuery: summarize(replayed), cachedQuery: summarize(cached) };
  } finally {
    await worker.stop();
  }
}

/**
 * `idleComponents` live components of one side on a fresh worker with the product's cache setting
 * (mltrl and the equivalent in projects of 200), each given the full card and left idle, then read
 * once each, `concurrency` at a time: the worker's peak RSS over it all (VmHWM, reset once the
 * worker polls, so it counts the components and not the process's start). Components beyond the
 * cache were evicted; the cache is least-recently-used, so a read in order of every component
 * replays each one when there are more of them than the cache holds. Then the last ones read are
 * read again, from the cache.
 */
async function idleMemory(client: Client, address: string, side: Side): Promise<IdleFigures> {
  const count = settings.idleComponents;
  const queue = `bench-idle-${side}`;
  const worker = await startWorker(side, address, queue);
  const mib = (bytes: number) => round(bytes / MiB, 1);
  try {
    await sleep(2000);
    // The peak counts from here: the worker polling with its code loaded, no workflow yet.
    const before = await worker.memory(false, true);
    const started = now();
    const cohort = await startCohort(client, side, queue, `idle-${side}`, count);
    await pool(cohort.components, settings.concurrency, (handle) => giveCard(side, handle));
    const startS = (now() - started) / 1000;
    await waitIdle(cohort.settleSet, `idle ${side} components to settle`, 8, 1000);
    const idleAfterS = (now() - started) / 1000;
    const idle = await worker.memory(false);
    log(`idle ${side}: ${count} components started and carded in ${round(startS)} s, idle after ${round(idleAfterS)} s, ${idle.cachedWorkflows} cached, RSS ${mib(idle.memory.vmRss)} MiB`);

    const readStarted = now();
    const reads = await sweep(cohort.components, side, settings.concurrency);
    const readS = (now() - readStarted) / 1000;
    const afterRead = await worker.memory(false);
    const recent = cohort.components.slice(-Math.min(200, Math.floor(afterRead.cachedWorkflows / 2)));
    const cachedReads = recent.length > 0 ? await sweep(recent, side, settings.concurrency) : [];
    const after = await worker.memory(false);
    log(`idle ${side}: read all in ${round(readS)} s (p50 ${round(percentile(reads, 50))} ms), peak RSS ${mib(after.memory.vmHwm)} MiB`);
    return {
      components: count,
      workflows: cohort.settleSet.length,
      maxCachedWorkflows: worker.maxCachedWorkflows,
      heapSizeLimitMiB: mib(worker.heapSizeLimit),
      nodeFlags: WORKER_NODE_FLAGS,
      cachedWhenIdle: idle.cachedWorkflows,
      readsReplayed: cohort.settleSet.length > idle.cachedWorkflows,
      startS: round(startS),
      idleAfterS: round(idleAfterS),
      readS: round(readS),
      rssBeforeMiB: mib(before.memory.vmRss),
      rssIdleMiB: mib(idle.memory.vmRss),
      rssAfterReadMiB: mib(afterRead.memory.vmRss),
      peakRssMiB: mib(after.memory.vmHwm),
      readQuery: summarize(reads),
      cachedQuery: summarize(cachedReads),
    };
  } finally {
    await worker.stop();
  }
}

// ----- 5. metrics ------------------------------------------------------------------------------

async function metricsTiming(): Promise<MetricsFigures> {
  const records = settings.metricsRecords;
  const modulePath = join(PROJECT_ROOT, 'src', 'portfolio', 'metrics.ts');
  if (!existsSync(modulePath)) return { status: 'placeholder', note: 'src/portfolio/metrics.ts (computeMetrics) is not in the tree', records };
  try {
    // Loaded here, not at the top: the synthetic records drive the lifecycle machine, and a change
    // there then costs this figure, not the whole run.
    const metrics = (await import(pathToFileURL(modulePath).href)) as { computeMetrics?: (components: unknown[], projects: unknown[]) => unknown };
    if (typeof metrics.computeMetrics !== 'function') return { status: 'placeholder', note: 'src/portfolio/metrics.ts exports no computeMetrics', records };
    const { metricsRecord, projectRecords, syntheticRecords } = await import('./records.js');
    const compute = metrics.computeMetrics;
    const synthetic = syntheticRecords(records);
    const components = synthetic.map(metricsRecord);
    const projects = projectRecords(synthetic);
    for (let i = 0; i < 3; i++) compute(components, projects); // warm-up
    const times: number[] = [];
    for (let i = 0; i < settings.metricsRuns; i++) {
      const started = now();
      compute(components, projects);
      times.push(now() - started);
    }
    return {
      status: 'measured',
      note: 'computeMetrics(components, projects) over records mapped from real status and card shapes (bench/records.ts)',
      records,
      runs: times.length,
      medianMs: round(percentile(times, 50), 3),
      minMs: round(Math.min(...times), 3),
      maxMs: round(Math.max(...times), 3),
    };
  } catch (error) {
    return { status: 'failed', note: error instanceof Error ? error.message : String(error), records };
  }
}

// ----- main ------------------------------------------------------------------------------------

/** Round r's order: each side goes first once every three rounds, so none always runs on a fresher server. */
const orderOf = (r: number): Side[] => SIDES.map((_, i) => SIDES[(i + r - 1) % SIDES.length]);

async function main(): Promise<void> {
  const startedAt = new Date();
  const env = environment();
  log(`settings ${JSON.stringify(settings)}`);
  if (Number(env['loadAverage1mAtStart']) > 0.5) log(`load average ${env['loadAverage1mAtStart']}: other work on this machine will skew the figures`);
  await prepareBundles(SIDES);
  log('workflow code bundled');
  const server = await startDevServer({ port: await freePort(), uiPort: await freePort() });
  log(`dev server ${server.address}`);
  const client = await connect({ TEMPORAL_ADDRESS: server.address, TEMPORAL_NAMESPACE: 'default' });
  try {
    const workers = await perSide((side) => startWorker(side, server.address, `bench-${side}`));
    log('workers polling');

    const equivalence = await checkEquivalence(client, { mltrl: workers.mltrl.taskQueue, handwritten: workers.handwritten.taskQueue });
    log(`equivalence: ${equivalence.probes.length - equivalence.differences.length} of ${equivalence.probes.length} probes answered alike`);
    for (const d of equivalence.differences) log(`  differs: ${d.what}: mltrl ${d.mltrl}; hand-written ${d.handwritten}`);

    for (const side of SIDES) await runCohort(client, server.pid, workers[side], `warmup-${side}`, settings.warmupComponents);

    const measured: PerSide<Measured[]> = { mltrl: [], handwritten: [], floor: [] };
    for (let r = 1; r <= settings.rounds; r++) {
      for (const side of orderOf(r)) {
        measured[side].push({ round: r, ...(await runCohort(client, server.pid, workers[side], `r${r}-${side}`, settings.components)) });
      }
    }
    const sides = await perSide(async (side) => sideFigures(measured[side], (await workers[side].memory(false)).memory.vmRss / MiB));
    const rounds = SIDES.flatMap((side) => measured[side])
      .sort((a, b) => a.round - b.round)
      .map(({ round: r, result }) => {
        const all = [...result.latencies.updateCard, ...result.latencies.submit, ...result.latencies.decide];
        return {
          round: r,
          side: result.side,
          components: result.components,
          driveS: round(result.driveMs / 1000),
          settleS: round(result.settleMs / 1000),
          componentsPerS: round(result.components / (result.driveMs / 1000), 3),
          p50Ms: round(percentile(all, 50)),
          p99Ms: round(percentile(all, 99)),
        };
      });

    // History events per graduation as production sees them: people answer hours apart, so each
    // update and each effect gets its own workflow task. Under the throughput load some of them
    // share a task by chance, which makes histories shorter.
    const paced = await perSide(async (side) => (await runCohort(client, server.pid, workers[side], `paced-${side}`, settings.pacedComponents, true)).components);
    log('reading histories');
    const history = {
      paced: await perSide((side) => historyFigures(paced[side], CLIMB.length)),
      underLoad: await perSide((side) => historyFigures(measured[side].flatMap((m) => m.components), CLIMB.length)),
    };
    await Promise.all(SIDES.map((side) => workers[side].stop()));

    const wake = await perSide((side) => wakeClimbed(server.address, side, `bench-${side}`, [...measured[side].flatMap((m) => m.components), ...paced[side]]));

    log(`idle memory: ${settings.idleComponents} components per side`);
    const idle = await perSide((side) => idleMemory(client, server.address, side));

    log(`metrics over ${settings.metricsRecords} records`);
    const metrics = await metricsTiming();

    const partial: Omit<Results, 'targets'> = {
      date: startedAt.toISOString().slice(0, 10),
      startedAt: startedAt.toISOString(),
      durationS: round((Date.now() - startedAt.getTime()) / 1000, 0),
      environment: { ...env, loadAverage1mAtEnd: round(loadavg()[0] ?? NaN) },
      settings,
      equivalence,
      throughput: { ...sides, rounds },
      history,
      wake,
      idleMemory: idle,
      metrics,
    };
    const results: Results = { ...partial, targets: targetsOf(partial) };

    const override = process.env['BENCH_RESULTS'];
    const file = override ? resolve(override) : join(BENCH_DIR, 'results', `${results.date}.json`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
    if (override) {
      log(`wrote ${file}`);
    } else {
      updateReadme(join(BENCH_DIR, 'README.md'), results);
      log(`wrote ${file} and bench/README.md`);
    }
    for (const t of results.targets) log(`${t.pass ? 'pass' : 'MISS'} ${t.name} = ${t.value} (target ${t.target})`);
  } finally {
    await client.connection.close();
    await server.stop();
  }
}

// `npm run bench -- portfolio`: the portfolio reads alone (bench/portfolio.ts).
const portfolioOnly = process.argv.slice(2).includes('portfolio');

(portfolioOnly ? runPortfolio(environment(), log) : main())
  .then(removeBundles)
  .catch((error: unknown) => {
    console.error(error);
    removeBundles();
    // Ends the workers too: they stop when their parent goes away.
    process.exit(1);
  });
