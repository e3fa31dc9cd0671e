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

/** A field path as messages and form field names spell it: `requirements[0].pFailure`. */
export function fieldName(path: readonly PropertyKey[]): string {
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

/** Why a payload could not be read; a closed set, so a refusal never quotes a decoder's error text. */
export type UndecodableReason = 'unknown-encoding' | 'no-encoding' | 'not-json' | 'no-data' | 'null-with-data' | 'bytes';

/**
 * What the worker's payload converter (workflows/payloadConverter.ts) hands a handler in place of
 * an argument it cannot decode, so that the handler refuses it like any other bad input instead of
 * the workflow task failing on it. A class, so no JSON a client sends can pass for one; frozen and
 * small: `encoding` is at most ENCODING_MAX printable characters of what the sender claimed.
 */
export class UndecodablePayload {
  readonly encoding: string;
  readonly reason: UndecodableReason;

  constructor(encoding: string, reason: UndecodableReason) {
    this.encoding = encoding;
    this.reason = reason;
    Object.freeze(this);
  }
}

/** Longest encoding name kept from a payload's metadata. */
export const ENCODING_MAX = 64;

/** A claimed encoding as it may be shown: printable ASCII only, cut at ENCODING_MAX characters. */
export function encodingName(raw: string): string {
  return raw.replace(/[^\x20-\x7e]/g, '?').slice(0, ENCODING_MAX);
}

/**
 * The undecodable payload `input` stands for, if any. Raw bytes count as one: the SDK's default
 * converter decodes `binary/plain` to a Uint8Array, and mltrl reads only JSON.
 */
export function undecodable(input: unknown): UndecodablePayload | undefined {
  if (input instanceof UndecodablePayload) return input;
  if (input instanceof Uint8Array) return new UndecodablePayload('binary/plain', 'bytes');
  return undefined;
}

const SEND_JSON = 'send JSON (json/plain)';

/** One line naming the message and the rule the payload broke. */
export function describeUndecodable(payload: UndecodablePayload, what: string): string {
  const encoding = quoted(payload.encoding);
  switch (payload.reason) {
    case 'no-encoding':
      return `${what}: the payload has no encoding in its metadata: ${SEND_JSON}`;
    case 'not-json':
      return `${what}: the payload's bytes are not valid JSON under encoding ${encoding}: ${SEND_JSON}`;
    case 'no-data':
      return `${what}: the payload under encoding ${encoding} carries no data: ${SEND_JSON}`;
    case 'null-with-data':
      return `${what}: the payload's encoding ${encoding} means no value, yet it carries data: ${SEND_JSON}`;
    case 'unknown-encoding':
    case 'bytes':
      return `${what}: the payload's encoding ${encoding} is not one mltrl reads: ${SEND_JSON}`;
  }
}

export type Checked<T> = { success: true; data: T } | { success: false; message: string };

/** parseInput without the throw, for handlers that record a refusal rather than raise one. */
export function checkInput<S extends z.ZodType>(schema: S, input: unknown, what: string): Checked<z.output<S>> {
  const payload = undecodable(input);
  if (payload) return { success: false, message: describeUndecodable(payload, what) };
  const result = schema.safeParse(input);
  if (!result.success) return { success: false, message: `${what}: ${describeIssues(result.error)}` };
  return { success: true, data: result.data };
}

/** Parse `input` or throw an InputError whose message starts with `what` and names every bad field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = checkInput(schema, input, what);
  if (!result.success) throw new InputError(result.message);
  return result.data;
}
