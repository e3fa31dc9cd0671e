/**
 * No permitted user can wedge a component by making it large. Arbitrary sequences of the largest
 * inputs the engine accepts — card patches of multi-byte text near the card's limit, submits with
 * every ethics answer at its longest, verdicts with the longest comments and tasks, discovery
 * switchbacks with the longest reasons, version reports, rosters at their largest — are driven
 * through the real workflow, which continues as new every few dozen events. After every step the
 * queries answer; each input is either accepted or refused with a clear InvalidInput/Refused; no
 * workflow task ever fails; every continue-as-new succeeds; and the whole card stays within the
 * byte budget.
 */
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CARRIED_BUDGET_BYTES, jsonBytes } from '../../machines/budget.js';
import { ROLES } from '../../machines/levels.js';
import {
  WORKFLOW_TYPES,
  cardQuery,
  componentWorkflowId,
  decideUpdate,
  historyQuery,
  reportVersionsUpdate,
  rosterChangedSignal,
  statusQuery,
  submitUpdate,
  switchbackUpdate,
  updateCardUpdate,
  type ComponentWorkflowInput,
} from '../../workflows/definitions.js';
import { handledAll, workflowTaskFailures } from '../fuzz/server.js';
import { ETHICS, FULL_CARD, LEAD, OWNER, project, reviewer, uniqueId } from '../support/fixtures.js';
import { eventually, startHarness, type Harness } from '../support/harness.js';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness?.stop();
});

/** Two- and three-byte characters: what makes a text's bytes outgrow its characters. */
const wide = (characters: number, seed: number) => 'é€ü漢'.repeat(Math.ceil(characters / 4)).slice(0, characters) + String(seed);

const bigRoster = (seed: number) =>
  Object.fromEntries(
    ROLES.map((role) => [
      role,
      [
        reviewer(role, 1),
        reviewer(role, 2),
        ...Array.from({ length: 98 }, (_, i) => ({ name: wide(190, seed + i), email: `${role}-extra-${i}-${seed}@lab.example` })),
      ],
    ]),
  );

type Step =
  | { kind: 'card'; seed: number }
  | { kind: 'submit' }
  | { kind: 'verdict'; verdict: 'approve' | 'request-changes'; seed: number }
  | { kind: 'switchback'; seed: number }
  | { kind: 'versions'; seed: number }
  | { kind: 'roster'; seed: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('card' as const), seed: fc.nat(999) }),
  fc.constant({ kind: 'submit' as const }),
  fc.record({ kind: fc.constant('verdict' as const), verdict: fc.constantFrom('approve' as const, 'request-changes' as const), seed: fc.nat(999) }),
  fc.record({ kind: fc.constant('switchback' as const), seed: fc.nat(999) }),
  fc.record({ kind: fc.constant('versions' as const), seed: fc.nat(999) }),
  fc.record({ kind: fc.constant('roster' as const), seed: fc.nat(999) }),
);

/** Accepted, or refused the way bad input is: an update failure carrying InvalidInput or Refused. */
async function acceptedOrRefused(run: () => Promise<unknown>): Promise<'accepted' | 'refused'> {
  try {
    await run();
    return 'accepted';
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure) {
      expect(['InvalidInput', 'Refused']).toContain(error.cause.type);
      expect(error.cause.message).not.toMatch(/\n/);
      return 'refused';
    }
    throw error;
  }
}

async function perform(handle: WorkflowHandle, s: Step): Promise<'accepted' | 'refused' | 'sent'> {
  switch (s.kind) {
    case 'card': {
      // Near the card's 64,000-byte limit in three-byte characters, spread over several deliverables.
      const text = wide(4_900, s.seed);
      const patch = { ...FULL_CARD, hypotheses: text, literature: text, experiments: text, documentation: text };
      return acceptedOrRefused(() => handle.executeUpdate(updateCardUpdate, { args: [{ by: OWNER.email, patch }] }));
    }
    case 'submit': {
      const ethics = Object.fromEntries(Object.keys(ETHICS).map((id, i) => [id, wide(1_996, i)]));
      // Rules edition 2: the open tasks of the level are resolved, alternately done and carried, with long notes.
      const open = (await handle.query(statusQuery)).gate.openTasks;
      const resolutions = Object.fromEntries(open.map((id, i) => [id, { status: i % 2 ? ('carried' as const) : ('done' as const), note: wide(996, i) }]));
      const payload = { by: LEAD.email, ethics, note: wide(4_996, 1), ...(open.length ? { resolutions } : {}) };
      return acceptedOrRefused(() => handle.executeUpdate(submitUpdate, { args: [payload] }));
    }
    case 'verdict': {
      const status = await handle.query(statusQuery);
      const review = status.openReview;
      const role = review?.missingRoles[0] ?? review?.requiredRoles[0] ?? 'research-lead';
      const tasks = Array.from({ length: 10 }, (_, i) => wide(496, s.seed + i));
      const decision = {
        reviewId: review?.id ?? 'r1',
        reviewer: reviewer(role as (typeof ROLES)[number], 1).email,
        verdict: s.verdict,
        comment: wide(4_996, s.seed),
        ...(s.verdict === 'request-changes' ? { tasks } : {}),
      };
      return acceptedOrRefused(() => handle.executeUpdate(decideUpdate, { args: [decision] }));
    }
    case 'switchback': {
      const status = await handle.query(statusQuery);
      const reason = wide(1_996, s.seed);
      return acceptedOrRefused(() =>
        handle.executeUpdate(switchbackUpdate, { args: [{ by: LEAD.email, kind: 'discovery', targetLevel: Math.max(0, status.level - 1), reason }] }),
      );
    }
    case 'versions':
      return acceptedOrRefused(() =>
        handle.executeUpdate(reportVersionsUpdate, { args: [{ by: OWNER.email, versions: { code: `1.${s.seed}.0`, model: `2.${s.seed}.0` } }] }),
      );
    case 'roster':
      await handle.signal(rosterChangedSignal, { roster: bigRoster(s.seed) });
      return 'sent';
  }
}

