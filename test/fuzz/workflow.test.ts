/**
 * Fuzzing the workflows on the real dev server. One long-lived component with a review open takes
 * a few hundred adversarial payloads on every update and on the `review` and `reReviewDue`
 * signals; after each batch it must look exactly as before (status and card), every update must
 * have been refused with an InvalidInput or Refused ApplicationFailure carrying one clear line,
 * every signal must be in the audit trail as refused with a clear reason, no workflow task may have
 * failed in any run, and the workflow must still be running. The project workflow takes the same
 * treatment on its updates. Then the counterexamples fuzzing found, each on a workflow of its own
 * so that a failing workflow task cannot disturb the others.
 */
import type { WorkflowHandle } from '@temporalio/client';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProjectDefinition } from '../../machines/model.js';
import { InputError } from '../../machines/validation.js';
import { componentHandle, projectHandle, startProject } from '../../src/runtime/client.js';
import {
  WORKFLOW_TYPES,
  AddComponent,
  FailureType,
  componentWorkflowId,
  historyQuery,
  projectStatusQuery,
  projectWorkflowId,
  statusQuery,
  type ComponentWorkflowInput,
} from '../../workflows/definitions.js';
import { ETHICS, LEAD, OWNER, project } from '../support/fixtures.js';
import { eventually, startHarness, type Harness } from '../support/harness.js';
import { fillCard, startAndReach, submit } from '../workflow/steps.js';
import { adversarialString, mutationsOf, show } from './arbitraries.js';
import { MAX_ERROR_LENGTH, unclearError } from './checks.js';
import { Findings } from './findings.js';
import { COMPONENT_UPDATES, PROJECT_UPDATES, SIGNALS, topLevelKeys, type PayloadSpec } from './payloads.js';
import { componentLooks, handledAll, inBatches, outcomeOf, workflowTaskFailures } from './server.js';
import { Tally } from './tally.js';

const SEED = Number(process.env['FUZZ_SEED'] ?? Date.now() % 2 ** 31);
const PER_UPDATE = 200;
const PER_SIGNAL = 150;
/** Large enough to be absurd, small enough that no payload passes Temporal's 2 MB blob limit. */
const MAX_HUGE = 100_001;
/** The longest `who` an audit entry should hold: an email address is at most 254 characters. */
const MAX_WHO = 254;

const tally = new Tally(`fuzz: workflow messages on the dev server (seed ${SEED})`);
let harness: Harness;
let definition: ReturnType<typeof project>;
let component: WorkflowHandle;
let looks: string;

beforeAll(async () => {
  harness = await startHarness();
  definition = project();
  component = await startAndReach(harness.client, harness.taskQueue, definition);
  await fillCard(component);
  await submit(component); // review r1 of Level 0 is open
  looks = await componentLooks(component);
});
afterAll(async () => {
  tally.print();
  await harness?.stop();
});

const sample = (arbitrary: fc.Arbitrary<unknown>, numRuns: number, salt: number) => fc.sample(arbitrary, { numRuns, seed: SEED + salt });

/** Check one update's outcome: refused, with the right failure type and one clear line. */
function judgeUpdate(findings: Findings, spec: PayloadSpec, input: unknown, outcome: Awaited<ReturnType<typeof outcomeOf>>): void {
  if (outcome.kind === 'accepted') {
    tally.add(spec.what, 'accepted');
    findings.add(spec.what, 'accepted (and may have changed the component)', input);
    return;
  }
  if (outcome.kind === 'other') {
    tally.add(spec.what, 'failed otherwise');
    findings.add(spec.what, `failed with ${outcome.name}, not an ApplicationFailure`, input, outcome.message);
    return;
  }
  tally.add(spec.what, outcome.type);
  const invalid: string = FailureType.InvalidInput;
  const refusals = [invalid, FailureType.Refused as string];
  if (!refusals.includes(outcome.type)) {
    findings.add(spec.what, `rejected with failure type ${outcome.type}`, input, outcome.message);
    return;
  }
  const problems = unclearError(outcome.message, outcome.type === invalid ? { what: spec.what, fields: topLevelKeys(spec) } : {});
  for (const problem of problems) findings.add(spec.what, `${outcome.type} message ${problem}`, input, outcome.message);
}

async function assertHealthy(findings: Findings, workflowId: string): Promise<void> {
  const failures = await workflowTaskFailures(harness.client, workflowId);
  for (const failure of failures) findings.add(workflowId, 'a workflow task failed', failure.message);
  const described = await harness.client.workflow.getHandle(workflowId).describe();
  if (described.status.name !== 'RUNNING') findings.add(workflowId, `is ${described.status.name}, not RUNNING`, null);
}

