/**
 * A portfolio read while the worker dies: the answer is complete, or it names every project it
 * could not read, in the read itself, in `mltrl metrics`, in `GET /api/projects` and on the metrics
 * page. Nothing is left out silently, and once a worker is back the next read is whole again.
 */
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createLinks } from '../../src/http/core/links.js';
import { createApp } from '../../src/http/server.js';
import { readPortfolio, type PortfolioRead } from '../../src/portfolio/read.js';
import { startProject } from '../../src/runtime/client.js';
import { temporalAddress } from '../helpers/temporal.js';
import { runCli } from '../support/cli.js';
import { OWNER, project } from '../support/fixtures.js';
import { eventually } from '../support/harness.js';
import { startWorkerProcess, useWorkerProcesses } from './processes.js';

const PROJECTS = 12;

const processes = useWorkerProcesses('partial-read');

/** Every project is either read whole or named as unread, once; nothing else is in the answer. */
function expectCompleteOrNamed(read: PortfolioRead, projectIds: readonly string[]): void {
  const readIds = read.projects.map((p) => p.projectId);
  const named = read.unreadable.map((u) => u.id);
  expect([...readIds, ...named].sort()).toEqual([...projectIds].sort());
  for (const unread of read.unreadable) expect(unread.why.length, `why ${unread.id} was not read`).toBeGreaterThan(0);
  expect(read.components.map((c) => c.projectId).every((id) => readIds.includes(id))).toBe(true);
  expect(read.components).toHaveLength(readIds.length * 2);
}

describe('a portfolio read while the worker is lost', () => {
  it('is complete or names what is missing, everywhere it is shown', { timeout: 600_000 }, async () => {
    const { client, dir, bundle, workers } = processes();
    const taskQueue = `partial-${randomUUID()}`;
    const env = { address: temporalAddress(), taskQueue, notifyLog: join(dir, 'notifications.jsonl'), bundle };
    const first = await startWorkerProcess(env);
    workers.push(first);

    const components = ['detector', 'pipeline'].map((id) => ({ id, name: `Component ${id}`, kind: 'model' as const, entryLevel: 0, owner: OWNER }));
    const definitions = Array.from({ length: PROJECTS }, () => project({ components }));
    for (const definition of definitions) await startProject(client, taskQueue, definition);
    const projectIds = definitions.map((d) => d.id).sort();
    // Every component has reported its figures to its project.
    await eventually(async () => {
      const read = await readPortfolio(client, { taskQueue });
      expect(read.unreadable).toEqual([]);
      expect(read.components).toHaveLength(PROJECTS * 2);
      expect(read.componentsAsked).toBe(0);
    });

    // The worker dies while the read is in flight.
    const reading = readPortfolio(client, { taskQueue });
    await first.kill('SIGKILL');
    expectCompleteOrNamed(await reading, projectIds);

    // With no worker at all, every project is named, and why.
    const lost = await readPortfolio(client, { taskQueue });
    expectCompleteOrNamed(lost, projectIds);
    expect(lost.unreadable.map((u) => u.id).sort()).toEqual(projectIds);

    // The CLI says so above its figures, naming each project.
    const cli = await runCli(['metrics'], { taskQueue });
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(new RegExp(`^NOT READ: ${PROJECTS} did not answer`, 'm'));
    for (const id of projectIds) expect(cli.stdout).toContain(id);
    expect(cli.stdout).toContain('0 projects, 0 components');

    // The API's list and the metrics page say so too.
    const links = createLinks({ secret: 'partial-read-secret-0123456789abcdef', publicUrl: 'http://127.0.0.1:9', ttlMs: 60_000 });
    const app = createApp({ client, taskQueue, links });
    const listed = await app.request('/api/projects?pageSize=50', { headers: { authorization: `Bearer ${await links.personToken(OWNER.email)}` } });
    expect(listed.status).toBe(200);
    const body = (await listed.json()) as { projects: unknown[]; total: number; unreadable: { id: string; why: string }[] };
    expect(body.total).toBe(PROJECTS);
    expect(body.projects).toEqual([]);
    expect(body.unreadable.map((u) => u.id).sort()).toEqual(projectIds);
    const page = await (await app.request('/metrics')).text();
    expect(page).toContain(`NOT READ: ${PROJECTS} did not answer`);

    // A worker back: the next read is whole again.
    workers.push(await startWorkerProcess(env));
    const whole = await eventually(async () => {
      const read = await readPortfolio(client, { taskQueue });
      expect(read.unreadable).toEqual([]);
      return read;
    });
    expectCompleteOrNamed(whole, projectIds);
    expect(whole.projects.map((p) => p.projectId).sort()).toEqual(projectIds);

    // `mltrl projects` pages through them; a bad filter is one line naming it, exit 2.
    const last = await runCli(['projects', '--page-size', '5', '--page', '3'], { taskQueue });
    expect(last.code, last.stderr).toBe(0);
    expect(last.stdout).toContain(`page 3 of 3 (${PROJECTS} projects)`);
    expect(last.stdout).not.toContain('NOT READ');
    for (const id of projectIds.slice(10)) expect(last.stdout).toContain(id);
    const bad = await runCli(['projects', '--level', '12'], { taskQueue });
    expect([bad.code, bad.stderr.trim().split('\n')]).toEqual([2, [expect.stringContaining('level: must be 0 to 9')]]);
  });
});
