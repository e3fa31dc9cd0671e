/**
 * One way to turn a zod failure into one clear line naming the field and the rule, shared by the
 * CLI, the HTTP API, the project loader and the workflows' update validators.
 */
import type { z } from 'zod';

export class InputError extends Error {
  override readonly name = 'InputError';
}

/** Longest piece of user input quoted back in a message. */
const QUOTED_MAX = 60;

/** User input quoted on one line, cut when long: `"abc…" (5000 characters)`. */
export function quoted(value: string): string {
  const shown = value.length > QUOTED_MAX ? `${value.slice(0, QUOTED_MAX)}…` : value;
  // JSON escapes \n and \r but keeps the Unicode line and paragraph separators (and NEL) raw.
  const oneLine = JSON.stringify(shown).replace(/[\u2028\u2029\u0085]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `${oneLine}${value.length > QUOTED_MAX ? ` (${value.length} characters)` : ''}`;
}

/** A key as a person reads it: bare when it is a short plain name, quoted and cut when not. */
function keyText(key: PropertyKey): string {
  const text = String(key);
  return /^[A-Za-z_$][\w$-]{0,59}$/.test(text) ? text : quoted(text);
}

function fieldName(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(input)';
  return path.map((part, index) => (typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${keyText(part)}`)).join('');
}

/** Issues named in one message by default; the rest are counted, so a message stays readable on one line. */
const ISSUES_SHOWN = 3;

/** Every issue, or the first `limit` and a count of the rest (configuration names every bad variable). */
export function describeIssues(error: z.ZodError, limit: number = ISSUES_SHOWN): string {
  const more = error.issues.length - limit;
  return error.issues
    .slice(0, limit)
    .map((issue) => {
      if (issue.code === 'unrecognized_keys') {
        const where = issue.path.length ? `${fieldName(issue.path)}: ` : '';
        return `${where}unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.slice(0, ISSUES_SHOWN).map(quoted).join(', ')}${issue.keys.length > ISSUES_SHOWN ? ` and ${issue.keys.length - ISSUES_SHOWN} more` : ''} (not allowed)`;
      }
      return `${fieldName(issue.path)}: ${issue.message}`;
    })
    .join('; ')
    .concat(more > 0 ? `; and ${more} more problem${more === 1 ? '' : 's'}` : '')
    // One line, always: nothing a user typed may break the error across lines.
    .replace(/[\r\n\u2028\u2029]+/g, ' ');
}

/** Parse `input` or throw an InputError whose message starts with `what` and names every bad field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw new InputError(`${what}: ${describeIssues(result.error)}`);
  return result.data;
}
