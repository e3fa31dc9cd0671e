import type { Client, WorkflowExecutionStatusName, WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProjectDefinition } from '../../machines/model.js';
import { WORKFLOW_TYPES, cardQuery, historyQuery, statusQuery, updateCardUpdate, type ComponentWorkflowInput } from '../../workflows/definitions.js';
import { LEAD, OWNER, project, reviewer } from '../support/fixtures.js';
import { eventually, startHarness, type Harness } from '../support/harness.js';
import { decide, fillCard, soon, submit } from './steps.js';
import { deliveredOnce, merged } from '../support/notifications.js';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness?.stop();
});

/** Follow the chain of runs from the first one: each continued-as-new run names the next. */
async function runChain(client: Client, workflowId: string, firstRunId: string): Promise<{ runId: string; status: WorkflowExecutionStatusName }[]> {
  const chain: { runId: string; status: WorkflowExecutionStatusName }[] = [];
  let runId: string | undefined = firstRunId;
  while (runId) {
    const handle: WorkflowHandle = client.workflow.getHandle(workflowId, runId);
    const described = await handle.describe();
    chain.push({ runId, status: described.status.name });
    if (described.status.name !== 'CONTINUED_AS_NEW') break;
    const history: Awaited<ReturnType<WorkflowHandle['fetchHistory']>> = await handle.fetchHistory();
    runId = history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  return chain;
}

describe('continue-as-new keeps a component whole', () => {
  it('carries level, card, open review with approvals and history across several runs of a project-less component', async () => {
    const definition = ProjectDefinition.parse(project({ policy: { approvalsPerRole: 2 } }));
    const projectId = definition.id;
    const workflowId = `component/${projectId}/anomaly-model`;
    const input: ComponentWorkflowInput = {
      projectId,
      component: definition.components[0],
      projectOwners: definition.owners,
      roster: definition.roster,
      policy: definition.policy,
      historyLimit: 60,
    };
    const handle = await harness.client.workflow.start(WORKFLOW_TYPES.component, { workflowId, taskQueue: harness.taskQueue, args: [input] });
    const firstRunId = handle.firstExecutionRunId;

    // Level 0 → 1, then an open review at Level 1 with one approval per role, with card edits
    // between every step so the history passes its limit again and again.
    await fillCard(handle);
    const edit = async (n: number) =>
      handle.executeUpdate(updateCardUpdate, { args: [{ by: OWNER.email, patch: { caveats: `Known edge case #${n}: pen marks on slides` } }] });
    let edits = 0;
    for (let i = 0; i < 10; i++) await edit(++edits);
    const first = await submit(handle);
    await decide(handle, first.id, reviewer('research-lead', 1).email);
    for (let i = 0; i < 10; i++) await edit(++edits);
    const closed = await decide(handle, first.id, reviewer('research-lead', 2).email);
    expect(closed).toMatchObject({ open: false, outcome: 'approved', level: 1 });
    for (let i = 0; i < 10; i++) await edit(++edits);
    const second = await submit(handle);
    await decide(handle, second.id, reviewer('research-lead', 1).email);
    for (let i = 0; i < 10; i++) await edit(++edits);
    await decide(handle, second.id, reviewer('researcher', 1).email);
    // A repeated verdict after the runs changed is still recognised.
    expect(await decide(handle, second.id, reviewer('research-lead', 1).email)).toMatchObject({ acknowledged: 'repeated' });
    for (let i = 0; i < 10; i++) await edit(++edits);
    // A burst of concurrent edits across a run boundary: every one is applied exactly once.
    const burst = await Promise.all(Array.from({ length: 20 }, () => edit(++edits)));
    expect(new Set(burst.map((s) => s.cardRevision)).size).toBe(20);
    await edit(++edits);

    const chain = await eventually(async () => {
      const runs = await runChain(harness.client, workflowId, firstRunId);
      expect(runs.length).toBeGreaterThanOrEqual(4);
      expect(runs.at(-1)!.status).toBe('RUNNING');
      return runs;
    });
    expect(chain.slice(0, -1).every((run) => run.status === 'CONTINUED_AS_NEW')).toBe(true);
    const latest = await handle.describe();
    expect(latest.runId).not.toBe(firstRunId);
    expect(latest.runId).toBe(chain.at(-1)!.runId);
    // Each run stays near its limit: a run continues as new once it is past it.
    for (const run of chain.slice(0, -1)) {
      const { events } = await harness.client.workflow.getHandle(workflowId, run.runId).fetchHistory();
      expect(events!.length).toBeLessThan(120);
    }

    const status = await handle.query(statusQuery);
    expect(status).toMatchObject({ level: 1, state: 'in-review', cardRevision: 1 + edits, entryLevel: 0 });
    expect(status.openReview).toMatchObject({
      id: second.id,
      approvals: { 'research-lead': 1, researcher: 1 },
      missingRoles: ['research-lead', 'researcher'],
      answered: [
        { reviewer: reviewer('research-lead', 1).email, verdict: 'approve' },
        { reviewer: reviewer('researcher', 1).email, verdict: 'approve' },
      ],
    });
    const card = await handle.query(cardQuery);
    expect(card.revisions).toHaveLength(1 + edits);
    expect(card.content.caveats).toBe(`Known edge case #${edits}: pen marks on slides`);
    expect(card.timeline.map((t) => t.to)).toEqual([0, 1]);

    const history = await handle.query(historyQuery);
    expect(history[0]).toMatchObject({ what: 'start', who: OWNER.email });
    expect(history.filter((h) => h.what === 'updateCard')).toHaveLength(1 + edits);
    expect(history.filter((h) => h.what === 'decide').map((h) => h.outcome)).toEqual(['accepted', 'accepted', 'accepted', 'accepted', 'acknowledged']);
    expect(history.filter((h) => h.what === 'submit')).toHaveLength(2);

    // The component goes on in its latest run, with no project workflow to tell.
    await decide(handle, second.id, reviewer('research-lead', 2).email);
    const done = await decide(handle, second.id, reviewer('researcher', 2).email);
    expect(done).toMatchObject({ open: false, outcome: 'approved', level: 2, state: 'working' });
    expect(await handle.query(statusQuery)).toMatchObject({ level: 2, state: 'working', openReview: null });

    // Every notification was sent once: ids are unique across runs.
    const sent = await soon(() => {
      const found = merged(harness.sent.filter((n) => n.projectId === projectId));
      expect(found.map((n) => [n.kind, n.reviewId])).toEqual([
        ['review-opened', 'r1'],
        ['review-closed', 'r1'],
        // Each graduation asks the owner for the stage debrief of the level completed.
        ['debrief-requested', 'r1'],
        ['review-opened', 'r2'],
        ['review-closed', 'r2'],
        ['debrief-requested', 'r2'],
      ]);
      return found;
    });
    expect(deliveredOnce(harness.sent.filter((n) => n.projectId === projectId))).toBe(true);
    expect(sent.find((n) => n.kind === 'review-opened')!.to.map((p) => p.email)).not.toContain(LEAD.email);
  });
});
