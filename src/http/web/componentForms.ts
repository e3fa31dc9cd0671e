/**
 * A component's forms for the signed-in person: edit the card, submit for review (ethics answers,
 * open tasks, the gate), the lifecycle actions (discovery switchback, pause, resume, retire,
 * branch, a re-review's ethics answers), and the history page. Each form is shown only to people
 * the rules would take it from (the component's `permissions` query, machines/permissions.ts), and
 * each post goes through the workflow's own update, whose validator asks `accept` again: a person
 * who posts without the form is refused there, with the rules' reason.
 */
import { Hono, type Context } from 'hono';
import { html } from 'hono/html';
import { utcMinute } from '../../../machines/dates.js';
import { levelDefinition } from '../../../machines/levels.js';
import { RequirementStatus, Slug, TEXT_DELIVERABLE_KEYS, type CardContent } from '../../../machines/model.js';
import { noPermissions, type Permissions } from '../../../machines/permissions.js';
import {
  AnswerEthics,
  Branch,
  DiscoverySwitchback,
  LifecycleChange,
  Submit,
  UpdateCard,
  answerEthicsUpdate,
  branchUpdate,
  cardQuery,
  historyQuery,
  pauseUpdate,
  permissionsQuery,
  resumeUpdate,
  retireUpdate,
  statusQuery,
  submitUpdate,
  switchbackUpdate,
  updateCardUpdate,
  type CardView,
  type ComponentStatus,
} from '../../../workflows/definitions.js';
import type { Html } from '../../render/markup.js';
import { htmlTable } from '../../render/tables.js';
import { ClientError, call, componentHandle } from '../../runtime/client.js';
import type { AppDependencies } from '../core/dependencies.js';
import { problemFor } from '../core/problems.js';
import type { Person } from '../core/session.js';
import { addError, field, fieldError, fieldId, formErrors, given, numberOf, postedText, refusalErrors, refusedPage, signedIn, zodErrors, type FieldErrors } from './forms.js';
import { componentPath, label, levelBadge, stateBadge } from './fragments.js';
import { layout, messagePage } from './layout.js';

const TEXT_KEYS = new Set<string>(TEXT_DELIVERABLE_KEYS);
const CATEGORIES = ['functional', 'performance', 'security', 'privacy', 'fairness', 'data', 'other'] as const;
/** Blank requirement rows the editor offers for new ones. */
const NEW_REQUIREMENT_ROWS = 2;

interface Loaded {
  projectId: string;
  componentId: string;
  status: ComponentStatus;
  card: CardView;
  may: Permissions;
}

/** What the person may do to a component: the rules' answer, or nothing when the component (or this worker's version) cannot say. */
export async function permissionsOf(deps: AppDependencies, projectId: string, componentId: string, person: Person | undefined): Promise<Permissions> {
  if (!person) return noPermissions();
  try {
    return await call(() => componentHandle(deps.client, projectId, componentId).query(permissionsQuery, person.email));
  } catch {
    return noPermissions(person.email);
  }
}

const ACTIONS = ['pause', 'resume', 'retire', 'switchback', 'branch', 'answer-ethics'] as const;
type Action = (typeof ACTIONS)[number];

/** Whether the actions panel shows this person the form of `action` (see `actionsSection`). */
function hasForm(may: Permissions, action: Action): boolean {
  switch (action) {
    case 'switchback':
      return may.switchbackTargets.length > 0;
    case 'answer-ethics':
      return may.answerEthics;
    default:
      return may[action];
  }
}

