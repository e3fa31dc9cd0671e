/**
 * Years of life without growth: a deployed component goes through 210 re-review cycles; every run's
 * history stays under the bound (continue-as-new), and state and audit trail survive each new run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProjectDefinition } from '../../machines/model.js';
import { WORKFLOW_TYPES, answerEthicsUpdate, cardQuery, decideUpdate, historyQuery, reReviewDueSignal, statusQuery, type ComponentWorkflowInput } from '../../workflows/definitions.js';
import { ETHICS, OWNER, project, reviewer } from '../support/fixtures.js';
import { eventually, PATIENCE_MS, startHarness, type Harness } from '../support/harness.js';

const CYCLES = 210;
const HISTORY_BOUND = 2_000;

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness?.stop();
});

describe('a deployed component over many re-review cycles', () => {
  it(`keeps every run's history under ${HISTORY_BOUND} events across ${CYCLES} re-reviews`, { timeout: 600_000 }, async () => {
    // One reviewing role at Level 9 keeps each cycle to one signal and one verdict.
    const definition = ProjectDefinition.parse(project({ policy: { levels: { '9': { roles: ['product'] } } } }));
    const input: ComponentWorkflowInput = {
      projectId: definition.id,
      component: {
        id: 'ranker',
        name: 'Ranker',
        kind: 'model',
        entryLevel: 9,
        owner: OWNER,
        provenance: { kind: 'adopted', projectId: 'search', componentId: 'ranker', level: 9 },
      },
      projectOwners: definition.owners,
      roster: definition.roster,
      policy: definition.policy,
    };
    const workflowId = `component/${definition.id}/ranker`;
    const handle = await harness.client.workflow.start(WORKFLOW_TYPES.component, { workflowId, taskQueue: harness.taskQueue, args: [input] });

    for (let cycle = 1; cycle <= CYCLES; cycle++) {
      await handle.signal(reReviewDueSignal, { scheduledAt: new Date().toISOString() });
      // Rules edition 2: the owner answers the ethics checklist before the panel's verdicts count.
      await handle.executeUpdate(answerEthicsUpdate, { args: [{ by: OWNER.email, answers: ETHICS }] });
      const state = await handle.executeUpdate(decideUpdate, {
        args: [{ reviewId: `r${cycle}`, reviewer: reviewer('product').email, verdict: 'approve' }],
      });
      expect(state).toMatchObject({ acknowledged: 'counted', open: false, outcome: 'approved', level: 9 });
      // Re-reviews are months apart: let this one's emails go out before the next fire.
      await eventually(
        async () => expect(harness.sent.some((n) => n.kind === 'review-closed' && n.reviewId === `r${cycle}` && n.projectId === definition.id)).toBe(true),
        PATIENCE_MS,
        10,
      );
    }

    const runs: { runId: string; historyLength: number; status: string }[] = [];
    await eventually(async () => {
      runs.length = 0;
      for await (const execution of harness.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
        runs.push({ runId: execution.runId, historyLength: execution.historyLength, status: execution.status.name });
      }
      expect(runs.filter((r) => r.status === 'CONTINUED_AS_NEW').length).toBeGreaterThanOrEqual(2);
    });
    const longest = Math.max(...runs.map((r) => r.historyLength));
    console.log(`re-review cycles: ${CYCLES}, runs: ${runs.length}, longest run history: ${longest} events`);
    for (const run of runs) expect(run.historyLength).toBeLessThan(HISTORY_BOUND);

    // State survived every new run: still deployed, the review sequence went on, audit kept and folded.
    const status = await handle.query(statusQuery);
    expect(status).toMatchObject({ level: 9, state: 'working', openReview: null });
    const history = await handle.query(historyQuery);
    expect(history[0]).toMatchObject({ what: 'folded' });
    expect(history.length).toBeLessThanOrEqual(501);
    expect(history.some((h) => h.why?.includes(`approve on review r${CYCLES}`))).toBe(true);
    const card = await handle.query(cardQuery);
    expect(card.timeline).toEqual([expect.objectContaining({ how: 'entry', to: 9 })]);
  });
});
