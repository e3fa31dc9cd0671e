/**
 * The JSON API: every CLI command as a route, over the same client calls and zod schemas as the
 * CLI. Bodies are validated before anything reaches Temporal; who is acting comes from the bearer
 * token (src/http/core/auth.ts). Each route is declared once with its schemas (./operations.ts), and
 * the OpenAPI document at /api/openapi.json is built from those declarations (./openapi.ts).
 */
import type { UpdateDefinition } from '@temporalio/common';
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { Slug } from '../../../machines/model.js';
import { InputError, parseInput } from '../../../machines/validation.js';
import {
  AddComponent,
  AnswerEthics,
  Branch,
  Decision,
  DiscoverySwitchback,
  LifecycleChange,
  ReportVersions,
  Submit,
  UpdateCard,
  UpdateRoster,
  addComponentUpdate,
  answerEthicsUpdate,
  branchUpdate,
  cardQuery,
  decideUpdate,
  historyQuery,
  pauseUpdate,
  projectStatusQuery,
  reReviewScheduleId,
  reportVersionsUpdate,
  resumeUpdate,
  retireUpdate,
  statusQuery,
  submitUpdate,
  switchbackUpdate,
  updateCardUpdate,
  updateRosterUpdate,
  type ComponentStatus,
} from '../../../workflows/definitions.js';
import { CardPatch, ProjectDefinition } from '../../../machines/model.js';
import { call, componentHandle, parseProject, projectHandle, startProject } from '../../runtime/client.js';
import { DEFAULT_MIN_POLICY_INTERVAL } from '../../runtime/config.js';
import { readProjectRisks } from '../../portfolio/risks.js';
import { ComponentFilter, ProjectFilter, componentsPage, givenFilters, projectComponentsPage, projectsPage } from '../../portfolio/projects.js';
import { HoldingQuery, holdingBelow } from '../../portfolio/holding.js';
import { listReReviewSchedules, steerReReviewSchedule } from '../../portfolio/schedules.js';
import { TokenRequest } from '../core/tokenRegistry.js';
import { openApiDocument } from './openapi.js';
import { Operations, type Operation } from './operations.js';
import { referencePage } from './reference.js';
import * as views from './schemas.js';
import { answering, componentGrant, personGrant } from '../core/auth.js';
import type { AppDependencies } from '../core/dependencies.js';
import { errorResponse, Forbidden, pathText } from '../core/problems.js';
import { addComponentRefusal } from '../core/projectOwners.js';

// Bodies: the workflow's own schemas without the fields the token supplies.
const SubmitBody = Submit.omit({ by: true });
const { reviewer: _reviewer, reviewId: decisionReviewId, ...verdictFields } = Decision.shape;
const VerdictBody = z.strictObject({ ...verdictFields, reviewId: decisionReviewId.optional() });
const SwitchbackBody = DiscoverySwitchback.omit({ by: true, kind: true });
const EthicsAnswersBody = AnswerEthics.omit({ by: true });
const LifecycleBody = LifecycleChange.omit({ by: true });
const VersionsBody = ReportVersions.omit({ by: true });
const BranchBody = Branch.omit({ by: true });
const RosterBody = UpdateRoster.omit({ by: true });
const ScheduleBody = z.strictObject({ reason: z.string().trim().min(1, 'must not be empty').max(500).optional() });
/** The component's path, with the parameters every component route names. */
const COMPONENT = '/projects/{projectId}/components/{componentId}';

async function jsonBody(c: Context): Promise<unknown> {
  try {
    return await c.req.json();
  } catch {
    throw new InputError('body: not valid JSON (send Content-Type: application/json)');
  }
}

function ids(c: Context): { projectId: string; componentId: string } {
  const projectId = parseInput(Slug, c.req.param('projectId'), 'projectId');
  const componentId = parseInput(Slug, c.req.param('componentId'), 'componentId');
  return { projectId, componentId };
}