/** The actions panel of a component's page: only the forms the person may use, each posting to its own route. */
export function actionsSection(status: ComponentStatus, may: Permissions, errors: { action?: Action; errors: FieldErrors; form: Record<string, string> } = { errors: new Map(), form: {} }): Html | string {
  const base = componentPath(status.projectId, status.componentId);
  const own = (action: Action) => (errors.action === action ? errors.errors : new Map<string, string[]>());
  const value = (action: Action, name: string) => (errors.action === action ? errors.form[name] : undefined);
  const lifecycle = (action: 'pause' | 'resume' | 'retire', title: string, hint: string) => html`<form method="post" action="${base}/actions/${action}" class="action" aria-labelledby="${action}-title">
<h3 id="${action}-title">${title}</h3>${formErrors(own(action))}
${field('reason', 'Reason', own(action), { type: 'textarea', required: true, hint, value: value(action, 'reason'), attrs: html` data-action="${action}"` })}
<button type="submit"${action === 'retire' ? html` class="back"` : ''}>${title}</button></form>`;
  const forms: (Html | string)[] = [];
  if (may.editCard || may.submit) {
    forms.push(html`<p>${may.editCard ? html`<a href="${base}/edit">Edit the card</a>` : ''}${may.editCard && may.submit ? ' · ' : ''}${may.submit ? html`<a href="${base}/submit">Submit Level ${status.level} for review</a>` : ''}</p>`);
  }
  if (may.answerEthics && status.openReview?.awaitingEthics) {
    const ethics = own('answer-ethics');
    forms.push(html`<form method="post" action="${base}/actions/answer-ethics" class="action" aria-labelledby="answer-ethics-title">
<h3 id="answer-ethics-title">Answer re-review ${status.openReview.id}'s ethics checklist</h3>${formErrors(ethics)}
${may.ethicsItems.map((item) => field(`answers.${item.id}`, item.question, ethics, { type: 'textarea', required: true, value: value('answer-ethics', `answers.${item.id}`) }))}
<button type="submit">Send the answers to the panel</button></form>`);
  }
  if (may.switchbackTargets.length) {
    const sb = own('switchback');
    forms.push(html`<form method="post" action="${base}/actions/switchback" class="action" aria-labelledby="switchback-title">
<h3 id="switchback-title">Discovery switchback</h3><p class="muted">Something found at Level ${status.level} sends the component back: it earns every level above the target again.</p>${formErrors(sb)}
<div class="field"><label for="${fieldId('targetLevel')}">Back to level</label><select id="${fieldId('targetLevel')}" name="targetLevel">${may.switchbackTargets.map((level) => html`<option value="${level}"${String(level) === value('switchback', 'targetLevel') ? ' selected' : ''}>Level ${level} · ${levelDefinition(level).name}</option>`)}</select>${fieldError('targetLevel', sb)}</div>
${field('reason', 'Reason', sb, { type: 'textarea', required: true, value: value('switchback', 'reason'), attrs: html` data-action="switchback"` })}
<button type="submit" class="back">Switch back</button></form>`);
  }
  if (may.pause) forms.push(lifecycle('pause', 'Pause', 'Reviews and reminders wait until it resumes.'));
  if (may.resume) forms.push(lifecycle('resume', 'Resume', 'Work and any open review carry on.'));
  if (may.branch) {
    const br = own('branch');
    forms.push(html`<form method="post" action="${base}/actions/branch" class="action" aria-labelledby="branch-title">
<h3 id="branch-title">Branch a research copy</h3>${formErrors(br)}
${field('componentId', 'New component id', br, { required: true, value: value('branch', 'componentId'), hint: 'Lowercase letters, digits and dashes.' })}
${field('name', 'Name (optional)', br, { value: value('branch', 'name') })}
${field('level', 'Starts at level', br, { type: 'number', required: true, value: value('branch', 'level') ?? Math.min(status.level, 4), attrs: html` min="0" max="${status.level}"` })}
<button type="submit">Branch</button></form>`);
  }
  if (may.retire) forms.push(lifecycle('retire', 'Retire', 'Final: a retired component takes nothing more.'));
  if (forms.length === 0) return '';
  return html`<section class="panel" aria-labelledby="actions"><h2 id="actions">What you can do</h2>${forms}</section>`;
}