describe('one long-lived component under adversarial messages', () => {
  it(`every update: ${PER_UPDATE} adversarial payloads each, all refused before history, nothing changes`, async () => {
    const findings = new Findings();
    for (const [index, spec] of COMPONENT_UPDATES.entries()) {
      const inputs = sample(mutationsOf(spec.valid, { deepKeys: spec.deepKeys, maxHuge: MAX_HUGE }), PER_UPDATE, index);
      await inBatches(inputs, 6, async (input) => judgeUpdate(findings, spec, input, await outcomeOf(() => component.executeUpdate(spec.what, { args: [input] }))));
      if ((await componentLooks(component)) !== looks) findings.add(spec.what, 'changed the status or the card', inputs);
      await assertHealthy(findings, component.workflowId);
      // Stop at the first batch that changed the component: what follows would be judged against the wrong state.
      if ((await componentLooks(component)) !== looks) break;
    }
    expect(findings.list()).toEqual([]);
  }, 300_000);

  it(`signals review and reReviewDue: ${PER_SIGNAL} each, every one recorded as refused with a clear reason, nothing changes`, async () => {
    const findings = new Findings();
    for (const [index, spec] of SIGNALS.entries()) {
      // Signals always land in history; keep their strings small enough that this component survives the batch.
      const inputs = sample(mutationsOf(spec.valid, { deepKeys: spec.deepKeys, maxHuge: 5_001 }), PER_SIGNAL, 100 + index);
      const before = (await component.query(historyQuery)).filter((entry) => entry.what === spec.what).length;
      // One at a time, so the audit entries come back in the order of the inputs.
      for (const input of inputs) await component.signal(spec.what, input);
      const entries = await eventually(async () => {
        const all = (await component.query(historyQuery)).filter((entry) => entry.what === spec.what);
        expect(all.length).toBe(before + inputs.length);
        return all.slice(before);
      });
      // Signals are handled in the order they were sent; the entries line up with the inputs.
      const sent = [...inputs];
      for (const entry of entries) {
        const input = sent.shift();
        tally.add(spec.what, entry.outcome);
        if (entry.outcome !== 'refused') findings.add(spec.what, `recorded as ${entry.outcome}, not refused`, input, entry.why);
        for (const problem of unclearError(entry.why ?? '')) findings.add(spec.what, `audit reason ${problem}`, input, entry.why);
        if (!entry.why) findings.add(spec.what, 'recorded without a reason', input);
        if (entry.who.length > MAX_WHO) findings.add(spec.what, `audit entry names a "who" of ${entry.who.length} characters`, input);
      }
      if ((await componentLooks(component)) !== looks) findings.add(spec.what, 'changed the status or the card', inputs);
      await assertHealthy(findings, component.workflowId);
    }
    expect(findings.list()).toEqual([]);
  }, 300_000);
});

describe('the project workflow under adversarial updates', () => {
  it(`addComponent and updateRoster: ${PER_UPDATE} each; refused unless valid, and only valid components are added`, async () => {
    const findings = new Findings();
    const project = projectHandle(harness.client, definition.id);
    const before = await project.query(projectStatusQuery);
    const taken = new Set(before.components.map((c) => c.componentId));
    const added: string[] = [];
    for (const [index, base] of PROJECT_UPDATES.entries()) {
      // The valid example is refused in this project: its id is taken, or `by` is no owner.
      const spec = base.what === 'addComponent' ? { ...base, valid: { ...base.valid, id: 'anomaly-model' } } : base;
      const inputs = sample(mutationsOf(spec.valid, { deepKeys: spec.deepKeys, maxHuge: MAX_HUGE }), PER_UPDATE, 200 + index);
      // Sequential: two inputs adding the same new id would race.
      for (const input of inputs) {
        const outcome = await outcomeOf(() => project.executeUpdate(spec.what, { args: [input] }));
        const valid = spec.what === 'addComponent' ? AddComponent.safeParse(JSON.parse(JSON.stringify(input ?? null))) : undefined;
        if (outcome.kind === 'accepted' && valid?.success && !taken.has(valid.data.id)) {
          tally.add(spec.what, 'accepted (valid)');
          taken.add(valid.data.id);
          added.push(valid.data.id);
          continue;
        }
        judgeUpdate(findings, spec, input, outcome);
      }
    }
    const after = await project.query(projectStatusQuery);
    expect(after.components.map((c) => c.componentId).sort()).toEqual([...before.components.map((c) => c.componentId), ...added].sort());
    await assertHealthy(findings, projectWorkflowId(definition.id));
    expect(findings.list()).toEqual([]);
  }, 300_000);
});

