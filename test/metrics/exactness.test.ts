/**
 * The portfolio's metrics computed from the summaries projects keep (what the dashboard, the API and
 * `mltrl metrics` read) against the metrics computed from every component's own card, over a
 * replayed portfolio: the paper's case studies, plus generated projects whose components climb,
 * request changes, switch back (by review and by discovery), pause and resume, retire, and continue
 * as new run after run. They must agree exactly, with nothing left unread.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayStories } from '../../examples/replay.js';
import { ProjectDefinition } from '../../machines/model.js';
import { componentRecord, computeMetrics, type ComponentRecord } from '../../src/portfolio/metrics.js';
import { listProjectIds, projectRecord, readPortfolio } from '../../src/portfolio/read.js';
import { componentHandle, startProject } from '../../src/runtime/client.js';
import {
  WORKFLOW_TYPES,
  cardQuery,
  componentWorkflowId,
  componentWorkflowInput,
  pauseUpdate,
  projectStatusQuery,
  resumeUpdate,
  retireUpdate,
  statusQuery,
  switchbackUpdate,
  updateCardUpdate,
  type ComponentWorkflowInput,
} from '../../workflows/definitions.js';
import { LEAD, OWNER, project, reviewer } from '../support/fixtures.js';
import { eventually, startHarness, type Harness } from '../support/harness.js';
import { approveAll, climb, decide, fillCard, submit } from '../workflow/steps.js';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness?.stop();
});

/** Every component of the task queue read from its own workflow: status and the whole card. */
async function recordsFromCards(client: Client, taskQueue: string, projectIds: readonly string[]): Promise<ComponentRecord[]> {
  const records: ComponentRecord[] = [];
  for (const projectId of projectIds) {
    const query = `WorkflowType = '${WORKFLOW_TYPES.component}' AND TaskQueue = '${taskQueue}' AND MltrlProject = '${projectId}'`;
    const ids = new Set<string>();
    for await (const execution of client.workflow.list({ query })) ids.add(execution.workflowId);
    for (const workflowId of [...ids].sort()) {
      const handle = client.workflow.getHandle(workflowId);
      records.push(componentRecord(await handle.query(statusQuery), await handle.query(cardQuery)));
    }
  }
  return records.sort((a, b) => a.projectId.localeCompare(b.projectId) || a.componentId.localeCompare(b.componentId));
}

const components = (ids: string[]) => ids.map((id) => ({ id, name: `Component ${id}`, kind: 'model' as const, entryLevel: 0, owner: OWNER }));

/** Climbs, requests changes, switches back by review and by discovery, pauses, resumes and retires. */
async function generatedProject(client: Client, taskQueue: string): Promise<string> {
  const definition = project({ name: 'Generated portfolio project', components: components(['climber', 'pauser', 'retiree']) });
  await startProject(client, taskQueue, definition);
  const handle = (id: string) => componentHandle(client, definition.id, id);
  await eventually(() => Promise.all(['climber', 'pauser', 'retiree'].map((id) => handle(id).query(statusQuery))));
  const [climber, pauser, retiree] = ['climber', 'pauser', 'retiree'].map(handle);
  await Promise.all([climber, pauser, retiree].map(fillCard));

  const reason = { by: LEAD.email, reason: 'Generated portfolio: exercising the metrics' };
  await climb(climber, 3);
  // Two of the three debriefs its graduations asked for are written: coverage is neither 0 nor 1.
  await climber.executeUpdate(updateCardUpdate, {
    args: [{ by: OWNER.email, patch: { debriefs: [{ level: 0, done: 'Hypotheses stated' }, { level: 2, done: 'Research requirements written' }] } }],
  });
  const changes = await submit(climber);
  await decide(climber, changes.id, reviewer(changes.requiredRoles[0] as 'researcher', 1).email, 'request-changes', { tasks: ['Tighten the evaluation protocol'] });
  const back = await submit(climber, undefined, undefined, { t1: { status: 'done', note: 'Protocol tightened' } });
  await decide(climber, back.id, reviewer(back.requiredRoles[0] as 'researcher', 1).email, 'switchback', { targetLevel: 1, comment: 'Baselines missing' });
  await climb(climber, 2);
  await climber.executeUpdate(switchbackUpdate, { args: [{ by: LEAD.email, kind: 'discovery', targetLevel: 0, reason: 'A data leak found upstream' }] });
  await climb(climber, 1);

  await climb(pauser, 1);
  const held = await submit(pauser);
  await pauser.executeUpdate(pauseUpdate, { args: [reason] });
  await pauser.executeUpdate(resumeUpdate, { args: [reason] });
  // The review paused with the component resumes with it.
  await approveAll(pauser, held);

  await climb(retiree, 1);
  await retiree.executeUpdate(retireUpdate, { args: [reason] });
  return definition.id;
}

