/**
 * mltrl's benchmarks (`npm run bench`). On one in-memory dev server:
 *
 * 1. throughput: N components driven from Level 0 to 9 with quorum approvals through the client,
 *    against a bare Temporal workflow taking the same updates (bench/workflows/bare.ts); each side
 *    has its own worker process with the same settings, components run `concurrency` at a time,
 *    rounds alternate which side goes first;
 * 2. history events per graduation, from the driven components' real histories;
 * 3. worker memory with 1,000 idle live components (a fresh worker process, its own RSS);
 * 4. the time to compute metrics over 1,000 component records (src/portfolio/metrics.ts).
 *
 * Writes bench/results/<date>.json and the table in bench/README.md.
 *
 * Environment: BENCH_COMPONENTS (20), BENCH_ROUNDS (3), BENCH_CONCURRENCY (8), BENCH_WARMUP (4),
 * BENCH_IDLE_COMPONENTS (1000), BENCH_METRICS_RECORDS (1000), BENCH_METRICS_RUNS (20),
 * BENCH_PACED_COMPONENTS (3: components climbed one update at a time, for history events);
 * BENCH_RESULTS (a file to write the results to instead of bench/results/<date>.json, leaving
 * bench/README.md alone: for trying a change or a setting); BENCH_WORKER_OPTIONS (bench/worker.ts);
 * BENCH_WORKER_NODE_FLAGS (Node flags for both workers, e.g. `--max-old-space-size=1024`);
 * BENCH_LIVE_READ_EVICTED=1 also reads the metrics' portfolio from the worker that cannot cache
 * every component (slow: each read replays the component from its history).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { connect } from '../src/runtime/client.js';
import { freePort, PROJECT_ROOT, startDevServer, temporalCliPath } from '../src/local/temporalServer.js';
import { FULL_CARD, OWNER } from '../test/support/fixtures.js';
import { statusQuery, updateCardUpdate } from '../workflows/definitions.js';
import { bareUpdateCard } from './workflows/bare.js';
import { CLIMB, driveCohort, startCohort, UPDATES_PER_COMPONENT, VERDICTS_PER_COMPONENT, waitIdle, type DriveResult, type Side } from './drive.js';
import { historyFigures } from './history.js';
import { metricsRecord, projectRecords, syntheticRecords } from './records.js';
import { MiB, targetsOf, updateReadme, type IdleFigures, type LiveMetricsFigures, type MetricsFigures, type Results, type SideFigures } from './report.js';
import { now, percentile, pool, round, sleep, summarize } from './stats.js';
import { startWorker, type BenchWorker } from './workerProcess.js';
import type { WorkerMemory } from './ipc.js';

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
  idleComponents: setting('BENCH_IDLE_COMPONENTS', 1000),
  metricsRecords: setting('BENCH_METRICS_RECORDS', 1000),
  metricsRuns: setting('BENCH_METRICS_RUNS', 20),
  pacedComponents: setting('BENCH_PACED_COMPONENTS', 3),
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

// ----- 1. throughput ---------------------------------------------------------------------------

/** CPU time spent while a cohort was driven and settled, ms, by process. */
interface CpuSpent {
  worker: number;
  server: number;
  client: number;
}

interface Measured {
  round: number;
  result: DriveResult;
  cpu: CpuSpent;
  components: WorkflowHandle[];
}

/** utime + stime of another process, ms (from /proc/<pid>/stat, in clock ticks of 10 ms). */
function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function runCohort(client: Client, serverPid: number, worker: BenchWorker, label: string, count: number, paced = false): Promise<Omit<Measured, 'round'>> {
  const cohort = await startCohort(client, worker.kind, worker.taskQueue, label, count);
  const cpuBefore = { worker: (await worker.memory(false)).cpuMs, server: processCpuMs(serverPid), client: process.cpuUsage() };
  const result = await driveCohort(cohort, paced ? count : settings.concurrency, paced);
  const clientCpu = process.cpuUsage(cpuBefore.client);
  const cpu = {
    worker: (await worker.memory(false)).cpuMs - cpuBefore.worker,
    server: processCpuMs(serverPid) - cpuBefore.server,
    client: (clientCpu.user + clientCpu.system) / 1000,
  };
  log(`${label}: ${count} ${worker.kind} components in ${round(result.driveMs / 1000)} s (+${round(result.settleMs / 1000)} s to settle)`);
  return { result, cpu, components: cohort.components };
}