/** Read a component and what the person may do with it, or the page saying why not. */
async function load(deps: AppDependencies, c: Context, person: Person | undefined): Promise<Loaded | Response> {
  const projectId = Slug.safeParse(c.req.param('projectId'));
  const componentId = Slug.safeParse(c.req.param('componentId'));
  if (!projectId.success || !componentId.success) return c.html(messagePage('Not found', 'error', [html`There is no such component.`]), 404);
  const handle = componentHandle(deps.client, projectId.data, componentId.data);
  try {
    const [status, card, may] = await Promise.all([
      call(() => handle.query(statusQuery)),
      call(() => handle.query(cardQuery)),
      permissionsOf(deps, projectId.data, componentId.data, person),
    ]);
    return { projectId: projectId.data, componentId: componentId.data, status, card, may };
  } catch (error) {
    const problem = problemFor(error);
    return c.html(messagePage(problem.status === 404 ? 'Not found' : 'Unavailable', 'error', [html`${problem.message}`], [{ href: '/', text: 'All projects' }]), problem.status);
  }
}

const crumbs = (l: Loaded, here: string) =>
  html`<p><a href="/">All projects</a> › <a href="/projects/${l.projectId}">${l.projectId}</a> › <a href="${componentPath(l.projectId, l.componentId)}">${l.status.name}</a> › ${here}</p>`;

/** A deliverable as the editor shows it: its text, or (named parts) one text per part. */
function deliverableText(content: CardContent, key: string): string {
  const value = content[key];
  if (typeof value === 'string') return value;
  return '';
}

/** The card's text deliverables the current level asks for (a `key.part` check edits that part). */
function textDeliverables(may: Permissions): string[] {
  return may.deliverables.filter((d) => TEXT_KEYS.has(d.split('.')[0]));
}

