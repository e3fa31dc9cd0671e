import { execFile } from 'node:child_process';
import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { temporalCliPath } from '../../src/local/temporalServer.js';
import { historyQuery, statusQuery, type AuditEntry } from '../../workflows/definitions.js';
import { temporalAddress } from '../helpers/temporal.js';
import { project, reviewer } from '../support/fixtures.js';
import { eventually, PATIENCE_MS, startHarness, type Harness } from '../support/harness.js';
import { fillCard, startAndReach, submit } from './steps.js';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness?.stop();
});

interface CliResult {
  code: number;
  output: string;
}

/** Run the Temporal CLI against the test server, ignoring any profile or TEMPORAL_* variables. */
function temporal(...args: string[]): Promise<CliResult> {
  const connection = ['--address', temporalAddress(), '--namespace', 'default', '--disable-config-env', '--disable-config-file'];
  return new Promise((resolve) => {
    execFile(temporalCliPath(), [...args, ...connection], { timeout: PATIENCE_MS }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, output: `${stdout}\n${stderr}` });
    });
  });
}

const signalReview = (workflowId: string, input: string) => temporal('workflow', 'signal', '--workflow-id', workflowId, '--name', 'review', '--input', input);

/** Wait until the audit trail has one more `review` entry than before, and return it. */
async function nextReviewEntry(handle: WorkflowHandle, seen: number): Promise<AuditEntry> {
  return eventually(async () => {
    const entries = (await handle.query(historyQuery)).filter((h) => h.what === 'review');
    expect(entries.length).toBe(seen + 1);
    return entries.at(-1)!;
  });
}

describe('raw Temporal clients: the CLI signalling and updating a component', () => {
  it('a signalled verdict moves the review; signals it cannot accept change nothing and are recorded as refused, with why', async () => {
    const definition = project({ policy: { approvalsPerRole: 2 } });
    const component = await startAndReach(harness.client, harness.taskQueue, definition);
    await fillCard(component);
    const review = await submit(component);
    const workflowId = `component/${definition.id}/anomaly-model`;
    const rl1 = reviewer('research-lead', 1).email;

    const valid = await signalReview(workflowId, JSON.stringify({ reviewId: review.id, reviewer: rl1, verdict: 'approve', comment: 'from the CLI' }));
    expect(valid.code, valid.output).toBe(0);
    const accepted = await nextReviewEntry(component, 0);
    expect(accepted).toMatchObject({ who: rl1, outcome: 'accepted', why: expect.stringContaining(`approve on review ${review.id}`) as string });
    const moved = await component.query(statusQuery);
    expect(moved.openReview).toMatchObject({ id: review.id, approvals: { 'research-lead': 1 }, answered: [{ reviewer: rl1, verdict: 'approve' }] });

    const cases: { input: unknown; who: string; why: RegExp }[] = [
      { input: { reviewId: 5 }, who: 'unknown', why: /reviewId: must be text, not a number.*reviewer: .*verdict: / },
      {
        input: { reviewId: review.id, reviewer: reviewer('research-lead', 2).email, verdict: 'approve', extra: true },
        who: reviewer('research-lead', 2).email,
        why: /unknown key "extra"/,
      },
      { input: { reviewId: 'r99', reviewer: reviewer('research-lead', 2).email, verdict: 'approve' }, who: reviewer('research-lead', 2).email, why: /reviewId: review r99 is unknown; the open review is r1/ },
      { input: { reviewId: review.id, reviewer: reviewer('qa', 1).email, verdict: 'approve' }, who: reviewer('qa', 1).email, why: /reviewer: qa-1@lab\.example holds none of the roles reviewing Level 0 \(research-lead\)/ },
      {
        input: { reviewId: review.id, reviewer: reviewer('research-lead', 2).email, verdict: 'request-changes' },
        who: reviewer('research-lead', 2).email,
        why: /tasks: request-changes needs at least one task/,
      },
    ];
    let seen = 1;
    for (const { input, who, why } of cases) {
      const result = await signalReview(workflowId, JSON.stringify(input));
      // The server takes any signal; the workflow decides what it means.
      expect(result.code, result.output).toBe(0);
      const entry = await nextReviewEntry(component, seen++);
      expect(entry).toMatchObject({ who, what: 'review', outcome: 'refused', level: 0 });
      expect(entry.why).toMatch(why);
      expect(await component.query(statusQuery)).toEqual(moved);
    }

    // A signal with no input at all.
    const empty = await temporal('workflow', 'signal', '--workflow-id', workflowId, '--name', 'review');
    expect(empty.code, empty.output).toBe(0);
    expect(await nextReviewEntry(component, seen++)).toMatchObject({ who: 'unknown', outcome: 'refused', why: expect.stringMatching(/^review: /) as string });
    expect(await component.query(statusQuery)).toEqual(moved);

    // The CLI reads the same audit trail.
    const query = await temporal('workflow', 'query', '--workflow-id', workflowId, '--name', 'history', '--output', 'json');
    expect(query.code, query.output).toBe(0);
    expect(query.output).toContain('holds none of the roles reviewing Level 0');
  });

  it('the decide update refuses bad input before it enters history, and the CLI exits non-zero naming the field', async () => {
    const definition = project();
    const component = await startAndReach(harness.client, harness.taskQueue, definition);
    await fillCard(component);
    const review = await submit(component);
    const workflowId = `component/${definition.id}/anomaly-model`;
    const update = (input: string) => temporal('workflow', 'update', 'execute', '--workflow-id', workflowId, '--name', 'decide', '--input', input);
    const historyBefore = await eventually(async () => {
      const entries = await component.query(historyQuery);
      expect(entries.at(-1)).toMatchObject({ what: 'notifyReviewOpened', outcome: 'done' });
      return entries;
    });
    const statusBefore = await component.query(statusQuery);

    const badEmail = await update(JSON.stringify({ reviewId: review.id, reviewer: 'not-an-email', verdict: 'approve' }));
    expect(badEmail.code).not.toBe(0);
    expect(badEmail.output).toContain('decide: reviewer: must be an email address');

    const badVerdict = await update(JSON.stringify({ reviewId: review.id, reviewer: reviewer('research-lead', 1).email, verdict: 'maybe' }));
    expect(badVerdict.code).not.toBe(0);
    expect(badVerdict.output).toContain('verdict: must be approve, request-changes or switchback');

    const wrongType = await update('{"reviewId": 5}');
    expect(wrongType.code).not.toBe(0);
    expect(wrongType.output).toMatch(/decide: reviewId: must be text, not a number/);

    const unauthorized = await update(JSON.stringify({ reviewId: review.id, reviewer: reviewer('qa', 1).email, verdict: 'approve' }));
    expect(unauthorized.code).not.toBe(0);
    expect(unauthorized.output).toContain('reviewer: qa-1@lab.example holds none of the roles');

    expect(await component.query(historyQuery)).toEqual(historyBefore);
    expect(await component.query(statusQuery)).toEqual(statusBefore);

    // A good verdict through the same command returns the review's state.
    const good = await update(JSON.stringify({ reviewId: review.id, reviewer: reviewer('research-lead', 2).email, verdict: 'approve' }));
    expect(good.code, good.output).toBe(0);
    expect(good.output).toContain('approved');
    expect(await component.query(statusQuery)).toMatchObject({ level: 1, state: 'working' });
  });
});
