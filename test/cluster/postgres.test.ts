/**
 * The production topology without Docker: the full Temporal server on PostgreSQL (src/local/cluster.ts),
 * two `npm run worker` processes (src/workerMain.ts) on the task queue, a project driven through
 * five levels, and the worker holding the component killed with SIGKILL while a review is open.
 * Nothing may be lost: every verdict counted once, every level reached, every audit entry present,
 * and the visibility store (PostgreSQL) answering queries on the contract's search attributes.
 *
 * Needs PostgreSQL and the Temporal server binaries: `bash scripts/install-cluster-tools.sh`
 * (`npm test` runs it first). Without them this suite fails and says so; it is never skipped.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../machines/levels.js';
import { startPostgresTemporal, type PostgresTemporal } from '../../src/local/cluster.js';
import { connect, projectHandle } from '../../src/runtime/client.js';
import { PROJECT_ROOT } from '../../src/local/temporalServer.js';
import { cardQuery, historyQuery, projectStatusQuery, reviewSignal, statusQuery } from '../../workflows/definitions.js';
import { project, reviewer } from '../support/fixtures.js';
import { eventually, PATIENCE_MS } from '../support/harness.js';
import { climb, decide, fillCard, startAndReach, submit } from '../workflow/steps.js';

const TASK_QUEUE = 'mltrl';

interface WorkerProcess {
  name: string;
  child: ChildProcess;
  pid: number;
  output: string[];
  readyMs: number;
}

/** `npm run worker`'s command, as a deployment runs it, with the cluster's address in its environment. */
async function startWorker(name: string, address: string): Promise<WorkerProcess> {
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'src/workerMain.ts')], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: 'default', MLTRL_TASK_QUEUE: TASK_QUEUE },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} not ready in 90 s:\n${output.join('\n')}`)), 90_000);
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line === '') continue;
        output.push(line);
        if (output.length > 80) output.shift();
        if (line.startsWith('mltrl worker on task queue')) {
          clearTimeout(timer);
          resolve();
        }
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code ?? signal}) before it was ready:\n${output.join('\n')}`));
    });
  });
  return { name, child, pid: child.pid!, output, readyMs: Date.now() - started };
}

function killAndWait(worker: WorkerProcess, signal: NodeJS.Signals): Promise<void> {
  const { child } = worker;
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

/** Who did what, from the server's own record: the identity (`pid@host`) on each task a worker completed. */
interface TaskRecord {
  workflowId: string;
  eventId: number;
  kind: 'workflow-task' | 'activity';
  identity: string;
  at: number;
}

async function taskRecords(client: Client, workflowId: string): Promise<TaskRecord[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const records: TaskRecord[] = [];
  for (const event of history.events ?? []) {
    const at = Number(event.eventTime?.seconds ?? 0) * 1000 + Math.floor((event.eventTime?.nanos ?? 0) / 1e6);
    const eventId = Number(event.eventId);
    const completed = event.workflowTaskCompletedEventAttributes?.identity;
    if (completed) records.push({ workflowId, eventId, kind: 'workflow-task', identity: completed, at });
    const activity = event.activityTaskStartedEventAttributes?.identity;
    if (activity) records.push({ workflowId, eventId, kind: 'activity', identity: activity, at });
  }
  return records;
}

const pidOf = (identity: string) => Number(identity.split('@')[0]);

let cluster: PostgresTemporal | undefined;
let client: Client | undefined;
let dataDir: string;
let suiteStarted = 0;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  suiteStarted = Date.now();
  dataDir = mkdtempSync(join(tmpdir(), 'mltrl-cluster-'));
  cluster = await startPostgresTemporal({ dataDir });
  client = await connect({ TEMPORAL_ADDRESS: cluster.address, TEMPORAL_NAMESPACE: cluster.namespace });
  // Two processes on one task queue, started together as a deployment would.
  workers.push(...(await Promise.all([startWorker('worker-a', cluster.address), startWorker('worker-b', cluster.address)])));
}, 240_000);

