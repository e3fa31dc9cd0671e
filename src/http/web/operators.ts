/**
 * The operators' page: every Level 9 re-review schedule (the Temporal Schedules `rereview/<project>/
 * <component>` the Temporal UI and `mltrl schedules` show) with its cadence, next fire, recent fires
 * and state, and the component it fires at; and the three things an operator does with one:
 * trigger a re-review now, pause (with a reason), unpause.
 *
 * Who may: the people listed in MLTRL_OPERATORS, for every schedule; a project's owners, for their
 * own project's schedules (they answer for the deployed component; nobody else's is theirs to steer).
 * Anyone else signed in is refused with 403, and nobody sees a button they may not press. Each action
 * is a form post behind the origin check every form passes (../core/guards.ts), and is recorded: the
 * pause and unpause notes name who did it (Temporal keeps the note on the schedule), and every action
 * is a line in the server's log.
 */
import type { Client } from '@temporalio/client';
import { Hono, type Context } from 'hono';
import { html } from 'hono/html';
import { z } from 'zod';
import { utcMinute } from '../../../machines/dates.js';
import { Slug } from '../../../machines/model.js';
import { checkInput } from '../../../machines/validation.js';
import { projectStatusQuery, reReviewScheduleId, statusQuery, type ComponentStatus } from '../../../workflows/definitions.js';
import { askWithRetries, mapBounded } from '../../portfolio/read.js';
import { listReReviewSchedules, steerReReviewSchedule, type ReReviewSchedule, type ScheduleAction } from '../../portfolio/schedules.js';
import type { Html } from '../../render/markup.js';
import { htmlTable } from '../../render/tables.js';
import { call, componentHandle, projectHandle } from '../../runtime/client.js';
import type { AppDependencies } from '../core/dependencies.js';
import type { Person } from '../core/session.js';
import { problemFor } from '../core/problems.js';
import { componentPath, levelBadge, stateBadge } from './fragments.js';
import { layout, messagePage } from './layout.js';
import { signInHref } from './viewer.js';

const HOME = [{ href: '/', text: 'All projects' }];
const RECENT_SHOWN = 3;

/** Why a pause: required, so the next operator (and the Temporal UI) knows. */
export const PauseForm = z.strictObject({
  reason: z.string().trim().min(1, 'must say why the schedule is paused').max(500, 'must be at most 500 characters'),
});

const DONE: Record<ScheduleAction, string> = {
  trigger: 'fired now: a re-review opens unless one is already open',
  pause: 'paused: no re-review fires until it is unpaused',
  unpause: 'unpaused: re-reviews fire at the cadence again',
};

/** Who may steer which schedules: everything, or the projects this person owns. */
interface Authority {
  all: boolean;
  owns: (projectId: string) => boolean;
}

/** Owners of each project, asked once per page: a project that does not answer grants nothing. */
async function ownersOf(client: Client, projectIds: readonly string[]): Promise<Map<string, string[]>> {
  const answers = await mapBounded(projectIds, (id) => askWithRetries(client, () => projectHandle(client, id).query(projectStatusQuery)));
  const owners = new Map<string, string[]>();
  answers.forEach((answer, i) => {
    if (answer.ok) owners.set(projectIds[i], answer.value.owners.map((o) => o.email));
  });
  return owners;
}

function authorityOf(person: Person, operators: readonly string[], owners: Map<string, string[]>): Authority {
  return { all: operators.includes(person.email), owns: (projectId) => owners.get(projectId)?.includes(person.email) ?? false };
}

const may = (authority: Authority, projectId: string) => authority.all || authority.owns(projectId);

/** What the component is doing now: a re-review that has opened shows here. */
function componentNow(status: ComponentStatus | undefined): Html {
  if (!status) return html`<span class="muted">did not answer</span>`;
  const review = status.openReview;
  return html`${levelBadge(status.level)} ${stateBadge(status.state)}${review
    ? html`<br />${review.reReview ? 'Re-review' : 'Review'} <strong>${review.id}</strong> open${review.awaitingEthics ? html`: waiting for the owner's ethics answers` : html`: ${review.missingRoles.length ? `waiting for ${review.missingRoles.join(', ')}` : 'decided'}`}`
    : html`<br /><span class="muted">no review open</span>`}`;
}

