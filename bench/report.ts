/** The benchmark's results file and the table bench/README.md shows from it. */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Side } from './drive.js';
import type { Equivalence } from './equivalence.js';
import type { HistoryFigures } from './history.js';
import type { LatencySummary } from './stats.js';

export type PerSide<T> = Record<Side, T>;

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
  /** CPU time per component while driven and settled: the side's worker process, the dev server, both, the driving client. */
  cpuMsPerComponent: { worker: number; server: number; workerAndServer: number; client: number };
  /** Emails the worker sent per component (one per recipient of each notification). */
  emailsPerComponent: number;
  workerRssAfterMiB: number;
}

/** Reads of climbed components by a fresh worker, one at a time: each first read replays 0 → 9. */
export interface WakeFigures {
  components: number;
  replayQuery: LatencySummary;
  cachedQuery: LatencySummary;
}

export interface IdleFigures {
  components: number;
  /** Components and their projects. */
  workflows: number;
  /** The worker's cache: MLTRL_MAX_CACHED_WORKFLOWS, else createWorker's default (every side gets the same). */
  maxCachedWorkflows: number;
  /** V8's heap limit in the worker, and the Node flags that set it (BENCH_WORKER_NODE_FLAGS). */
  heapSizeLimitMiB: number;
  nodeFlags: string;
  cachedWhenIdle: number;
  /** More workflows than the cache holds: every read in order replays its component. */
  readsReplayed: boolean;
  startS: number;
  idleAfterS: number;
  readS: number;
  rssBeforeMiB: number;
  rssIdleMiB: number;
  rssAfterReadMiB: number;
  /** VmHWM after the start, the card updates and the reads: the figure the target is about. */
  peakRssMiB: number;
  readQuery: LatencySummary;
  cachedQuery: LatencySummary;
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
  equivalence: Equivalence;
  throughput: PerSide<SideFigures> & {
    rounds: { round: number; side: string; components: number; driveS: number; settleS: number; componentsPerS: number; p50Ms: number; p99Ms: number }[];
  };
  /** Paced climbs (each update and effect in its own workflow task); `underLoad`: the throughput cohorts. */
  history: { paced: PerSide<HistoryFigures>; underLoad: PerSide<HistoryFigures> };
  wake: PerSide<WakeFigures>;
  idleMemory: PerSide<IdleFigures>;
  metrics: MetricsFigures;
  targets: Target[];
}

export const MiB = 1024 * 1024;

const ratio = (a: number, b: number) => Math.round((a / b) * 1000) / 1000;

export function targetsOf(r: Omit<Results, 'targets'>): Target[] {
  const { mltrl, handwritten, floor } = r.throughput;
  const atLeast = (name: string, value: number, min: number) => ({ name, value, target: `>= ${min}`, pass: value >= min });
  const atMost = (name: string, value: number, max: number) => ({ name, value, target: `<= ${max}`, pass: value <= max });
  return [
    atLeast('throughputVsHandwritten', ratio(mltrl.componentsPerS, handwritten.componentsPerS), 0.9),
    atLeast('throughputVsFloor', ratio(mltrl.componentsPerS, floor.componentsPerS), 0.55),
    atMost('p99VsHandwritten', ratio(mltrl.latency.all.p99Ms, handwritten.latency.all.p99Ms), 1.25),
    atMost('cpuVsHandwritten', ratio(mltrl.cpuMsPerComponent.workerAndServer, handwritten.cpuMsPerComponent.workerAndServer), 1.2),
    atMost('eventsPerGraduation', r.history.paced.mltrl.eventsPerGraduation, 32),
    atMost('peakRssMiB', r.idleMemory.mltrl.peakRssMiB, 1024),
  ];
}

const fmt = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '') : '—');
const verdict = (t: Target) => (t.pass ? '**pass**' : '**miss**');

/** One table row: the three sides, mltrl over each baseline, the target and its result. */
function row(metric: string, values: PerSide<number>, digits: number, target = '', result = ''): string {
  const { mltrl, handwritten, floor } = values;
  return `| ${metric} | ${fmt(mltrl, digits)} | ${fmt(handwritten, digits)} | ${fmt(floor, digits)} | ${fmt(mltrl / handwritten)} | ${fmt(mltrl / floor)} | ${target} | ${result} |`;
}

/** RSS once idle less RSS before any, over the workflows cached: only meaningful when none was evicted (evicted ones stay on the heap until V8 collects them). */
const perCached = (i: IdleFigures) => fmt((i.rssIdleMiB - i.rssBeforeMiB) / i.cachedWhenIdle, 2);

const pick = <T>(of: PerSide<T>, value: (x: T) => number): PerSide<number> => ({ mltrl: value(of.mltrl), handwritten: value(of.handwritten), floor: value(of.floor) });

