/**
 * SPEC §5: a payload the engine cannot decode is refused like any other bad input and never fails
 * a workflow task. Messages go in as an outside client sends them: through the `temporal` CLI as a
 * subprocess, with another encoding in the payload's metadata (`--input-meta encoding=…`), and,
 * for what the CLI itself will not send (bytes that are not JSON under json/plain, a payload with
 * no encoding key at all), through the SDK client with a raw payload. Each signal must be in the
 * component's history as refused naming the encoding, each update refused with that reason, each
 * query still answered, the workflows' state unchanged, and no workflow task failed.
 */
import { execFile } from 'node:child_process';
import type { WorkflowHandle } from '@temporalio/client';
import { encodingTypes, METADATA_ENCODING_KEY, RawValue, type Payload } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { componentHandle, projectHandle } from '../../src/runtime/client.js';
import { temporalCliPath } from '../../src/local/temporalServer.js';
import { historyQuery, projectStatusQuery, statusQuery, type AuditEntry } from '../../workflows/definitions.js';
import { componentLooks, workflowTaskFailures } from '../fuzz/server.js';
import { temporalAddress } from '../helpers/temporal.js';
import { ETHICS, LEAD, OWNER, project, reviewer } from '../support/fixtures.js';
import { eventually, PATIENCE_MS, startHarness, type Harness } from '../support/harness.js';
import { fillCard, startAndReach } from './steps.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The Temporal CLI against the test server, as an outside client runs it. */
function temporal(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(temporalCliPath(), [...args, '--address', temporalAddress(), '--namespace', 'default'], { timeout: PATIENCE_MS }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

/** One way to send a payload mltrl cannot read, and what its refusal must say. */
interface BadEncoding {
  label: string;
  /** CLI flags that set the payload's metadata (and how its input is given). */
  flags: string[];
  /** The input as the CLI takes it, given the JSON a valid message would carry. */
  input: (json: string) => string;
  /** What every refusal of this payload says, after `<message>: `. */
  says: string;
}

const GARBAGE = Buffer.from([0xff, 0x00, 0x9c, 0x7b, 0x22, 0x0a, 0xfe, 0x80]).toString('base64');

const VIA_CLI: BadEncoding[] = [
  { label: 'text/plain', flags: ['--input-meta', 'encoding=text/plain'], input: (json) => json, says: `the payload's encoding "text/plain" is not one mltrl reads: send JSON (json/plain)` },
  // What Go, Java and Python clients send for protobuf arguments.
  { label: 'json/protobuf', flags: ['--input-meta', 'encoding=json/protobuf'], input: (json) => json, says: `the payload's encoding "json/protobuf" is not one mltrl reads: send JSON (json/plain)` },
  { label: 'binary/plain garbage', flags: ['--input-meta', 'encoding=binary/plain', '--input-base64'], input: () => GARBAGE, says: `the payload's encoding "binary/plain" is not one mltrl reads: send JSON (json/plain)` },
  { label: 'an empty encoding', flags: ['--input-meta', 'encoding='], input: (json) => json, says: `the payload has no encoding in its metadata: send JSON (json/plain)` },
  { label: 'binary/null with data', flags: ['--input-meta', 'encoding=binary/null'], input: (json) => json, says: `the payload's encoding "binary/null" means no value, yet it carries data: send JSON (json/plain)` },
];

const bytes = (text: string) => new TextEncoder().encode(text);

/** Payloads the CLI refuses to send (it checks JSON itself), sent raw through the SDK client. */
const VIA_SDK: { label: string; payload: Payload; says: string }[] = [
  {
    label: 'invalid JSON under json/plain',
    payload: { metadata: { [METADATA_ENCODING_KEY]: bytes(encodingTypes.METADATA_ENCODING_JSON) }, data: bytes('{"reviewId": "r1", not json') },
    says: `the payload's bytes are not valid JSON under encoding "json/plain": send JSON (json/plain)`,
  },
  {
    label: 'no encoding key at all',
    payload: { metadata: {}, data: bytes('{}') },
    says: `the payload has no encoding in its metadata: send JSON (json/plain)`,
  },
];

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness?.stop();
});