function sideFigures(measured: Measured[], workerRssAfterMiB: number): SideFigures {
  const results = measured.map((m) => m.result);
  const sum = (pick: (r: DriveResult) => number) => results.reduce((total, r) => total + pick(r), 0);
  const driveS = sum((r) => r.driveMs) / 1000;
  const settleS = sum((r) => r.settleMs) / 1000;
  const pooled = (kind: keyof DriveResult['latencies']) => results.flatMap((r) => r.latencies[kind]);
  const components = sum((r) => r.components);
  const cpu = (pick: (c: CpuSpent) => number) => round(measured.reduce((total, m) => total + pick(m.cpu), 0) / components, 0);
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
    cpuMsPerComponent: { worker: cpu((c) => c.worker), server: cpu((c) => c.server), client: cpu((c) => c.client) },
    workerRssAfterMiB: round(workerRssAfterMiB, 1),
  };
}

// ----- 3. idle memory --------------------------------------------------------------------------

/**
 * Reading the portfolio the metrics are computed over, from live components (src/portfolio/read.ts:
 * visibility, then a `status` and a `card` query each, on the engine's task queue), then computing.
 */
async function liveMetricsTiming(client: Client, taskQueue: string, expected: number): Promise<LiveMetricsFigures> {
  const portfolioPath = join(PROJECT_ROOT, 'src', 'portfolio', 'read.ts');
  const metricsPath = join(PROJECT_ROOT, 'src', 'portfolio', 'metrics.ts');
  if (!existsSync(portfolioPath) || !existsSync(metricsPath)) {
    return { status: 'placeholder', note: 'src/portfolio/read.ts and src/portfolio/metrics.ts are not both in the tree yet', components: 0 };
  }
  type Read = (client: Client, scope: { taskQueue: string }) => Promise<unknown[]>;
  try {
    const portfolio = (await import(pathToFileURL(portfolioPath).href)) as { readComponents?: Read; readProjects?: Read };
    const metrics = (await import(pathToFileURL(metricsPath).href)) as { computeMetrics?: (components: unknown[], projects: unknown[]) => unknown };
    const { readComponents, readProjects } = portfolio;
    const { computeMetrics } = metrics;
    if (typeof readComponents !== 'function' || typeof readProjects !== 'function' || typeof computeMetrics !== 'function') {
      return { status: 'placeholder', note: 'readComponents, readProjects or computeMetrics is not exported', components: 0 };
    }
    const started = now();
    const [components, projects] = await Promise.all([readComponents(client, { taskQueue }), readProjects(client, { taskQueue })]);
    const read = now();
    computeMetrics(components, projects);
    const computed = now();
    return {
      status: components.length === expected ? 'measured' : 'failed',
      note:
        `readComponents and readProjects (visibility, then status and card queries) on the task queue, then computeMetrics` +
        (components.length === expected ? '' : `; read ${components.length} of ${expected} components`),
      components: components.length,
      readS: round((read - started) / 1000),
      computeMs: round(computed - read, 3),
    };
  } catch (error) {
    return { status: 'failed', note: error instanceof Error ? error.message : String(error), components: 0 };
  }
}

/**
 * The worker's memory once V8 has given back what it no longer uses: evicted workflows stay on the
 * workflow thread's heap until V8 collects it, on its own time, some while after the process goes
 * quiet. Reads every 5 s until RSS has moved less than 2 % for 30 s, or for 90 s at most.
 */
async function settledMemory(worker: BenchWorker): Promise<{ memory: WorkerMemory; afterS: number; lowestMiB: number }> {
  const started = now();
  let last = await worker.memory(false);
  let lowest = last.memory.vmRss;
  for (let steady = 0; steady < 6 && now() - started < 90_000; ) {
    await sleep(5000);
    const next = await worker.memory(false);
    steady = Math.abs(next.memory.vmRss - last.memory.vmRss) < 0.02 * last.memory.vmRss ? steady + 1 : 0;
    lowest = Math.min(lowest, next.memory.vmRss);
    last = next;
  }
  return { memory: last.memory, afterS: round((now() - started) / 1000, 0), lowestMiB: round(lowest / MiB, 1) };
}

/** A query each idle workflow answers (bare has no handler of its own: the SDK's stack trace). */
async function touch(handle: WorkflowHandle, side: Side): Promise<void> {
  if (side === 'mltrl') await handle.query(statusQuery);
  else await handle.query('__stack_trace');
}

async function sweep(handles: readonly WorkflowHandle[], side: Side): Promise<number[]> {
  const latencies: number[] = [];
  await pool(handles, settings.concurrency, async (handle) => {
    const started = now();
    await touch(handle, side);
    latencies.push(now() - started);
  });
  return latencies;
}