export function apiRoutes(deps: AppDependencies): Hono {
  const { client, taskQueue, links } = deps;
  const api = new Hono();
  api.onError((error, c) => errorResponse(c, error, 'mltrl api:'));
  const ops = new Operations(api);
  const operators = new Set(deps.operators ?? []);

  /** Send a component update as the token's person: `schema` is the workflow's, `body` the route's (without `by`). */
  const componentUpdate = <B extends z.ZodType>(
    operation: Omit<Operation, 'body' | 'token' | 'response' | 'status'> & { status?: 200 | 201 },
    body: B,
    full: z.ZodType,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each update's payload is checked by `full` just before sending
    update: UpdateDefinition<ComponentStatus, [any]>,
    shape: (body: z.output<B>, email: string) => unknown = (given, email) => ({ ...(given as object), by: email }),
  ) =>
    ops.add({ ...operation, path: `${COMPONENT}${operation.path}`, token: 'person', body, status: operation.status ?? 200, response: views.ComponentStatusView }, async (c) => {
      const { email } = await personGrant(c, links);
      const { projectId, componentId } = ids(c);
      const given = parseInput(body, await jsonBody(c), operation.operationId);
      const payload = parseInput(full, shape(given, email), operation.operationId);
      const status = await call(() => componentHandle(client, projectId, componentId).executeUpdate(update, { args: [payload] }));
      return c.json(status, operation.status ?? 200);
    });

  api.get('/openapi.json', (c) => c.json(openApiDocument(ops.list)));
  api.get('/reference', (c) => c.html(referencePage(ops.list)));

  ops.add({ method: 'get', path: '/health', operationId: 'health', tag: 'server', summary: 'Is the server up, and on which task queue', token: 'none', status: 200, response: views.Health, responseDescription: 'up' }, (c) =>
    c.json({ ok: true as const, taskQueue }),
  );

  ops.add({ method: 'get', path: '/me', operationId: 'me', tag: 'tokens', summary: 'Who the token acts as', token: 'person', status: 200, response: views.Me, responseDescription: "the token's person" }, async (c) => {
    const { email } = await personGrant(c, links);
    return c.json({ email });
  });

  // Every route below names the token it takes (src/http/core/auth.ts); the table is in README.md (## Security).
  ops.add(
    { method: 'get', path: '/projects', operationId: 'listProjects', tag: 'projects', summary: 'A page of the running projects', token: 'person', query: ProjectFilter, status: 200, response: views.ProjectsPage, responseDescription: 'a page of projects' },
    async (c) => {
      await personGrant(c, links);
      const filter = parseInput(ProjectFilter, givenFilters(c.req.query()), 'query');
      const { items, ...page } = await projectsPage(client, taskQueue, filter);
      return c.json({ projects: items, ...page });
    },
  );

  ops.add(
    { method: 'get', path: '/components', operationId: 'listComponents', tag: 'projects', summary: 'A page of components across every project', token: 'person', query: ComponentFilter, status: 200, response: views.ComponentsPage, responseDescription: 'a page of components' },
    async (c) => {
      await personGrant(c, links);
      const filter = parseInput(ComponentFilter, givenFilters(c.req.query()), 'query');
      const { items, ...page } = await componentsPage(client, taskQueue, filter);
      return c.json({ components: items, ...page });
    },
  );

  ops.add({ method: 'get', path: '/metrics', operationId: 'metrics', tag: 'portfolio', summary: 'The portfolio metrics', token: 'person', status: 200, response: views.MetricsView, responseDescription: 'as `mltrl metrics --json`' }, async (c) => {
    await personGrant(c, links);
    return c.json(await deps.portfolioMetrics());
  });

  ops.add(
    { method: 'post', path: '/projects', operationId: 'startProject', tag: 'projects', summary: 'Start a project from its project file', who: "the token's person must be among the project file's owners", token: 'person', body: ProjectDefinition, status: 201, response: views.Started, responseDescription: 'started' },
    async (c) => {
      const { email } = await personGrant(c, links);
      const definition = parseProject(await jsonBody(c));
      if (!definition.owners.some((owner) => owner.email === email)) {
        throw new Forbidden(`authorization: ${email} is not among the project's owners`);
      }
      const handle = await startProject(client, taskQueue, definition, { minPolicyInterval: deps.minPolicyInterval ?? DEFAULT_MIN_POLICY_INTERVAL });
      return c.json({ projectId: definition.id, workflowId: handle.workflowId }, 201);
    },
  );

  const projectStatus = (projectId: string) => call(() => projectHandle(client, projectId).query(projectStatusQuery));

  ops.add({ method: 'get', path: '/projects/{projectId}', operationId: 'projectStatus', tag: 'projects', summary: "The project's status, with its subsystems", token: 'person', status: 200, response: views.ProjectStatusView, responseDescription: 'the project' }, async (c) => {
    await personGrant(c, links);
    const projectId = parseInput(Slug, c.req.param('projectId'), 'projectId');
    return c.json(await projectStatus(projectId));
  });

  // What holds the system below Level N: asks the project, then only the components below N.
  ops.add(
    { method: 'get', path: '/projects/{projectId}/holding', operationId: 'holding', tag: 'projects', summary: 'What holds the system below Level N', token: 'person', query: HoldingQuery, status: 200, response: views.HoldingView, responseDescription: 'each live component below the level and what its gate misses' },
    async (c) => {
      await personGrant(c, links);
      const projectId = parseInput(Slug, c.req.param('projectId'), 'projectId');
      const { level } = parseInput(HoldingQuery, c.req.query(), 'query');
      return c.json(await call(() => holdingBelow(client, projectId, level)));
    },
  );

  ops.add(
    { method: 'get', path: '/projects/{projectId}/components', operationId: 'projectComponents', tag: 'projects', summary: "A page of the project's components", token: 'person', query: ComponentFilter.omit({ project: true }), status: 200, response: views.ComponentsPage, responseDescription: 'a page of components' },
    async (c) => {
      await personGrant(c, links);
      const projectId = parseInput(Slug, c.req.param('projectId'), 'projectId');
      const filter = parseInput(ComponentFilter, givenFilters(c.req.query()), 'query');
      const { items, ...page } = projectComponentsPage(await projectStatus(projectId), filter);
      return c.json({ components: items, ...page });
    },
  );

  // Adding a component carries no `by` to the project workflow (the CLI is operator access): the route checks the owner itself (../core/projectOwners.ts, as the web form does).
  ops.add(
    { method: 'post', path: '/projects/{projectId}/components', operationId: 'addComponent', tag: 'projects', summary: 'Add a component to a running project', who: 'a project owner', token: 'person', body: AddComponent, status: 201, response: views.ProjectStatusView, responseDescription: 'the project, with the new component' },
    async (c) => {
      const { email } = await personGrant(c, links);
      const projectId = parseInput(Slug, c.req.param('projectId'), 'projectId');
      const component = parseInput(AddComponent, await jsonBody(c), 'addComponent');
      const refusal = addComponentRefusal(await projectStatus(projectId), email);
      if (refusal) throw new Forbidden(`authorization: ${refusal}`);
      return c.json(await call(() => projectHandle(client, projectId).executeUpdate(addComponentUpdate, { args: [component] })), 201);
    },
  );

  ops.add(
    { method: 'put', path: '/projects/{projectId}/roster', operationId: 'updateRoster', tag: 'projects', summary: "Replace the project's roster", who: 'a project owner (the workflow decides)', token: 'person', body: RosterBody, status: 200, response: views.ProjectStatusView, responseDescription: 'the project, with its new roster' },
    async (c) => {
      const { email } = await personGrant(c, links);
      const projectId = parseInput(Slug, c.req.param('projectId'), 'projectId');
      const body = parseInput(RosterBody, await jsonBody(c), 'roster');
      const payload = parseInput(UpdateRoster, { ...body, by: email }, 'roster');
      return c.json(await call(() => projectHandle(client, projectId).executeUpdate(updateRosterUpdate, { args: [payload] })));
    },
  );

  // One project's risk matrix, read from its components' cards (src/portfolio/risks.ts).
  ops.add({ method: 'get', path: '/projects/{projectId}/risks', operationId: 'risks', tag: 'projects', summary: "The project's risk matrix", token: 'person', status: 200, response: views.RisksView, responseDescription: 'the matrix across live components' }, async (c) => {
    await personGrant(c, links);
    const projectId = parseInput(Slug, c.req.param('projectId'), 'projectId');
    return c.json(await readProjectRisks(client, projectId));
  });

  /** The three reads of one component take a person token, or a review link of this component. */
  const readable = async (c: Context) => {
    const { projectId, componentId } = ids(c);
    await componentGrant(c, links, projectId, componentId);
    return componentHandle(client, projectId, componentId);
  };
  const reads = [
    ['', 'componentStatus', 'The component: level, state, open review, gate', statusQuery, views.ComponentStatusView],
    ['/card', 'card', 'The TRL card', cardQuery, views.CardViewSchema],
    ['/history', 'history', 'Every event: time, who, what, outcome, why', historyQuery, views.HistoryView],
  ] as const;
  for (const [path, operationId, summary, query, response] of reads) {
    ops.add({ method: 'get', path: `${COMPONENT}${path}`, operationId, tag: 'components', summary, token: 'person-or-review-link', status: 200, response, responseDescription: summary.toLowerCase() }, async (c) => {
      const handle = await readable(c);
      return c.json((await call(() => handle.query(query as typeof statusQuery))) as object);
    });
  }

  componentUpdate({ method: 'patch', path: '/card', operationId: 'updateCard', tag: 'components', summary: 'Change top-level card keys (requirements are upserted by id)', who: 'an owner or a roster member (the workflow decides)', responseDescription: 'the status, with the new card revision' }, CardPatch, UpdateCard, updateCardUpdate, (patch, email) => ({ by: email, patch }));
  componentUpdate({ method: 'post', path: '/submit', operationId: 'submit', tag: 'components', summary: 'Open a review of the current level', who: 'anyone on the project (the workflow decides)', responseDescription: 'the status, with the open review' }, SubmitBody, Submit, submitUpdate);

  ops.add(
    { method: 'post', path: `${COMPONENT}/verdicts`, operationId: 'verdict', tag: 'reviews', summary: 'Give a verdict on the open review', who: "on the level's panel, not the owner or submitter; a review link answers its own review", token: 'person-or-review-link', body: VerdictBody, status: 200, response: views.ReviewStateView, responseDescription: "the review's state" },
    async (c) => {
      const { projectId, componentId } = ids(c);
      const grant = await componentGrant(c, links, projectId, componentId);
      const body = parseInput(VerdictBody, await jsonBody(c), 'verdict');
      const decision = parseInput(Decision, { ...body, ...answering(grant, body.reviewId) }, 'verdict');
      return c.json(await call(() => componentHandle(client, projectId, componentId).executeUpdate(decideUpdate, { args: [decision] })));
    },
  );

  // A re-review waiting for the owner's ethics answers (rules edition 2): the token's person answers.
  componentUpdate({ method: 'post', path: '/ethics-answers', operationId: 'answerEthics', tag: 'reviews', summary: "Answer a Level 9 re-review's ethics checklist", who: "the component's owner or a project owner", responseDescription: 'the status' }, EthicsAnswersBody, AnswerEthics, answerEthicsUpdate);
  componentUpdate(
    { method: 'post', path: '/switchbacks', operationId: 'switchback', tag: 'components', summary: 'Discovery switchback to a lower level the component has done', who: 'an owner or the current panel', status: 201, responseDescription: 'the status at the lower level' },
    SwitchbackBody,
    DiscoverySwitchback,
    switchbackUpdate,
    (given, email) => ({ ...given, by: email, kind: 'discovery' }),
  );
  const lifecycle = [
    ['pause', pauseUpdate, 'Pause: keep the level, stop reminders and verdicts'],
    ['resume', resumeUpdate, 'Resume a paused component'],
    ['retire', retireUpdate, 'Retire: end the component and any re-review schedule'],
  ] as const;
  for (const [name, update, summary] of lifecycle) {
    componentUpdate({ method: 'post', path: `/${name}`, operationId: name, tag: 'lifecycle', summary, who: "the component's owner or a project owner", responseDescription: 'the status' }, LifecycleBody, LifecycleChange, update);
  }
  componentUpdate({ method: 'post', path: '/versions', operationId: 'reportVersions', tag: 'lifecycle', summary: 'Report new code, model or data versions (at Level 9: back to 7)', who: 'an owner or a roster member (the workflow decides)', responseDescription: 'the status' }, VersionsBody, ReportVersions, reportVersionsUpdate);
  componentUpdate({ method: 'post', path: '/branches', operationId: 'branch', tag: 'lifecycle', summary: 'Start a new component from this one at a level no higher than its own', who: "the component's owner or a project owner", status: 201, responseDescription: "this component's status" }, BranchBody, Branch, branchUpdate);

  // Re-review schedules: any person reads them; operators (MLTRL_OPERATORS) steer any, a project's owners their own.
  ops.add({ method: 'get', path: '/schedules', operationId: 'listSchedules', tag: 'schedules', summary: 'Every Level 9 re-review schedule', token: 'person', status: 200, response: views.SchedulesView, responseDescription: 'cadence, next fire, recent fires, paused' }, async (c) => {
    await personGrant(c, links);
    return c.json({ schedules: await call(() => listReReviewSchedules(client)) });
  });
  for (const action of ['trigger', 'pause', 'unpause'] as const) {
    ops.add(
      { method: 'post', path: `/schedules/{projectId}/{componentId}/${action}`, operationId: `${action}Schedule`, tag: 'schedules', summary: `${action[0].toUpperCase()}${action.slice(1)} a component's re-review schedule`, who: "an operator (MLTRL_OPERATORS) or one of the project's owners", token: 'person', body: ScheduleBody, status: 200, response: views.ScheduleSteered, responseDescription: 'done' },
      async (c) => {
        const { email } = await personGrant(c, links);
        const { projectId, componentId } = ids(c);
        const { reason } = parseInput(ScheduleBody, await jsonBody(c), `schedules ${action}`);
        if (!operators.has(email) && !(await projectStatus(projectId)).owners.some((owner) => owner.email === email)) {
          throw new Forbidden(`authorization: only an operator or an owner of ${projectId} may ${action} its re-review schedules`);
        }
        await call(() => steerReReviewSchedule(client, projectId, componentId, action, reason ?? `${action} by ${email} through the API`));
        return c.json({ scheduleId: reReviewScheduleId(projectId, componentId), action });
      },
    );
  }

  // Personal tokens: a person token makes another for the same person; the web app makes them from a session.
  const registry = deps.tokens;
  if (registry) {
    ops.add({ method: 'get', path: '/tokens', operationId: 'listTokens', tag: 'tokens', summary: "The token's person's live API tokens (never the tokens themselves)", token: 'person', status: 200, response: views.TokenList, responseDescription: 'newest first' }, async (c) => {
      const { email } = await personGrant(c, links);
      return c.json({ tokens: await registry.list(email) });
    });
    ops.add({ method: 'post', path: '/tokens', operationId: 'createToken', tag: 'tokens', summary: 'Make a personal API token (shown once)', token: 'person', body: TokenRequest, status: 201, response: views.TokenCreated, responseDescription: 'the token, once, and its entry' }, async (c) => {
      const { email } = await personGrant(c, links);
      const request = parseInput(TokenRequest, await jsonBody(c), 'token');
      return c.json(await registry.create(links, email, request), 201);
    });
  }

  // Last: any other /api path answers in JSON too, not with the web page's HTML 404.
  api.all('*', (c) => c.json({ error: { kind: 'not-found', message: `no route ${c.req.method} ${pathText(c.req.path)}` } }, 404));

  return api;
}
