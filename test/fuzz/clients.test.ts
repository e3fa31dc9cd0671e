/**
 * Fuzzing the two client edges against the real dev server: the `mltrl` CLI, run in-process
 * (`main(argv, io, env)`) with random command lines built from its own command tree, adversarial
 * files and environments; and the HTTP API and web pages, called in-process with adversarial
 * paths, bodies and tokens. A command ends with exit code 0, 1 or 2, and on error with exactly one
 * stderr line, no stack trace; an HTTP request never gets a 5xx but 503, and a JSON error carries
 * one clear line. Meanwhile a component with a review open, which the fuzzed inputs address,
 * never changes and never fails a workflow task.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import type { Command, Option } from 'commander';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/http/server.js';
import { buildProgram, main } from '../../src/cli.js';
import { Session } from '../../src/cli/session.js';
import { createLinks, type Links } from '../../src/http/core/links.js';
import { temporalAddress } from '../helpers/temporal.js';
import { project } from '../support/fixtures.js';
import { startHarness, type Harness } from '../support/harness.js';
import { fillCard, startAndReach, submit } from '../workflow/steps.js';
import { adversarialKey, adversarialString, mutationsOf, show, specialString } from './arbitraries.js';
import { cpuMillis, MAX_ERROR_LENGTH, unclearError } from './checks.js';
import { Findings } from './findings.js';
import { COMPONENT_UPDATES, OFF_PANEL, PROJECT_FILE, PROJECT_UPDATES, STRANGER } from './payloads.js';
import { componentLooks, workflowTaskFailures } from './server.js';
import { Tally } from './tally.js';

const SEED = Number(process.env['FUZZ_SEED'] ?? Date.now() % 2 ** 31);
const COMMAND_LINES = 600;
const HTTP_REQUESTS = 600;
const SECRET = 'fuzz-secret-for-signed-links-0123456789';
/**
 * The longest argument the CLI fuzzing sends. Longer ones only repeat what these find, slowly: the
 * error line of a long run of spaces takes quadratic time (see the counterexamples below).
 */
const ARG_HUGE = 20_001;
/** A command that is refused locally answers at once; one that reaches the server, within seconds. */
const SLOW_COMMAND_MS = 5_000;

const tally = new Tally(`fuzz: CLI commands and HTTP endpoints (seed ${SEED})`);
let harness: Harness;
let dir: string;
let definition: ReturnType<typeof project>;
let component: WorkflowHandle;
let looks: string;
let ref: string;

