/**
 * What a permitted but hostile user can no longer do, on the real dev server: claim a component
 * comes from one that does not exist (or never reached the level), set a policy that reminds every
 * second, turn reminders into a relay past the per-recipient cap, or fill a component's state with
 * answers no checklist asked for.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { componentHandle, projectHandle, startProject } from '../../src/runtime/client.js';
import {
  WORKFLOW_TYPES,
  addComponentUpdate,
  historyQuery,
  projectStatusQuery,
  projectWorkflowId,
  statusQuery,
  submitUpdate,
} from '../../workflows/definitions.js';
import { ETHICS, LEAD, OWNER, project, uniqueId } from '../support/fixtures.js';
import { eventually, startHarness, type Harness } from '../support/harness.js';
import { startSourceComponent, type Source } from '../support/sources.js';
import { fillCard, refused, startAndReach, submit } from './steps.js';

let harness: Harness;
let source: Source;
const CAP = 2;
beforeAll(async () => {
  harness = await startHarness({ maxEmailsPerHour: CAP });
  source = await startSourceComponent(harness.client, harness.taskQueue, 5);
});
afterAll(async () => {
  await harness?.stop();
});

const adopted = (projectId: string, componentId: string, level: number) => ({
  id: 'adopted-model',
  name: 'Adopted model',
  kind: 'model' as const,
  entryLevel: level,
  owner: OWNER,
  provenance: { kind: 'adopted' as const, projectId, componentId, level },
});

describe('provenance is checked against its source', () => {
  it('refuses a project adopting from a component that does not exist, and starts nothing', async () => {
    const definition = project({ components: [adopted('no-such-project', 'ghost', 9)] });
    const error = await refused(() => startProject(harness.client, harness.taskQueue, definition));
    expect(error.kind).toBe('refused');
    expect(error.message).toContain('components[0].provenance: component no-such-project/ghost does not exist');
    await expect(projectHandle(harness.client, definition.id).describe()).rejects.toThrow(/not found/i);
  });

  it('refuses a claim above the level the source reached, accepts one at it', async () => {
    const tooHigh = project({ components: [adopted(source.projectId, source.componentId, 9)] });
    const error = await refused(() => startProject(harness.client, harness.taskQueue, tooHigh));
    expect(error.message).toContain(`has reached Level 5, not Level 9`);

    const fair = project({ components: [adopted(source.projectId, source.componentId, 5)] });
    const handle = await startAndReach(harness.client, harness.taskQueue, fair, 'adopted-model');
    expect(await handle.query(statusQuery)).toMatchObject({ level: 5, provenance: { kind: 'adopted', level: 5 } });
  });

  it('the project workflow checks it too when a raw client starts it, and addComponent refuses it', async () => {
    const definition = project({ components: [adopted('no-such-project', 'ghost', 9)] });
    const handle = await harness.client.workflow.start(WORKFLOW_TYPES.project, {
      workflowId: projectWorkflowId(definition.id),
      taskQueue: harness.taskQueue,
      args: [definition],
    });
    const failure: unknown = await handle.result().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect(String((failure as WorkflowFailedError).cause?.message)).toContain('components[0].provenance: component no-such-project/ghost does not exist');
    await expect(componentHandle(harness.client, definition.id, 'adopted-model').describe()).rejects.toThrow(/not found/i);

    const running = project();
    await startAndReach(harness.client, harness.taskQueue, running);
    const addition = { ...adopted('no-such-project', 'ghost', 7), id: 'late-arrival' };
    const error = await refused(() => projectHandle(harness.client, running.id).executeUpdate(addComponentUpdate, { args: [addition] }));
    expect(error.message).toContain('provenance: component no-such-project/ghost does not exist');
    const status = await projectHandle(harness.client, running.id).query(projectStatusQuery);
    expect(status.components.map((c) => c.componentId)).toEqual(['anomaly-model']);
  });
});

describe('policy floors and the per-recipient cap', () => {
  it('refuses policy durations under the operator floor, naming each field', async () => {
    const definition = project({ policy: { remindEvery: '1 second', escalateAfter: '30 seconds' } });
    const error = await refused(() => startProject(harness.client, harness.taskQueue, definition, { minPolicyInterval: '1 hour' }));
    expect(error.kind).toBe('invalid');
    expect(error.message).toContain('policy.remindEvery: "1 second" is shorter than this server\'s floor of 1 hour');
    expect(error.message).toContain('policy.escalateAfter: "30 seconds"');
    expect(error.message).not.toContain('rereviewEvery');
    await expect(projectHandle(harness.client, definition.id).describe()).rejects.toThrow(/not found/i);
  });

  it('holds back emails past the cap per recipient per hour and records each hold in history', async () => {
    // No floor at this level (the test lowers it): reminders every second, the relay the cap stops.
    const definition = project({ id: uniqueId('relay'), policy: { remindEvery: '1 second', escalateAfter: '10 days' } });
    const handle = await startAndReach(harness.client, harness.taskQueue, definition);
    await fillCard(handle);
    const review = await submit(handle);

    const history = await eventually(async () => {
      const entries = await handle.query(historyQuery);
      expect(entries.filter((entry) => entry.outcome === 'held').length).toBeGreaterThanOrEqual(2);
      return entries;
    });
    const held = history.find((entry) => entry.outcome === 'held')!;
    expect(held.what).toBe('notifyReminder');
    expect(held.why).toMatch(/held back from .*@lab\.example: past the cap of emails per recipient per hour/);

    const perRecipient = new Map<string, number>();
    for (const sent of harness.sent.filter((n) => n.projectId === definition.id)) {
      for (const person of sent.to) perRecipient.set(person.email, (perRecipient.get(person.email) ?? 0) + 1);
    }
    expect(perRecipient.size).toBeGreaterThan(0);
    for (const count of perRecipient.values()) expect(count).toBeLessThanOrEqual(CAP);
    // The review itself goes on: the panel's verdicts still count.
    expect((await handle.query(statusQuery)).openReview?.id).toBe(review.id);
  });
});

describe('ethics answers', () => {
  it('are only for checklist ids, each bounded: anything else is refused and changes nothing', async () => {
    const definition = project();
    const handle = await startAndReach(harness.client, harness.taskQueue, definition);
    await fillCard(handle);
    const before = await handle.query(historyQuery);

    const junk = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`junk-${i}`, 'x'.repeat(100)]));
    const unknown = await refused(() => handle.executeUpdate(submitUpdate, { args: [{ by: LEAD.email, ethics: { ...ETHICS, ...junk } }] }));
    expect(unknown.message).toContain("ethics: junk-0, junk-1, junk-2, junk-3, junk-4 and 3 more are not on the project's ethics checklist");

    const long = await refused(() => handle.executeUpdate(submitUpdate, { args: [{ by: LEAD.email, ethics: { ...ETHICS, harm: 'x'.repeat(5_000) } }] }));
    expect(long.kind).toBe('invalid');
    expect(long.message).toContain('ethics.harm');

    expect(await handle.query(historyQuery)).toEqual(before);
    expect((await handle.query(statusQuery)).state).toBe('working');
  });
});
