/**
 * The `mltrl` command as a user runs it: a real subprocess (`node bin/mltrl.js …`) against the test
 * server, with a worker on its own task queue. Every change goes through the CLI; the JSON status
 * it prints is what the assertions read.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry, CardView, ComponentStatus } from '../../workflows/definitions.js';
import { runCli, type CliRun } from '../support/cli.js';
import { ETHICS, FULL_CARD, LEAD, OWNER, project, reviewer } from '../support/fixtures.js';
import { eventually, startHarness, type Harness } from '../support/harness.js';

let harness: Harness;
let dir: string;

function mltrl(...args: string[]): Promise<CliRun> {
  return runCli(args, { taskQueue: harness.taskQueue, cwd: dir });
}

/** Run a command that must succeed; returns its stdout. */
async function ok(...args: string[]): Promise<string> {
  const run = await mltrl(...args);
  expect({ args, code: run.code, stderr: run.stderr }).toEqual({ args, code: 0, stderr: '' });
  return run.stdout;
}

const statusOf = async (ref: string) => JSON.parse(await ok('status', ref, '--json')) as ComponentStatus;

/** A command that must be refused as bad input: exit 2, one stderr line naming `field`, no stdout. */
async function expectBadInput(args: string[], field: string | RegExp): Promise<string> {
  const run = await mltrl(...args);
  const lines = run.stderr.trimEnd().split('\n');
  expect({ args, code: run.code, stdout: run.stdout, lines: lines.length }).toEqual({ args, code: 2, stdout: '', lines: 1 });
  expect(lines[0]).toMatch(/^error: /);
  expect(lines[0]).toMatch(field);
  return lines[0];
}

function writeJson(name: string, value: unknown): string {
  writeFileSync(join(dir, name), JSON.stringify(value, null, 2));
  return name;
}

