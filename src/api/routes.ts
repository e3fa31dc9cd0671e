/**
 * The JSON API: projects, components, status, card, history, submit, verdicts and switchbacks,
 * over the same client calls and zod schemas as the CLI. Bodies are validated before anything
 * reaches Temporal; who is acting comes from the bearer token (src/api/auth.ts).
 */
import type { Client } from '@temporalio/client';
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { Slug } from '../../machines/model.js';
import { InputError, parseInput } from '../../machines/validation.js';
import {
  Decision,
  DiscoverySwitchback,
  Submit,
  cardQuery,
  decideUpdate,
  historyQuery,
  projectStatusQuery,
  statusQuery,
  submitUpdate,
  switchbackUpdate,
} from '../../workflows/definitions.js';
import { call, componentHandle, parseProject, projectHandle, startProject } from '../client.js';
import { DEFAULT_MIN_POLICY_INTERVAL } from '../config.js';
import type { Links } from '../links.js';
import { listProjects } from '../projects.js';
import { actorEmail, bearerGrant } from './auth.js';
import { Forbidden, pathText, problemFor } from './errors.js';

export interface ApiDependencies {
  client: Client;
  taskQueue: string;
  links: Links;
  /** The operator's floor for policy durations (MLTRL_MIN_POLICY_INTERVAL); the configuration's default when absent. */
  minPolicyInterval?: string;
}

// Bodies: the workflow's own schemas without the fields the token supplies.
const SubmitBody = Submit.omit({ by: true });
const { reviewer: _reviewer, reviewId: decisionReviewId, ...verdictFields } = Decision.shape;
const VerdictBody = z.strictObject({ ...verdictFields, reviewId: decisionReviewId.optional() });
const SwitchbackBody = DiscoverySwitchback.omit({ by: true, kind: true });

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

export function apiRoutes(deps: ApiDependencies): Hono {
  const { client, taskQueue, links } = deps;
  const api = new Hono();
  const component = (c: Context) => {
    const { projectId, componentId } = ids(c);
    return componentHandle(client, projectId, componentId);
  };

  api.onError((error, c) => {
    const problem = problemFor(error);
    if (problem.status === 500) console.error('mltrl api:', error);
    return c.json({ error: { kind: problem.kind, message: problem.message } }, problem.status);
  });

  api.get('/health', (c) => c.json({ ok: true, taskQueue }));

  api.get('/projects', async (c) => c.json(await listProjects(client, taskQueue)));

  api.post('/projects', async (c) => {
    const actor = actorEmail(bearerGrant(c, links));
    const definition = parseProject(await jsonBody(c));
    if (!definition.owners.some((owner) => owner.email === actor)) {
      throw new Forbidden(`authorization: ${actor} is not among the project's owners`);
    }
    const handle = await startProject(client, taskQueue, definition, { minPolicyInterval: deps.minPolicyInterval ?? DEFAULT_MIN_POLICY_INTERVAL });
    return c.json({ projectId: definition.id, workflowId: handle.workflowId }, 201);
  });

  api.get('/projects/:projectId', async (c) => {
    const projectId = parseInput(Slug, c.req.param('projectId'), 'projectId');
    return c.json(await call(() => projectHandle(client, projectId).query(projectStatusQuery)));
  });

  api.get('/projects/:projectId/components', async (c) => {
    const projectId = parseInput(Slug, c.req.param('projectId'), 'projectId');
    const status = await call(() => projectHandle(client, projectId).query(projectStatusQuery));
    return c.json(status.components);
  });

  api.get('/projects/:projectId/components/:componentId', async (c) => c.json(await call(() => component(c).query(statusQuery))));
  api.get('/projects/:projectId/components/:componentId/card', async (c) => c.json(await call(() => component(c).query(cardQuery))));
  api.get('/projects/:projectId/components/:componentId/history', async (c) => c.json(await call(() => component(c).query(historyQuery))));

  api.post('/projects/:projectId/components/:componentId/submit', async (c) => {
    const grant = bearerGrant(c, links);
    if (grant.kind !== 'person') throw new Forbidden('authorization: a review link cannot submit; use a person token');
    const body = parseInput(SubmitBody, await jsonBody(c), 'submit');
    const payload = parseInput(Submit, { ...body, by: grant.email }, 'submit');
    const handle = component(c);
    return c.json(await call(() => handle.executeUpdate(submitUpdate, { args: [payload] })));
  });

  api.post('/projects/:projectId/components/:componentId/verdicts', async (c) => {
    const grant = bearerGrant(c, links);
    const { projectId, componentId } = ids(c);
    const body = parseInput(VerdictBody, await jsonBody(c), 'verdict');
    let reviewId = body.reviewId;
    if (grant.kind === 'review') {
      // A review link's token answers its own review of its own component, nothing else.
      if (grant.projectId !== projectId || grant.componentId !== componentId || (reviewId !== undefined && reviewId !== grant.reviewId)) {
        throw new Forbidden(`authorization: this token answers review ${grant.reviewId} of ${grant.projectId}/${grant.componentId} only`);
      }
      reviewId = grant.reviewId;
    }
    const decision = parseInput(Decision, { ...body, reviewId, reviewer: actorEmail(grant) }, 'verdict');
    const handle = component(c);
    return c.json(await call(() => handle.executeUpdate(decideUpdate, { args: [decision] })));
  });

  api.post('/projects/:projectId/components/:componentId/switchbacks', async (c) => {
    const grant = bearerGrant(c, links);
    if (grant.kind !== 'person') throw new Forbidden('authorization: a review link sends a component back with a switchback verdict; use a person token here');
    const body = parseInput(SwitchbackBody, await jsonBody(c), 'switchback');
    const payload = parseInput(DiscoverySwitchback, { ...body, by: grant.email, kind: 'discovery' }, 'switchback');
    const handle = component(c);
    return c.json(await call(() => handle.executeUpdate(switchbackUpdate, { args: [payload] })), 201);
  });

  // Last: any other /api path answers in JSON too, not with the web page's HTML 404.
  api.all('*', (c) => c.json({ error: { kind: 'not-found', message: `no route ${c.req.method} ${pathText(c.req.path)}` } }, 404));

  return api;
}
