/**
 * The `mltrl` command through the HTTP API (MLTRL_API_URL + MLTRL_API_TOKEN), as a user without
 * access to Temporal runs it: a real subprocess whose TEMPORAL_ADDRESS is a closed port, against
 * the real HTTP server, worker and Temporal dev server. What it prints must be what the command
 * prints with Temporal access: a read of the same object is compared byte for byte, and the same
 * change made to two twin projects (one directly, one through the API) prints the same lines once
 * the projects' ids are swapped.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UPDATE_ROUTES } from '../../src/cli/apiSession.js';
import { createLinks, type Links } from '../../src/http/core/links.js';
import { fileTokenRegistry } from '../../src/http/core/tokenRegistry.js';
import { createApp, listen, type HttpServer } from '../../src/http/server.js';
import { freePort } from '../../src/local/temporalServer.js';
import type { ComponentStatus } from '../../workflows/definitions.js';
import { temporalAddress } from '../helpers/temporal.js';
import { ETHICS, FULL_CARD, LEAD, OWNER, project, reviewer } from '../support/fixtures.js';
import { eventually, startHarness, type Harness } from '../support/harness.js';
import { PATIENCE_MS } from '../support/patience.js';

const BIN = fileURLToPath(new URL('../../bin/mltrl.js', import.meta.url));
const RL1 = reviewer('research-lead', 1).email;
const STRANGER = 'stranger@elsewhere.example';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let dir: string;
/** A port nothing listens on: Temporal "there" cannot be reached. */
let closedPort: number;
let harness: Harness;
let links: Links;
let http: HttpServer;