function stateCell(schedule: ReReviewSchedule): Html {
  return schedule.paused
    ? html`${stateBadge('paused')}<br /><span class="schedule-note">${schedule.note || 'no note'}</span>`
    : stateBadge('running');
}

function fires(times: readonly string[], none: string): Html {
  return times.length ? html`${times.map((at, i) => html`${i ? html`<br />` : ''}${utcMinute(at)}`)}` : html`<span class="muted">${none}</span>`;
}

function actions(schedule: ReReviewSchedule): Html {
  const base = `/operators/${schedule.projectId}/${schedule.componentId}`;
  const id = `${schedule.projectId}--${schedule.componentId}`;
  return html`<form method="post" action="${base}/trigger" class="inline"><button type="submit">Trigger a re-review now</button></form>
${schedule.paused
  ? html`<form method="post" action="${base}/unpause" class="inline"><button type="submit">Unpause</button></form>`
  : html`<form method="post" action="${base}/pause" class="stacked"><label for="reason-${id}">Reason for pausing</label>
<input id="reason-${id}" type="text" name="reason" required maxlength="500" autocomplete="off" />
<button type="submit">Pause</button></form>`}`;
}

function schedulesPage(schedules: readonly ReReviewSchedule[], statuses: Map<string, ComponentStatus>, authority: Authority, done: Html | string): Html {
  const shown = schedules.filter((s) => may(authority, s.projectId));
  return layout(
    'Re-review schedules',
    html`<h1>Re-review schedules</h1>
<p>Each component at Level 9 is re-reviewed on a Temporal Schedule (<code>rereview/&lt;project&gt;/&lt;component&gt;</code>, as the Temporal UI and <code>mltrl schedules</code> show them). A fire opens a re-review that first asks the component's owner for the ethics checklist.
${authority.all ? 'You are an operator (MLTRL_OPERATORS): every schedule is yours to steer.' : 'You own the projects below: their schedules are yours to steer.'}</p>
${done}
${shown.length
  ? htmlTable(
      ['Component', 'Every', 'Next fire', 'Recent fires', 'State', 'Component now', 'Actions'],
      shown.map((s) => ({
        component: `${s.projectId}/${s.componentId}`,
        cells: [
          html`<a href="${componentPath(s.projectId, s.componentId)}">${s.projectId}/${s.componentId}</a><br /><span class="muted">${s.scheduleId}</span>`,
          s.every,
          s.paused ? html`<span class="muted">none while paused</span>` : fires(s.nextFires.slice(0, 1), 'none'),
          fires(s.recentFires.slice(-RECENT_SHOWN).reverse(), 'never fired'),
          stateCell(s),
          componentNow(statuses.get(s.scheduleId)),
          actions(s),
        ],
      })),
      { rowHeaders: true, caption: 'Re-review schedules' },
    )
  : html`<p>No re-review schedules${authority.all ? '' : ' on your projects'}: no component is at Level 9.</p>`}`,
  );
}

/** Signed in, or off to sign in (a GET), or 401 (a post: nothing is done for nobody). */
async function personOr(c: Context): Promise<Person | Response> {
  const person = c.get('person');
  if (person) return person;
  if (c.req.method === 'GET') return c.redirect(signInHref(c), 302);
  return c.html(messagePage('Sign in first', 'error', [html`Steering a re-review schedule needs you signed in.`], [{ href: signInHref(c, '/operators'), text: 'Sign in' }]), 401);
}

const refused = (c: Context, person: Person, what: string) =>
  c.html(messagePage('Not an operator', 'error', [html`${person.email} may not ${what}: operators are listed in MLTRL_OPERATORS, and a project's owners steer their own project's schedules.`], HOME), 403);

