/** The benchmark's results file and the table bench/README.md shows from it. */
import { readFileSync, writeFileSync } from 'node:fs';
import type { HistoryFigures } from './history.js';
import type { WorkerMemory } from './ipc.js';
import type { LatencySummary } from './stats.js';

export interface SideFigures {
  components: number;
  updates: number;
  verdicts: number;
  driveS: number;
  settleS: number;
  componentsPerS: number;
  verdictsPerS: number;
  updatesPerS: number;
  /** Components over drive + settle time: counts the effects still running after the last update. */
  componentsPerSSettled: number;
  latency: { all: LatencySummary; updateCard: LatencySummary; submit: LatencySummary; decide: LatencySummary };
  /** CPU time per component while driven and settled: the side's worker process, the dev server, the driving client. */
  cpuMsPerComponent: { worker: number; server: number; client: number };
  workerRssAfterMiB: number;
}

export interface MetricsFigures {
  status: 'measured' | 'placeholder' | 'failed';
  note: string;
  records: number;
  runs?: number;
  medianMs?: number;
  minMs?: number;
  maxMs?: number;
}

export interface LiveMetricsFigures {
  status: 'measured' | 'placeholder' | 'failed';
  note: string;
  components: number;
  readS?: number;
  computeMs?: number;
}

export interface IdleFigures {
  components: number;
  /** What the worker runs with: MLTRL_MAX_CACHED_WORKFLOWS, else createWorker's default. */
  maxCachedWorkflows: number;
  cachedWorkflows: number;
  startS: number;
  idleAfterS: number;
  /** The worker polling, its bundle loaded, no workflow yet. */
  rssBeforeMiB: number;
  /** Just after every component went idle. */
  rssJustIdleMiB: number;
  /** Idle, once RSS stopped falling: the figure the target is about. */
  rssMiB: number;
  settledAfterS: number;
  lowestWhileSettlingMiB: number;
  /** After reading every component (mltrl: the metrics read; evicted ones replay). */
  rssAfterReadsMiB: number;
  peakRssMiB: number;
  /** A second worker allowed to cache them all, after a query to each loaded it. */
  allCached: {
    maxCachedWorkflows: number;
    cachedWorkflows: number;
    rssBeforeMiB: number;
    rssMiB: number;
    perWorkflowKiB: number;
    loadS: number;
    /** The loading queries: each replays the workflow from its history. */
    replayQuery: LatencySummary;
    cachedQuery: LatencySummary;
  };
  memory: { before: WorkerMemory; idle: WorkerMemory; settled: WorkerMemory; allCached: WorkerMemory };
}

export interface Target {
  name: string;
  value: number;
  target: string;
  pass: boolean;
}

export interface Results {
  date: string;
  startedAt: string;
  durationS: number;
  environment: Record<string, string | number | boolean>;
  settings: Record<string, number>;
  throughput: {
    mltrl: SideFigures;
    bare: SideFigures;
    throughputRatio: number;
    verdictsRatio: number;
    p50Ratio: number;
    p99Ratio: number;
    rounds: { round: number; side: string; components: number; driveS: number; settleS: number; componentsPerS: number; p50Ms: number; p99Ms: number }[];
  };
  /** Paced climbs (each update and effect in its own workflow task); `underLoad`: the throughput cohorts. */
  history: { mltrl: HistoryFigures; bare: HistoryFigures; underLoad: { mltrl: HistoryFigures; bare: HistoryFigures } };
  idleMemory: { mltrl: IdleFigures; bare: IdleFigures; perWorkflowRatio: number };
  /** `live`: read from the worker caching every component; `evicted`: from the one with the default cache. */
  metrics: MetricsFigures & { live: LiveMetricsFigures & { evicted?: LiveMetricsFigures } };
  targets: Target[];
}

export const MiB = 1024 * 1024;

