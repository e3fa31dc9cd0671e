/**
 * What every command shares: where output goes, the session, the common options, and the one way
 * a component update is sent (validated locally with the workflow's own schema first).
 */
import type { UpdateDefinition } from '@temporalio/common';
import { Option } from 'commander';
import type { z } from 'zod';
import { parseInput } from '../../machines/validation.js';
import type { ComponentStatus } from '../../workflows/definitions.js';
import { email, level, type ComponentRef } from './args.js';
import type { Session } from './session.js';

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

export interface Context {
  io: Io;
  session: Session;
}

export const byOption = (description = 'who is acting (email of an owner or a roster member)') =>
  new Option('--by <email>', description).argParser(email('--by')).makeOptionMandatory();

export const reasonOption = (description = 'why, for the record') => new Option('--reason <text>', description).makeOptionMandatory();

export const levelOption = (flags: string, description: string) => new Option(flags, description).argParser(level(flags.split(' ')[0]));

export const jsonOption = () => new Option('--json', 'print the raw object as JSON (for scripts)');

/** Print `value` as JSON when asked, else its readable rendering. */
export function show<T>(ctx: Context, json: boolean | undefined, value: T, render: (value: T) => string): void {
  ctx.io.out(json ? JSON.stringify(value, null, 2) : render(value));
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Validate `raw` with the update's schema (so bad input never reaches the server), then send it.
 * `what` is the command's name: it starts every error line.
 */
export async function updateComponent<S extends z.ZodType>(
  ctx: Context,
  ref: ComponentRef,
  what: string,
  update: UpdateDefinition<ComponentStatus, [z.input<S>]>,
  schema: S,
  raw: unknown,
): Promise<ComponentStatus> {
  const payload = parseInput(schema, raw, what) as z.input<S>;
  return ctx.session.withComponent(ref, what, (handle) => handle.executeUpdate(update, { args: [payload] }));
}