function editorPage(l: Loaded, errors: FieldErrors, form?: Record<string, string>): Html {
  const content = l.card.content;
  const v = (name: string, stored: string | number | undefined) => (form ? form[name] : stored);
  const requirements = [...content.requirements, ...Array.from({ length: NEW_REQUIREMENT_ROWS }, () => undefined)];
  const debriefLevel = l.status.level > 0 ? l.status.level - 1 : 0;
  const debrief = content.debriefs?.find((d) => d.level === debriefLevel);
  const links = Object.entries(content.links ?? {}).map(([name, url]) => `${name} ${url}`).join('\n');
  return layout(
    `Edit the card: ${l.status.name}`,
    html`${crumbs(l, 'edit the card')}
<h1>Edit the card of ${l.status.name}</h1>
<p>${levelBadge(l.status.level)} ${stateBadge(l.status.state)} <span class="muted">card revision ${l.card.revision}; you edit as <strong>${l.may.email}</strong></span></p>
${formErrors(errors, 'The card was not saved')}
<form method="post" action="${componentPath(l.projectId, l.componentId)}/edit" class="editor">
<input type="hidden" name="revision" value="${l.card.revision}" />
<fieldset><legend>Level ${l.status.level} deliverables</legend>
${field('techName', 'Technology name', errors, { value: v('techName', content.techName) })}
${textDeliverables(l.may).map((key) => {
  const [top, part] = key.split('.') as [string, string | undefined];
  const stored = part ? ((content[top] as Record<string, string> | undefined)?.[part] ?? '') : deliverableText(content, top);
  return field(key, part ? `${label(top)}: ${label(part)}` : label(top), errors, { type: 'textarea', value: v(key, stored) });
})}
</fieldset>
<fieldset><legend>Versions</legend><div class="row3">
${(['code', 'model', 'data'] as const).map((k) => field(`versions.${k}`, `${k[0].toUpperCase()}${k.slice(1)} version`, errors, { value: v(`versions.${k}`, content.versions?.[k]), hint: 'e.g. 1.4.0' }))}
</div></fieldset>
${field('links', 'Links', errors, { type: 'textarea', value: v('links', links), hint: 'One a line: a name, a space, the URL (e.g. repo https://git.example.com/x).' })}
<fieldset><legend>Requirements</legend><p class="hint">Risk is pFailure × value; a flagged requirement needs a mitigation before a submit. Leave a new row's id empty to add nothing.</p>
${requirements.map((r, i) => {
  const p = `requirements[${i}]`;
  return html`<fieldset class="requirement"><legend>${r ? r.id : 'New requirement'}</legend>
${field(`${p}.id`, 'Id', errors, { value: v(`${p}.id`, r?.id), hint: 'R2.1 (research) or P13.2 (product)' })}
${field(`${p}.statement`, 'Statement', errors, { type: 'textarea', value: v(`${p}.statement`, r?.statement) })}
<div class="field"><label for="${fieldId(`${p}.category`)}">Category</label><select id="${fieldId(`${p}.category`)}" name="${p}.category"><option value="">-</option>${CATEGORIES.map((cat) => html`<option${(v(`${p}.category`, r?.category) ?? '') === cat ? ' selected' : ''}>${cat}</option>`)}</select>${fieldError(`${p}.category`, errors)}</div>
<div class="row3">${field(`${p}.pFailure`, 'pFailure (0 to 1)', errors, { type: 'number', value: v(`${p}.pFailure`, r?.pFailure), attrs: html` min="0" max="1" step="any"` })}
${field(`${p}.value`, 'Value (1 to 10)', errors, { type: 'number', value: v(`${p}.value`, r?.value), attrs: html` min="1" max="10" step="1"` })}
<div class="field"><label for="${fieldId(`${p}.status`)}">Status</label><select id="${fieldId(`${p}.status`)}" name="${p}.status"><option value="">-</option>${RequirementStatus.options.map((s) => html`<option${(v(`${p}.status`, r?.status) ?? '') === s ? ' selected' : ''}>${s}</option>`)}</select>${fieldError(`${p}.status`, errors)}</div></div>
${field(`${p}.mitigation`, 'Mitigation', errors, { type: 'textarea', value: v(`${p}.mitigation`, r?.mitigation) })}
${field(`${p}.verification`, 'Verification', errors, { type: 'textarea', value: v(`${p}.verification`, r?.verification) })}
${field(`${p}.validation`, 'Validation', errors, { type: 'textarea', value: v(`${p}.validation`, r?.validation) })}
</fieldset>`;
})}
</fieldset>
<fieldset><legend>Debrief of Level ${debriefLevel}</legend><p class="hint">The working group's post-mortem after a graduation; leave "done" empty to write none.</p>
<input type="hidden" name="debriefs[0].level" value="${debriefLevel}" />
${field('debriefs[0].done', 'What was done', errors, { type: 'textarea', value: v('debriefs[0].done', debrief?.done) })}
${field('debriefs[0].punted', 'What was punted', errors, { type: 'textarea', value: v('debriefs[0].punted', debrief?.punted) })}
${field('debriefs[0].learned', 'What was learned', errors, { type: 'textarea', value: v('debriefs[0].learned', debrief?.learned) })}
${field('debriefs[0].debt', 'Debt taken on', errors, { type: 'textarea', value: v('debriefs[0].debt', debrief?.debt) })}
</fieldset>
<button type="submit">Save the card</button>
</form>`,
  );
}

