/**
 * A project's own forms, for its owners: add a component (as `mltrl project add-component` and
 * `POST /api/projects/:projectId/components`) and edit the roster, one reviewer in or out of a role
 * at a time. A roster edit sends the whole new roster through the project workflow's `updateRoster`
 * update, as `mltrl project roster` and `PUT /api/projects/:projectId/roster` do; its validator
 * refuses anyone but an owner. Adding a component carries no `by`, so the route asks the same
 * owner rule the API route asks (../core/projectOwners.ts) before it sends `addComponent`.
 *
 * The forms are shown only to the project's owners (their links on the project page, and the
 * pages themselves); a post from anyone else is refused by those rules, and nothing changes.
 */
import { createHash } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { html } from 'hono/html';
import { LEVELS, MAX_ENTRY_LEVEL, ROLES } from '../../../machines/levels.js';
import { ComponentKind, Person as PersonSchema, RoleName, Slug, type Roster } from '../../../machines/model.js';
import { AddComponent, UpdateRoster, addComponentUpdate, projectRosterQuery, projectStatusQuery, updateRosterUpdate, type ProjectStatus } from '../../../workflows/definitions.js';
import type { Html } from '../../render/markup.js';
import { ClientError, call, projectHandle } from '../../runtime/client.js';
import type { AppDependencies } from '../core/dependencies.js';
import { problemFor } from '../core/problems.js';
import { addComponentRefusal, isProjectOwner } from '../core/projectOwners.js';
import type { Person } from '../core/session.js';
import { addError, field, fieldError, fieldId, formErrors, given, numberOf, refusalErrors, refusedPage, signedIn, zodErrors, type FieldErrors } from './forms.js';
import { componentPath, projectPath } from './fragments.js';
import { layout, messagePage } from './layout.js';

/** The owners' links on the project page: nothing for anyone else. */
export function projectActionsSection(project: ProjectStatus, person: Person | undefined): Html | string {
  if (!person || !isProjectOwner(project, person.email)) return '';
  const base = projectPath(project.projectId);
  return html`<section class="panel" aria-labelledby="project-actions"><h2 id="project-actions">What you can do</h2>
<p>You own this project: <a href="${base}/add-component">Add a component</a> · <a href="${base}/roster">Edit the roster</a></p></section>`;
}

/** The roster as the page was drawn from it: a post made from an older page is not applied over a newer roster. */
export function rosterVersion(roster: Roster): string {
  return createHash('sha256').update(JSON.stringify(roster)).digest('base64url').slice(0, 22);
}

/** Errors of fields the form does not have go above it, so none is lost; list items (`dependsOn[2]`) go beside their list. */
function onForm(errors: FieldErrors, fields: readonly string[]): FieldErrors {
  const placed: FieldErrors = new Map();
  for (const [key, messages] of errors) {
    const listed = key.replace(/\[\d+\]$/, '');
    const at = fields.includes(key) ? key : fields.includes(listed) ? listed : '';
    for (const message of messages) addError(placed, at, at === '' && key !== '' ? `${key}: ${message}` : message);
  }
  return placed;
}

const crumbs = (project: ProjectStatus, here: string) => html`<p><a href="/">All projects</a> › <a href="${projectPath(project.projectId)}">${project.projectId}</a> › ${here}</p>`;

// ---------------------------------------------------------------------------------------------
// Add a component
// ---------------------------------------------------------------------------------------------

const COMPONENT_FIELDS = ['id', 'name', 'kind', 'entryLevel', 'owner.name', 'owner.email', 'dependsOn', 'target.level', 'target.date'] as const;

