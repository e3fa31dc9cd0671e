/**
 * Adversarial inputs for the fuzz suites: strings that are huge, empty, multi-line, control
 * characters, lone surrogates, right-to-left overrides and look-alike emails; numbers out of every
 * range; wrong types; unknown roles; `__proto__` and `constructor` keys as own properties (as
 * JSON.parse makes them); and payloads that are valid but for one field.
 */
import fc from 'fast-check';
import { ROLES } from '../../machines/levels.js';

/** Strings chosen to break naive validation, logging and rendering. */
export const SPECIAL_STRINGS = [
  '',
  ' ',
  '   \t ',
  '\n',
  'two\nlines',
  'carriage\rreturn',
  '\r\n',
  '\u0000',
  'nul\u0000inside',
  '\u2028line separator',
  '\u202Eright-to-left',
  '\u200Bzero-width',
  '\uD800',
  'lone \uDFFF surrogate',
  '\uFEFFbom',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '<script>alert(1)</script>',
  "' OR '1'='1",
  '${7*7}',
  '{{7*7}}',
  '%s%n%x',
  '../../etc/passwd',
  'null',
  'undefined',
  'NaN',
  'true',
  '-1',
  '10',
  '9.5',
  '1e999',
  '0x09',
  '💥',
  'é',
  'e\u0301',
  'İ',
  'ß',
  '\u{1F469}\u200D\u{1F52C}',
  'ROOT@LAB.EXAMPLE',
  'rita@lab.example\n',
  ' rita@lab.example',
  'rita@lab.example\u0000',
  'rïta@lab.example',
  'rita@lab.example, eve@evil.example',
  '"eve"@lab.example',
  'eve@[127.0.0.1]',
  'a@b',
  '@',
  'system',
  'unknown',
  'superuser',
  'admin',
  'research-lead',
  'r0',
  'r-1',
  'r999999999999',
  'R1.1',
  '0.0.0',
  '01.2.3',
  '1.2',
  '-1 days',
  '0 seconds',
  '300000 years',
  '1e3 days',
  'discovery',
  'approve',
  'APPROVE',
  'graduate',
  'switchback-2',
];

export const specialString = fc.constantFrom(...SPECIAL_STRINGS);

/** Strings far over every limit (the largest still fits in one Temporal payload). */
export function hugeString(maxLength = 1_000_000): fc.Arbitrary<string> {
  const lengths = [201, 255, 501, 2_001, 5_001, 20_001, 100_001, 1_000_000].filter((n) => n <= maxLength);
  return fc
    .record({ length: fc.constantFrom(...lengths), unit: fc.constantFrom('x', 'é', '💥', 'a\n', ' ', '\u0000', 'r1') })
    .map(({ length, unit }) => unit.repeat(Math.ceil(length / unit.length)));
}

export function adversarialString(options: { maxHuge?: number } = {}): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: specialString },
    { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
    { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
    { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
    { weight: 1, arbitrary: hugeString(options.maxHuge) },
  );
}

/** Numbers outside every range used here: levels 0–9, pFailure 0–1, value 1–10, quorum 1–10. */
export const adversarialNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(-1, 10, 11, 9.5, 0.5, -0, Number.NaN, Infinity, -Infinity, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 2 ** 31, 2 ** 53, 5e-324),
  fc.integer(),
  fc.double(),
);

/** A role name that is not one: misspelt, differently cased, prototype keys, empty. */
export const unknownRole = fc.oneof(
  fc.constantFrom('Research-Lead', 'researchlead', 'research_lead', 'owner', 'admin', 'ethic', 'qa ', '', '__proto__', 'constructor', 'toString'),
  fc.string({ unit: 'binary', maxLength: 12 }).filter((s) => !(ROLES as readonly string[]).includes(s)),
);

/** An object with `key` as an own, enumerable property, even for `__proto__` (as JSON.parse makes it). */
export function withOwnKey(target: object, key: string, value: unknown): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...target };
  Object.defineProperty(copy, key, { value, enumerable: true, configurable: true, writable: true });
  return copy;
}

export const adversarialKey = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', '', ' ', 'a\nb', 'by ', 'By', '💥', '\u0000', 'x'.repeat(300)),
  fc.string({ unit: 'binary', maxLength: 20 }),
);