/** The card form as an updateCard patch: only what the form holds, with emptied texts cleared. */
function patchFrom(form: Record<string, string>, l: Loaded): { patch: Record<string, unknown>; errors: FieldErrors } {
  const errors: FieldErrors = new Map();
  const patch: Record<string, unknown> = {};
  const content = l.card.content;
  const tech = given(form['techName']);
  if (tech !== undefined && tech !== content.techName) patch['techName'] = tech;
  for (const key of textDeliverables(l.may)) {
    const [top, part] = key.split('.') as [string, string | undefined];
    const text = given(form[key]);
    if (part) {
      const current = (content[top] && typeof content[top] === 'object' ? content[top] : {}) as Record<string, string>;
      if (text !== undefined && text !== current[part]) patch[top] = { ...current, ...((patch[top]) ?? {}), [part]: text };
    } else if (text !== undefined ? text !== content[top] : content[top] !== undefined) {
      patch[top] = text ?? null;
    }
  }
  const versions = Object.fromEntries((['code', 'model', 'data'] as const).flatMap((k) => (given(form[`versions.${k}`]) ? [[k, form[`versions.${k}`].trim()]] : [])));
  if (JSON.stringify(versions) !== JSON.stringify(content.versions ?? {})) patch['versions'] = Object.keys(versions).length ? versions : null;
  const links: Record<string, string> = {};
  for (const line of (form['links'] ?? '').split(/\r?\n/).map((l) => l.trim()).filter(Boolean)) {
    const [name, url, ...rest] = line.split(/\s+/);
    if (!name || !url || rest.length) addError(errors, 'links', `"${line}": write a name, a space, then the URL`);
    else links[name] = url;
  }
  if (JSON.stringify(links) !== JSON.stringify(content.links ?? {})) patch['links'] = Object.keys(links).length ? links : null;
  const requirements: Record<string, unknown>[] = [];
  for (let i = 0; `requirements[${i}].id` in form; i++) {
    const p = `requirements[${i}]`;
    const id = given(form[`${p}.id`]);
    if (id === undefined) continue;
    const row = Object.fromEntries(
      Object.entries({
        id: id.trim(),
        statement: given(form[`${p}.statement`]),
        category: given(form[`${p}.category`]),
        pFailure: numberOf(form[`${p}.pFailure`]),
        value: numberOf(form[`${p}.value`]),
        status: given(form[`${p}.status`]),
        mitigation: given(form[`${p}.mitigation`]),
        verification: given(form[`${p}.verification`]),
        validation: given(form[`${p}.validation`]),
      }).filter(([, value]) => value !== undefined),
    );
    const stored = content.requirements.find((r) => r.id === row['id']);
    // Unchanged rows stay out of the patch, so its index i still names the form's row in an error.
    if (!stored || JSON.stringify(Object.entries(stored).sort()) !== JSON.stringify(Object.entries(row).sort())) requirements[i] = row;
  }
  if (requirements.length) patch['requirements'] = requirements;
  const done = given(form['debriefs[0].done']);
  if (done !== undefined) {
    const debrief = Object.fromEntries(
      Object.entries({ level: Number(form['debriefs[0].level']), done, punted: given(form['debriefs[0].punted']), learned: given(form['debriefs[0].learned']), debt: given(form['debriefs[0].debt']) }).filter(([, value]) => value !== undefined),
    );
    const stored = content.debriefs?.find((d) => d.level === debrief['level']);
    if (!stored || JSON.stringify(Object.entries(stored).sort()) !== JSON.stringify(Object.entries(debrief).sort())) patch['debriefs'] = [debrief];
  }
  return { patch, errors };
}

/** Requirement rows the patch left out (unchanged) are holes: the schema must see a dense list, and its errors the form's indexes. */
function densePatch(patch: Record<string, unknown>): { dense: Record<string, unknown>; index: number[] } {
  const rows = patch['requirements'] as (Record<string, unknown> | undefined)[] | undefined;
  if (!rows) return { dense: patch, index: [] };
  const index = rows.flatMap((row, i) => (row ? [i] : []));
  return { dense: { ...patch, requirements: index.map((i) => rows[i]) }, index };
}

function ethicsFields(items: Permissions['ethicsItems'], prefix: string, errors: FieldErrors, form: Record<string, string> | undefined, previous: Record<string, string> = {}): Html[] {
  return items.map((item) => field(`${prefix}.${item.id}`, item.question, errors, { type: 'textarea', required: true, value: form?.[`${prefix}.${item.id}`] ?? previous[item.id], hint: `${item.id} · ${item.stage}` }));
}

