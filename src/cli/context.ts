/**
 * What every command shares: where output goes, the session, the common options, and the one way
 * a component update is sent (validated locally with the workflow's own schema first).
 */
import { Option } from 'commander';
import type { z } from 'zod';
import { parseInput } from '../../machines/validation.js';
import type { ComponentStatus } from '../../workflows/definitions.js';
import { email, level, type ComponentRef } from './args.js';
import { COMPONENT_UPDATES, type Backend, type ComponentUpdate, type UpdatePayload } from './backend.js';

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

export interface Context {
  io: Io;
  session: Backend;
}

/**
 * Who acts (`--by`, `--as`): mandatory with Temporal; through the API the token's person, so the
 * option may be left out, and if given must name that person (./apiSession.ts checks).
 */
export const actorOption = (ctx: Context, flags: string, description: string) =>
  new Option(flags, ctx.session.actsAsToken ? `${description}; through the API, the token's person (the default)` : description)
    .argParser(email(flags.split(' ')[0]))
    .makeOptionMandatory(!ctx.session.actsAsToken);

export const byOption = (ctx: Context, description = 'who is acting (email of an owner or a roster member)') => actorOption(ctx, '--by <email>', description);

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
 * A schema as checked locally: the workflow's own, with `who` (`by`, `reviewer`) optional when it
 * was left out, which only the API allows (the token's person acts; the server fills it in).
 */
export function actingSchema<S extends z.ZodObject, W extends keyof z.output<S> & string>(schema: S, who: W, given: unknown) {
  type Acting = Omit<z.output<S>, W> & Partial<Pick<z.output<S>, W>>;
  const schemaHere = given === undefined ? schema.partial({ [who]: true } as Record<string, true>) : schema;
  return schemaHere as unknown as z.ZodType<Acting>;
}

/**
 * Validate `raw` with the update's schema (so bad input never reaches the server), then send it.
 * `what` is the command's name: it starts every error line.
 */
export async function updateComponent(ctx: Context, ref: ComponentRef, what: string, update: ComponentUpdate, raw: Record<string, unknown> & { by?: string }): Promise<ComponentStatus> {
  const payload = parseInput(actingSchema(COMPONENT_UPDATES[update].schema as z.ZodObject, 'by', raw.by), raw, what) as UpdatePayload;
  return ctx.session.updateComponent(what, ref, update, payload);
}