export function table(r: Results): string {
  const t = Object.fromEntries(r.targets.map((x) => [x.name, x]));
  const { throughput: tp, history, wake, idleMemory: idle } = r;
  const idleCount = idle.mltrl.components.toLocaleString('en');
  const rows = [
    '| metric | mltrl | hand-written | floor | mltrl ÷ hand-written | mltrl ÷ floor | target | result |',
    '|---|---:|---:|---:|---:|---:|---|---|',
    row('components/s (entry → 9)', pick(tp, (s) => s.componentsPerS), 2, '≥ 0.9× hand-written; ≥ 0.55× floor', `${verdict(t['throughputVsHandwritten'])}; ${verdict(t['throughputVsFloor'])}`),
    row('update latency p50 (ms)', pick(tp, (s) => s.latency.all.p50Ms), 1),
    row('update latency p99 (ms)', pick(tp, (s) => s.latency.all.p99Ms), 1, '≤ 1.25× hand-written', verdict(t['p99VsHandwritten'])),
    row('worker + server CPU per component (ms)', pick(tp, (s) => s.cpuMsPerComponent.workerAndServer), 0, '≤ 1.2× hand-written', verdict(t['cpuVsHandwritten'])),
    row('… worker', pick(tp, (s) => s.cpuMsPerComponent.worker), 0),
    row('… server', pick(tp, (s) => s.cpuMsPerComponent.server), 0),
    row('history events per graduation (paced)', pick(history.paced, (h) => h.eventsPerGraduation), 1, '≤ 32', verdict(t['eventsPerGraduation'])),
    row('… under the throughput load', pick(history.underLoad, (h) => h.eventsPerGraduation), 1),
    row('emails per component', pick(tp, (s) => s.emailsPerComponent), 1, 'the same on both engines', tp.mltrl.emailsPerComponent === tp.handwritten.emailsPerComponent ? 'same' : '**differ**'),
    row(`worker RSS at its peak, ${idleCount} idle components started and read (MiB)`, pick(idle, (i) => i.peakRssMiB), 0, '≤ 1,024 (1 GiB)', verdict(t['peakRssMiB'])),
    row('… once they were idle (MiB)', pick(idle, (i) => i.rssIdleMiB), 0),
    row(`read of an idle component, p50 (ms)${idle.mltrl.readsReplayed ? ', replaying it' : ''}`, pick(idle, (i) => i.readQuery.p50Ms), 1),
    row('… p99 (ms)', pick(idle, (i) => i.readQuery.p99Ms), 1),
    row('… from the cache, p50 (ms)', pick(idle, (i) => i.cachedQuery.p50Ms), 1),
    row('waking an evicted component that climbed 0 → 9, p50 (ms)', pick(wake, (w) => w.replayQuery.p50Ms), 1),
    row('… p99 (ms)', pick(wake, (w) => w.replayQuery.p99Ms), 1),
    `| computeMetrics over ${r.metrics.records.toLocaleString('en')} component records (ms, median) | ${r.metrics.status === 'measured' ? fmt(r.metrics.medianMs ?? NaN, 2) : `${r.metrics.status}: ${r.metrics.note}`} | | | | | | |`,
  ];
  const s = r.settings;
  const e = r.environment;
  const m = idle.mltrl;
  return [
    `Run of ${r.date} ([results/${r.date}.json](results/${r.date}.json)): ${s['components']} components per side per round × ${s['rounds']} rounds, ` +
      `${s['updatesPerComponent']} updates (${s['verdictsPerComponent']} verdicts) per component, ${s['concurrency']} components at a time; ` +
      `${e['cpuModel']} × ${e['cpus']}, Node ${e['node']}, ${e['temporalCli']}; load average ${e['loadAverage1mAtStart']} at the start, ${e['loadAverage1mAtEnd']} at the end.`,
    '',
    ...rows,
    '',
    `Equivalence: mltrl and the hand-written equivalent took the same ${r.equivalence.probes.length} updates, good and refused (bench/equivalence.ts), and ` +
      (r.equivalence.differences.length === 0
        ? 'answered every one alike.'
        : `answered ${r.equivalence.differences.length} differently: ${r.equivalence.differences.map((d) => `${d.what} (mltrl ${d.mltrl}; hand-written ${d.handwritten})`).join('; ')}.`),
    '',
    `Idle memory: every worker kept at most ${m.maxCachedWorkflows} workflows in its cache (MLTRL_MAX_CACHED_WORKFLOWS, else createWorker's default), ` +
      `Node flags ${m.nodeFlags ? `\`${m.nodeFlags}\`` : 'none'} (V8 heap limit ${fmt(m.heapSizeLimitMiB, 0)} MiB). ` +
      `mltrl's ${m.components.toLocaleString('en')} components and their projects (${m.workflows.toLocaleString('en')} workflows) started and took the card in ${fmt(m.startS, 0)} s ` +
      `(hand-written ${fmt(idle.handwritten.startS, 0)} s, floor ${fmt(idle.floor.startS, 0)} s); ${m.cachedWhenIdle} were cached once idle, RSS ${fmt(m.rssBeforeMiB, 0)} MiB before any, ` +
      `${fmt(m.rssIdleMiB, 0)} MiB once idle` +
      (m.readsReplayed ? ', ' : ` (about ${perCached(m)} MiB more per cached workflow; hand-written ${perCached(idle.handwritten)}, floor ${perCached(idle.floor)}), `) +
      `${fmt(m.rssAfterReadMiB, 0)} MiB after the read (${fmt(m.readS, 1)} s, ${s['concurrency']} at a time${m.readsReplayed ? ': each read replayed its component, the cache being least-recently-used' : ''}). ` +
      `Waking: ${wake.mltrl.components} climbed components read one at a time by a fresh worker, ${history.paced.mltrl.eventsPerWorkflow} events of history each on mltrl ` +
      `(hand-written ${history.paced.handwritten.eventsPerWorkflow}, floor ${history.paced.floor.eventsPerWorkflow}); from the cache afterwards, p50 ${fmt(wake.mltrl.cachedQuery.p50Ms, 1)} ms.`,
  ].join('\n');
}

/** Replaces what stands between `<!-- <name>:start -->` and `<!-- <name>:end -->` in a README. */
export function replaceSection(path: string, name: string, text: string): void {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const readme = readFileSync(path, 'utf8');
  const from = readme.indexOf(start);
  const to = readme.indexOf(end);
  if (from < 0 || to < from) throw new Error(`${path} has no ${start} … ${end} section`);
  writeFileSync(path, `${readme.slice(0, from + start.length)}\n${text}\n${readme.slice(to)}`);
}

export function updateReadme(path: string, r: Results): void {
  replaceSection(path, 'results', table(r));
}
