/**
 * The CLI's connection to Temporal (./backend.ts), opened on first use (so bad input is refused
 * before any network I/O), and the one place where a failed call becomes a message about the
 * component or project the user named. Whoever has Temporal access may act as anyone: `--by` and
 * `--as` are taken as given.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import type { z } from 'zod';
import { durationMillis, type ProjectDefinition } from '../../machines/model.js';
import { InputError } from '../../machines/validation.js';
import {
  addComponentUpdate,
  type AddComponent,
  cardQuery,
  decideUpdate,
  historyQuery,
  projectStatusQuery,
  statusQuery,
  updateRosterUpdate,
  type ComponentStatus,
} from '../../workflows/definitions.js';
import { createLinks } from '../http/core/links.js';
import { configuredLinkSecret } from '../local/linkSecret.js';
import { holdingBelow } from '../portfolio/holding.js';
import { projectsPage, type ProjectFilter } from '../portfolio/projects.js';
import { readMetrics } from '../portfolio/read.js';
import { readRisksOf } from '../portfolio/risks.js';
import { listReReviewSchedules, steerReReviewSchedule, type ScheduleAction } from '../portfolio/schedules.js';
import { ClientError, call, componentHandle, connect, projectHandle, startProject } from '../runtime/client.js';
import { ConfigError, loadConfig, publicUrl, type Config } from '../runtime/config.js';
import type { ComponentRef } from './args.js';
import {
  COMPONENT_UPDATES,
  componentSubject,
  notYetRunning,
  projectSubject,
  scheduleSubject,
  type Backend,
  type ComponentUpdate,
  type RosterPayload,
  type TokenAsk,
  type UpdatePayload,
  type Verdict,
} from './backend.js';
import { UsageError } from './errors.js';

/** A component is running once its workflow exists (it need not have answered anything yet). */
const exists = (client: Client, projectId: string) => (componentId: string) => componentHandle(client, projectId, componentId).describe().then(() => true);

/** Who acts, as given: the option is mandatory with Temporal, so this only guards the type. */
function given(who: string | undefined, flag: string): string {
  if (who === undefined) throw new UsageError(`${flag}: required: say who is acting`);
  return who;
}

export class Session implements Backend {
  readonly actsAsToken = false;
  private config?: Config;
  private client?: Promise<Client>;

  constructor(private readonly env: NodeJS.ProcessEnv) {}

  settings(): Config {
    // A token without the API's address would leave the user believing they act through the API.
    if (this.env['MLTRL_API_TOKEN'] && !this.env['MLTRL_API_URL']) {
      throw new ConfigError('configuration: MLTRL_API_TOKEN: is set without MLTRL_API_URL: set MLTRL_API_URL to send commands through the HTTP API, or unset MLTRL_API_TOKEN to talk to Temporal directly');
    }
    this.config ??= loadConfig(this.env);
    return this.config;
  }

  connection(): Promise<Client> {
    this.client ??= connect(this.settings());
    return this.client;
  }

  componentStatus(what: string, ref: ComponentRef) {
    return this.withComponent(what, ref, (handle) => handle.query(statusQuery));
  }

  card(what: string, ref: ComponentRef) {
    return this.withComponent(what, ref, (handle) => handle.query(cardQuery));
  }

  history(what: string, ref: ComponentRef) {
    return this.withComponent(what, ref, (handle) => handle.query(historyQuery));
  }

  updateComponent(what: string, ref: ComponentRef, update: ComponentUpdate, payload: UpdatePayload) {
    given(payload.by, '--by');
    // Each payload was checked with this update's own schema (./context.ts).
    const definition = COMPONENT_UPDATES[update].update as UpdateDefinition<ComponentStatus, [unknown]>;
    return this.withComponent(what, ref, (handle) => handle.executeUpdate(definition, { args: [payload] }));
  }

  async decide(what: string, ref: ComponentRef, verdict: Verdict) {
    const decision = { ...verdict, reviewer: given(verdict.reviewer, '--as') };
    const state = await this.withComponent(what, ref, (handle) => handle.executeUpdate(decideUpdate, { args: [decision] }));
    return { state, reviewer: decision.reviewer };
  }

  async startProject(what: string, definition: ProjectDefinition) {
    const { MLTRL_TASK_QUEUE: taskQueue, MLTRL_MIN_POLICY_INTERVAL: minPolicyInterval } = this.settings();
    return this.withClient(what, projectSubject(definition.id), async (client) => {
      const handle = await startProject(client, taskQueue, definition, { minPolicyInterval });
      const waiting = await notYetRunning(definition.components.map((c) => c.id), exists(client, definition.id));
      return { workflowId: handle.workflowId, taskQueue, waiting };
    });
  }