beforeAll(async () => {
  harness = await startHarness();
  dir = mkdtempSync(join(tmpdir(), 'mltrl-fuzz-'));
  definition = project();
  ref = `${definition.id}/anomaly-model`;
  component = await startAndReach(harness.client, harness.taskQueue, definition);
  await fillCard(component);
  await submit(component);
  looks = await componentLooks(component);
});
afterAll(async () => {
  tally.print();
  await harness?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function assertUntouched(findings: Findings): Promise<void> {
  if ((await componentLooks(component)) !== looks) findings.add(ref, 'the component changed', null);
  for (const failure of await workflowTaskFailures(harness.client, component.workflowId)) findings.add(ref, 'a workflow task failed', failure.message);
  expect((await component.describe()).status.name).toBe('RUNNING');
}

// ---------------------------------------------------------------------------------------------
// CLI
// ---------------------------------------------------------------------------------------------

/** Files a command may be pointed at: project, component and roster files, valid or not. */
function writeFiles(): string[] {
  const files: string[] = [];
  const write = (name: string, content: string) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    files.push(path);
  };
  fc.sample(mutationsOf(PROJECT_FILE.valid, { deepKeys: PROJECT_FILE.deepKeys, maxHuge: 20_001 }), { numRuns: 25, seed: SEED }).forEach((value, i) => write(`project-${i}.json`, JSON.stringify(value) ?? 'undefined'));
  for (const spec of PROJECT_UPDATES) {
    const valid = spec.what === 'updateRoster' ? (spec.valid['roster'] as Record<string, unknown>) : spec.valid;
    fc.sample(mutationsOf(valid, { maxHuge: 20_001 }), { numRuns: 10, seed: SEED + 1 }).forEach((value, i) => write(`${spec.what}-${i}.json`, JSON.stringify(value) ?? 'undefined'));
  }
  write('empty.json', '');
  write('not-json.json', '{"id": "x",');
  write('text.json', 'two\nlines\n\u0000 and a NUL');
  write('bom.json', `\uFEFF${JSON.stringify(PROJECT_FILE.valid)}`);
  write('huge.json', JSON.stringify({ ...PROJECT_FILE.valid, name: 'x'.repeat(3_000_000) }));
  write('proto.json', '{"__proto__": {"polluted": true}, "id": "proto"}');
  files.push(dir, join(dir, 'missing.json'), '/dev/null', '');
  return files;
}

interface CommandShape {
  path: string[];
  args: { name: string; required: boolean }[];
  options: { flag: string; takesValue: boolean; mandatory: boolean; choices?: readonly string[] }[];
}

/** The command tree as the CLI itself declares it, so a new command is fuzzed without a change here. */
function commandShapes(): CommandShape[] {
  const program = buildProgram({ io: { out() {}, err() {} }, session: new Session({}) });
  const shapes: CommandShape[] = [];
  const walk = (command: Command, path: string[]) => {
    for (const sub of command.commands) {
      const here = [...path, sub.name()];
      shapes.push({
        path: here,
        args: sub.registeredArguments.map((a) => ({ name: a.name(), required: a.required })),
        options: sub.options.map((o: Option) => ({ flag: o.long ?? o.flags, takesValue: o.required || o.optional, mandatory: o.mandatory, ...(o.argChoices ? { choices: o.argChoices } : {}) })),
      });
      walk(sub, here);
    }
  };
  walk(program, []);
  return shapes;
}

function commandLines(files: string[]): fc.Arbitrary<{ argv: string[]; env: Record<string, string> }> {
  const shapes = commandShapes();
  const json = fc.oneof(
    ...COMPONENT_UPDATES.map((spec) => mutationsOf(spec.valid, { deepKeys: spec.deepKeys, maxHuge: 20_001 }).map((v) => JSON.stringify(v) ?? 'null')),
    fc.constantFrom(...files).map((file) => `@${file}`),
    adversarialString({ maxHuge: ARG_HUGE }),
  );
  const person = fc.oneof(fc.constantFrom(OFF_PANEL, STRANGER, 'research-lead-1@LAB.example '), adversarialString({ maxHuge: ARG_HUGE }));
  const value = (name: string): fc.Arbitrary<string> => {
    switch (name) {
      case '--by':
      case '--as':
        return person;
      case '--to':
      case '--level':
        return fc.oneof(fc.constantFrom('-1', '10', '9.5', '0', '3', ' 2 ', '0x1', '1e1', ''), specialString);
      case '--patch':
      case '--ethics':
        return json;
      case '--set':
      case '--answer':
        return fc.oneof(fc.tuple(adversarialKey, adversarialString({ maxHuge: ARG_HUGE })).map(([k, v]) => `${k}=${v}`), fc.constantFrom('=v', 'novalue', '__proto__=x', 'hypotheses=', 'harm=none'));
      case '--review':
        return fc.oneof(fc.constantFrom('r1', 'r2', 'R1'), adversarialString({ maxHuge: ARG_HUGE }));
      case '--valid-for':
        return fc.oneof(fc.constantFrom('1 hour', '300000 years', '0 days', '-1 days'), adversarialString({ maxHuge: ARG_HUGE }));
      default:
        return adversarialString({ maxHuge: ARG_HUGE });
    }
  };
  const positional = (name: string): fc.Arbitrary<string> => {
    switch (name) {
      case 'ref':
        return fc.oneof(fc.constantFrom(ref, `${definition.id}/nope`, 'nope/nope', definition.id, `${ref}/extra`), adversarialString({ maxHuge: ARG_HUGE }));
      case 'target':
        return fc.oneof(fc.constantFrom(ref, definition.id, 'nope'), adversarialString({ maxHuge: ARG_HUGE }));
      case 'projectId':
        return fc.oneof(fc.constantFrom(definition.id, 'nope'), adversarialString({ maxHuge: ARG_HUGE }));
      case 'file':
        return fc.constantFrom(...files);
      case 'verdict':
        return fc.oneof(fc.constantFrom('approve', 'request-changes', 'switchback'), adversarialString({ maxHuge: ARG_HUGE }));
      default:
        return adversarialString({ maxHuge: ARG_HUGE });
    }
  };
  const base = { TEMPORAL_ADDRESS: temporalAddress(), TEMPORAL_NAMESPACE: 'default', MLTRL_TASK_QUEUE: harness.taskQueue };
  const env = fc.oneof(
    { weight: 6, arbitrary: fc.constant(base) },
    { weight: 2, arbitrary: fc.constant({ ...base, MLTRL_LINK_SECRET: SECRET }) },
    {
      weight: 2,
      arbitrary: fc
        .record({
          name: fc.constantFrom('TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'SMTP_URL', 'MAIL_FROM', 'MLTRL_LINK_SECRET', 'MLTRL_LINK_TTL', 'MLTRL_PUBLIC_URL', 'MLTRL_HTTP_PORT'),
          value: fc.oneof(adversarialString({ maxHuge: 5_001 }), fc.constant('127.0.0.1:1')),
        })
        .map(({ name, value: v }) => ({ ...base, [name]: v })),
    },
  );
  const line = fc.constantFrom(...shapes).chain((shape) =>
    fc
      .record({
        args: fc.tuple(...shape.args.map((a) => (a.required ? positional(a.name) : fc.option(positional(a.name), { nil: undefined })))),
        options: fc.tuple(
          ...shape.options.map((o) =>
            fc.option(o.takesValue ? (o.choices ? fc.oneof(fc.constantFrom(...o.choices), adversarialString({ maxHuge: ARG_HUGE })) : value(o.flag)).map((v): string[] => [o.flag, v]) : fc.constant<string[]>([o.flag]), {
              // Mandatory options are usually there, so commands get past commander to the rules.
              freq: o.mandatory ? 8 : 2,
              nil: undefined,
            }),
          ),
        ),
        extra: fc.option(fc.oneof(fc.constantFrom(['--help'], ['--nope'], ['--by'], ['--'], ['-x'], ['extra']), adversarialString({ maxHuge: ARG_HUGE }).map((s) => [s])), { freq: 8, nil: undefined }),
      })
      .map(({ args, options, extra }) => [...shape.path, ...args.filter((a): a is string => a !== undefined), ...options.flatMap((o) => o ?? []), ...(extra ?? [])]),
  );
  return fc
    .record({ argv: fc.oneof({ weight: 19, arbitrary: line }, { weight: 1, arbitrary: fc.array(adversarialString({ maxHuge: ARG_HUGE }), { maxLength: 4 }) }), env, secret: fc.boolean() })
    // `token` signs with the link secret: mostly give it one, so it gets past that to its own input.
    .map(({ argv, env: e, secret }) => ({ argv, env: argv[0] === 'token' && secret ? { ...e, MLTRL_LINK_SECRET: SECRET } : e }));
}

describe('the mltrl CLI, in-process, over random command lines', () => {
  it(`${COMMAND_LINES} command lines: exit code 0, 1 or 2; one stderr line on error; no stack traces; nothing changes`, async () => {
    const findings = new Findings();
    const runs = fc.sample(commandLines(writeFiles()), { numRuns: COMMAND_LINES, seed: SEED });
    for (const run of runs) {
      const out: string[] = [];
      const err: string[] = [];
      let code: number;
      try {
        const started = Date.now();
        code = await main(['node', 'mltrl', ...run.argv], { out: (t) => out.push(t), err: (t) => err.push(t) }, run.env);
        const took = Date.now() - started;
        if (took > SLOW_COMMAND_MS) findings.add(run.argv[0] ?? '(none)', `took ${Math.round(took / 1000)} s`, run);
      } catch (error) {
        findings.add(run.argv[0] ?? '(none)', 'main threw instead of returning an exit code', run, String(error));
        continue;
      }
      const command = run.argv.slice(0, 2).filter((a) => /^[a-z-]+$/.test(a)).join(' ') || '(none)';
      tally.add(`mltrl ${command}`.slice(0, 40), `exit ${code}`);
      if (![0, 1, 2].includes(code)) findings.add(command, `exit code ${code}`, run);
      const lines = err.join('\n').split('\n').filter((l) => l.trim() !== '');
      if (code === 0) {
        if (lines.length > 0) findings.add(command, 'succeeded but wrote to stderr', run, lines[0]);
        continue;
      }
      if (lines.length !== 1) {
        findings.add(command, `failed with ${lines.length} stderr lines`, run, lines.slice(0, 3).join(' | '));
        continue;
      }
      if (!lines[0].startsWith('error: ')) findings.add(command, 'error line does not start with "error: "', run, lines[0]);
      for (const problem of unclearError(lines[0], { maxLength: MAX_ERROR_LENGTH })) findings.add(command, `error line ${problem}`, run, lines[0]);
      // The CLI's own words, not the input it quotes back ("unknown command \"[{…\"" is a clear error).
      const ownWords = lines[0].replace(/"(?:[^"\\]|\\.)*"/g, '""');
      if (/internal error|TypeError|ReferenceError|RangeError|ZodError|\[\s*\{/.test(ownWords)) findings.add(command, 'error line reads like an unforeseen error', run, lines[0]);
    }
    await assertUntouched(findings);
    expect(findings.list()).toEqual([]);
  }, 300_000);
});

// ---------------------------------------------------------------------------------------------
// HTTP API and web pages
// ---------------------------------------------------------------------------------------------

/** A path segment for any string, lone surrogates included (sent as the bytes of one, which is not UTF-8). */
function pathSegment(text: string): string {
  return text.replace(/[\s\S]/gu, (char) => {
    try {
      return encodeURIComponent(char);
    } catch {
      return '%ED%A0%80';
    }
  });
}

/** A header value as a raw client would put any string on the wire: its UTF-8 bytes, without line breaks or NULs. */
function headerValue(text: string): string {
  return Buffer.from(text.replace(/[\r\n\0]/g, ' '), 'utf8').toString('latin1');
}

interface HttpCase {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

/** What a request must never get: a 5xx other than 503, or a JSON error that is not one clear line. */
async function judgeResponse(findings: Findings, request: HttpCase, response: Response): Promise<void> {
  const route = request.path.split('/').slice(0, 3).join('/').slice(0, 30);
  tally.add(`HTTP ${request.method} ${route.startsWith('/api') ? 'api' : 'web'}`, String(response.status));
  if (response.status >= 500 && response.status !== 503) findings.add(route, `answered ${response.status}`, request, await response.text());
  if (!response.headers.get('content-type')?.includes('application/json') || response.status < 400) return;
  const body = (await response.json()) as { error?: { kind?: string; message?: string } };
  const message = body.error?.message;
  if (typeof message !== 'string' || typeof body.error?.kind !== 'string') {
    findings.add(route, 'JSON error without kind and message', request, JSON.stringify(body));
    return;
  }
  for (const problem of unclearError(message)) findings.add(route, `error message ${problem}`, request, message);
}

/** The tokens the fuzzer sends: signing is asynchronous, so they are made before the arbitraries. */
async function fuzzTokens(links: Links): Promise<string[]> {
  const [projectId, componentId] = ref.split('/');
  const expiredLinks = createLinks({ secret: SECRET, publicUrl: 'http://127.0.0.1:9', ttlMs: 1, now: () => 0 });
  const otherSecret = createLinks({ secret: 'another-secret-that-nobody-configured-01', publicUrl: 'http://127.0.0.1:9', ttlMs: 60_000 });
  const strangerToken = await links.personToken(STRANGER);
  const reviewToken = (await links.reviewUrl({ reviewer: OFF_PANEL, projectId, componentId, reviewId: 'r1' })).url.split('/review/')[1];
  const [header, payload, signature] = strangerToken.split('.');
  return [
    strangerToken,
    await links.personToken(OFF_PANEL),
    reviewToken,
    await expiredLinks.personToken(STRANGER),
    await otherSecret.personToken(STRANGER),
    `${strangerToken.slice(0, -2)}AA`,
    `${strangerToken}!!`,
    `${header}.${Buffer.from('{"iss":"mltrl","aud":"mltrl:api","sub":"lead@lab.example","exp":1e20}').toString('base64url')}.${signature}`,
    `${Buffer.from('{"alg":"none","typ":"mltrl-person+jwt"}').toString('base64url')}.${payload}.`,
    '..',
    'e30.e30.',
  ];
}

function httpCases(tokens: string[]): fc.Arbitrary<HttpCase> {
  const [projectId, componentId] = ref.split('/');
  const segment = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(projectId, componentId, 'nope', '..', '%00', '%2F', '%E0%A4%A', '.', 'anomaly-model') },
    { weight: 3, arbitrary: adversarialString({ maxHuge: 5_001 }).map(pathSegment) },
  );
  const token = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...tokens.slice(0, 3)) },
    { weight: 3, arbitrary: fc.constantFrom(...tokens.slice(3)) },
    { weight: 2, arbitrary: adversarialString({ maxHuge: 5_001 }) },
  );
  const authorization = fc.option(
    fc.oneof({ weight: 5, arbitrary: token.map((t) => `Bearer ${t}`) }, { weight: 1, arbitrary: fc.oneof(token, adversarialString()) }).map(headerValue),
    { freq: 6, nil: undefined },
  );
  const bodyFor = (what: string): fc.Arbitrary<unknown> => {
    const spec = COMPONENT_UPDATES.find((s) => s.what === what)!;
    const { by: _by, reviewer: _reviewer, kind: _kind, ...valid } = spec.valid;
    return mutationsOf(valid, { deepKeys: spec.deepKeys, maxHuge: 20_001 });
  };
  const body = (what: string) =>
    fc.oneof(
      { weight: 6, arbitrary: (what === 'project' ? mutationsOf(PROJECT_FILE.valid, { deepKeys: PROJECT_FILE.deepKeys, maxHuge: 20_001 }) : bodyFor(what)).map((v) => JSON.stringify(v) ?? '') },
      { weight: 1, arbitrary: fc.constantFrom('', '{', 'null', '[]', '"text"', '{"__proto__":{"admin":true}}', 'x'.repeat(1_100_000)) },
      { weight: 1, arbitrary: adversarialString() },
    );
  const contentType = fc.constantFrom('application/json', 'application/json', 'application/json; charset=utf-16', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x');
  const request = (method: string, path: fc.Arbitrary<string>, what?: string): fc.Arbitrary<HttpCase> =>
    fc
      .record({ path, authorization, contentType, body: what ? body(what) : fc.constant(undefined) })
      .map(({ path: p, authorization: auth, contentType: type, body: b }) => ({
        method,
        path: p,
        headers: { ...(auth !== undefined ? { authorization: auth } : {}), ...(b !== undefined ? { 'content-type': type } : {}) },
        ...(b !== undefined ? { body: b } : {}),
      }));
  const component = fc.tuple(segment, segment).map(([p, c]) => `/api/projects/${p}/components/${c}`);
  const form = fc
    .dictionary(fc.oneof(fc.constantFrom('verdict', 'comment', 'tasks', 'targetLevel', 'reason', '__proto__'), adversarialKey), adversarialString({ maxHuge: 5_001 }), { maxKeys: 5 })
    .map((fields) => new URLSearchParams(Object.entries(fields)).toString());
  return fc.oneof(
    request('GET', fc.constantFrom('/api/health', '/api/projects', '/', '/assets/style.css', '/api/nope', '/nope')),
    request('GET', segment.map((p) => `/api/projects/${p}`)),
    request('GET', segment.map((p) => `/api/projects/${p}/components`)),
    request('GET', fc.tuple(component, fc.constantFrom('', '/card', '/history')).map(([c, tail]) => `${c}${tail}`)),
    request('GET', fc.tuple(segment, segment).map(([p, c]) => `/projects/${p}/components/${c}`)),
    request('POST', fc.constant('/api/projects'), 'project'),
    request('POST', component.map((c) => `${c}/submit`), 'submit'),
    request('POST', component.map((c) => `${c}/verdicts`), 'decide'),
    request('POST', component.map((c) => `${c}/switchbacks`), 'switchback'),
    fc.record({ t: token, method: fc.constantFrom('GET', 'POST'), form }).map(({ t, method, form: f }): HttpCase => ({
      method,
      path: `/review/${pathSegment(t)}`,
      headers: method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {},
      ...(method === 'POST' ? { body: f } : {}),
    })),
  );
}

