/**
 * Fuzzing the input edges without a server: every message payload schema, the project file and the
 * environment, over random and adversarial values. Each input is either valid — and then parsing
 * what came out again gives the same thing, so what the CLI validated the workflow accepts — or
 * refused with one InputError line that starts with the message name and names the field.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ROLES } from '../../machines/levels.js';
import { Policy, durationMillis } from '../../machines/model.js';
import { InputError, parseInput } from '../../machines/validation.js';
import { Decision, LifecycleChange } from '../../workflows/definitions.js';
import { messageFor } from '../../src/cli/errors.js';
import { Config, ConfigError, loadConfig } from '../../src/runtime/config.js';
import { adversarialKey, adversarialString, adversarialValue, mutationsOf, show, withOwnKey } from './arbitraries.js';
import { cpuMillis, MAX_ERROR_LENGTH, unclearError } from './checks.js';
import { COMPONENT_UPDATES, PROJECT_FILE, PROJECT_UPDATES, SIGNALS, topLevelKeys, type PayloadSpec } from './payloads.js';
import { Tally } from './tally.js';

const tally = new Tally('fuzz: payload schemas, project files, environment');
afterAll(() => tally.print());

const RUNS = 1_500;

/** What a value becomes on the wire (Temporal's payload converter, CLI and HTTP bodies are JSON). */
function roundTrip(value: unknown): unknown {
  const text = JSON.stringify(value);
  return text === undefined ? undefined : (JSON.parse(text) as unknown);
}

/** The property every payload schema must hold for `input`. */
function holds(spec: PayloadSpec, input: unknown): void {
  try {
    parseInput(spec.schema, input, spec.what);
  } catch (error) {
    tally.add(spec.what, 'refused');
    expect(error, show(input)).toBeInstanceOf(InputError);
    const problems = unclearError((error as Error).message, { what: spec.what, fields: topLevelKeys(spec) });
    expect(problems, `${show((error as Error).message)} for ${show(input)}`).toEqual([]);
    return;
  }
  tally.add(spec.what, 'valid');
  // What the CLI or the API validated and sent is what the workflow parses again: it must agree.
  // (Only for inputs that are still valid as JSON: a Date or a boxed value is an object to zod in
  // process, a string or a primitive on the wire.)
  const onTheWire = spec.schema.safeParse(roundTrip(input));
  if (!onTheWire.success) return;
  const sent = roundTrip(onTheWire.data);
  expect(roundTrip(parseInput(spec.schema, sent, spec.what)), show(input)).toEqual(sent);
}

describe('every message payload, over adversarial values', () => {
  for (const spec of [...COMPONENT_UPDATES, ...SIGNALS, ...PROJECT_UPDATES]) {
    it(`${spec.what}: valid, or one clear line naming the field`, () => {
      fc.assert(
        fc.property(mutationsOf(spec.valid, { deepKeys: spec.deepKeys }), (input) => holds(spec, input)),
        { numRuns: RUNS },
      );
    });
  }
});

describe('project files', () => {
  const component = PROJECT_FILE.valid['components'] as Record<string, unknown>[];
  const componentMutations = mutationsOf(component[0], {
    deepKeys: { owner: ['name', 'email', '__proto__'], provenance: ['kind', 'projectId', 'componentId', 'level'], target: ['level', 'date'] },
  });
  const rosterEntry = fc.oneof(
    fc.record({ role: fc.constantFrom(...ROLES), people: fc.array(mutationsOf({ name: 'Rita', email: 'rita@lab.example' }), { maxLength: 3 }) }),
    fc.record({ role: adversarialKey, people: adversarialValue() }),
  );
  const files = fc.oneof(
    { weight: 4, arbitrary: mutationsOf(PROJECT_FILE.valid, { deepKeys: PROJECT_FILE.deepKeys }) },
    {
      weight: 3,
      arbitrary: fc.array(componentMutations, { maxLength: 4 }).map((components) => ({ ...PROJECT_FILE.valid, components })),
    },
    {
      weight: 2,
      arbitrary: fc.array(rosterEntry, { maxLength: 4 }).map((entries) => ({
        ...PROJECT_FILE.valid,
        roster: entries.reduce<Record<string, unknown>>((roster, { role, people }) => withOwnKey(roster, role, people), {}),
      })),
    },
  );

  it('a project definition is valid, or refused with one clear line naming the field', () => {
    fc.assert(
      fc.property(files, (input) => holds(PROJECT_FILE, input)),
      { numRuns: RUNS * 2 },
    );
  });
});

describe('environment variables', () => {
  const names = Object.keys(Config.shape);
  const value = fc.oneof(
    { weight: 6, arbitrary: adversarialString({ maxHuge: 100_001 }) },
    { weight: 1, arbitrary: fc.constantFrom('localhost:7233', 'temporal:99999', '[::1]:7233', 'smtp://mail:25', 'smtps://u:p@mail.example:465', 'http://x', 'x'.repeat(40), '8280', '65536', '2 days') },
  );
  const env = fc.dictionary(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...names) }, { weight: 1, arbitrary: adversarialKey }), value, { maxKeys: names.length + 2 });

  it('loadConfig accepts the environment, or reports every bad variable at once on one line', () => {
    fc.assert(
      fc.property(env, (vars) => {
        const bad = names.filter((name) => {
          const given = Object.hasOwn(vars, name) ? vars[name] : undefined;
          return given !== undefined && given !== '' && !(Config.shape as Record<string, { safeParse(v: unknown): { success: boolean } }>)[name].safeParse(given).success;
        });
        try {
          loadConfig(vars);
        } catch (error) {
          tally.add('environment', 'refused');
          expect(error, show(vars)).toBeInstanceOf(ConfigError);
          const message = (error as Error).message;
          expect(unclearError(message, { what: 'configuration', fields: names, maxLength: 1_000 + 200 * bad.length }), show(message)).toEqual([]);
          for (const name of bad) expect(message, show(vars)).toContain(`${name}: `);
          return;
        }
        tally.add('environment', 'valid');
        expect(bad, show(vars)).toEqual([]);
      }),
      { numRuns: RUNS * 2 },
    );
  });
});