/** The largest input any run of the workflow started with: what continue-as-new carried, in bytes. */
async function largestRunInput(workflowId: string): Promise<number> {
  let largest = 0;
  let runId: string | undefined = (await harness.client.workflow.getHandle(workflowId).describe()).runId;
  for (let runs = 0; runId && runs < 100; runs++) {
    const history: Awaited<ReturnType<WorkflowHandle['fetchHistory']>> = await harness.client.workflow.getHandle(workflowId, runId).fetchHistory();
    const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
    const bytes = (started?.input?.payloads ?? []).reduce((sum: number, payload) => sum + (payload.data?.length ?? 0), 0);
    largest = Math.max(largest, bytes);
    runId = started?.continuedExecutionRunId || undefined;
  }
  return largest;
}

describe('a component under the largest accepted inputs', () => {
  it('answers every query and continues as new throughout; nothing it carries passes the budget', async () => {
    let largestCard = 0;
    let largestHistory = 0;
    let largestCarried = 0;
    const outcomes: Record<string, number> = {};
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 40, maxLength: 60 }), async (steps) => {
        const definition = project();
        const input: ComponentWorkflowInput = {
          projectId: uniqueId('capacity'),
          component: definition.components[0],
          projectOwners: definition.owners,
          roster: definition.roster,
          policy: { approvalsPerRole: 1, remindEvery: '2 days', escalateAfter: '7 days', rereviewEvery: '90 days', riskThreshold: 3 },
          historyLimit: 40,
        };
        const workflowId = componentWorkflowId(input.projectId, input.component.id);
        const handle = await harness.client.workflow.start(WORKFLOW_TYPES.component, { workflowId, taskQueue: harness.taskQueue, args: [input] });
        const firstRun = handle.firstExecutionRunId;
        for (const s of steps) {
          const outcome = await perform(handle, s);
          outcomes[`${s.kind} ${outcome}`] = (outcomes[`${s.kind} ${outcome}`] ?? 0) + 1;
          const [status, card, history] = await Promise.all([handle.query(statusQuery), handle.query(cardQuery), handle.query(historyQuery)]);
          expect(status.componentId).toBe(input.component.id);
          largestCard = Math.max(largestCard, jsonBytes(card));
          largestHistory = Math.max(largestHistory, jsonBytes(history));
        }
        // Continue-as-new happened and the latest run is running, with no failed workflow task in any run.
        const described = await eventually(async () => {
          const d = await harness.client.workflow.getHandle(workflowId).describe();
          expect(d.runId).not.toBe(firstRun);
          return d;
        });
        expect(described.status.name).toBe('RUNNING');
        // The last step may be a roster signal: judge the tasks once it has been handled too.
        await handledAll(harness.client, workflowId);
        expect(await workflowTaskFailures(harness.client, workflowId)).toEqual([]);
        largestCarried = Math.max(largestCarried, await largestRunInput(workflowId));
        expect(largestCard).toBeLessThan(CARRIED_BUDGET_BYTES);
      }),
      { numRuns: 2, seed: Number(process.env['FUZZ_SEED'] ?? 20261130), endOnFailure: true },
    );
    console.log(
      `capacity: largest carried state (a run's input) ${largestCarried} bytes, largest card query ${largestCard} bytes, largest history query ${largestHistory} bytes; ${JSON.stringify(outcomes)}`,
    );
    expect(largestCarried).toBeGreaterThan(0);
    expect(largestCarried).toBeLessThan(CARRIED_BUDGET_BYTES);
    // The sequences did grow the component: large inputs of each kind were accepted, not only refused.
    for (const kind of ['card', 'submit', 'verdict', 'switchback']) expect(outcomes[`${kind} accepted`] ?? 0).toBeGreaterThan(0);
  }, 600_000);
});
