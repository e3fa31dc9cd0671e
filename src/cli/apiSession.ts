/**
 * The CLI through mltrl's HTTP API (src/http/api/routes.ts), for people without access to Temporal:
 * set MLTRL_API_URL and MLTRL_API_TOKEN (a personal token) and each command becomes one or a few
 * requests acting as the token's person. The answers are the objects the Temporal session returns,
 * so the commands render them with the same renderers (./backend.ts).
 *
 * Who acts is the token's person, never an option: a `--by` or `--as` naming someone else is
 * refused here, before anything is sent, rather than silently acting as the token's person.
 */
import { z } from 'zod';
import { InputError, describeIssues, parseInput } from '../../machines/validation.js';
import type { AuditEntry, CardView, ComponentStatus, ProjectStatus, ReviewState } from '../../workflows/definitions.js';
import { TokenRequest } from '../http/core/tokenRegistry.js';
import type { Holding } from '../portfolio/holding.js';
import type { MetricsRead } from '../portfolio/sharedMetrics.js';
import type { Page, ProjectFilter } from '../portfolio/projects.js';
import type { ProjectRisks } from '../portfolio/risks.js';
import type { ReReviewSchedule, ScheduleAction } from '../portfolio/schedules.js';
import { ClientError } from '../runtime/client.js';
import { ConfigError } from '../runtime/config.js';
import { LOOPBACK_HOSTS } from '../runtime/loopback.js';
import type { ComponentRef } from './args.js';
import {
  componentSubject,
  notYetRunning,
  projectSubject,
  scheduleSubject,
  type Backend,
  type ComponentUpdate,
  type RosterPayload,
  type Started,
  type TokenAsk,
  type UpdatePayload,
  type Verdict,
} from './backend.js';
import { UsageError } from './errors.js';
import type { ProjectDefinition } from '../../machines/model.js';

/** Why `text` cannot be the API's address, if it cannot; checked after it parsed as an http(s) URL. */
function apiUrlProblem(text: string): string | undefined {
  if (!URL.canParse(text)) return undefined;
  const url = new URL(text);
  // The token travels in every request: never in clear across a network.
  if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname)) return 'must be an https:// URL (http:// only on loopback: the token would cross the network in clear)';
  if (url.search !== '' || url.hash !== '') return 'must have no query or fragment: the server\'s address only';
  return undefined;
}

/** The two variables of API mode, checked like the rest of the configuration (src/runtime/config.ts). */
export const ApiSettings = z.object({
  MLTRL_API_URL: z
    .url({ protocol: /^https?$/, error: "must be the mltrl server's address, e.g. https://mltrl.lab.example or http://127.0.0.1:8280" })
    .superRefine((text, ctx) => {
      const problem = apiUrlProblem(text);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .transform((text) => text.replace(/\/+$/, '')),
  MLTRL_API_TOKEN: z
    .string({ error: 'required when MLTRL_API_URL is set: a personal API token (from `mltrl token`, or the web app)' })
    // Never quoted back: it is a credential.
    .max(4_096, 'must be at most 4096 characters: a personal API token as `mltrl token` prints it')
    .regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, 'must be a personal API token as `mltrl token` prints it: three base64url parts joined by dots (no "Bearer ", no spaces)'),
});
export type ApiSettings = z.output<typeof ApiSettings>;

export function loadApiSettings(env: NodeJS.ProcessEnv): ApiSettings {
  // An empty variable means "not set", as for the rest of the configuration.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const result = ApiSettings.safeParse(present);
  if (!result.success) throw new ConfigError(`configuration: ${describeIssues(result.error, Infinity)}`);
  return result.data;
}

/** Is the CLI to go through the API? Only MLTRL_API_URL decides; the values are checked on first use. */
export const viaApi = (env: NodeJS.ProcessEnv) => Boolean(env['MLTRL_API_URL']);

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH';

/**
 * Each component update's route under /projects/{projectId}/components/{componentId}, as the API
 * declares it (src/http/api/routes.ts, keyed by its operationId); `body` when the route's body is
 * not the payload without `by`.
 */
export const UPDATE_ROUTES: Record<ComponentUpdate, { method: Method; path: string; body?: (payload: Record<string, unknown>) => unknown }> = {
  updateCard: { method: 'PATCH', path: '/card', body: ({ patch }) => patch },
  submit: { method: 'POST', path: '/submit' },
  answerEthics: { method: 'POST', path: '/ethics-answers' },
  switchback: { method: 'POST', path: '/switchbacks', body: ({ kind: _discovery, ...rest }) => rest },
  pause: { method: 'POST', path: '/pause' },
  resume: { method: 'POST', path: '/resume' },
  retire: { method: 'POST', path: '/retire' },
  reportVersions: { method: 'POST', path: '/versions' },
  branch: { method: 'POST', path: '/branches' },
};

/** The API's error shape (src/http/core/problems.ts). */
const Problem = z.object({ error: z.object({ kind: z.string(), message: z.string() }) });

/** Long enough for a portfolio read over many projects; a server that says nothing for longer is not answering. */
const TIMEOUT_MS = 120_000;

const componentPath = (ref: ComponentRef) => `/projects/${encodeURIComponent(ref.projectId)}/components/${encodeURIComponent(ref.componentId)}`;
const projectPath = (projectId: string) => `/projects/${encodeURIComponent(projectId)}`;

/** Why a request got no answer: fetch's own message is only "fetch failed"; the reason is in its cause. */
function unreachable(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') return `no answer within ${TIMEOUT_MS / 1000} seconds`;
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause instanceof Error) return 'code' in cause && typeof cause.code === 'string' ? `${cause.message} (${cause.code})` : cause.message;
  return error instanceof Error ? error.message : String(error);
}