export function targetsOf(r: Omit<Results, 'targets'>): Target[] {
  return [
    { name: 'throughputRatio', value: r.throughput.throughputRatio, target: '>= 0.75', pass: r.throughput.throughputRatio >= 0.75 },
    { name: 'p99Ratio', value: r.throughput.p99Ratio, target: '<= 1.5', pass: r.throughput.p99Ratio <= 1.5 },
    { name: 'eventsPerGraduation', value: r.history.mltrl.eventsPerGraduation, target: '<= 40', pass: r.history.mltrl.eventsPerGraduation <= 40 },
    { name: 'idleRssMiB', value: r.idleMemory.mltrl.rssMiB, target: '< 1536', pass: r.idleMemory.mltrl.rssMiB < 1536 },
  ];
}

const fmt = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '') : '—');
const verdict = (pass: boolean) => (pass ? '**pass**' : '**miss**');

export function table(r: Results): string {
  const { mltrl, bare } = r.throughput;
  const t = Object.fromEntries(r.targets.map((x) => [x.name, x]));
  const idle = r.idleMemory;
  const rows = [
    '| metric | mltrl | bare Temporal | mltrl / bare | target | result |',
    '|---|---:|---:|---:|---|---|',
    `| components/s (entry → 9) | ${fmt(mltrl.componentsPerS)} | ${fmt(bare.componentsPerS)} | ${fmt(r.throughput.throughputRatio)} | ≥ 0.75× bare | ${verdict(t['throughputRatio'].pass)} |`,
    `| verdicts/s | ${fmt(mltrl.verdictsPerS, 1)} | ${fmt(bare.verdictsPerS, 1)} | ${fmt(r.throughput.verdictsRatio)} | (as above) | |`,
    `| update latency p50 (ms) | ${fmt(mltrl.latency.all.p50Ms, 1)} | ${fmt(bare.latency.all.p50Ms, 1)} | ${fmt(r.throughput.p50Ratio)} | | |`,
    `| update latency p99 (ms) | ${fmt(mltrl.latency.all.p99Ms, 1)} | ${fmt(bare.latency.all.p99Ms, 1)} | ${fmt(r.throughput.p99Ratio)} | ≤ 1.5× bare | ${verdict(t['p99Ratio'].pass)} |`,
    `| history events per graduation | ${fmt(r.history.mltrl.eventsPerGraduation, 1)} | ${fmt(r.history.bare.eventsPerGraduation, 1)} | ${fmt(r.history.mltrl.eventsPerGraduation / r.history.bare.eventsPerGraduation)} | ≤ 40 | ${verdict(t['eventsPerGraduation'].pass)} |`,
    `| … under the throughput load | ${fmt(r.history.underLoad.mltrl.eventsPerGraduation, 1)} | ${fmt(r.history.underLoad.bare.eventsPerGraduation, 1)} | ${fmt(r.history.underLoad.mltrl.eventsPerGraduation / r.history.underLoad.bare.eventsPerGraduation)} | | |`,
    `| worker CPU per component (ms) | ${fmt(mltrl.cpuMsPerComponent.worker, 0)} | ${fmt(bare.cpuMsPerComponent.worker, 0)} | ${fmt(mltrl.cpuMsPerComponent.worker / bare.cpuMsPerComponent.worker)} | | |`,
    `| server CPU per component (ms) | ${fmt(mltrl.cpuMsPerComponent.server, 0)} | ${fmt(bare.cpuMsPerComponent.server, 0)} | ${fmt(mltrl.cpuMsPerComponent.server / bare.cpuMsPerComponent.server)} | | |`,
    `| worker RSS, ${idle.mltrl.components.toLocaleString('en')} idle components, settled (MiB) | ${fmt(idle.mltrl.rssMiB, 0)} | ${fmt(idle.bare.rssMiB, 0)} | ${fmt(idle.mltrl.rssMiB / idle.bare.rssMiB)} | < 1,536 (1.5 GiB) | ${verdict(t['idleRssMiB'].pass)} |`,
    `| … peak while they started and were read (MiB) | ${fmt(idle.mltrl.peakRssMiB, 0)} | ${fmt(idle.bare.peakRssMiB, 0)} | ${fmt(idle.mltrl.peakRssMiB / idle.bare.peakRssMiB)} | | |`,
    `| … with all of them cached (MiB) | ${fmt(idle.mltrl.allCached.rssMiB, 0)} | ${fmt(idle.bare.allCached.rssMiB, 0)} | ${fmt(idle.mltrl.allCached.rssMiB / idle.bare.allCached.rssMiB)} | | |`,
    `| … per cached workflow (KiB) | ${fmt(idle.mltrl.allCached.perWorkflowKiB, 0)} | ${fmt(idle.bare.allCached.perWorkflowKiB, 0)} | ${fmt(idle.perWorkflowRatio)} | | |`,
    `| computeMetrics over ${r.metrics.records.toLocaleString('en')} component records (ms, median) | ${r.metrics.status === 'measured' ? fmt(r.metrics.medianMs ?? NaN, 2) : `${r.metrics.status}: ${r.metrics.note}`} | | | | |`,
    `| read ${r.metrics.live.components.toLocaleString('en')} live cached components + compute (s) | ${r.metrics.live.status === 'measured' ? fmt((r.metrics.live.readS ?? NaN) + (r.metrics.live.computeMs ?? NaN) / 1000, 2) : `${r.metrics.live.status}: ${r.metrics.live.note}`} | | | | |`,
    ...(r.metrics.live.evicted
      ? [`| … from the worker with the default cache (s) | ${r.metrics.live.evicted.status === 'measured' ? fmt((r.metrics.live.evicted.readS ?? NaN) + (r.metrics.live.evicted.computeMs ?? NaN) / 1000, 1) : `${r.metrics.live.evicted.status}: ${r.metrics.live.evicted.note}`} | | | | |`]
      : []),
  ];
  const s = r.settings;
  const e = r.environment;
  return [
    `Run of ${r.date} ([results/${r.date}.json](results/${r.date}.json)): ${s['components']} components per side per round × ${s['rounds']} rounds, ` +
      `${s['updatesPerComponent']} updates (${s['verdictsPerComponent']} verdicts) per component, ${s['concurrency']} components at a time; ` +
      `${e['cpuModel']} × ${e['cpus']}, Node ${e['node']}, ${e['temporalCli']}.`,
    '',
    ...rows,
    '',
    `History events: paced climbs (every update and effect in its own workflow task, as when people answer hours apart); the row below, the throughput cohorts, where some share a task by chance. ` +
      `mltrl components/s counting the effects that finish after the last update: ${fmt(mltrl.componentsPerSSettled)} (bare ${fmt(bare.componentsPerSSettled)}). ` +
      `Idle memory: workers keep ${idle.mltrl.maxCachedWorkflows} workflows in their cache (MLTRL_MAX_CACHED_WORKFLOWS or createWorker's default), ` +
      `so ${idle.mltrl.cachedWorkflows} of the ${idle.mltrl.components} components and their projects were cached; RSS ${fmt(idle.mltrl.rssBeforeMiB, 0)} MiB before any ` +
      `(bare ${fmt(idle.bare.rssBeforeMiB, 0)}), ${fmt(idle.mltrl.rssJustIdleMiB, 0)} MiB just after all went idle (bare ${fmt(idle.bare.rssJustIdleMiB, 0)}), ` +
      `then read for ${idle.mltrl.settledAfterS} s until it held (bare ${idle.bare.settledAfterS} s; lowest ${fmt(idle.mltrl.lowestWhileSettlingMiB, 0)} MiB, bare ${fmt(idle.bare.lowestWhileSettlingMiB, 0)}). A query to an idle component: ` +
      `${fmt(idle.mltrl.allCached.cachedQuery.p50Ms, 1)} ms p50 from the cache, ${fmt(idle.mltrl.allCached.replayQuery.p50Ms, 1)} ms p50 (p99 ${fmt(idle.mltrl.allCached.replayQuery.p99Ms, 0)}) when it must replay.`,
  ].join('\n');
}

const START = '<!-- results:start -->';
const END = '<!-- results:end -->';

/** Replaces the generated table between the markers of bench/README.md. */
export function updateReadme(path: string, r: Results): void {
  const readme = readFileSync(path, 'utf8');
  const from = readme.indexOf(START);
  const to = readme.indexOf(END);
  if (from < 0 || to < from) throw new Error(`${path} has no ${START} … ${END} section`);
  writeFileSync(path, `${readme.slice(0, from + START.length)}\n${table(r)}\n${readme.slice(to)}`);
}