describe('the HTTP API and web pages, in-process, over adversarial requests', () => {
  it(`${HTTP_REQUESTS} requests: never a 5xx but 503, JSON errors on one clear line, nothing changes`, async () => {
    const findings = new Findings();
    const links = createLinks({ secret: SECRET, publicUrl: 'http://127.0.0.1:9', ttlMs: 60 * 60_000 });
    const app = createApp({ client: harness.client, taskQueue: harness.taskQueue, links });
    const requests = fc.sample(httpCases(await fuzzTokens(links)), { numRuns: HTTP_REQUESTS, seed: SEED + 7 });
    const quiet = console.error;
    console.error = () => undefined; // the server logs every 500 it answers; the findings report them
    try {
      for (const request of requests) {
        let response: Response;
        try {
          response = await app.request(request.path, { method: request.method, headers: request.headers, ...(request.body !== undefined ? { body: request.body } : {}) });
        } catch (error) {
          findings.add(request.path.slice(0, 30), 'the app threw', request, String(error));
          continue;
        }
        await judgeResponse(findings, request, response);
      }
    } finally {
      console.error = quiet;
    }
    await assertUntouched(findings);
    expect(findings.list(), show(findings.list(), 10_000)).toEqual([]);
  }, 300_000);
});

describe('counterexamples found by fuzzing the clients', () => {
  /** Run one command line in-process; returns the exit code and the stderr lines. */
  async function mltrl(...argv: string[]): Promise<{ code: number; lines: string[] }> {
    const err: string[] = [];
    const env = { TEMPORAL_ADDRESS: temporalAddress(), TEMPORAL_NAMESPACE: 'default', MLTRL_TASK_QUEUE: harness.taskQueue };
    const code = await main(['node', 'mltrl', ...argv], { out: () => undefined, err: (t) => err.push(t) }, env);
    return { code, lines: err.join('\n').split('\n').filter((l) => l.trim() !== '') };
  }

  it('a command group without its command ends with one error line, not the help page on stderr', async () => {
    const run = await mltrl('project');
    expect(run.code).toBe(2);
    expect(run.lines).toHaveLength(1);
  });

  it('a value with a carriage return or a line separator is quoted on one line', async () => {
    for (const argv of [
      ['review', ref, 'approve', '--review', 'r1', '--as', 'carriage\rreturn'],
      ['switchback', ref, '--by', OFF_PANEL, '--to', '\u2028line separator', '--reason', 'x'],
    ]) {
      const run = await mltrl(...argv);
      expect(run.code).toBe(2);
      expect(run.lines).toHaveLength(1);
      expect(unclearError(run.lines[0]), show(run.lines[0])).toEqual([]);
    }
  });

  it('a 20,000-character argument is not echoed whole in the error line', async () => {
    const run = await mltrl('pause', ref, '--by', 'x'.repeat(20_000), '--reason', 'r');
    expect(run.code).toBe(2);
    expect(run.lines[0].length).toBeLessThanOrEqual(MAX_ERROR_LENGTH);
  });

  it('a token valid for "300000 years" is refused on one line as bad input, not a dump of zod issues', async () => {
    const err: string[] = [];
    const code = await main(['node', 'mltrl', 'token', '--as', OFF_PANEL, '--valid-for', '300000 years'], { out: () => undefined, err: (t) => err.push(t) }, { MLTRL_LINK_SECRET: SECRET });
    expect({ code, lines: err.length }).toEqual({ code: 2, lines: 1 });
    expect(err[0]).toMatch(/^error: --valid-for: /);
  });

  it('the error line for an argument of 100,000 spaces comes at once (no quadratic-time pattern)', async () => {
    let run: Awaited<ReturnType<typeof mltrl>> | undefined;
    const spent = await cpuMillis(async () => (run = await mltrl(' '.repeat(100_000))));
    expect(run?.code).toBe(2);
    expect(spent).toBeLessThan(500);
  });

  it('an HTTP body over the size limit is answered 413, not 500', async () => {
    const links = createLinks({ secret: SECRET, publicUrl: 'http://127.0.0.1:9', ttlMs: 60_000 });
    const app = createApp({ client: harness.client, taskQueue: harness.taskQueue, links });
    const quiet = console.error;
    console.error = () => undefined;
    try {
      const response = await app.request('/api/projects', { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'x'.repeat(1_100_000) });
      expect(response.status).toBe(413);
    } finally {
      console.error = quiet;
    }
  });

  it('an unknown API path with a line break is named on one line in the 404', async () => {
    const links = createLinks({ secret: SECRET, publicUrl: 'http://127.0.0.1:9', ttlMs: 60_000 });
    const app = createApp({ client: harness.client, taskQueue: harness.taskQueue, links });
    const response = await app.request('/api/projects/carriage%0Dreturn%0Aline/history');
    expect(response.status).toBe(404);
    const body = (await response.json()) as { error: { message: string } };
    expect(unclearError(body.error.message), show(body.error.message)).toEqual([]);
  });
});