function submitPage(l: Loaded, errors: FieldErrors, form?: Record<string, string>): Html {
  const gate = l.status.gate;
  const definition = levelDefinition(l.status.level);
  const open = l.card.tasks.filter((t) => t.status === 'open' && t.level === l.status.level);
  const previous = [...l.card.ethics].reverse().find((e) => e.level === l.status.level)?.answers;
  const missing = [
    ...gate.missingDeliverables.map((d) => `deliverable: ${d}`),
    ...gate.unmitigatedRisks.map((r) => `mitigation needed: ${r}`),
    ...gate.panelGaps.map((r) => `not enough eligible reviewers: ${r}`),
    ...gate.openTasks.map((t) => `open task: ${t}`),
  ];
  return layout(
    `Submit: ${l.status.name}`,
    html`${crumbs(l, 'submit for review')}
<h1>Submit ${l.status.name} at Level ${l.status.level} for review</h1>
<section class="panel" aria-labelledby="gate"><h2 id="gate">The gate</h2>
${missing.length
  ? html`<p>Before the panel can be asked, the card still needs:</p><ul class="gate">${missing.map((m) => html`<li>${m}</li>`)}</ul><p><a href="${componentPath(l.projectId, l.componentId)}/edit">Edit the card</a></p>`
  : html`<p class="ok-text">Every deliverable of Level ${l.status.level} is on the card; the ethics answers and the task resolutions below complete the submit.</p>`}
</section>
${formErrors(errors, 'Not submitted')}
<form method="post" action="${componentPath(l.projectId, l.componentId)}/submit" class="editor">
<div class="field"><label for="${fieldId('proposal')}">Proposal</label><select id="${fieldId('proposal')}" name="proposal">${definition.proposals.map((p) => html`<option${form?.['proposal'] === p ? ' selected' : ''}>${p}</option>`)}</select>${fieldError('proposal', errors)}</div>
<fieldset><legend>Ethics checklist</legend>${fieldError('ethics', errors)}${ethicsFields(l.may.ethicsItems, 'ethics', errors, form, previous)}</fieldset>
${open.length
  ? html`<fieldset><legend>Requested changes to resolve</legend>${fieldError('resolutions', errors)}
${open.map((task) => {
  const p = `resolutions.${task.id}`;
  const chosen = form?.[`${p}.status`];
  return html`<fieldset class="task"><legend>${task.id}: ${task.text}</legend>
<div class="choices" role="radiogroup" aria-label="${task.id} resolved as">
<label class="inline"><input type="radio" name="${p}.status" value="done" required${chosen === 'done' ? ' checked' : ''} /> done</label>
<label class="inline"><input type="radio" name="${p}.status" value="carried"${chosen === 'carried' ? ' checked' : ''} /> carried forward</label></div>${fieldError(`${p}.status`, errors)}
${field(`${p}.note`, 'What was done, or why it is carried', errors, { type: 'textarea', required: true, value: form?.[`${p}.note`] })}
</fieldset>`;
})}</fieldset>`
  : ''}
${field('note', 'Note to the panel (optional)', errors, { type: 'textarea', value: form?.['note'] })}
<button type="submit">Submit for review</button>
</form>`,
  );
}

function historyPage(l: Loaded, entries: Awaited<ReturnType<typeof loadHistory>>): Html {
  return layout(
    `History: ${l.status.name}`,
    html`${crumbs(l, 'history')}
<h1>History of ${l.status.name}</h1>
<p class="muted">Every message the component took or refused, and every effect it carried out, oldest first.</p>
${htmlTable(['When', 'Who', 'What', 'Outcome', 'Level', 'Why'], entries.map((e) => ({ cells: [utcMinute(Date.parse(e.at)), e.who, e.what, e.outcome, e.level, e.why ?? ''], class: e.outcome === 'refused' || e.outcome === 'failed' ? 'flagged' : undefined })), { caption: 'Audit trail' })}`,
  );
}

async function loadHistory(deps: AppDependencies, l: { projectId: string; componentId: string }) {
  return call(() => componentHandle(deps.client, l.projectId, l.componentId).query(historyQuery));
}