afterAll(async () => {
  for (const worker of workers) await killAndWait(worker, 'SIGTERM');
  await client?.connection.close();
  await cluster?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

describe('the production topology: Temporal on PostgreSQL, two worker processes', () => {
  it('drives a component through five levels while the worker holding it is killed, and loses nothing', async () => {
    const c = client!;
    const started = Date.now();
    const definition = project({ policy: { approvalsPerRole: 2 } });
    const component = await startAndReach(c, TASK_QUEUE, definition);
    const workflowIds = [`project/${definition.id}`, `component/${definition.id}/anomaly-model`];
    await fillCard(component);

    // Levels 0 → 2 with both workers polling.
    expect((await climb(component, 2, 2)).level).toBe(2);

    // Both processes must have done work before one is killed. Which process takes a workflow's
    // first task is the server's choice; more projects give the second one its turn.
    let extraProjects = 0;
    const identities = async () => new Set((await Promise.all(workflowIds.map((id) => taskRecords(c, id)))).flat().map((r) => pidOf(r.identity)));
    while ((await identities()).size < 2) {
      if (extraProjects === 6) throw new Error(`only one worker took tasks across ${workflowIds.length} workflows`);
      const extra = project();
      await startAndReach(c, TASK_QUEUE, extra);
      workflowIds.push(`project/${extra.id}`, `component/${extra.id}/anomaly-model`);
      extraProjects++;
    }

    // The review for Level 3 opens; the first reviewer of each role answers (update).
    const review = await submit(component);
    expect(review.level).toBe(2);
    const roles = review.requiredRoles as Role[];
    for (const role of roles) await decide(component, review.id, reviewer(role, 1).email);
    // The panel's email has gone out: nothing is in flight but the review itself.
    await eventually(async () => {
      const entries = await component.query(historyQuery);
      expect(entries.filter((h) => h.what === 'notifyReviewOpened' && h.outcome === 'done')).toHaveLength(3);
    });

    // Kill the worker that holds the component (it completed the component's latest workflow task,
    // so its cache has the workflow and its sticky queue gets the next task).
    const componentId = `component/${definition.id}/anomaly-model`;
    const beforeKill = await taskRecords(c, componentId);
    const holderPid = pidOf(beforeKill.filter((r) => r.kind === 'workflow-task').at(-1)!.identity);
    const victim = workers.find((w) => w.pid === holderPid)!;
    const survivor = workers.find((w) => w.pid !== holderPid)!;
    expect(victim, `the component's worker (pid ${holderPid}) is one of ours`).toBeDefined();
    const beforeKillAll = (await Promise.all(workflowIds.map((id) => taskRecords(c, id)))).flat();
    const killedAt = Date.now();
    await killAndWait(victim, 'SIGKILL');
    expect(victim.child.signalCode).toBe('SIGKILL');
    // From here on no task can be the victim's (the server stamps each with its time, on this clock).
    const goneAt = Date.now();

    // The remaining verdicts arrive while the component's worker is gone: the second reviewer of
    // each role by signal, one first reviewer again (a repeat), and one repeat by update.
    const repeatBy = reviewer(roles[0], 1).email;
    for (const role of roles) {
      await component.signal(reviewSignal, { reviewId: review.id, reviewer: reviewer(role, 2).email, verdict: 'approve', comment: 'Checked on the cluster' });
    }
    await component.signal(reviewSignal, { reviewId: review.id, reviewer: repeatBy, verdict: 'approve' });
    const repeatedByUpdate = decide(component, review.id, repeatBy);

    const recovered = await eventually(async () => {
      const status = await component.query(statusQuery);
      expect(status.level).toBe(3);
      return status;
    }, 2 * PATIENCE_MS, 250);
    const recoveryMs = Date.now() - killedAt;
    expect(recovered).toMatchObject({ level: 3, state: 'working', openReview: null });
    expect(await repeatedByUpdate).toMatchObject({ acknowledged: 'repeated', level: 3 });

    // Levels 3 → 5 on the surviving worker alone.
    expect((await climb(component, 5, 2)).level).toBe(5);
    const totalMs = Date.now() - started;

    // Nothing lost: every level on the card, the Level 3 review counted each verdict once.
    const card = await component.query(cardQuery);
    expect(card.timeline.map((t) => t.to)).toEqual([0, 1, 2, 3, 4, 5]);
    // The last review closed while its emails may still be going out: wait until they are done.
    const history = await eventually(async () => {
      const entries = await component.query(historyQuery);
      expect(entries.filter((h) => h.what === 'notifyReviewOpened')).toHaveLength(5);
      return entries;
    });
    // The verdicts recorded between the Level 2 submit and the Level 3 one: the review that spanned the kill.
    const from = history.findIndex((h) => h.what === 'submit' && h.level === 2);
    const to = history.findIndex((h) => h.what === 'submit' && h.level === 3);
    const verdicts = history.slice(from, to).filter((h) => h.what === 'review' || h.what === 'decide').map((h) => [h.what, h.who, h.outcome]);
    expect(verdicts).toEqual([
      ...roles.map((role) => ['decide', reviewer(role, 1).email, 'accepted']),
      ...roles.map((role) => ['review', reviewer(role, 2).email, 'accepted']),
      ['review', repeatBy, 'acknowledged'],
      ['decide', repeatBy, 'acknowledged'],
    ]);
    // One submit per level climbed, and one review-opened email per review, none twice or failed
    // (the Level 2 one may complete around the kill, so its audit entry can carry Level 3).
    expect(history.filter((h) => h.what === 'submit' && h.outcome === 'accepted').map((h) => h.level)).toEqual([0, 1, 2, 3, 4]);
    expect(history.filter((h) => h.what === 'notifyReviewOpened').map((h) => h.outcome)).toEqual(['done', 'done', 'done', 'done', 'done']);

    // The project and the visibility store (PostgreSQL) agree.
    const projectStatus = await eventually(async () => {
      const s = await projectHandle(c, definition.id).query(projectStatusQuery);
      expect(s.systemLevel).toBe(5);
      return s;
    });
    expect(projectStatus.components[0]).toMatchObject({ componentId: 'anomaly-model', level: 5 });
    const found = await eventually(async () => {
      const ids: string[] = [];
      for await (const execution of c.workflow.list({ query: `MltrlProject = '${definition.id}' AND MltrlLevel = 5 AND MltrlState = 'working'` })) ids.push(execution.workflowId);
      expect(ids).toEqual([componentId]);
      return ids;
    });
    expect(found).toHaveLength(1);

    // Both workers worked before the kill; after it, only the survivor did.
    const identitiesBefore = new Set(beforeKillAll.map((r) => pidOf(r.identity)));
    expect([...identitiesBefore].sort()).toEqual(workers.map((w) => w.pid).sort());
    // (By time, not by event id: the victim may have completed a last task, e.g. of the report to
    // the project that follows an email, between the records read above and the kill.)
    const after = (await taskRecords(c, componentId)).filter((r) => r.at > goneAt);
    expect(after.length).toBeGreaterThan(0);
    expect(new Set(after.map((r) => pidOf(r.identity)))).toEqual(new Set([survivor.pid]));

    const all = (await Promise.all(workflowIds.map((id) => taskRecords(c, id)))).flat();
    const count = (pid: number, records: TaskRecord[]) => {
      const mine = records.filter((r) => pidOf(r.identity) === pid);
      return `${mine.filter((r) => r.kind === 'workflow-task').length} workflow tasks, ${mine.filter((r) => r.kind === 'activity').length} activities`;
    };
    const s = cluster!;
    console.log(
      [
        'mltrl on the production topology (PostgreSQL-backed Temporal, two worker processes)',
        `  Temporal server ${s.serverVersion} (go.temporal.io/server, full server: frontend, history, matching, worker), ${s.postgresVersion}`,
        `  start-up: PostgreSQL ${ms(s.timings.postgres)}, schemas ${ms(s.timings.schema)}, server ${ms(s.timings.server)}, namespace + search attributes ${ms(s.timings.namespace)} (total ${ms(s.timings.total)})`,
        `  workers: ${workers.map((w) => `${w.name} pid ${w.pid} ready in ${ms(w.readyMs)}`).join(', ')}`,
        `  before the kill, across ${workflowIds.length / 2} project(s): ${workers.map((w) => `${w.name} ${count(w.pid, beforeKillAll)}`).join('; ')}`,
        `  killed ${victim.name} (SIGKILL) holding component/${definition.id}/anomaly-model with review ${review.id} (Level 2 → 3) open, ${roles.length} of ${roles.length * 2} approvals in`,
        `  while it was gone: ${roles.length} approvals + 1 repeat by signal, 1 repeat by update; ${survivor.name} took over, Level 3 reached ${ms(recoveryMs)} after the kill`,
        `  then Levels 4 and 5 on ${survivor.name}; ${survivor.name} in all: ${count(survivor.pid, all)}`,
        `  survived: levels 0→5 on the card, quorum counted once (2 per role, repeats acknowledged), 5 submits and 5 review-opened notifications once each,`,
        `    visibility query on MltrlProject/MltrlLevel/MltrlState answered from PostgreSQL; project system level 5`,
        `  driving the project ${ms(totalMs)}; cluster start, two workers and driving ${ms(Date.now() - suiteStarted)}`,
      ].join('\n'),
    );
  }, 420_000);
});

function ms(value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(1)} s` : `${value} ms`;
}