// A worker on its own task queue, and the HTTP server as `npm run api` builds it, personal tokens included.
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mltrl-api-cli-'));
  closedPort = await freePort();
  harness = await startHarness();
  const port = await freePort();
  links = createLinks({ secret: 'test-secret-for-api-mode-0123456789abcdef', publicUrl: `http://127.0.0.1:${port}`, ttlMs: 60 * 60_000 });
  http = await listen(createApp({ client: harness.client, taskQueue: harness.taskQueue, links, tokens: fileTokenRegistry(join(dir, 'api-tokens.json')) }), '127.0.0.1', port);
});
afterAll(async () => {
  await http?.close();
  await harness?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The environment without this machine's own mltrl or Temporal settings. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(MLTRL_|TEMPORAL_)/.test(name)));
}

function run(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: dir, env, timeout: PATIENCE_MS }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

/** With Temporal access, acting as whoever --by names. */
const direct = (...args: string[]) => run(args, { ...cleanEnv(), TEMPORAL_ADDRESS: temporalAddress(), MLTRL_TASK_QUEUE: harness.taskQueue });

/** Through the API as `email`'s token; Temporal is a closed port. */
async function viaApi(email: string, ...args: string[]): Promise<Run> {
  const token = await links.personToken(email);
  return run(args, { ...cleanEnv(), TEMPORAL_ADDRESS: `127.0.0.1:${closedPort}`, MLTRL_API_URL: http.url, MLTRL_API_TOKEN: token });
}

function succeeded(result: Run, args: string[]): string {
  expect({ args, code: result.code, stderr: result.stderr }).toEqual({ args, code: 0, stderr: '' });
  return result.stdout;
}

/** Refused: one stderr line, nothing on stdout, the exit code given. */
function refused(result: Run, code: number): string {
  const lines = result.stderr.trimEnd().split('\n');
  expect({ code: result.code, stdout: result.stdout, lines: lines.length }).toEqual({ code, stdout: '', lines: 1 });
  expect(lines[0]).toMatch(/^error: /);
  return lines[0];
}

/** The same read through both: byte for byte the same output. */
async function sameRead(email: string, ...args: string[]): Promise<string> {
  const [withTemporal, throughApi] = await Promise.all([direct(...args), viaApi(email, ...args)]);
  const expected = succeeded(withTemporal, args);
  expect(succeeded(throughApi, args)).toBe(expected);
  return expected;
}

function writeJson(name: string, value: unknown): string {
  writeFileSync(join(dir, name), JSON.stringify(value, null, 2));
  return name;
}

describe('mltrl through the HTTP API', () => {
  // Twin projects: `twin` is changed with Temporal access, `mine` through the API; both start alike.
  const twin = project();
  const mine = project();
  const twinRef = `${twin.id}/anomaly-model`;
  const myRef = `${mine.id}/anomaly-model`;
  /** `mine`'s output as `twin`'s would read. */
  const asTwin = (text: string) => text.replaceAll(mine.id, twin.id);

  /** The same change to both twins: direct with `--by`/`--as`, through the API as the token's person without them. */
  async function sameChange(email: string, directArgs: string[], apiArgs: string[]): Promise<string> {
    const [withTemporal, throughApi] = await Promise.all([direct(...directArgs), viaApi(email, ...apiArgs)]);
    const expected = succeeded(withTemporal, directArgs);
    expect(asTwin(succeeded(throughApi, apiArgs))).toBe(expected);
    return expected;
  }

  it('starts a project, updates its card, submits and decides, printing what the direct commands print', async () => {
    const started = await sameChange(LEAD.email, ['project', 'start', writeJson('twin.json', twin)], ['project', 'start', writeJson('mine.json', mine)]);
    expect(started).toContain(`started project/${twin.id} (Neuropathology copilot) on task queue ${harness.taskQueue}`);
    expect(started).not.toContain('still starting');

    // Reads of the same component: text and JSON.
    expect(await sameRead(LEAD.email, 'status', myRef)).toContain('gate for Level 0:');
    const before = JSON.parse(await sameRead(LEAD.email, 'status', myRef, '--json')) as ComponentStatus;
    expect(before).toMatchObject({ level: 0, cardRevision: 0, openReview: null });

    const updated = await sameChange(
      OWNER.email,
      ['card', 'update', twinRef, '--by', OWNER.email, '--patch', `@${writeJson('card.json', FULL_CARD)}`],
      ['card', 'update', myRef, '--patch', '@card.json'],
    );
    expect(updated).toContain('card revision 1');
    writeJson('ethics.json', ETHICS);
    const submitted = await sameChange(LEAD.email, ['submit', twinRef, '--by', LEAD.email, '--ethics', '@ethics.json'], ['submit', myRef, '--ethics', '@ethics.json']);
    expect(submitted).toContain('review r1 opened for Level 0');

    // The open review carries times: the same component read both ways shows the same ones.
    expect(await sameRead(RL1, 'status', myRef)).toContain('open review r1: Level 0');
    const decided = await sameChange(RL1, ['review', twinRef, 'approve', '--review', 'r1', '--as', RL1], ['review', myRef, 'approve', '--review', 'r1']);
    expect(decided).toContain(`review r1: approve by ${RL1} counted`);
    expect(decided).toContain('review closed: approved');
    expect(JSON.parse(succeeded(await direct('status', myRef, '--json'), ['status'])) as ComponentStatus).toMatchObject({ level: 1, cardRevision: 1, openReview: null });

    const card = await sameRead(OWNER.email, 'card', 'show', myRef);
    expect(card).toMatch(/\| P1\.1 \|.*\| 0\.8 \| validated \|/);
    expect(await sameRead(OWNER.email, 'history', myRef)).toMatch(/\sdecide\s/);
  });

  it('reads projects, holding, metrics and the project with its risk matrix as the direct commands do', async () => {
    // The project hears of its component's graduation asynchronously: wait until it has.
    const project = await eventually(async () => {
      const text = await sameRead(LEAD.email, 'status', mine.id);
      expect(text).toContain('system level: Level 1 Goal-oriented research');
      return text;
    });
    expect(project).toContain('risk matrix: 2 requirements, 2 placed');
    expect(JSON.parse(await sameRead(LEAD.email, 'status', mine.id, '--json'))).toMatchObject({ projectId: mine.id, systemLevel: 1, risks: { projectId: mine.id } });
    expect(await sameRead(LEAD.email, 'status', mine.id, '--below', '2')).toContain('below Level 2: 1 component');

    // Portfolio reads cover every project on the task queue: both twins, once both have graduated.
    await eventually(async () => {
      const page = await sameRead(STRANGER, 'projects');
      expect(page).toMatch(new RegExp(`${mine.id}\\s+1\\s+1\\s+0`));
      expect(page).toMatch(new RegExp(`${twin.id}\\s+1\\s+1\\s+0`));
      expect(page).toContain('page 1 of 1 (2 projects)');
    });
    expect(JSON.parse(await sameRead(STRANGER, 'projects', '--project', mine.id, '--json'))).toMatchObject({ items: [{ projectId: mine.id }], total: 1 });
    // The server reuses a metrics read for a few seconds: ask again until it has both graduations.
    await eventually(async () => {
      const metrics = await sameRead(STRANGER, 'metrics', '--json');
      expect(JSON.parse(metrics)).toMatchObject({ projects: 2, components: 2 });
      expect(JSON.parse(metrics)).not.toHaveProperty('readAt');
    });
  });

  it('refuses a token of someone not on the project, and a --by or --as naming someone other than the token', async () => {
    const patch = ['--set', 'experiments=from a stranger'];
    const [strangerDirect, strangerApi] = await Promise.all([direct('card', 'update', twinRef, '--by', STRANGER, ...patch), viaApi(STRANGER, 'card', 'update', myRef, ...patch)]);
    const line = refused(strangerDirect, 2);
    expect(line).toBe(`error: card update: by: ${STRANGER} is not an owner or on the roster of this project`);
    expect(asTwin(refused(strangerApi, 2))).toBe(line);

    const mismatch = await viaApi(OWNER.email, 'card', 'update', myRef, '--by', LEAD.email, ...patch);
    expect(refused(mismatch, 2)).toBe(
      `error: card update: --by ${LEAD.email} is not the API token's person (${OWNER.email}): through the API every command acts as its token's person; leave --by out, or use ${LEAD.email}'s own token`,
    );
    const review = await viaApi(OWNER.email, 'review', myRef, 'approve', '--review', 'r1', '--as', RL1);
    expect(refused(review, 2)).toMatch(new RegExp(`^error: review: --as ${RL1} is not the API token's person \\(${OWNER.email}\\)`));
    // The same person, spelt in capitals, is the token's person.
    const token = await viaApi(OWNER.email, 'token', '--as', OWNER.email.toUpperCase(), '--name', 'laptop', '--valid-for', '1 hour');
    const minted = succeeded(token, ['token']).trim();
    const me = await fetch(`${http.url}/api/me`, { headers: { authorization: `Bearer ${minted}` } });
    expect(await me.json()).toEqual({ email: OWNER.email });
    expect(refused(await viaApi(OWNER.email, 'token', '--as', LEAD.email), 2)).toMatch(/^error: token: --as lead@lab\.example is not the API token's person/);

    // Nothing changed: no revision was made by any of these.
    expect(JSON.parse(succeeded(await direct('status', myRef, '--json'), ['status'])) as ComponentStatus).toMatchObject({ cardRevision: 1 });
  });

  it('says what was not found, what could not be reached, and which variable is wrong', async () => {
    const [missingDirect, missingApi] = await Promise.all([direct('status', `${mine.id}/no-such-component`), viaApi(LEAD.email, 'status', `${mine.id}/no-such-component`)]);
    expect(refused(missingApi, 1)).toBe(refused(missingDirect, 1));
    expect(refused(missingApi, 1)).toBe(`error: status: component ${mine.id}/no-such-component not found`);

    const token = await links.personToken(LEAD.email);
    const withApi = (variables: NodeJS.ProcessEnv, ...args: string[]) => run(args, { ...cleanEnv(), TEMPORAL_ADDRESS: `127.0.0.1:${closedPort}`, ...variables });
    const [badUrl, plainHttp, noToken, badToken, tokenWithoutUrl, unreachable, badInputUnreachable, mlflow] = await Promise.all([
      withApi({ MLTRL_API_URL: 'not a url', MLTRL_API_TOKEN: token }, 'status', myRef),
      withApi({ MLTRL_API_URL: 'http://mltrl.lab.example:8280', MLTRL_API_TOKEN: token }, 'status', myRef),
      withApi({ MLTRL_API_URL: http.url }, 'status', myRef),
      withApi({ MLTRL_API_URL: http.url, MLTRL_API_TOKEN: `Bearer ${token}` }, 'status', myRef),
      // A token alone would leave its holder believing they act through the API.
      run(['status', myRef], { ...cleanEnv(), TEMPORAL_ADDRESS: temporalAddress(), MLTRL_TASK_QUEUE: harness.taskQueue, MLTRL_API_TOKEN: token }),
      withApi({ MLTRL_API_URL: `http://127.0.0.1:${closedPort}`, MLTRL_API_TOKEN: token }, 'status', myRef),
      // Input is checked before anything is sent: a bad patch is named even with no server there.
      withApi({ MLTRL_API_URL: `http://127.0.0.1:${closedPort}`, MLTRL_API_TOKEN: token }, 'card', 'update', myRef, '--patch', '{"versions":{"code":"one"}}'),
      withApi({ MLTRL_API_URL: http.url, MLTRL_API_TOKEN: token }, 'mlflow', 'sync'),
    ]);
    expect(refused(badUrl, 2)).toBe("error: configuration: MLTRL_API_URL: must be the mltrl server's address, e.g. https://mltrl.lab.example or http://127.0.0.1:8280");
    expect(refused(plainHttp, 2)).toBe('error: configuration: MLTRL_API_URL: must be an https:// URL (http:// only on loopback: the token would cross the network in clear)');
    expect(refused(noToken, 2)).toBe('error: configuration: MLTRL_API_TOKEN: required when MLTRL_API_URL is set: a personal API token (from `mltrl token`, or the web app)');
    const badTokenLine = refused(badToken, 2);
    expect(badTokenLine).toMatch(/^error: configuration: MLTRL_API_TOKEN: must be a personal API token/);
    expect(badTokenLine).not.toContain(token);
    expect(refused(tokenWithoutUrl, 2)).toBe(
      'error: configuration: MLTRL_API_TOKEN: is set without MLTRL_API_URL: set MLTRL_API_URL to send commands through the HTTP API, or unset MLTRL_API_TOKEN to talk to Temporal directly',
    );
    expect(refused(unreachable, 1)).toMatch(new RegExp(`^error: cannot reach the mltrl API at http://127\\.0\\.0\\.1:${closedPort}: .*ECONNREFUSED`));
    expect(refused(badInputUnreachable, 2)).toBe('error: card update: patch.versions.code: must be a semantic version such as 1.4.0');
    expect(refused(mlflow, 2)).toBe('error: mlflow sync: needs access to Temporal, and the HTTP API has no route for it: run it where Temporal is reachable, without MLTRL_API_URL');
  });

  it('sends each component update to the route the API declares for it', async () => {
    const document = (await (await fetch(`${http.url}/api/openapi.json`)).json()) as { paths: Record<string, Record<string, { operationId: string }>> };
    for (const [operationId, route] of Object.entries(UPDATE_ROUTES)) {
      const declared = document.paths[`/projects/{projectId}/components/{componentId}${route.path}`]?.[route.method.toLowerCase()];
      expect({ operationId, declared: declared?.operationId }).toEqual({ operationId, declared: operationId });
    }
  });
});
