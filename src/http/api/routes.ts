/**
 * The JSON API: projects, components, status, card, history, submit, verdicts, a re-review's
 * ethics answers and switchbacks,
 * over the same client calls and zod schemas as the CLI. Bodies are validated before anything
 * reaches Temporal; who is acting comes from the bearer token (src/http/core/auth.ts).
 */
import type { QueryDefinition } from '@temporalio/common';
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { Slug } from '../../../machines/model.js';
import { InputError, parseInput } from '../../../machines/validation.js';
import {
  AnswerEthics,
  Decision,
  DiscoverySwitchback,
  Submit,
  answerEthicsUpdate,
  cardQuery,
  decideUpdate,
  historyQuery,
  projectStatusQuery,
  statusQuery,
  submitUpdate,
  switchbackUpdate,
} from '../../../workflows/definitions.js';
import { call, componentHandle, parseProject, projectHandle, startProject } from '../../runtime/client.js';
import { DEFAULT_MIN_POLICY_INTERVAL } from '../../runtime/config.js';
import { readProjectRisks } from '../../portfolio/risks.js';
import { ComponentFilter, ProjectFilter, componentsPage, givenFilters, projectComponentsPage, projectsPage } from '../../portfolio/projects.js';
import { HoldingQuery, holdingBelow } from '../../portfolio/holding.js';
import { answering, componentGrant, personGrant } from '../core/auth.js';
import type { AppDependencies } from '../core/dependencies.js';
import { errorResponse, Forbidden, pathText } from '../core/problems.js';

// Bodies: the workflow's own schemas without the fields the token supplies.
const SubmitBody = Submit.omit({ by: true });
const { reviewer: _reviewer, reviewId: decisionReviewId, ...verdictFields } = Decision.shape;
const VerdictBody = z.strictObject({ ...verdictFields, reviewId: decisionReviewId.optional() });
const SwitchbackBody = DiscoverySwitchback.omit({ by: true, kind: true });
const EthicsAnswersBody = AnswerEthics.omit({ by: true });

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

  api.get('/health', (c) => c.json({ ok: true, taskQueue }));

  // Every route below names the token it takes (src/http/core/auth.ts); the table is in README.md (## Security).
  api.get('/projects', async (c) => {
    await personGrant(c, links);
    const filter = parseInput(ProjectFilter, givenFilters(c.req.query()), 'query');
    const { items, ...page } = await projectsPage(client, taskQueue, filter);
    return c.json({ projects: items, ...page });
  });

  api.get('/components', async (c) => {
    await personGrant(c, links);
    const filter = parseInput(ComponentFilter, givenFilters(c.req.query()), 'query');
    const { items, ...page } = await componentsPage(client, taskQueue, filter);
    return c.json({ components: items, ...page });
  });

  api.get('/metrics', async (c) => {
    await personGrant(c, links);
    return c.json(await deps.portfolioMetrics());
  });

  api.post('/projects', async (c) => {
    const { email } = await personGrant(c, links);
    const definition = parseProject(await jsonBody(c));
    if (!definition.owners.some((owner) => owner.email === email)) {
      throw new Forbidden(`authorization: ${email} is not among the project's owners`);
    }
    const handle = await startProject(client, taskQueue, definition, { minPolicyInterval: deps.minPolicyInterval ?? DEFAULT_MIN_POLICY_INTERVAL });
    return c.json({ projectId: definition.id, workflowId: handle.workflowId }, 201);
  });

  api.get('/projects/:projectId', async (c) => {
    await personGrant(c, links);
    const projectId = parseInput(Slug, c.req.param('projectId'), 'projectId');
    return c.json(await call(() => projectHandle(client, projectId).query(projectStatusQuery)));
  });

  // What holds the system below Level N: asks the project, then only the components below N.
  api.get('/projects/:projectId/holding', async (c) => {
    await personGrant(c, links);
    const projectId = parseInput(Slug, c.req.param('projectId'), 'projectId');
    const { level } = parseInput(HoldingQuery, c.req.query(), 'query');
    return c.json(await call(() => holdingBelow(client, projectId, level)));
  });

  api.get('/projects/:projectId/components', async (c) => {
    await personGrant(c, links);
    const projectId = parseInput(Slug, c.req.param('projectId'), 'projectId');
    const filter = parseInput(ComponentFilter, givenFilters(c.req.query()), 'query');
    const status = await call(() => projectHandle(client, projectId).query(projectStatusQuery));
    const { items, ...page } = projectComponentsPage(status, filter);
    return c.json({ components: items, ...page });
  });

  // One project's risk matrix, read from its components' cards (src/portfolio/risks.ts).
  api.get('/projects/:projectId/risks', async (c) => {
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
  const reads: [string, QueryDefinition<unknown>][] = [
    ['', statusQuery],
    ['/card', cardQuery],
    ['/history', historyQuery],
  ];
  for (const [path, query] of reads) {
    api.get(`/projects/:projectId/components/:componentId${path}`, async (c) => {
      const handle = await readable(c);
      return c.json(await call(() => handle.query(query)));
    });
  }

  api.post('/projects/:projectId/components/:componentId/submit', async (c) => {
    const { email } = await personGrant(c, links);
    const { projectId, componentId } = ids(c);
    const body = parseInput(SubmitBody, await jsonBody(c), 'submit');
    const payload = parseInput(Submit, { ...body, by: email }, 'submit');
    return c.json(await call(() => componentHandle(client, projectId, componentId).executeUpdate(submitUpdate, { args: [payload] })));
  });

  api.post('/projects/:projectId/components/:componentId/verdicts', async (c) => {
    const { projectId, componentId } = ids(c);
    const grant = await componentGrant(c, links, projectId, componentId);
    const body = parseInput(VerdictBody, await jsonBody(c), 'verdict');
    const decision = parseInput(Decision, { ...body, ...answering(grant, body.reviewId) }, 'verdict');
    return c.json(await call(() => componentHandle(client, projectId, componentId).executeUpdate(decideUpdate, { args: [decision] })));
  });

  // A re-review waiting for the owner's ethics answers (rules edition 2): the token's person answers.
  api.post('/projects/:projectId/components/:componentId/ethics-answers', async (c) => {
    const { email } = await personGrant(c, links);
    const { projectId, componentId } = ids(c);
    const body = parseInput(EthicsAnswersBody, await jsonBody(c), 'ethics-answers');
    const payload = parseInput(AnswerEthics, { ...body, by: email }, 'ethics-answers');
    return c.json(await call(() => componentHandle(client, projectId, componentId).executeUpdate(answerEthicsUpdate, { args: [payload] })));
  });

  api.post('/projects/:projectId/components/:componentId/switchbacks', async (c) => {
    const { email } = await personGrant(c, links);
    const { projectId, componentId } = ids(c);
    const body = parseInput(SwitchbackBody, await jsonBody(c), 'switchback');
    const payload = parseInput(DiscoverySwitchback, { ...body, by: email, kind: 'discovery' }, 'switchback');
    return c.json(await call(() => componentHandle(client, projectId, componentId).executeUpdate(switchbackUpdate, { args: [payload] })), 201);
  });

  // Last: any other /api path answers in JSON too, not with the web page's HTML 404.
  api.all('*', (c) => c.json({ error: { kind: 'not-found', message: `no route ${c.req.method} ${pathText(c.req.path)}` } }, 404));

  return api;
}