function addComponentPage(project: ProjectStatus, person: Person, errors: FieldErrors = new Map(), form: Record<string, string> = {}, dependsOn: readonly string[] = []): Html {
  const option = (value: string | number, label: string, chosen: string | undefined) => html`<option value="${value}"${String(value) === chosen ? ' selected' : ''}>${label}</option>`;
  const select = (name: string, label: string, options: Html[], hint?: string) => {
    const id = fieldId(name);
    const described = [hint ? `${id}-hint` : '', errors.has(name) ? `${id}-error` : ''].filter(Boolean).join(' ');
    return html`<div class="field"><label for="${id}">${label}</label>${hint ? html`<p class="hint" id="${id}-hint">${hint}</p>` : ''}<select id="${id}" name="${name}"${described ? html` aria-describedby="${described}"` : ''}${errors.has(name) ? html` aria-invalid="true"` : ''}>${options}</select>${fieldError(name, errors)}</div>`;
  };
  const others = project.components;
  return layout(
    `Add a component: ${project.name}`,
    html`${crumbs(project, 'add a component')}
<h1>Add a component to ${project.name}</h1>
<p>It starts at its entry level with an empty TRL card, as a component of the project file would, and its owner hears from it from then on. A component adopted from another project (entering above Level ${MAX_ENTRY_LEVEL}, with its provenance) is added with <code>npx mltrl project add-component</code> or the API.</p>
${formErrors(errors, 'The component was not added')}
<form method="post" action="${projectPath(project.projectId)}/add-component" class="editor">
${field('id', 'Component id', errors, { required: true, value: form['id'], hint: 'Lowercase letters, digits and dashes; it names the component in links and commands.', attrs: html` maxlength="63" autocomplete="off" spellcheck="false"` })}
${field('name', 'Name', errors, { required: true, value: form['name'], attrs: html` maxlength="200"` })}
${select('kind', 'Kind', ComponentKind.options.map((kind) => option(kind, kind, form['kind'] ?? 'model')))}
${select('entryLevel', 'Entry level', LEVELS.slice(0, MAX_ENTRY_LEVEL + 1).map((l) => option(l.level, `Level ${l.level} · ${l.name}`, form['entryLevel'] ?? '0')), `Where its work starts: 0 to ${MAX_ENTRY_LEVEL}.`)}
<fieldset><legend>Owner</legend>
${field('owner.name', 'Name', errors, { required: true, value: form['owner.name'] ?? person.name, attrs: html` autocomplete="off"` })}
${field('owner.email', 'Email', errors, { type: 'email', required: true, value: form['owner.email'] ?? person.email, attrs: html` autocomplete="off"` })}
</fieldset>
${others.length
  ? html`<fieldset${errors.has('dependsOn') ? html` aria-describedby="${fieldId('dependsOn')}-error"` : ''}><legend>Depends on (optional)</legend>
<p class="hint">A switchback of any of these flags the new component.</p>
${others.map((c) => html`<label class="inline"><input type="checkbox" name="dependsOn" value="${c.componentId}"${dependsOn.includes(c.componentId) ? ' checked' : ''} /> ${c.name} <span class="muted">(${c.componentId})</span></label>`)}
${fieldError('dependsOn', errors)}</fieldset>`
  : ''}
<fieldset><legend>Target (optional)</legend>
<p class="hint">A level to reach by a date: both, or neither.</p>
${select('target.level', 'Level', [option('', 'no target', form['target.level'] ?? ''), ...LEVELS.map((l) => option(l.level, `Level ${l.level} · ${l.name}`, form['target.level']))])}
${field('target.date', 'By (YYYY-MM-DD)', errors, { value: form['target.date'], attrs: html` inputmode="numeric" placeholder="2027-03-31" pattern="\\d{4}-\\d{2}-\\d{2}"` })}
</fieldset>
<button type="submit">Add the component</button>
</form>`,
  );
}