  async addComponent(what: string, projectId: string, component: z.output<typeof AddComponent>) {
    const status = await this.withProject(what, projectId, (handle) => handle.executeUpdate(addComponentUpdate, { args: [component] }));
    await this.withClient(what, projectSubject(projectId), (client) => notYetRunning([component.id], exists(client, projectId)));
    return status;
  }

  updateRoster(what: string, projectId: string, payload: RosterPayload) {
    const checked = { ...payload, by: given(payload.by, '--by') };
    return this.withProject(what, projectId, (handle) => handle.executeUpdate(updateRosterUpdate, { args: [checked] }));
  }

  projectView(what: string, projectId: string) {
    // One project's view asks its components for their cards: the risk matrix is read from them.
    return this.withClient(what, projectSubject(projectId), async (client) => {
      const status = await projectHandle(client, projectId).query(projectStatusQuery);
      return { status, risks: await readRisksOf(client, status) };
    });
  }

  holding(what: string, projectId: string, below: number) {
    return this.withClient(what, projectSubject(projectId), (client) => holdingBelow(client, projectId, below));
  }

  projects(what: string, filter: ProjectFilter) {
    return this.withClient(what, 'the running projects', (client) => projectsPage(client, this.settings().MLTRL_TASK_QUEUE, filter));
  }

  metrics(what: string) {
    return this.withClient(what, 'the portfolio', (client) => readMetrics(client, { taskQueue: this.settings().MLTRL_TASK_QUEUE }));
  }

  schedules(what: string) {
    return this.withClient(what, 'the re-review schedules', (client) => listReReviewSchedules(client));
  }

  steerSchedule(what: string, ref: ComponentRef, action: ScheduleAction, reason: string) {
    return this.withClient(what, scheduleSubject(ref), (client) => steerReReviewSchedule(client, ref.projectId, ref.componentId, action, reason));
  }

  /** Minted with the link secret: MLTRL_LINK_SECRET, or the one `npm start` keeps in data/. */
  async personToken(what: string, ask: TokenAsk) {
    const config = this.settings();
    const secret = configuredLinkSecret(config.MLTRL_LINK_SECRET);
    if (!secret) throw new UsageError(`${what}: no link secret: set MLTRL_LINK_SECRET (the one the server uses), or run npm start once to create data/link-secret`);
    const links = createLinks({ secret, publicUrl: publicUrl(config), ttlMs: durationMillis(config.MLTRL_LINK_TTL) });
    return links.personToken(given(ask.as, '--as'), durationMillis(ask.validFor));
  }

  async withTemporal<T>(what: string, subject: string, prepare: (settings: Config) => (client: Client) => Promise<T>): Promise<T> {
    const run = prepare(this.settings());
    return this.withClient(what, subject, run);
  }

  async close(): Promise<void> {
    const client = await this.client?.catch(() => undefined);
    await client?.connection.close();
  }

  private async withComponent<T>(what: string, ref: ComponentRef, fn: (handle: WorkflowHandle) => Promise<T>): Promise<T> {
    const client = await this.connection();
    return this.explained(what, componentSubject(ref), () => fn(componentHandle(client, ref.projectId, ref.componentId)));
  }

  private async withProject<T>(what: string, projectId: string, fn: (handle: WorkflowHandle) => Promise<T>): Promise<T> {
    const client = await this.connection();
    return this.explained(what, projectSubject(projectId), () => fn(projectHandle(client, projectId)));
  }

  private async withClient<T>(what: string, subject: string, fn: (client: Client) => Promise<T>): Promise<T> {
    const client = await this.connection();
    return this.explained(what, subject, () => fn(client));
  }

  private async explained<T>(what: string, subject: string, operation: () => Promise<T>): Promise<T> {
    try {
      return await call(operation);
    } catch (error) {
      if (!(error instanceof ClientError)) throw error;
      switch (error.kind) {
        case 'invalid':
          throw new InputError(error.message.startsWith(`${what}:`) ? error.message : `${what}: ${error.message}`);
        case 'refused':
        case 'conflict':
          throw new InputError(`${what}: ${error.message}`);
        case 'not-found':
          throw new ClientError(`${what}: ${subject} not found`, 'not-found');
        case 'unavailable':
          throw error;
      }
    }
  }
}