/** `__proto__` objects: what a client gets from JSON.parse('{"__proto__": …}'). */
export const protoObject = fc
  .record({ key: fc.constantFrom('__proto__', 'constructor', 'prototype'), value: fc.oneof(fc.constant({ polluted: true }), fc.constant('x'), fc.constant(null), fc.constant([1])) })
  .map(({ key, value }) => withOwnKey({}, key, value));

/**
 * Any value at all, biased towards the adversarial. `json: true` keeps to what survives a round
 * trip through Temporal's JSON payload converter (no bigint, no cycles).
 */
export function adversarialValue(options: { maxHuge?: number } = {}): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 4, arbitrary: adversarialString(options) },
    { weight: 3, arbitrary: adversarialNumber },
    { weight: 1, arbitrary: fc.boolean() },
    { weight: 1, arbitrary: fc.constantFrom(null, undefined, [], {}, [null], [''], { '': '' }) },
    { weight: 1, arbitrary: protoObject },
    { weight: 1, arbitrary: unknownRole },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
    { weight: 2, arbitrary: fc.anything({ maxDepth: 2, withNullPrototype: true, withBoxedValues: true, withDate: true, withSparseArray: true, withMap: true, withSet: true }) },
    { weight: 1, arbitrary: fc.array(adversarialString({ maxHuge: 5_001 }), { maxLength: 60 }) },
  );
}

/** One change that makes a payload wrong: a field replaced, removed, or an unknown key added. */
type Mutation =
  | { kind: 'replace'; key: string; value: unknown }
  | { kind: 'remove'; key: string }
  | { kind: 'add'; key: string; value: unknown }
  | { kind: 'deep'; key: string; inner: string; value: unknown };

function applyMutation(payload: Record<string, unknown>, mutation: Mutation): Record<string, unknown> {
  switch (mutation.kind) {
    case 'replace':
      return withOwnKey(payload, mutation.key, mutation.value);
    case 'remove': {
      const { [mutation.key]: _removed, ...rest } = payload;
      return rest;
    }
    case 'add':
      return withOwnKey(payload, mutation.key, mutation.value);
    case 'deep': {
      const inner = payload[mutation.key];
      const base = inner !== null && typeof inner === 'object' && !Array.isArray(inner) ? inner : {};
      return withOwnKey(payload, mutation.key, withOwnKey(base, mutation.inner, mutation.value));
    }
  }
}

/**
 * Payloads derived from `valid`: one to three mutations of its fields (including `deepKeys` inside
 * nested objects), or something that is not that payload at all.
 */
export function mutationsOf(valid: Record<string, unknown>, options: { deepKeys?: Record<string, string[]>; maxHuge?: number; values?: fc.Arbitrary<unknown> } = {}): fc.Arbitrary<unknown> {
  const keys = Object.keys(valid);
  const value = options.values ?? adversarialValue({ maxHuge: options.maxHuge });
  const deep = Object.entries(options.deepKeys ?? {});
  const mutation: fc.Arbitrary<Mutation> = fc.oneof(
    { weight: 5, arbitrary: fc.record({ kind: fc.constant('replace' as const), key: fc.constantFrom(...keys), value }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('remove' as const), key: fc.constantFrom(...keys) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('add' as const), key: adversarialKey, value }) },
    ...(deep.length
      ? [
          {
            weight: 3,
            arbitrary: fc
              .constantFrom(...deep)
              .chain(([key, inner]) => fc.record({ kind: fc.constant('deep' as const), key: fc.constant(key), inner: fc.oneof(fc.constantFrom(...inner), adversarialKey), value })),
          },
        ]
      : []),
  );
  return fc.oneof(
    { weight: 8, arbitrary: fc.array(mutation, { minLength: 1, maxLength: 3 }).map((ms) => ms.reduce(applyMutation, valid)) },
    { weight: 2, arbitrary: adversarialValue({ maxHuge: options.maxHuge }) },
  );
}

/** Shortest JSON-ish rendering of an input, for failure messages. */
export function show(value: unknown, max = 300): string {
  let text: string;
  try {
    text = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)) ?? String(value);
  } catch {
    text = fc.stringify(value);
  }
  return text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text;
}
