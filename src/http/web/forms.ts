/**
 * What every form a signed-in person posts shares: who is acting (the session, never the form),
 * the posted fields, each validation error beside the field it names, and the rules' refusals in
 * words. Form fields are named by their path in the payload (`requirements[0].pFailure`), the way
 * zod's issues and the rules' reasons name them, so an error finds its field without a table.
 */
import type { Context } from 'hono';
import { html } from 'hono/html';
import type { z } from 'zod';
import { fieldName } from '../../../machines/validation.js';
import type { Html } from '../../render/markup.js';
import type { Person } from '../core/session.js';
import { messagePage } from './layout.js';
import { signInHref } from './viewer.js';

/** Messages by field path; '' holds those that name no field on the form. */
export type FieldErrors = Map<string, string[]>;

export function addError(errors: FieldErrors, field: string, message: string): void {
  errors.set(field, [...(errors.get(field) ?? []), message]);
}

/** A zod failure as messages by field path, each path prefixed (`prefix` is where the payload sits in the form). */
export function zodErrors(error: z.ZodError, prefix: readonly PropertyKey[] = []): FieldErrors {
  const errors: FieldErrors = new Map();
  for (const issue of error.issues) {
    const path = [...prefix, ...issue.path];
    const keys = issue.code === 'unrecognized_keys' ? ` (${issue.keys.join(', ')})` : '';
    addError(errors, path.length ? fieldName(path) : '', `${issue.message}${keys}`);
  }
  return errors;
}

/**
 * The rules' refusal ("a: …; b: …") as messages by field: a reason that starts with a field on the
 * form goes beside it, any other at the top of the form.
 */
export function refusalErrors(message: string, fields: readonly string[]): FieldErrors {
  const errors: FieldErrors = new Map();
  for (const reason of message.split(/; (?=[\w[\].-]+: |[a-z])/)) {
    const field = fields.find((f) => reason.startsWith(`${f}: `));
    addError(errors, field ?? '', field ? reason.slice(field.length + 2) : reason);
  }
  return errors;
}

/** The id of a field's input and of its error text: a path made safe for an id. */
export const fieldId = (field: string) => `f-${field.replace(/[^A-Za-z0-9_-]+/g, '-')}`;

/** The attributes tying an input to its error: described by it, and invalid while it has one. */
export function describedBy(field: string, errors: FieldErrors): Html | string {
  return errors.has(field) ? html` aria-invalid="true" aria-describedby="${fieldId(field)}-error"` : '';
}

/** The errors of one field, right under it. */
export function fieldError(field: string, errors: FieldErrors): Html | string {
  const messages = errors.get(field);
  return messages ? html`<p class="field-error" id="${fieldId(field)}-error">${messages.join('; ')}</p>` : '';
}

/** Errors naming no field on the form (or every error, when asked), above it, announced. */
export function formErrors(errors: FieldErrors, title = 'Not done'): Html | string {
  const general = errors.get('') ?? [];
  const others = [...errors.entries()].filter(([field]) => field !== '');
  if (general.length === 0 && others.length === 0) return '';
  return html`<div class="notice error" role="alert" tabindex="-1" id="form-errors"><p><strong>${title}</strong>${others.length ? html`: ${others.length} field${others.length === 1 ? '' : 's'} to correct, each marked below` : ''}.</p>
${general.length ? html`<ul>${general.map((m) => html`<li>${m}</li>`)}</ul>` : ''}</div>`;
}

interface FieldOptions {
  type?: 'text' | 'number' | 'url' | 'email' | 'textarea';
  value?: string | number | undefined;
  hint?: string;
  required?: boolean;
  attrs?: Html | string;
}

/** A labelled input (or textarea) with its hint and its error. */
export function field(name: string, label: string, errors: FieldErrors, options: FieldOptions = {}): Html {
  const id = fieldId(name);
  const value = options.value === undefined ? '' : String(options.value);
  const hintId = options.hint ? `${id}-hint` : undefined;
  const described = [hintId, errors.has(name) ? `${id}-error` : undefined].filter(Boolean).join(' ');
  const common = html`id="${id}" name="${name}"${described ? html` aria-describedby="${described}"` : ''}${errors.has(name) ? html` aria-invalid="true"` : ''}${options.required ? html` required` : ''}${options.attrs ?? ''}`;
  const input =
    options.type === 'textarea' ? html`<textarea ${common}>${value}</textarea>` : html`<input type="${options.type ?? 'text'}" ${common} value="${value}" />`;
  return html`<div class="field"><label for="${id}">${label}</label>${options.hint ? html`<p class="hint" id="${hintId}">${options.hint}</p>` : ''}${input}${fieldError(name, errors)}</div>`;
}

/** A posted text, or undefined when it is blank: an optional field left empty is not sent. */
export const given = (text: string | undefined) => (text === undefined || text.trim() === '' ? undefined : text);

/** A number field as posted: a number, or the text itself so the schema names it as not a number. */
export const numberOf = (text: string | undefined): number | string | undefined => {
  const t = given(text);
  if (t === undefined) return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : t;
};

/** The posted fields that are text (files are read where a form takes one). */
export async function postedText(c: Context): Promise<Record<string, string>> {
  const body = await c.req.parseBody();
  return Object.fromEntries(Object.entries(body).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

/** The signed-in person, or the page that asks them to sign in (401): the session names who acts, never a form. */
export function signedIn(c: Context): Person | Response | Promise<Response> {
  const person = c.get('person');
  if (person) return person;
  const back = c.req.method === 'GET' ? signInHref(c) : signInHref(c, '/');
  const offered = c.get('signInOffered');
  return c.html(
    messagePage('Sign in first', 'error', [html`This page acts as the person signed in. ${offered ? html`<a href="${back}">Sign in</a> and try again.` : 'This server offers no sign-in (MLTRL_OIDC_ISSUER); use the CLI or the API.'}`], [{ href: '/', text: 'All projects' }]),
    401,
  );
}

/** The rules said no to this person: nothing was done. */
export function refusedPage(c: Context, what: string, reason: string, back: { href: string; text: string }): Response | Promise<Response> {
  return c.html(messagePage(`${what}: refused`, 'error', [html`${reason}`, html`Nothing was changed.`], [back]), 403);
}