/**
 * A project whose component continues as new every few dozen events: it is started first with a
 * low history limit, and the project then finds it running and keeps it.
 */
async function continuingProject(client: Client, taskQueue: string): Promise<{ projectId: string; firstRunId: string }> {
  const input = project({ name: 'Long-running project', components: components(['runner']) });
  const definition = ProjectDefinition.parse(input);
  const component: ComponentWorkflowInput = { ...componentWorkflowInput(definition, definition.components[0]), historyLimit: 40 };
  const runner = await client.workflow.start(WORKFLOW_TYPES.component, { workflowId: componentWorkflowId(definition.id, 'runner'), taskQueue, args: [component] });
  await startProject(client, taskQueue, input);
  await fillCard(runner);
  for (let level = 0; level < 4; level++) {
    for (let edit = 0; edit < 6; edit++) await runner.executeUpdate(updateCardUpdate, { args: [{ by: OWNER.email, patch: { caveats: `Edge case ${level}.${edit}` } }] });
    await approveAll(runner, await submit(runner));
  }
  const back = await submit(runner);
  await decide(runner, back.id, reviewer(back.requiredRoles[0] as 'researcher', 1).email, 'switchback', { targetLevel: 2, comment: 'Gaps in the prototype' });
  return { projectId: definition.id, firstRunId: runner.firstExecutionRunId };
}

describe('portfolio metrics from project summaries', () => {
  it('agree exactly with the metrics from every component card, with nothing unread', { timeout: 900_000 }, async () => {
    const { client, taskQueue } = harness;
    const stories = await replayStories(client, taskQueue, { idSuffix: `-${randomUUID().slice(0, 6)}` });
    const [first, second, continuing] = await Promise.all([generatedProject(client, taskQueue), generatedProject(client, taskQueue), continuingProject(client, taskQueue)]);
    const projectIds = [...stories, first, second, continuing.projectId].sort();
    expect(await listProjectIds(client, taskQueue)).toEqual(projectIds);

    // The runner did continue as new: its current run is not its first.
    const runner = await componentHandle(client, continuing.projectId, 'runner').describe();
    expect(runner.runId).not.toBe(continuing.firstRunId);

    // Projects hear of changes by signal, so the summaries agree once the last report lands.
    const { fromSummaries, fromCards, read } = await eventually(async () => {
      const read = await readPortfolio(client, { taskQueue });
      const cards = await recordsFromCards(client, taskQueue, projectIds);
      const projects = read.projects.map(projectRecord);
      expect(read.components).toEqual(cards);
      return { read, fromSummaries: computeMetrics(read.components, projects, read.unreadable), fromCards: computeMetrics(cards, projects) };
    });
    expect(fromSummaries).toEqual(fromCards);
    expect(read.unreadable).toEqual([]);
    expect(read.componentsAsked).toBe(0);
    expect(read.components).toHaveLength(11 + 3 + 3 + 1);

    // The figures are not trivially equal: every kind of change is in them.
    const { byKind } = fromSummaries.switchbacks;
    expect([byKind.discovery, byKind.review, byKind.embedded].every((count) => count > 0), JSON.stringify(byKind)).toBe(true);
    expect(fromSummaries.componentsPerState.retired).toBeGreaterThanOrEqual(2);
    expect(fromSummaries.reviewTurnaround.samples).toBeGreaterThan(40);
    expect(fromSummaries.leftOut).toEqual({ stays: 0, turnarounds: 0, switchbacks: 0 });
    // Debrief coverage per project is in them too, and not trivially 0 or 1.
    const generated = fromSummaries.debriefCoverage.projects.find((d) => d.projectId === first)!;
    expect(generated.written).toBeGreaterThan(0);
    expect(generated.written).toBeLessThan(generated.asked);
    expect(fromSummaries.debriefCoverage.total.asked).toBeGreaterThan(generated.asked);
    const status = await client.workflow.getHandle(`project/${first}`).query(projectStatusQuery);
    expect(status.components.map((c) => [c.componentId, c.level, c.state])).toEqual([
      ['climber', 1, 'working'],
      ['pauser', 2, 'working'],
      ['retiree', 1, 'retired'],
    ]);
  });
});
