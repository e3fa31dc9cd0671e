/**
 * The pure pieces of the byte budget and of what may enter: sizes counted as Temporal counts them
 * (UTF-8), lists kept within count and bytes, names that stay on one printable line, and text the
 * CLI prints with nothing a terminal would act on.
 */
import { describe, expect, it } from 'vitest';
import { jsonBytes, keepLatest, overBudget, recordBytes, sizeOf, utf8Bytes } from '../../machines/budget.js';
import { OWNER, start } from './helpers.js';
import { DisplayName, ProjectDefinition } from '../../machines/model.js';
import { describeIssues } from '../../machines/validation.js';
import { Decision, Submit } from '../../workflows/definitions.js';
import { printable } from '../../src/cli/format.js';
import { project } from '../support/fixtures.js';

describe('byte budget', () => {
  it('counts UTF-8 bytes, not characters', () => {
    expect(utf8Bytes('abc')).toBe(3);
    expect(utf8Bytes('é')).toBe(2);
    expect(utf8Bytes('漢')).toBe(3);
    expect(utf8Bytes('😀')).toBe(4);
    expect(utf8Bytes('a😀é漢')).toBe(new TextEncoder().encode('a😀é漢').length);
    expect(jsonBytes({ a: 'é' })).toBe(new TextEncoder().encode(JSON.stringify({ a: 'é' })).length);
  });

  it('measures a context field by field exactly as JSON counts it, at every step of a climb', () => {
    const c = start();
    c.updateCard({ techName: 'Modèle d’anomalies 漢 😀' });
    expect(recordBytes(c.context)).toBe(jsonBytes(c.context));
    for (let level = 0; level < 9; level++) {
      c.pass(level === 2 ? 'prototype' : level === 4 ? 'proceed' : level === 8 ? 'go' : undefined);
      expect(recordBytes(c.context), `Level ${c.level}`).toBe(jsonBytes(c.context));
    }
    c.accept({ type: 'PAUSE', by: OWNER.email, reason: 'hold' });
    expect(recordBytes(c.context)).toBe(jsonBytes(c.context));
    const odd = [1, undefined, { a: 'é', b: undefined }, [null, '😀']];
    expect(sizeOf(odd)).toBe(jsonBytes(odd));
    expect(sizeOf(odd)).toBe(jsonBytes(odd));
  });

  it('keeps the latest entries within a count and a byte size, always the newest, and the first when asked', () => {
    const list = Array.from({ length: 10 }, (_, i) => ({ i, text: 'x'.repeat(100) }));
    expect(keepLatest(list, 4, 1_000_000).map((e) => e.i)).toEqual([6, 7, 8, 9]);
    const bySize = keepLatest(list, 10, 350);
    expect(jsonBytes(bySize)).toBeLessThanOrEqual(350);
    expect(bySize.at(-1)!.i).toBe(9);
    expect(keepLatest(list, 10, 1).map((e) => e.i)).toEqual([9]);
    expect(keepLatest(list, 3, 1_000_000, true).map((e) => e.i)).toEqual([0, 8, 9]);
  });

  it('names the largest parts when a state would pass its budget', () => {
    expect(overBudget('the component', 10, 20, {})).toBeUndefined();
    const message = overBudget('the component', 30, 20, { card: 'x'.repeat(50), audit: 'y', graduations: 'z'.repeat(20) });
    expect(message).toMatch(/^the component would hold 30 bytes, over its budget of 20 \(largest parts in bytes: card 52, graduations 22, audit 3\)/);
  });
});

describe('what may enter', () => {
  it('refuses names with line breaks, control characters or bidi overrides, naming the field', () => {
    for (const name of ['Olu\u001b[2J', 'Ada\r\nBcc: x@evil.example', 'Line\u2028break', 'abc\u202edcba', 'bell\u0007']) {
      const result = DisplayName.safeParse(name);
      expect(result.success, JSON.stringify(name)).toBe(false);
    }
    expect(DisplayName.parse('  Zoë Ñúñez 漢字 😀 ')).toBe('Zoë Ñúñez 漢字 😀');
    const hostile = project({ owners: [{ name: 'Olu\u001b[2J', email: 'olu@lab.example' }] });
    const result = ProjectDefinition.safeParse(hostile);
    expect(result.success).toBe(false);
    expect(describeIssues(result.error!)).toContain('owners[0].name: must be one line of printable characters');
  });

  it('bounds ethics answers one by one and as a set, and review tasks in all', () => {
    const many = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`item-${i}`, 'a'.repeat(1_999)]));
    expect(describeIssues(Submit.safeParse({ by: 'a@lab.example', ethics: many }).error!)).toContain('ethics: must come to at most 16000 characters in all');
    expect(describeIssues(Submit.safeParse({ by: 'a@lab.example', ethics: { harm: 'a'.repeat(2_001) } }).error!)).toContain('ethics.harm');
    expect(Submit.safeParse({ by: 'a@lab.example', ethics: { 'Not An Id': 'yes' } }).success).toBe(false);
    const tasks = Array.from({ length: 11 }, () => 't'.repeat(500));
    const decision = { reviewId: 'r1', reviewer: 'a@lab.example', verdict: 'request-changes', tasks };
    expect(describeIssues(Decision.safeParse(decision).error!)).toContain('tasks: must come to at most 5000 characters in all');
  });

  it('the CLI prints no character a terminal would act on, and keeps line breaks and tabs', () => {
    expect(printable('Olu\u001b[2J\u0007 owner\u009b\u202e\tok\nnext')).toBe('Olu[2J owner\tok\nnext');
  });
});
