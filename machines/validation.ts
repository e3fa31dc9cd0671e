/**
 * One way to turn a zod failure into one clear line naming the field and the rule, shared by the
 * CLI, the HTTP API, the project loader and the workflows' update validators.
 */
import type { z } from 'zod';

export class InputError extends Error {
  override readonly name = 'InputError';
}

/** A key as a person reads it: bare when it is a plain name, quoted (newlines and all escaped) when not. */
function keyText(key: PropertyKey): string {
  const text = String(key);
  return /^[A-Za-z_$][\w$-]*$/.test(text) ? text : JSON.stringify(text);
}

function fieldName(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(input)';
  return path.map((part, index) => (typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${keyText(part)}`)).join('');
}

export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      if (issue.code === 'unrecognized_keys') {
        const where = issue.path.length ? `${fieldName(issue.path)}: ` : '';
        return `${where}unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')} (not allowed)`;
      }
      return `${fieldName(issue.path)}: ${issue.message}`;
    })
    .join('; ')
    // One line, always: nothing a user typed may break the error across lines.
    .replace(/[\r\n\u2028\u2029]+/g, ' ');
}

/** Parse `input` or throw an InputError whose message starts with `what` and names every bad field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw new InputError(`${what}: ${describeIssues(result.error)}`);
  return result.data;
}