describe('valid but adversarial content from the people allowed to send it', () => {
  const text = fc.oneof(adversarialString({ maxHuge: 20_000 }), fc.string({ unit: 'binary', minLength: 1, maxLength: 200 })).filter((s) => s.trim().length > 0 && s.length <= 20_000);
  const requirement = fc.record(
    {
      id: fc.stringMatching(/^[RP]\d{1,4}(\.\d{1,3}){0,2}$/),
      statement: text,
      pFailure: fc.double({ min: 0, max: 1, noNaN: true }),
      value: fc.integer({ min: 1, max: 10 }),
      status: fc.constantFrom('open', 'verified', 'validated', 'waived'),
      mitigation: text,
      category: fc.constantFrom('functional', 'performance', 'security', 'privacy', 'fairness', 'data', 'other'),
    },
    { requiredKeys: ['id'] },
  );
  const patch = fc.record(
    {
      hypotheses: text,
      caveats: fc.dictionary(fc.string({ unit: 'binary', minLength: 1, maxLength: 80 }), text, { maxKeys: 4 }),
      techName: text,
      links: fc.dictionary(fc.string({ minLength: 1, maxLength: 40 }), fc.webUrl(), { maxKeys: 3 }),
      versions: fc.record({ code: fc.constantFrom('0.0.0', '1.0.0-alpha.1+exp.sha.5114f85', '99999999.0.0') }),
      requirements: fc.array(requirement, { maxLength: 5 }),
    },
    { requiredKeys: [] },
  ).filter((p) => Object.keys(p).length > 0);

  const UPDATE_CARD = COMPONENT_UPDATES.find((spec) => spec.what === 'updateCard')!;

  it('card patches full of unicode, prototype keys and maximal texts are accepted or refused, and every query still answers', async () => {
    const findings = new Findings();
    const other = await startAndReach(harness.client, harness.taskQueue, project());
    const patches = sample(patch, 60, 300);
    for (const p of patches) {
      const outcome = await outcomeOf(() => other.executeUpdate('updateCard', { args: [{ by: OWNER.email, patch: p }] }));
      if (outcome.kind === 'accepted') tally.add('updateCard (owner)', 'accepted');
      else judgeUpdate(findings, UPDATE_CARD, p, outcome);
    }
    await componentLooks(other);
    await other.query(historyQuery);
    await assertHealthy(findings, other.workflowId);
    expect(findings.list()).toEqual([]);
  });
});

