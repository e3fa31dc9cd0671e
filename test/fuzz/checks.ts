/**
 * What a clear error is, as the fuzz suites check it: one line, no stack trace, starting with the
 * message (or command) it refuses, naming the field at fault, and short enough to read — an error
 * must not echo a megabyte of its input back.
 */

/** Longest error line a person can still be expected to read. */
export const MAX_ERROR_LENGTH = 1_000;

const LINE_BREAK = /[\r\n\u2028\u2029\u0085]/;
const STACK_FRAME = /\bat .+\(.+:\d+:\d+\)|\bat (file|node):|\.ts:\d+:\d+/;

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Problems with an error message, empty when it is clear. */
export function unclearError(message: string, options: { what?: string; fields?: string[]; maxLength?: number } = {}): string[] {
  const problems: string[] = [];
  if (LINE_BREAK.test(message)) problems.push('spans several lines');
  if (STACK_FRAME.test(message)) problems.push('carries a stack trace');
  if (message.length > (options.maxLength ?? MAX_ERROR_LENGTH)) problems.push(`is ${message.length} characters long`);
  if (options.what !== undefined) {
    const prefix = `${options.what}: `;
    if (!message.startsWith(prefix)) problems.push(`does not start with "${prefix}"`);
    else if (options.fields) {
      const rest = message.slice(prefix.length);
      const field = new RegExp(`^(\\(input\\): |unknown keys? "|(${options.fields.map(escape).join('|')})([.[]|: ))`);
      if (!field.test(rest)) problems.push(`does not name a field (${options.fields.join(', ')}) first`);
    }
  }
  return problems;
}

/**
 * The CPU time this process spends while `run` runs, in milliseconds: what tells linear from
 * quadratic time. The wall clock does not: other processes on a busy machine stretch it at will.
 */
export async function cpuMillis(run: () => unknown): Promise<number> {
  const before = process.cpuUsage();
  await run();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1_000;
}