async function refusalsOf(handle: WorkflowHandle, what: string): Promise<AuditEntry[]> {
  return (await handle.query(historyQuery)).filter((entry) => entry.what === what && entry.outcome === 'refused');
}

describe('payloads mltrl cannot decode are refused, never a failed workflow task', () => {
  it('component: signals record the refusal naming the encoding, updates are refused with it, queries answer, nothing changes', async () => {
    const definition = project();
    const component = await startAndReach(harness.client, harness.taskQueue, definition);
    await fillCard(component); // ready to submit: a submit in JSON would be accepted
    const looks = await componentLooks(component);
    const workflowId = component.workflowId;

    const messages = {
      review: JSON.stringify({ reviewId: 'r1', reviewer: reviewer('research-lead').email, verdict: 'approve' }),
      reReviewDue: JSON.stringify({ scheduledAt: '2030-01-01T00:00:00.000Z' }),
      rosterChanged: JSON.stringify({ roster: { 'research-lead': [reviewer('research-lead', 2)] } }),
    };
    const who = { review: 'unknown', reReviewDue: 'system', rosterChanged: 'project' };
    const submit = JSON.stringify({ by: LEAD.email, ethics: ETHICS });

    for (const bad of VIA_CLI) {
      for (const [name, json] of Object.entries(messages)) {
        const sent = await temporal(['workflow', 'signal', '--workflow-id', workflowId, '--name', name, ...bad.flags, '--input', bad.input(json)]);
        expect(sent.code, `${name} with ${bad.label}: ${sent.stderr}`).toBe(0);
        expect(sent.stdout).toContain('Signal workflow succeeded');
      }
      const update = await temporal(['workflow', 'update', 'execute', '--workflow-id', workflowId, '--name', 'submit', ...bad.flags, '--input', bad.input(submit)]);
      expect(update.code, `submit with ${bad.label}`).not.toBe(0);
      expect(update.stderr + update.stdout).toContain(`submit: ${bad.says}`);

      const query = await temporal(['workflow', 'query', '--workflow-id', workflowId, '--name', 'status', ...bad.flags, '--input', bad.input('{}'), '--output', 'json']);
      expect(query.code, `${query.stderr} (status query with ${bad.label})`).toBe(0);
      expect(query.stdout).toContain('"componentId": "anomaly-model"');
    }
    for (const bad of VIA_SDK) {
      for (const name of Object.keys(messages)) await component.signal(name, RawValue.fromPayload(bad.payload));
      await expect(component.executeUpdate('submit', { args: [RawValue.fromPayload(bad.payload)] })).rejects.toMatchObject({
        cause: { message: `submit: ${bad.says}`, type: 'InvalidInput' },
      });
      expect(await component.query('status', RawValue.fromPayload(bad.payload))).toMatchObject({ componentId: 'anomaly-model', level: 0 });
    }

    // Every signal is in the history, in the order sent, refused with the reason naming its encoding.
    const expected = [...VIA_CLI, ...VIA_SDK].map((bad) => bad.says);
    for (const [name, by] of Object.entries(who)) {
      const refusals = await eventually(async () => {
        const found = await refusalsOf(component, name);
        expect(found).toHaveLength(expected.length);
        return found;
      });
      expect(refusals.map((entry) => [entry.who, entry.why])).toEqual(expected.map((says) => [by, `${name}: ${says}`]));
    }
    // No update entered history; nothing changed; no task failed.
    expect((await component.query(historyQuery)).filter((entry) => entry.what === 'submit')).toEqual([]);
    expect(await componentLooks(component)).toBe(looks);
    expect(await workflowTaskFailures(harness.client, workflowId)).toEqual([]);

    // The same submit in JSON through the same CLI is accepted: the encoding alone was refused.
    const accepted = await temporal(['workflow', 'update', 'execute', '--workflow-id', workflowId, '--name', 'submit', '--input', submit]);
    expect(accepted.code, accepted.stderr).toBe(0);
    expect((await component.query(statusQuery)).state).toBe('in-review');
    expect(await workflowTaskFailures(harness.client, workflowId)).toEqual([]);
  });

  it('a reReviewDue in JSON of the wrong shape is refused naming the field, not taken as "due now"', async () => {
    const definition = project();
    const component = await startAndReach(harness.client, harness.taskQueue, definition);
    const sent = await temporal(['workflow', 'signal', '--workflow-id', component.workflowId, '--name', 'reReviewDue', '--input', '{"scheduledAt": 5}']);
    expect(sent.code, sent.stderr).toBe(0);
    const [refusal] = await eventually(async () => {
      const found = await refusalsOf(component, 'reReviewDue');
      expect(found).toHaveLength(1);
      return found;
    });
    expect(refusal.who).toBe('system');
    expect(refusal.why).toMatch(/^reReviewDue: scheduledAt: /);
    expect(await workflowTaskFailures(harness.client, component.workflowId)).toEqual([]);
  });

  it('project: componentChanged is ignored, updates are refused with the reason, queries answer, nothing changes', async () => {
    const definition = project();
    await startAndReach(harness.client, harness.taskQueue, definition);
    const projectWorkflow = projectHandle(harness.client, definition.id);
    // The component's first report (with when it reached its level) lands after it starts: wait for it,
    // so the status compared below is the settled one.
    const before = await eventually(async () => {
      const status = await projectWorkflow.query(projectStatusQuery);
      expect(status.components).toMatchObject([{ componentId: 'anomaly-model', state: 'working', levelSince: expect.any(Number) as number }]);
      return status;
    });
    const workflowId = projectWorkflow.workflowId;

    const report = (state: string) =>
      JSON.stringify({
        component: { id: 'anomaly-model', name: 'Anomaly detector', kind: 'model', entryLevel: 0, owner: OWNER },
        level: 0,
        state,
        phase: before.components[0].phase,
      });
    const addComponent = JSON.stringify({ id: 'second-model', name: 'Second', kind: 'model', entryLevel: 0, owner: OWNER });

    for (const bad of VIA_CLI) {
      const sent = await temporal(['workflow', 'signal', '--workflow-id', workflowId, '--name', 'componentChanged', ...bad.flags, '--input', bad.input(report('paused'))]);
      expect(sent.code, `componentChanged with ${bad.label}: ${sent.stderr}`).toBe(0);
      const update = await temporal(['workflow', 'update', 'execute', '--workflow-id', workflowId, '--name', 'addComponent', ...bad.flags, '--input', bad.input(addComponent)]);
      expect(update.code, `addComponent with ${bad.label}`).not.toBe(0);
      expect(update.stderr + update.stdout).toContain(`addComponent: ${bad.says}`);
      const query = await temporal(['workflow', 'query', '--workflow-id', workflowId, '--name', 'status', ...bad.flags, '--input', bad.input('{}'), '--output', 'json']);
      expect(query.code, `${query.stderr} (status query with ${bad.label})`).toBe(0);
      expect(query.stdout).toContain(`"projectId": "${definition.id}"`);
    }
    for (const bad of VIA_SDK) {
      await projectWorkflow.signal('componentChanged', RawValue.fromPayload(bad.payload));
      await expect(projectWorkflow.executeUpdate('addComponent', { args: [RawValue.fromPayload(bad.payload)] })).rejects.toMatchObject({
        cause: { message: `addComponent: ${bad.says}`, type: 'InvalidInput' },
      });
    }

    // Signals are handled in order: once a good report that follows them shows, every bad one has
    // been handled, and changed nothing.
    expect(await projectWorkflow.query(projectStatusQuery)).toEqual(before);
    const good = await temporal(['workflow', 'signal', '--workflow-id', workflowId, '--name', 'componentChanged', '--input', report('paused')]);
    expect(good.code, good.stderr).toBe(0);
    await eventually(async () => expect((await projectWorkflow.query(projectStatusQuery)).components).toMatchObject([{ componentId: 'anomaly-model', state: 'paused' }]));
    expect((await projectWorkflow.query(projectStatusQuery)).components).toHaveLength(1);
    expect(await workflowTaskFailures(harness.client, workflowId)).toEqual([]);
    expect(await workflowTaskFailures(harness.client, componentHandle(harness.client, definition.id, 'anomaly-model').workflowId)).toEqual([]);
  });
});