/**
 * `idleComponents` live components of one side on a fresh worker with the product's settings
 * (mltrl: in projects of 200, each given the full card), left idle: the worker's RSS. mltrl also
 * reads the portfolio the metrics are computed over. Then a second fresh worker that may keep
 * every one of them in its cache loads them all (a query each replays it) for the RSS with all
 * of them cached.
 */
async function idleMemory(client: Client, address: string, side: Side): Promise<{ idle: IdleFigures; live?: LiveMetricsFigures; liveEvicted?: LiveMetricsFigures }> {
  const count = settings.idleComponents;
  const queue = `bench-idle-${side}`;
  let worker = await startWorker(side, address, queue);
  const defaultMaxCached = worker.maxCachedWorkflows;
  let live: LiveMetricsFigures | undefined;
  let liveEvicted: LiveMetricsFigures | undefined;
  const mib = (bytes: number) => round(bytes / MiB, 1);
  try {
    await sleep(2000);
    const before = await worker.memory(false);
    const started = now();
    const cohort = await startCohort(client, side, queue, `idle-${side}`, count);
    const card = { by: OWNER.email, patch: FULL_CARD };
    await pool(cohort.components, settings.concurrency, async (handle) => {
      if (side === 'mltrl') await handle.executeUpdate(updateCardUpdate, { args: [card] });
      else await handle.executeUpdate(bareUpdateCard, { args: [card] });
    });
    const startS = (now() - started) / 1000;
    await waitIdle(cohort.settleSet, `idle ${side} components to settle`, 8, 1000);
    const idleAfterS = (now() - started) / 1000;
    log(`idle ${side}: ${count} components started and carded in ${round(startS)} s, idle after ${round(idleAfterS)} s`);
    await sleep(3000);
    const idle = await worker.memory(false);
    const settled = await settledMemory(worker);
    if (side === 'mltrl' && process.env['BENCH_LIVE_READ_EVICTED'] === '1') {
      log('metrics over the live idle components, most of them out of the cache');
      liveEvicted = await liveMetricsTiming(client, queue, count);
    }
    const afterReads = await worker.memory(false);
    await worker.stop();

    // Every component (and project) in the cache.
    const everything = cohort.settleSet.length * 2;
    worker = await startWorker(side, address, queue, everything);
    await sleep(2000);
    const allBefore = await worker.memory(false);
    const loadStarted = now();
    const loading = await sweep(cohort.settleSet, side);
    const loadS = (now() - loadStarted) / 1000;
    await sleep(3000);
    const allCached = await worker.memory(false);
    const cachedQueries = await sweep(cohort.components, side);
    if (side === 'mltrl') {
      log('metrics over the live idle components, all of them cached');
      live = await liveMetricsTiming(client, queue, count);
    }
    log(`idle ${side}: all ${allCached.cachedWorkflows} cached, RSS ${mib(allCached.memory.vmRss)} MiB`);
    return {
      live,
      ...(liveEvicted ? { liveEvicted } : {}),
      idle: {
        components: count,
        maxCachedWorkflows: defaultMaxCached,
        cachedWorkflows: idle.cachedWorkflows,
        startS: round(startS),
        idleAfterS: round(idleAfterS),
        rssBeforeMiB: mib(before.memory.vmRss),
        rssJustIdleMiB: mib(idle.memory.vmRss),
        rssMiB: mib(settled.memory.vmRss),
        settledAfterS: settled.afterS,
        lowestWhileSettlingMiB: settled.lowestMiB,
        rssAfterReadsMiB: mib(afterReads.memory.vmRss),
        peakRssMiB: mib(afterReads.memory.vmHwm),
        allCached: {
          maxCachedWorkflows: worker.maxCachedWorkflows,
          cachedWorkflows: allCached.cachedWorkflows,
          rssBeforeMiB: mib(allBefore.memory.vmRss),
          rssMiB: mib(allCached.memory.vmRss),
          perWorkflowKiB: round((allCached.memory.vmRss - allBefore.memory.vmRss) / 1024 / allCached.cachedWorkflows, 1),
          loadS: round(loadS),
          replayQuery: summarize(loading),
          cachedQuery: summarize(cachedQueries),
        },
        memory: { before: before.memory, idle: idle.memory, settled: settled.memory, allCached: allCached.memory },
      },
    };
  } finally {
    await worker.stop();
  }
}

// ----- 4. metrics ------------------------------------------------------------------------------

