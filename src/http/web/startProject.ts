/**
 * Starting a project from the browser: a project file pasted or uploaded, read with the same zod
 * schema as `mltrl project start` and `POST /api/projects`, each error beside the field path it
 * names. The signed-in person must be among the file's owners, as the API requires of a token's.
 */
import { Hono, type Context } from 'hono';
import { html } from 'hono/html';
import { ProjectDefinition } from '../../../machines/model.js';
import { ClientError, startProject } from '../../runtime/client.js';
import { DEFAULT_MIN_POLICY_INTERVAL } from '../../runtime/config.js';
import type { AppDependencies } from '../core/dependencies.js';
import type { Person } from '../core/session.js';
import { addError, formErrors, signedIn, zodErrors, type FieldErrors } from './forms.js';
import { projectPath } from './fragments.js';
import { layout } from './layout.js';

const MAX_FILE_BYTES = 512 * 1024;

function startPage(person: Person, errors: FieldErrors = new Map(), text = ''): ReturnType<typeof layout> {
  const fieldIssues = [...errors.entries()].filter(([field]) => field !== '');
  return layout(
    'Start a project',
    html`<p><a href="/">All projects</a> › new project</p>
<h1>Start a project</h1>
<p>Paste a project file or upload one (the JSON that <code>npx mltrl project start</code> takes; see <code>examples/</code>). You start it as <strong>${person.email}</strong>, who must be among its <code>owners</code>.</p>
${formErrors(errors, 'The project was not started')}
<form method="post" action="/projects/new" enctype="multipart/form-data" class="editor">
<div class="field"><label for="project-file">Project file (JSON)</label>
<p class="hint" id="project-file-hint">Paste it here, or choose a file below: a chosen file is read instead.</p>
<textarea id="project-file" name="project" class="code" rows="18" spellcheck="false" aria-describedby="project-file-hint${fieldIssues.length ? ' project-errors' : ''}"${fieldIssues.length ? html` aria-invalid="true"` : ''}>${text}</textarea>
${fieldIssues.length
  ? html`<ul class="field-error" id="project-errors" aria-label="Problems in the project file">${fieldIssues.map(([path, messages]) => html`<li><code>${path}</code>: ${messages.join('; ')}</li>`)}</ul>`
  : ''}
</div>
<div class="field"><label for="project-upload">Or upload the file</label><input type="file" id="project-upload" name="upload" accept="application/json,.json" /></div>
<button type="submit">Start the project</button>
</form>`,
  );
}

export function startProjectPages(deps: AppDependencies): Hono {
  const web = new Hono();

  web.get('/projects/new', (c) => {
    const person = signedIn(c);
    if (!('email' in person)) return person;
    return c.html(startPage(person));
  });

  web.post('/projects/new', async (c: Context) => {
    const person = signedIn(c);
    if (!('email' in person)) return person;
    const body = await c.req.parseBody();
    const upload = body['upload'];
    const text = upload instanceof File && upload.size > 0 ? (upload.size > MAX_FILE_BYTES ? '' : await upload.text()) : typeof body['project'] === 'string' ? body['project'] : '';
    const errors: FieldErrors = new Map();
    if (upload instanceof File && upload.size > MAX_FILE_BYTES) addError(errors, '', `upload: larger than ${MAX_FILE_BYTES / 1024} KiB`);
    else if (!text.trim()) addError(errors, '', 'project: paste a project file or choose one to upload');
    if (errors.size) return c.html(startPage(person, errors, text), 400);
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (error) {
      addError(errors, '', `project: not valid JSON (${error instanceof Error ? error.message : 'unreadable'})`);
      return c.html(startPage(person, errors, text), 400);
    }
    const parsed = ProjectDefinition.safeParse(raw);
    if (!parsed.success) return c.html(startPage(person, zodErrors(parsed.error), text), 400);
    const definition = parsed.data;
    if (!definition.owners.some((owner) => owner.email === person.email)) {
      addError(errors, 'owners', `${person.email} is not among the project's owners: you may only start a project you own`);
      return c.html(startPage(person, errors, text), 403);
    }
    try {
      await startProject(deps.client, deps.taskQueue, definition, { minPolicyInterval: deps.minPolicyInterval ?? DEFAULT_MIN_POLICY_INTERVAL });
    } catch (error) {
      if (!(error instanceof ClientError) || error.kind === 'unavailable') throw error;
      addError(errors, '', error.message);
      return c.html(startPage(person, errors, text), error.kind === 'conflict' || error.kind === 'refused' ? 409 : 400);
    }
    return c.redirect(projectPath(definition.id), 303);
  });

  return web;
}
