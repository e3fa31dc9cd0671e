/**
 * How the CLI ends: one line on stderr and an exit code a script can branch on.
 *   0  done
 *   1  the server could not be reached, or what was named does not exist
 *   2  the request itself was wrong (an argument, a file, a refused rule): nothing changed
 */
import { CommanderError } from 'commander';
import { InputError, quoted } from '../../machines/validation.js';
import { ClientError } from '../runtime/client.js';
import { ConfigError } from '../runtime/config.js';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_BAD_INPUT = 2;

/** A command-line argument, option or file that cannot be used as given. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * Messages may quote server text, JSON parser output or what was typed: keep them to a single line.
 * Every run of whitespace (\r, U+2028 and U+2029 included; NEL is not in \s) becomes one space, in
 * one linear pass (a pattern such as `\s*\n\s*` takes quadratic time on a long run of spaces).
 */
export function oneLine(text: string): string {
  return text.replace(/[\s\u0085]+/g, ' ').trim();
}

/**
 * Commander echoes what was typed in single quotes (`unknown command '…'`, `unknown option '…'`,
 * `option '--format <format>' argument '…' is invalid`): quote it as the CLI's own messages do,
 * escaped and cut when long. The greedy match runs to the last quote, so a value holding quotes
 * is still taken whole.
 */
export function commanderLine(text: string): string {
  return oneLine(text.replace(/(?<=(?:unknown option|unknown command|' argument) )'([\s\S]*)'/, (_, value: string) => quoted(value)));
}

export function exitCodeFor(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT_OK : EXIT_BAD_INPUT;
  if (error instanceof UsageError || error instanceof InputError || error instanceof ConfigError) return EXIT_BAD_INPUT;
  if (error instanceof ClientError) return ['invalid', 'refused', 'conflict'].includes(error.kind) ? EXIT_BAD_INPUT : EXIT_FAILED;
  return EXIT_FAILED;
}

/** The line to print for an error, or undefined when commander has already printed it. */
export function messageFor(error: unknown): string | undefined {
  if (error instanceof CommanderError) return undefined;
  return `error: ${oneLine(error instanceof Error ? error.message : String(error))}`;
}

/** Was this error foreseen (bad input, refusal, outage)? Unforeseen ones may show a stack on request. */
export function isExpected(error: unknown): boolean {
  return (
    error instanceof CommanderError ||
    error instanceof UsageError ||
    error instanceof InputError ||
    error instanceof ConfigError ||
    error instanceof ClientError
  );
}