/** The form's fields as the `addComponent` payload: blank optional fields left out, numbers as numbers. */
function componentFrom(form: Record<string, string>, dependsOn: readonly string[]): Record<string, unknown> {
  const targetLevel = numberOf(form['target.level']);
  const targetDate = given(form['target.date']);
  return {
    id: form['id']?.trim() ?? '',
    name: form['name'] ?? '',
    kind: form['kind'] ?? '',
    entryLevel: numberOf(form['entryLevel']),
    owner: { name: form['owner.name'] ?? '', email: form['owner.email']?.trim() ?? '' },
    ...(dependsOn.length ? { dependsOn } : {}),
    ...(targetLevel !== undefined || targetDate !== undefined ? { target: { level: targetLevel, date: targetDate } } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// The roster
// ---------------------------------------------------------------------------------------------

const ROSTER_FIELDS = ['role', 'name', 'email'] as const;

interface RosterState {
  errors?: FieldErrors;
  form?: Record<string, string>;
  notice?: Html;
}

function rosterPage(project: ProjectStatus, roster: Roster, state: RosterState = {}): Html {
  const errors = state.errors ?? new Map<string, string[]>();
  const form = state.form ?? {};
  const base = projectPath(project.projectId);
  const version = rosterVersion(roster);
  const roleId = fieldId('role');
  const roleDescribed = errors.has('role') ? html` aria-describedby="${roleId}-error" aria-invalid="true"` : '';
  return layout(
    `Roster: ${project.name}`,
    html`${crumbs(project, 'roster')}
<h1>Roster of ${project.name}</h1>
<p>The reviewers of the project, by role. Each level's panel is drawn from the roles that level asks for, leaving out the component's owner and the submitter. A change reaches every live component of the project at once.</p>
${state.notice ?? ''}
<form method="post" action="${base}/roster/add" class="action" aria-labelledby="add-reviewer-title">
<h2 id="add-reviewer-title">Add a reviewer</h2>${formErrors(errors, 'The roster was not changed')}
<input type="hidden" name="version" value="${version}" />
<div class="field"><label for="${roleId}">Role</label><select id="${roleId}" name="role"${roleDescribed}>${ROLES.map((role) => html`<option${role === form['role'] ? ' selected' : ''}>${role}</option>`)}</select>${fieldError('role', errors)}</div>
${field('name', 'Name', errors, { required: true, value: form['name'], attrs: html` maxlength="200" autocomplete="off"` })}
${field('email', 'Email', errors, { type: 'email', required: true, value: form['email'], attrs: html` autocomplete="off"` })}
<button type="submit">Add to the roster</button>
</form>
${ROLES.map((role) => {
  const people = roster[role] ?? [];
  return html`<section class="panel roster-role" aria-labelledby="role-${role}" data-role="${role}"><h2 id="role-${role}">${role} <span class="muted">(${people.length})</span></h2>
${people.length
  ? html`<ul class="entries roster">${people.map((p) => html`<li><span>${p.name} <span class="muted">${p.email}</span></span>
<form method="post" action="${base}/roster/remove" class="inline"><input type="hidden" name="version" value="${version}" /><input type="hidden" name="role" value="${role}" /><input type="hidden" name="email" value="${p.email}" /><button type="submit" class="back" aria-label="Remove ${p.name} (${p.email}) from ${role}">Remove</button></form></li>`)}</ul>`
  : html`<p class="muted">Nobody. A level whose panel asks for ${role} cannot be approved until someone is added.</p>`}
</section>`;
})}`,
  );
}

const DONE = { added: 'added to', removed: 'removed from' } as const;

export function projectFormPages(deps: AppDependencies): Hono {
  const web = new Hono();
  const { client } = deps;

  /** The project's status, or the page that says why there is none. */
  async function loadProject(c: Context): Promise<ProjectStatus | Response> {
    const projectId = Slug.safeParse(c.req.param('projectId'));
    if (!projectId.success) return c.html(messagePage('Not found', 'error', [html`There is no such project.`]), 404);
    try {
      return await call(() => projectHandle(client, projectId.data).query(projectStatusQuery));
    } catch (error) {
      const problem = problemFor(error);
      return c.html(messagePage(problem.status === 404 ? 'Not found' : 'Unavailable', 'error', [html`${problem.message}`], [{ href: '/', text: 'All projects' }]), problem.status);
    }
  }

  const refused = (c: Context, project: ProjectStatus, what: string, reason: string) => refusedPage(c, what, reason, { href: projectPath(project.projectId), text: `${project.name}'s page` });

  /** Signed in and the project read; `owner`: and one of its owners, or the refusal. */
  async function gated(c: Context, what: string, owner: boolean): Promise<{ person: Person; project: ProjectStatus } | Response> {
    const person = signedIn(c);
    if (!('email' in person)) return person;
    const project = await loadProject(c);
    if (project instanceof Response) return project;
    if (owner && !isProjectOwner(project, person.email)) return refused(c, project, what, `only a project owner may ${what.toLowerCase()}; ${person.email} is not an owner of ${project.projectId}`);
    return { person, project };
  }

  const readRoster = (projectId: string) => call(() => projectHandle(client, projectId).query(projectRosterQuery));
  /** A refusal or invalid input from the workflow's validator: its message; anything else is thrown on. */
  const ruled = (error: unknown): string | undefined => (error instanceof ClientError && (error.kind === 'refused' || error.kind === 'invalid') ? error.message : undefined);

  web.get('/projects/:projectId/add-component', async (c) => {
    const g = await gated(c, 'Add a component', true);
    if (g instanceof Response) return g;
    return c.html(addComponentPage(g.project, g.person));
  });

  web.post('/projects/:projectId/add-component', async (c) => {
    const g = await gated(c, 'Add a component', false);
    if (g instanceof Response) return g;
    const { person, project } = g;
    // The API route's own rule, with its words: adding a component carries no `by` for the workflow to judge.
    const refusal = addComponentRefusal(project, person.email);
    if (refusal) return refused(c, project, 'Add a component', refusal);
    const body = await c.req.parseBody({ all: true });
    const form = Object.fromEntries(Object.entries(body).flatMap(([k, v]) => (typeof v === 'string' ? [[k, v]] : [])));
    const dependsOn = [body['dependsOn'] ?? []].flat().filter((v): v is string => typeof v === 'string');
    const parsed = AddComponent.safeParse(componentFrom(form, dependsOn));
    if (!parsed.success) return c.html(addComponentPage(project, person, onForm(zodErrors(parsed.error), COMPONENT_FIELDS), form, dependsOn), 400);
    try {
      await call(() => projectHandle(client, project.projectId).executeUpdate(addComponentUpdate, { args: [parsed.data] }));
    } catch (error) {
      const reason = ruled(error);
      if (reason === undefined) throw error;
      return c.html(addComponentPage(project, person, onForm(refusalErrors(reason.replace(/\bdependsOn\[\d+\]: /g, 'dependsOn: '), COMPONENT_FIELDS), COMPONENT_FIELDS), form, dependsOn), 409);
    }
    console.log(`mltrl web: ${person.email} added ${project.projectId}/${parsed.data.id}`);
    return c.redirect(componentPath(project.projectId, parsed.data.id), 303);
  });

  web.get('/projects/:projectId/roster', async (c) => {
    const g = await gated(c, 'Edit the roster', true);
    if (g instanceof Response) return g;
    const roster = await readRoster(g.project.projectId);
    const done = c.req.query('done');
    const who = c.req.query('email');
    const role = c.req.query('role');
    const notice = done && done in DONE && who && role ? html`<div class="notice ok" role="status"><p>${who} ${DONE[done as keyof typeof DONE]} ${role}: every live component has the new roster.</p></div>` : undefined;
    return c.html(rosterPage(g.project, roster, notice ? { notice } : {}));
  });

  web.post('/projects/:projectId/roster/:change', async (c) => {
    const change = c.req.param('change');
    if (change !== 'add' && change !== 'remove') return c.html(messagePage('Not found', 'error', [html`There is no such change.`]), 404);
    // The owner rule the workflow's validator applies, asked first: a post from anyone else reads nothing further.
    const g = await gated(c, 'Edit the roster', true);
    if (g instanceof Response) return g;
    const { person, project } = g;
    const form = Object.fromEntries(Object.entries(await c.req.parseBody()).flatMap(([k, v]) => (typeof v === 'string' ? [[k, v]] : [])));
    const roster = await readRoster(project.projectId);
    const again = (errors: FieldErrors, status: 400 | 403 | 409, keep = true) => c.html(rosterPage(project, roster, { errors, ...(keep ? { form } : {}) }), status);

    if (form['version'] !== rosterVersion(roster)) {
      const errors: FieldErrors = new Map();
      addError(errors, '', 'the roster changed since this page was drawn (another owner, the CLI or the API); it is shown as it is now: make your change again');
      return again(errors, 409, change === 'add');
    }
    const role = RoleName.safeParse(form['role']);
    if (!role.success) return again(onForm(zodErrors(role.error, ['role']), ROSTER_FIELDS), 400);
    const current = roster[role.data] ?? [];
    let next: Roster;
    let email: string;
    if (change === 'add') {
      const reviewer = PersonSchema.safeParse({ name: form['name'] ?? '', email: form['email']?.trim() ?? '' });
      if (!reviewer.success) return again(onForm(zodErrors(reviewer.error), ROSTER_FIELDS), 400);
      email = reviewer.data.email;
      if (current.some((p) => p.email === email)) {
        const errors: FieldErrors = new Map();
        addError(errors, 'email', `${email} is already on the roster as ${role.data}`);
        return again(errors, 400);
      }
      next = { ...roster, [role.data]: [...current, reviewer.data] };
    } else {
      email = (form['email'] ?? '').trim().toLowerCase();
      if (!current.some((p) => p.email === email)) {
        const errors: FieldErrors = new Map();
        addError(errors, '', `${email || 'that person'} is not on the roster of ${project.projectId} as ${role.data}`);
        return again(errors, 400, false);
      }
      const left = current.filter((p) => p.email !== email);
      next = Object.fromEntries(Object.entries({ ...roster, [role.data]: left }).filter(([, people]) => people.length > 0));
    }
    const payload = UpdateRoster.safeParse({ by: person.email, roster: next });
    // The whole roster's limits (people per role): said above the form, naming the role.
    if (!payload.success) return again(onForm(zodErrors(payload.error), []), 400);
    try {
      await call(() => projectHandle(client, project.projectId).executeUpdate(updateRosterUpdate, { args: [payload.data] }));
    } catch (error) {
      const reason = ruled(error);
      if (reason === undefined) throw error;
      // An owner no longer (the owners changed since): the refusal on its own page, there is no form of theirs to fill again.
      if (/^by: /.test(reason)) return refused(c, project, 'Edit the roster', reason.slice(4));
      return again(refusalErrors(reason, []), 409);
    }
    console.log(`mltrl web: ${person.email} ${change === 'add' ? 'added' : 'removed'} ${email} as ${role.data} on ${project.projectId}`);
    return c.redirect(`${projectPath(project.projectId)}/roster?${new URLSearchParams({ done: change === 'add' ? 'added' : 'removed', role: role.data, email }).toString()}`, 303);
  });

  return web;
}