export class ApiSession implements Backend {
  readonly actsAsToken = true;
  private settings?: ApiSettings;
  private person?: Promise<string>;

  constructor(private readonly env: NodeJS.ProcessEnv) {}

  componentStatus(what: string, ref: ComponentRef) {
    return this.request<ComponentStatus>(what, componentSubject(ref), 'GET', componentPath(ref));
  }

  card(what: string, ref: ComponentRef) {
    return this.request<CardView>(what, componentSubject(ref), 'GET', `${componentPath(ref)}/card`);
  }

  history(what: string, ref: ComponentRef) {
    return this.request<AuditEntry[]>(what, componentSubject(ref), 'GET', `${componentPath(ref)}/history`);
  }

  async updateComponent(what: string, ref: ComponentRef, update: ComponentUpdate, payload: UpdatePayload) {
    const { by, ...rest } = payload;
    if (by !== undefined) await this.actingAs(what, '--by', by);
    const route = UPDATE_ROUTES[update];
    return this.request<ComponentStatus>(what, componentSubject(ref), route.method, `${componentPath(ref)}${route.path}`, route.body ? route.body(rest) : rest);
  }

  async decide(what: string, ref: ComponentRef, verdict: Verdict) {
    const { reviewer, ...body } = verdict;
    // The answer names the reviewer: the token's person, asked first so nothing is sent for someone else.
    const person = await this.actingAs(what, '--as', reviewer);
    const state = await this.request<ReviewState>(what, componentSubject(ref), 'POST', `${componentPath(ref)}/verdicts`, body);
    return { state, reviewer: person };
  }

  async startProject(what: string, definition: ProjectDefinition): Promise<Started> {
    const subject = projectSubject(definition.id);
    const { workflowId } = await this.request<{ workflowId: string }>(what, subject, 'POST', '/projects', definition);
    const { taskQueue } = await this.request<{ taskQueue: string }>(what, 'the server', 'GET', '/health');
    const waiting = await notYetRunning(
      definition.components.map((c) => c.id),
      (componentId) => this.componentStatus(what, { projectId: definition.id, componentId }).then(() => true),
    );
    return { workflowId, taskQueue, waiting };
  }

  async addComponent(what: string, projectId: string, component: { id: string }) {
    const status = await this.request<ProjectStatus>(what, projectSubject(projectId), 'POST', `${projectPath(projectId)}/components`, component);
    await notYetRunning([component.id], (componentId) => this.componentStatus(what, { projectId, componentId }).then(() => true));
    return status;
  }

  async updateRoster(what: string, projectId: string, payload: RosterPayload) {
    const { by, ...body } = payload;
    if (by !== undefined) await this.actingAs(what, '--by', by);
    return this.request<ProjectStatus>(what, projectSubject(projectId), 'PUT', `${projectPath(projectId)}/roster`, body);
  }

  async projectView(what: string, projectId: string) {
    const subject = projectSubject(projectId);
    const status = await this.request<ProjectStatus>(what, subject, 'GET', projectPath(projectId));
    return { status, risks: await this.request<ProjectRisks>(what, subject, 'GET', `${projectPath(projectId)}/risks`) };
  }