beforeAll(async () => {
  harness = await startHarness();
  dir = mkdtempSync(join(tmpdir(), 'mltrl-cli-'));
});
afterAll(async () => {
  await harness?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('mltrl CLI against a running worker', () => {
  const definition = project();
  const ref = `${definition.id}/anomaly-model`;

  it('starts a project from a file and refuses bad input with one line, exit 2, changing nothing', async () => {
    const started = await ok('project', 'start', writeJson('project.json', definition));
    expect(started).toContain(`project/${definition.id}`);
    expect(started).toMatch(new RegExp(`${ref}\\s+0\\s+First principles`));
    expect(started).not.toContain('still starting');

    writeJson('ethics.json', ETHICS);
    const refusals = await Promise.all([
      expectBadInput(['project', 'start', writeJson('unknown-key.json', { ...project(), colour: 'blue' })], /project: .*"colour"/),
      expectBadInput(['card', 'update', ref, '--by', 'not-an-email', '--set', 'hypotheses=x'], /--by: "not-an-email" must be an email address/),
      expectBadInput(['switchback', ref, '--by', LEAD.email, '--to', '12', '--reason', 'x'], /--to: "12" must be a whole number from 0 to 9/),
      expectBadInput(['card', 'update', ref, '--by', OWNER.email, '--patch', '{"versions":{"code":"one"}}'], /card update: patch\.versions\.code: must be a semantic version/),
      expectBadInput(['submit', ref, '--by', LEAD.email, '--ethics', '@ethics.json'], /submit: missing deliverables: hypotheses, literature, dataReadiness/),
      expectBadInput(['status', 'Not/A-Ref'], /ref: "Not\/A-Ref" must be <projectId>\/<componentId>/),
    ]);
    expect(refusals[4]).toBe('error: submit: missing deliverables: hypotheses, literature, dataReadiness');

    const missing = await mltrl('status', `${definition.id}/no-such-component`);
    expect(missing).toMatchObject({ code: 1, stdout: '' });
    expect(missing.stderr).toBe(`error: status: component ${definition.id}/no-such-component not found\n`);

    const status = await statusOf(ref);
    expect(status).toMatchObject({ level: 0, state: 'working', cardRevision: 0, openReview: null, switchbacks: 0, profile: 'default' });
    expect(await ok('status', ref)).toMatch(/policy profile\s+default/);
    const history = JSON.parse(await ok('history', ref, '--json')) as AuditEntry[];
    expect(history.map((entry) => entry.what)).not.toContain('submit');
    expect(history.map((entry) => entry.what)).not.toContain('updateCard');
  });

  it('takes a component through a review, a request-changes round, a switchback and a pause', async () => {
    expect(await ok('card', 'update', ref, '--by', OWNER.email, '--patch', `@${writeJson('card.json', FULL_CARD)}`)).toContain('card revision 1');

    // Level 0: one research lead's approval reaches quorum and raises the component to Level 1.
    expect(await ok('submit', ref, '--by', LEAD.email, '--ethics', '@ethics.json', '--note', 'first look')).toContain('review r1 opened for Level 0');
    const approved = await ok('review', ref, 'approve', '--review', 'r1', '--as', reviewer('research-lead').email, '--comment', 'sound');
    expect(approved).toContain('approve by research-lead-1@lab.example counted');
    expect(approved).toContain('review closed: approved');
    expect(await statusOf(ref)).toMatchObject({ level: 1, levelName: 'Goal-oriented research', state: 'working', openReview: null });

    // Level 1: answers one by one; an approval, its repeat, then a blocking request for changes.
    const answers = Object.entries(ETHICS).flatMap(([id, text]) => ['--answer', `${id}=${text}`]);
    expect(await ok('submit', ref, '--by', LEAD.email, ...answers)).toContain('review r2 opened for Level 1');
    const lead = ['review', ref, 'approve', '--review', 'r2', '--as', reviewer('research-lead').email];
    expect(await ok(...lead)).toContain('missing roles: researcher');
    expect(await ok(...lead)).toContain('repeated');
    const inReview = await statusOf(ref);
    expect(inReview.openReview).toMatchObject({ id: 'r2', missingRoles: ['researcher'], approvals: { 'research-lead': 1, researcher: 0 } });
    const changes = await ok('review', ref, 'request-changes', '--review', 'r2', '--as', reviewer('researcher').email, '--task', 'add a baseline', '--task', 'report variance');
    expect(changes).toContain('review closed: changes-requested');
    expect(await statusOf(ref)).toMatchObject({ level: 1, state: 'working', openReview: null });

    // The tasks are open work items (rules edition 2): status names them, and the next submit
    // resolves each with --done (what was done) or --carry (why it waits).
    expect(await ok('status', ref)).toContain('open tasks to resolve on submit (--done <id>=<note> or --carry <id>=<reason>): t1, t2');
    await Promise.all([
      expectBadInput(['submit', ref, '--by', LEAD.email, ...answers], /^error: submit: resolutions: resolve t1, t2 \(every open task of Level 1/),
      expectBadInput(['submit', ref, '--by', LEAD.email, ...answers, '--done', 'baseline'], /--done: "baseline" must be key=value/),
      expectBadInput(['submit', ref, '--by', LEAD.email, ...answers, '--done', 't1=x', '--carry', 't1=y'], /--done, --carry: t1 cannot be both done and carried forward/),
      expectBadInput(['submit', ref, '--by', LEAD.email, ...answers, '--done', 't1=x', '--carry', 't2=y', '--done', 't9=z'], /submit: resolutions: t9 is not a task on this card/),
    ]);
    expect(await ok('submit', ref, '--by', LEAD.email, ...answers, '--done', 't1=baseline added', '--carry', 't2=after the pilot')).toContain('review r3 opened for Level 1');
    expect((JSON.parse(await ok('card', 'show', ref, '--json')) as CardView).tasks.map((t) => [t.id, t.status, t.resolution?.note])).toEqual([
      ['t1', 'done', 'baseline added'],
      ['t2', 'carried', 'after the pilot'],
    ]);

    // A discovery switchback to Level 0, then pause and resume.
    expect(await ok('switchback', ref, '--by', LEAD.email, '--to', '0', '--reason', 'the hypothesis needs revisiting')).toContain('switched back to Level 0');
    expect(await ok('pause', ref, '--by', OWNER.email, '--reason', 'waiting for data')).toContain('paused');
    expect(await statusOf(ref)).toMatchObject({ level: 0, state: 'paused', switchbacks: 1 });
    expect(await ok('resume', ref, '--by', OWNER.email, '--reason', 'data arrived')).toContain(`${ref}: Level 0 First principles (research), working`);

    const history = await ok('history', ref);
    expect(history.split('\n')[0]).toMatch(/^TIME\s+WHO\s+WHAT\s+OUTCOME\s+LEVEL\s+WHY$/);
    expect(history.split('\n')[1]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\s/);
    for (const what of ['start', 'updateCard', 'submit', 'decide', 'switchback', 'pause', 'resume']) expect(history).toMatch(new RegExp(`\\s${what}\\s`));
    expect(history).toContain('discovery switchback to Level 0: the hypothesis needs revisiting');
    expect(history).toContain('repeated verdict on review r2');

    const card = await ok('card', 'show', ref);
    // The card in Markdown: requirements by risk (P1.1 risk 0.8), and the discovery switchback 1→0.
    expect(card).toMatch(/\| P1\.1 \|.*\| 0\.8 \| validated \|/);
    expect(card).toMatch(/## Switchbacks\n\n.*\n.*\n\| [\d-]+ [\d:]+ UTC \| 1 \| 0 \| discovery \| the hypothesis needs revisiting \| lead@lab\.example \|/);

    // The project hears of its component's changes asynchronously: poll until it has the last one.
    await eventually(async () => {
      const projectStatus = await ok('status', definition.id);
      expect(projectStatus).toContain('system level: Level 0 First principles');
      expect(projectStatus).toContain('policy profile: default');
      expect(projectStatus).toMatch(/anomaly-model\s+0\s+First principles\s+research\s+working/);
    });
  });
});