describe('messages found to fail workflow tasks', () => {
  /** Wait until the workflow has handled what it was sent, then list its failed workflow tasks. */
  async function failuresAfter(workflowId: string): Promise<string[]> {
    await handledAll(harness.client, workflowId);
    return (await workflowTaskFailures(harness.client, workflowId)).map((f) => f.message);
  }
  const terminate = (workflowId: string) => harness.client.workflow.getHandle(workflowId).terminate('fuzz regression test done').catch(() => undefined);

  it('a rosterChanged signal without a roster is refused, not a TypeError in the signal handler', async () => {
    const target = await startAndReach(harness.client, harness.taskQueue, project());
    try {
      await target.signal('rosterChanged', null);
      expect(await failuresAfter(target.workflowId)).toEqual([]);
    } finally {
      await terminate(target.workflowId);
    }
  });

  it('a rosterChanged signal with a roster that is not one changes nothing', async () => {
    const target = await startAndReach(harness.client, harness.taskQueue, project());
    try {
      const before = await componentLooks(target);
      await target.signal('rosterChanged', { roster: { 'research-lead': 'not a list' } });
      expect(await failuresAfter(target.workflowId)).toEqual([]);
      expect(await componentLooks(target)).toBe(before);
    } finally {
      await terminate(target.workflowId);
    }
  });

  it('a componentChanged signal to a project is validated: junk neither fails a task nor fakes a system level', async () => {
    const spoofed = project();
    await startAndReach(harness.client, harness.taskQueue, spoofed);
    const target = projectHandle(harness.client, spoofed.id);
    try {
      await target.signal('componentChanged', { component: { id: 'ghost', name: 'Ghost', kind: 'model', entryLevel: 0 }, level: -7, state: 'working', phase: 'research' });
      await target.signal('componentChanged', null);
      expect(await failuresAfter(target.workflowId)).toEqual([]);
      const status = await target.query(projectStatusQuery);
      expect(status.components.map((c) => c.componentId)).toEqual(['anomaly-model']);
      expect(status.systemLevel).toBe(0);
    } finally {
      await terminate(target.workflowId);
      await terminate(componentWorkflowId(spoofed.id, 'anomaly-model'));
    }
  });

  it('a policy duration the schema accepts never makes a submit fail its workflow task ("300000 years")', async () => {
    const definition = project({ policy: { remindEvery: '300000 years' } });
    let target: WorkflowHandle | undefined;
    try {
      // Refusing the duration up front, with a line naming it, is a fine answer too.
      const refusal = await startProject(harness.client, harness.taskQueue, definition).then(
        () => undefined,
        (error: Error) => error,
      );
      if (refusal) {
        expect(refusal).toBeInstanceOf(InputError);
        expect(refusal.message).toMatch(/remindEvery/);
        return;
      }
      target = componentHandle(harness.client, definition.id, 'anomaly-model');
      await eventually(() => target!.query(statusQuery));
      await fillCard(target);
      // Accepted or refused, the update must be answered; a failing task leaves it waiting. Wait
      // for one or the other.
      let answer: Awaited<ReturnType<typeof outcomeOf>> | undefined;
      const pending = outcomeOf(() => target!.executeUpdate('submit', { args: [{ by: LEAD.email, ethics: ETHICS }] })).then((outcome) => (answer = outcome));
      const failures = await eventually(async () => {
        const found = (await workflowTaskFailures(harness.client, target!.workflowId)).map((f) => f.message);
        if (answer === undefined && found.length === 0) throw new Error('the submit is neither answered nor has a workflow task failed');
        return found;
      });
      expect(failures).toEqual([]);
      expect(await pending).toBeDefined();
    } finally {
      if (target) await terminate(target.workflowId);
      await terminate(projectWorkflowId(definition.id));
    }
  });

  it('refused review signals with megabyte strings do not bloat the audit trail until the component cannot continue as new', async () => {
    const parsed = ProjectDefinition.parse(project());
    const input: ComponentWorkflowInput = {
      projectId: parsed.id,
      component: parsed.components[0],
      projectOwners: parsed.owners,
      roster: parsed.roster,
      policy: parsed.policy,
      historyLimit: 30,
    };
    const target = await harness.client.workflow.start(WORKFLOW_TYPES.component, { workflowId: componentWorkflowId(parsed.id, 'anomaly-model'), taskQueue: harness.taskQueue, args: [input] });
    try {
      // Each signal is under Temporal's 2 MB limit; the audit keeps both `reviewer` strings as `who`.
      await target.signal('review', { reviewer: 'x'.repeat(1_200_000) });
      await target.signal('review', { reviewer: 'y'.repeat(1_200_000) });
      for (let i = 0; i < 15; i++) await target.signal('reReviewDue', {});
      expect(await failuresAfter(target.workflowId)).toEqual([]);
      const history = await target.query(historyQuery);
      expect(Math.max(...history.map((entry) => entry.who.length))).toBeLessThanOrEqual(MAX_WHO);
      expect(Math.max(...history.map((entry) => (entry.why ?? '').length))).toBeLessThanOrEqual(MAX_ERROR_LENGTH);
    } finally {
      await terminate(target.workflowId);
    }
  });

  it('card patches the schema accepts cannot grow the card past what a query returns and a new run carries', async () => {
    const parsed = ProjectDefinition.parse(project());
    const input: ComponentWorkflowInput = {
      projectId: parsed.id,
      component: parsed.components[0],
      projectOwners: parsed.owners,
      roster: parsed.roster,
      policy: parsed.policy,
      historyLimit: 30,
    };
    const target = await harness.client.workflow.start(WORKFLOW_TYPES.component, { workflowId: componentWorkflowId(parsed.id, 'anomaly-model'), taskQueue: harness.taskQueue, args: [input] });
    try {
      // A deliverable may be a record of named texts, with no bound on how many: 60 × 15,000 characters each.
      const large = (fill: string) => Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`part${i}`, fill.repeat(15_000)]));
      for (const [key, fill] of [['hypotheses', 'x'], ['literature', 'y'], ['caveats', 'z']]) {
        const outcome = await outcomeOf(() => target.executeUpdate('updateCard', { args: [{ by: OWNER.email, patch: { [key]: large(fill) } }] }));
        if (outcome.kind !== 'accepted') expect(outcome).toMatchObject({ kind: 'rejected' });
      }
      for (let i = 0; i < 15; i++) await target.signal('reReviewDue', {});
      expect(await failuresAfter(target.workflowId)).toEqual([]);
      await componentLooks(target);
    } finally {
      await terminate(target.workflowId);
    }
  });

  it('a review id with a line break is refused (as invalid or by the rules) with a one-line reason', async () => {
    const outcome = await outcomeOf(() => component.executeUpdate('decide', { args: [{ reviewId: 'r\n1', reviewer: 'qa-1@lab.example', verdict: 'approve' }] }));
    expect(outcome.kind).toBe('rejected');
    const message = outcome.kind === 'rejected' ? outcome.message : '';
    expect([FailureType.InvalidInput, FailureType.Refused]).toContain(outcome.kind === 'rejected' ? outcome.type : '');
    expect(unclearError(message), show(message)).toEqual([]);
  });
});