export function operatorPages(deps: AppDependencies): Hono {
  const { client } = deps;
  const operators = deps.identity?.operators ?? [];
  const web = new Hono();

  web.get('/operators', async (c) => {
    const person = await personOr(c);
    if (person instanceof Response) return person;
    let schedules: ReReviewSchedule[];
    try {
      schedules = await call(() => listReReviewSchedules(client, { taskQueue: deps.taskQueue }));
    } catch (error) {
      const problem = problemFor(error);
      return c.html(messagePage('Unavailable', 'error', [html`${problem.message}`], HOME), problem.status);
    }
    const owners = operators.includes(person.email) ? new Map<string, string[]>() : await ownersOf(client, [...new Set(schedules.map((s) => s.projectId))]);
    const authority = authorityOf(person, operators, owners);
    if (!authority.all && !schedules.some((s) => authority.owns(s.projectId))) return refused(c, person, 'see or steer the re-review schedules');
    const mine = schedules.filter((s) => may(authority, s.projectId));
    // A component whose worker is away must not hold the page: it shows as not answering.
    const answers = await mapBounded(mine, (s) => askWithRetries(client, () => componentHandle(client, s.projectId, s.componentId).query(statusQuery)));
    const statuses = new Map<string, ComponentStatus>();
    answers.forEach((answer, i) => {
      if (answer.ok) statuses.set(mine[i].scheduleId, answer.value);
    });
    // The outcome of the post that brought the operator back here (post, redirect, get).
    const doneAction = c.req.query('done');
    const doneId = c.req.query('schedule');
    const done = doneAction && doneAction in DONE && doneId
      ? html`<div class="notice ok" role="status"><p>${doneId}: ${DONE[doneAction as ScheduleAction]}.</p></div>`
      : '';
    return c.html(schedulesPage(schedules, statuses, authority, done));
  });

  web.post('/operators/:projectId/:componentId/:action', async (c) => {
    const person = await personOr(c);
    if (person instanceof Response) return person;
    const projectId = Slug.safeParse(c.req.param('projectId'));
    const componentId = Slug.safeParse(c.req.param('componentId'));
    const action = z.enum(['trigger', 'pause', 'unpause']).safeParse(c.req.param('action'));
    if (!projectId.success || !componentId.success || !action.success) return c.html(messagePage('Not found', 'error', [html`There is no such schedule or action.`], HOME), 404);
    const scheduleId = reReviewScheduleId(projectId.data, componentId.data);
    const owners = operators.includes(person.email) ? new Map<string, string[]>() : await ownersOf(client, [projectId.data]);
    if (!may(authorityOf(person, operators, owners), projectId.data)) return refused(c, person, `steer ${scheduleId}`);

    let note = `${action.data} by ${person.email} from the web app`;
    if (action.data === 'pause') {
      const form = checkInput(PauseForm, Object.fromEntries(Object.entries(await c.req.parseBody()).filter(([, v]) => typeof v === 'string')), 'pause');
      if (!form.success) {
        return c.html(messagePage('Not paused', 'error', [html`${form.message}.`], [{ href: '/operators', text: 'Back to the schedules' }]), 400);
      }
      // The note is what the Temporal UI and `mltrl schedules` show beside "paused": the reason and who.
      note = `${form.data.reason} (paused by ${person.email})`;
    }
    try {
      await call(() => steerReReviewSchedule(client, projectId.data, componentId.data, action.data, note));
    } catch (error) {
      const problem = problemFor(error);
      return c.html(messagePage(problem.status === 404 ? 'Not found' : 'Not done', 'error', [html`${scheduleId}: ${problem.message}`], [{ href: '/operators', text: 'Back to the schedules' }]), problem.status);
    }
    console.log(`mltrl web: ${person.email} ${action.data === 'trigger' ? 'triggered' : `${action.data}d`} ${scheduleId}${action.data === 'pause' ? `: ${note}` : ''}`);
    return c.redirect(`/operators?${new URLSearchParams({ done: action.data, schedule: scheduleId }).toString()}`, 303);
  });

  return web;
}