  holding(what: string, projectId: string, below: number) {
    return this.request<Holding>(what, projectSubject(projectId), 'GET', `${projectPath(projectId)}/holding?${new URLSearchParams({ level: String(below) }).toString()}`);
  }

  async projects(what: string, filter: ProjectFilter): Promise<Page<ProjectStatus>> {
    const query = new URLSearchParams(Object.entries(filter).flatMap(([key, value]): [string, string][] => (value === undefined ? [] : [[key, String(value)]])));
    // The API names the list `projects`; the CLI's own page (and its --json) calls it `items`.
    const { projects, ...page } = await this.request<Omit<Page<ProjectStatus>, 'items'> & { projects: ProjectStatus[] }>(what, 'the running projects', 'GET', `/projects?${query.toString()}`);
    return { items: projects, ...page };
  }

  async metrics(what: string) {
    // The server shares one read for a few seconds and says when it was made; the CLI's figures are the read alone.
    const { readAt: _readAt, ...metrics } = await this.request<MetricsRead>(what, 'the portfolio', 'GET', '/metrics');
    return metrics;
  }

  async schedules(what: string) {
    return (await this.request<{ schedules: ReReviewSchedule[] }>(what, 'the re-review schedules', 'GET', '/schedules')).schedules;
  }

  async steerSchedule(what: string, ref: ComponentRef, action: ScheduleAction, reason: string) {
    const path = `/schedules/${encodeURIComponent(ref.projectId)}/${encodeURIComponent(ref.componentId)}/${action}`;
    await this.request(what, scheduleSubject(ref), 'POST', path, { reason });
  }

  /** One more token for the token's person, made and listed by the server (POST /api/tokens). */
  async personToken(what: string, ask: TokenAsk) {
    const request = parseInput(TokenRequest, { name: ask.name, validFor: ask.validFor }, what);
    if (ask.as !== undefined) await this.actingAs(what, '--as', ask.as);
    return (await this.request<{ token: string }>(what, 'the tokens', 'POST', '/tokens', request)).token;
  }

  withTemporal<T>(what: string): Promise<T> {
    return Promise.reject(new UsageError(`${what}: needs access to Temporal, and the HTTP API has no route for it: run it where Temporal is reachable, without MLTRL_API_URL`));
  }

  async close(): Promise<void> {
    // Nothing held open: each request is its own.
  }

  private api(): ApiSettings {
    this.settings ??= loadApiSettings(this.env);
    return this.settings;
  }

  /** The token's person; a `--by` or `--as` naming anyone else is refused before anything is sent. */
  private async actingAs(what: string, flag: string, given: string | undefined): Promise<string> {
    this.person ??= this.request<{ email: string }>(what, 'the token', 'GET', '/me').then((me) => me.email);
    const person = await this.person;
    if (given !== undefined && given !== person) {
      throw new UsageError(`${what}: ${flag} ${given} is not the API token's person (${person}): through the API every command acts as its token's person; leave ${flag} out, or use ${given}'s own token`);
    }
    return person;
  }

  /** One request; its answer, or its problem as the one-line error the CLI prints (exit codes as with Temporal). */
  private async request<T>(what: string, subject: string, method: Method, path: string, body?: unknown): Promise<T> {
    const { MLTRL_API_URL: base, MLTRL_API_TOKEN: token } = this.api();
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${base}/api${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      text = await response.text();
    } catch (error) {
      throw new ClientError(`cannot reach the mltrl API at ${base}: ${unreachable(error)}`, 'unavailable');
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (response.ok && json !== undefined) return json as T;
    const problem = Problem.safeParse(json);
    if (!problem.success) {
      throw new ClientError(
        `${what}: ${base} answered ${response.status} ${response.statusText} without mltrl's JSON: is MLTRL_API_URL the mltrl server's address (e.g. http://127.0.0.1:8280, without /api)?`,
        response.status === 404 ? 'not-found' : 'unavailable',
      );
    }
    const { kind, message } = problem.data.error;
    // As with Temporal: what was named does not exist (exit 1), the server cannot answer (exit 1), or the request was refused (exit 2).
    if (response.status === 404) throw new ClientError(kind === 'not-found' && !message.startsWith('no route') ? `${what}: ${subject} not found` : `${what}: ${message}`, 'not-found');
    if (response.status >= 500) throw new ClientError(`${what}: ${message}`, 'unavailable');
    if (response.status === 401) throw new InputError(`${what}: ${message} (MLTRL_API_TOKEN)`);
    throw new InputError(kind === 'invalid' && message.startsWith(`${what}:`) ? message : `${what}: ${message}`);
  }
}