describe('policy durations', () => {
  /** The latest instant a JavaScript Date (and so every deadline the machine keeps) can name. */
  const END_OF_TIME = 8.64e15;

  it('an accepted duration keeps every reminder, escalation and re-review within the dates a timer can reach', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 ** 9 }), fc.constantFrom('seconds', 'minutes', 'hours', 'days', 'weeks', 'years'), (n, unit) => {
        const text = `${n} ${unit}`;
        const accepted = Policy.safeParse({ remindEvery: text, escalateAfter: text, rereviewEvery: text }).success;
        tally.add('policy duration', accepted ? 'valid' : 'refused');
        if (accepted) expect(Date.now() + durationMillis(text), text).toBeLessThan(END_OF_TIME);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('counterexamples found by fuzzing the schemas', () => {
  const message = (run: () => unknown) => {
    try {
      run();
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error('expected the input to be refused');
  };

  it('an unknown key with a line break is named on one line', () => {
    const text = message(() => parseInput(Decision, { reviewId: 'r1', reviewer: 'qa-1@lab.example', verdict: 'approve', 'a\nb': 1 }, 'decide'));
    expect(unclearError(text, { what: 'decide' })).toEqual([]);
  });

  it('a record key with a line break is named on one line', () => {
    const text = message(() => parseInput(PROJECT_FILE.schema, { ...PROJECT_FILE.valid, roster: { qa: [{ name: 'Q', email: 'q@lab.example', 'a\nb': '' }] } }, 'project'));
    expect(unclearError(text, { what: 'project' })).toEqual([]);
  });

  it('an unknown key of 5,000 characters does not make a 5,000-character error', () => {
    const text = message(() => parseInput(LifecycleChange, { by: 'owner@lab.example', reason: 'r', ['x'.repeat(5_000)]: 1 }, 'pause'));
    expect(text.length).toBeLessThanOrEqual(MAX_ERROR_LENGTH);
  });

  it('sixteen bad list entries do not make an error longer than a person reads', () => {
    const text = message(() => parseInput(Decision, { reviewId: 'r1', reviewer: 'qa-1@lab.example', verdict: 'request-changes', tasks: Array(16).fill(null) }, 'decide'));
    expect(text.length).toBeLessThanOrEqual(MAX_ERROR_LENGTH);
  });

  it('"300000 years" is not a reminder interval: it ends past the last date a Date can hold', () => {
    const result = Policy.safeParse({ remindEvery: '300000 years' });
    expect(result.success && Date.now() + durationMillis('300000 years') < 8.64e15).toBe(result.success);
  });
});

describe('time to refuse', () => {
  /** CPU time: generous for 30,000 characters in linear time, hopeless for a pattern that backtracks quadratically. */
  const LIMIT_MS = 250;
  const long = fc
    .record({
      unit: fc.constantFrom(' ', '\t', '\n ', '1', 'a', '-', '.', '@', 'a.', '1.', 'a@', '0.', 'a-', ':', '1:', '[', '%', 'r1', 'x '),
      tail: fc.constantFrom('', '!', '\u0000', ' x', '@@', '\n'),
    })
    .map(({ unit, tail }) => unit.repeat(Math.ceil(30_000 / unit.length)) + tail);
  const specs = [...COMPONENT_UPDATES, ...SIGNALS, ...PROJECT_UPDATES, PROJECT_FILE];
  const target = fc.oneof(
    fc.constantFrom(...specs).chain((spec) => fc.constantFrom(...Object.keys(spec.valid)).map((key) => ({ kind: 'payload' as const, spec, key }))),
    fc.constantFrom(...Object.keys(Config.shape)).map((name) => ({ kind: 'environment' as const, name })),
    fc.constant({ kind: 'cli error line' as const }),
  );

  it('a 30,000-character value of any repeated pattern is judged in linear time, by every schema, loadConfig and the CLI error line', async () => {
    await fc.assert(
      fc.asyncProperty(target, long, async (where, text) => {
        const spent = await cpuMillis(() => {
          if (where.kind === 'payload') {
            try {
              parseInput(where.spec.schema, { ...where.spec.valid, [where.key]: text }, where.spec.what);
            } catch {
              // refused or not, only the time counts here
            }
          } else if (where.kind === 'environment') {
            try {
              loadConfig({ [where.name]: text });
            } catch {
              // as above
            }
          } else {
            messageFor(new InputError(`ref: "${text}" must be <projectId>/<componentId>`));
          }
        });
        tally.add(`time: ${where.kind}`, 'judged');
        expect(spent, `${where.kind} ${JSON.stringify(text.slice(0, 12))}… (${text.length} chars)`).toBeLessThan(LIMIT_MS);
      }),
      { numRuns: 400 },
    );
  });
});