export function componentFormPages(deps: AppDependencies, renderComponent: (c: Context, l: Loaded, actionErrors: Parameters<typeof actionsSection>[2]) => Promise<Response>): Hono {
  const web = new Hono();
  const path = '/projects/:projectId/components/:componentId';

  /** Signed in, the component read, and the rules allow `what`: or the page that says why not. */
  async function gated(c: Context, allowed: (may: Permissions) => boolean, what: string): Promise<{ person: Person; l: Loaded } | Response> {
    const person = signedIn(c);
    if (!('email' in person)) return person;
    const l = await load(deps, c, person);
    if (l instanceof Response) return l;
    if (!allowed(l.may)) {
      return refusedPage(c, what, `${person.email} may not ${what.toLowerCase()} ${l.status.name} now (the project's rules: owners, roster and the component's state decide).`, { href: componentPath(l.projectId, l.componentId), text: `${l.status.name}'s page` });
    }
    return { person, l };
  }

  /** An update refused by the workflow's rules: the form again with the reasons beside its fields. */
  const refused = (error: unknown): string | undefined => (error instanceof ClientError && (error.kind === 'refused' || error.kind === 'invalid') ? error.message : undefined);

  web.get(`${path}/edit`, async (c) => {
    const g = await gated(c, (may) => may.editCard, 'Edit the card');
    if (g instanceof Response) return g;
    return c.html(editorPage(g.l, new Map()));
  });

  web.post(`${path}/edit`, async (c) => {
    const g = await gated(c, () => true, 'Edit the card');
    if (g instanceof Response) return g;
    const { person, l } = g;
    const form = await postedText(c);
    const { patch, errors } = patchFrom(form, l);
    if (errors.size) return c.html(editorPage(l, errors, form), 400);
    if (Object.keys(patch).length === 0) return c.redirect(componentPath(l.projectId, l.componentId), 303);
    const { dense, index } = densePatch(patch);
    const parsed = UpdateCard.safeParse({ by: person.email, patch: dense });
    if (!parsed.success) {
      const mapped = zodErrors(parsed.error);
      // Issues name the dense list's rows: name the form's rows instead.
      const remapped: FieldErrors = new Map([...mapped].map(([k, m]) => [k.replace(/^patch\./, '').replace(/^requirements\[(\d+)\]/, (_, n: string) => `requirements[${index[Number(n)]}]`).replace(/^patch$/, ''), m]));
      return c.html(editorPage(l, remapped, form), 400);
    }
    try {
      await call(() => componentHandle(deps.client, l.projectId, l.componentId).executeUpdate(updateCardUpdate, { args: [parsed.data] }));
    } catch (error) {
      const reason = refused(error);
      if (reason === undefined) throw error;
      return c.html(editorPage(l, refusalErrors(reason, []), form), 403);
    }
    return c.redirect(componentPath(l.projectId, l.componentId), 303);
  });

  web.get(`${path}/submit`, async (c) => {
    const g = await gated(c, (may) => may.submit, 'Submit');
    if (g instanceof Response) return g;
    return c.html(submitPage(g.l, new Map()));
  });

  web.post(`${path}/submit`, async (c) => {
    const g = await gated(c, () => true, 'Submit');
    if (g instanceof Response) return g;
    const { person, l } = g;
    const form = await postedText(c);
    const ethics = Object.fromEntries(Object.entries(form).flatMap(([k, v]) => (k.startsWith('ethics.') && v.trim() ? [[k.slice(7), v]] : [])));
    const resolutions: Record<string, { status: string; note: string }> = {};
    for (const [k, v] of Object.entries(form)) {
      const m = /^resolutions\.([^.]+)\.(status|note)$/.exec(k);
      if (m) resolutions[m[1]] = { ...(resolutions[m[1]] ?? { status: '', note: '' }), [m[2]]: v };
    }
    const payload = { by: person.email, proposal: given(form['proposal']), ethics, ...(given(form['note']) ? { note: form['note'] } : {}), ...(Object.keys(resolutions).length ? { resolutions } : {}) };
    const parsed = Submit.safeParse(Object.fromEntries(Object.entries(payload).filter(([, value]) => value !== undefined)));
    if (!parsed.success) return c.html(submitPage(l, zodErrors(parsed.error), form), 400);
    try {
      await call(() => componentHandle(deps.client, l.projectId, l.componentId).executeUpdate(submitUpdate, { args: [parsed.data] }));
    } catch (error) {
      const reason = refused(error);
      if (reason === undefined) throw error;
      return c.html(submitPage(l, refusalErrors(reason, ['proposal', 'ethics', 'resolutions', 'note']), form), 403);
    }
    return c.redirect(componentPath(l.projectId, l.componentId), 303);
  });

  web.post(`${path}/actions/:action`, async (c) => {
    const action = c.req.param('action') as Action;
    if (!ACTIONS.includes(action)) return c.html(messagePage('Not found', 'error', [html`There is no such action.`]), 404);
    // The form is not shown to someone the rules refuse; a post without it still goes to the rules, which refuse it.
    const g = await gated(c, () => true, action);
    if (g instanceof Response) return g;
    const { person, l } = g;
    const form = await postedText(c);
    const handle = componentHandle(deps.client, l.projectId, l.componentId);
    const by = person.email;
    const send = async (): Promise<unknown> => {
      switch (action) {
        case 'pause':
        case 'resume':
        case 'retire': {
          const payload = LifecycleChange.safeParse({ by, reason: form['reason'] ?? '' });
          if (!payload.success) return zodErrors(payload.error);
          const update = { pause: pauseUpdate, resume: resumeUpdate, retire: retireUpdate }[action];
          return call(() => handle.executeUpdate(update, { args: [payload.data] }));
        }
        case 'switchback': {
          const payload = DiscoverySwitchback.safeParse({ by, kind: 'discovery', targetLevel: numberOf(form['targetLevel']), reason: form['reason'] ?? '' });
          if (!payload.success) return zodErrors(payload.error);
          return call(() => handle.executeUpdate(switchbackUpdate, { args: [payload.data] }));
        }
        case 'branch': {
          const payload = Branch.safeParse({ by, componentId: form['componentId'] ?? '', level: numberOf(form['level']), ...(given(form['name']) ? { name: form['name'] } : {}) });
          if (!payload.success) return zodErrors(payload.error);
          return call(() => handle.executeUpdate(branchUpdate, { args: [payload.data] }));
        }
        case 'answer-ethics': {
          const answers = Object.fromEntries(Object.entries(form).flatMap(([k, v]) => (k.startsWith('answers.') ? [[k.slice(8), v]] : [])));
          const payload = AnswerEthics.safeParse({ by, answers });
          if (!payload.success) return zodErrors(payload.error);
          return call(() => handle.executeUpdate(answerEthicsUpdate, { args: [payload.data] }));
        }
      }
    };
    let errors: FieldErrors | undefined;
    try {
      const result = await send();
      if (result instanceof Map) errors = result as FieldErrors;
    } catch (error) {
      const reason = refused(error);
      if (reason === undefined) throw error;
      errors = refusalErrors(reason, ['reason', 'targetLevel', 'componentId', 'level', 'answers']);
      // Someone the rules do not know at all, or who has no such form now, sees the refusal on its own page: there is no form of theirs to fill again.
      if (/^by: /.test(reason) || !hasForm(l.may, action)) {
        return refusedPage(c, action, `${person.email} may not ${action} ${l.status.name} now: ${reason}`, { href: componentPath(l.projectId, l.componentId), text: `${l.status.name}'s page` });
      }
      addError(errors, '', 'Nothing was changed.');
    }
    if (errors) {
      const fresh = await load(deps, c, person);
      if (fresh instanceof Response) return fresh;
      const response = await renderComponent(c, fresh, { action, errors, form });
      return new Response(response.body, { status: 400, headers: response.headers });
    }
    if (action === 'branch') return c.redirect(componentPath(l.projectId, form['componentId'] ?? l.componentId), 303);
    return c.redirect(componentPath(l.projectId, l.componentId), 303);
  });

  web.get(`${path}/history`, async (c) => {
    const l = await load(deps, c, c.get('person'));
    if (l instanceof Response) return l;
    return c.html(historyPage(l, await loadHistory(deps, l)));
  });

  return web;
}

export type { Loaded as LoadedComponent };
export { load as loadComponent };