async function metricsTiming(): Promise<MetricsFigures> {
  const records = settings.metricsRecords;
  const modulePath = join(PROJECT_ROOT, 'src', 'portfolio', 'metrics.ts');
  if (!existsSync(modulePath)) {
    return { status: 'placeholder', note: 'src/portfolio/metrics.ts (computeMetrics) is not in the tree yet', records };
  }
  try {
    const metrics = (await import(pathToFileURL(modulePath).href)) as { computeMetrics?: (components: unknown[], projects: unknown[]) => unknown };
    if (typeof metrics.computeMetrics !== 'function') return { status: 'placeholder', note: 'src/portfolio/metrics.ts exports no computeMetrics', records };
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

async function main(): Promise<void> {
  const startedAt = new Date();
  const env = environment();
  log(`settings ${JSON.stringify(settings)}`);
  if (Number(env['loadAverage1mAtStart']) > 0.5) log(`load average ${env['loadAverage1mAtStart']}: other work on this machine will skew the figures`);
  const server = await startDevServer({ port: await freePort(), uiPort: await freePort() });
  log(`dev server ${server.address}`);
  const client = await connect({ TEMPORAL_ADDRESS: server.address, TEMPORAL_NAMESPACE: 'default' });
  try {
    const workers: Record<Side, BenchWorker> = {
      mltrl: await startWorker('mltrl', server.address, 'bench-mltrl'),
      bare: await startWorker('bare', server.address, 'bench-bare'),
    };
    log('workers polling');

    for (const side of ['bare', 'mltrl'] as const) await runCohort(client, server.pid, workers[side], `warmup-${side}`, settings.warmupComponents);

    const measured: Record<Side, Measured[]> = { mltrl: [], bare: [] };
    for (let r = 1; r <= settings.rounds; r++) {
      // Alternate which side goes first, so neither always runs on a fresher server.
      const order: Side[] = r % 2 === 1 ? ['bare', 'mltrl'] : ['mltrl', 'bare'];
      for (const side of order) {
        measured[side].push({ round: r, ...(await runCohort(client, server.pid, workers[side], `r${r}-${side}`, settings.components)) });
      }
    }

    const rss = async (side: Side) => (await workers[side].memory(false)).memory.vmRss / MiB;
    const mltrl = sideFigures(measured.mltrl, await rss('mltrl'));
    const bare = sideFigures(measured.bare, await rss('bare'));
    const rounds = [...measured.mltrl, ...measured.bare]
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
    const paced: Record<Side, WorkflowHandle[]> = { mltrl: [], bare: [] };
    for (const side of ['bare', 'mltrl'] as const) {
      paced[side] = (await runCohort(client, server.pid, workers[side], `paced-${side}`, settings.pacedComponents, true)).components;
    }
    log('reading histories');
    const history = {
      mltrl: await historyFigures(paced.mltrl, CLIMB.length),
      bare: await historyFigures(paced.bare, CLIMB.length),
      underLoad: {
        mltrl: await historyFigures(measured.mltrl.flatMap((m) => m.components), CLIMB.length),
        bare: await historyFigures(measured.bare.flatMap((m) => m.components), CLIMB.length),
      },
    };
    await Promise.all(Object.values(workers).map((w) => w.stop()));

    log(`idle memory: ${settings.idleComponents} components per side`);
    const idleMltrl = await idleMemory(client, server.address, 'mltrl');
    const idleBare = await idleMemory(client, server.address, 'bare');
    const live = {
      ...(idleMltrl.live ?? { status: 'failed' as const, note: 'not measured', components: 0 }),
      ...(idleMltrl.liveEvicted ? { evicted: idleMltrl.liveEvicted } : {}),
    };

    log(`metrics over ${settings.metricsRecords} records`);
    const metrics = { ...(await metricsTiming()), live };

    const partial: Omit<Results, 'targets'> = {
      date: startedAt.toISOString().slice(0, 10),
      startedAt: startedAt.toISOString(),
      durationS: round((Date.now() - startedAt.getTime()) / 1000, 0),
      environment: { ...env, loadAverage1mAtEnd: round(loadavg()[0] ?? NaN) },
      settings,
      throughput: {
        mltrl,
        bare,
        throughputRatio: round(mltrl.componentsPerS / bare.componentsPerS, 3),
        verdictsRatio: round(mltrl.verdictsPerS / bare.verdictsPerS, 3),
        p50Ratio: round(mltrl.latency.all.p50Ms / bare.latency.all.p50Ms, 3),
        p99Ratio: round(mltrl.latency.all.p99Ms / bare.latency.all.p99Ms, 3),
        rounds,
      },
      history,
      idleMemory: {
        mltrl: idleMltrl.idle,
        bare: idleBare.idle,
        perWorkflowRatio: round(idleMltrl.idle.allCached.perWorkflowKiB / idleBare.idle.allCached.perWorkflowKiB, 3),
      },
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

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
