/**
 * What the commands ask of mltrl, and the two ways it is asked: ./session.ts talks to Temporal
 * itself (operators, the worker's host), ./apiSession.ts to the HTTP API with a personal token
 * (everyone else, `MLTRL_API_URL`). A command checks its input locally first, calls one of these,
 * and renders the answer with the same renderers whichever answered: the output is the same.
 *
 * `what` is the command's name: it starts every error line.
 */
import type { Client } from '@temporalio/client';
import type { z } from 'zod';
import type { ProjectDefinition } from '../../machines/model.js';
import {
  AddComponent,
  AnswerEthics,
  Branch,
  DiscoverySwitchback,
  LifecycleChange,
  ReportVersions,
  Submit,
  UpdateCard,
  UpdateRoster,
  answerEthicsUpdate,
  branchUpdate,
  pauseUpdate,
  reportVersionsUpdate,
  resumeUpdate,
  retireUpdate,
  submitUpdate,
  switchbackUpdate,
  updateCardUpdate,
  type AuditEntry,
  type CardView,
  type ComponentStatus,
  type Decision,
  type ProjectStatus,
  type ReviewState,
} from '../../workflows/definitions.js';
import type { Holding } from '../portfolio/holding.js';
import type { PortfolioMetrics } from '../portfolio/metrics.js';
import type { Page, ProjectFilter } from '../portfolio/projects.js';
import type { ProjectRisks } from '../portfolio/risks.js';
import type { ReReviewSchedule, ScheduleAction } from '../portfolio/schedules.js';
import type { Config } from '../runtime/config.js';
import { formatRef, type ComponentRef } from './args.js';

/**
 * The component updates, named as the API's operations are; each with the workflow's own schema
 * (what the CLI checks before sending) and update definition.
 */
export const COMPONENT_UPDATES = {
  updateCard: { schema: UpdateCard, update: updateCardUpdate },
  submit: { schema: Submit, update: submitUpdate },
  answerEthics: { schema: AnswerEthics, update: answerEthicsUpdate },
  switchback: { schema: DiscoverySwitchback, update: switchbackUpdate },
  pause: { schema: LifecycleChange, update: pauseUpdate },
  resume: { schema: LifecycleChange, update: resumeUpdate },
  retire: { schema: LifecycleChange, update: retireUpdate },
  reportVersions: { schema: ReportVersions, update: reportVersionsUpdate },
  branch: { schema: Branch, update: branchUpdate },
} as const;
export type ComponentUpdate = keyof typeof COMPONENT_UPDATES;

/** An update's payload as checked locally: `by` is absent only through the API, where the token's person acts. */
export type UpdatePayload = { by?: string } & Record<string, unknown>;
/** A verdict as checked locally: `reviewer` is absent only through the API, where the token's person answers. */
export type Verdict = Omit<Decision, 'reviewer'> & { reviewer?: string };
export type RosterPayload = Omit<z.output<typeof UpdateRoster>, 'by'> & { by?: string };

export interface Started {
  workflowId: string;
  taskQueue: string;
  /** Components not yet running when the command stopped waiting for them. */
  waiting: string[];
}

export interface TokenAsk {
  /** Whom the token acts as: required with Temporal; through the API, the token's own person. */
  as?: string;
  validFor: string;
  /** The name the token is listed under (tokens made through the API are listed; minted ones are not). */
  name: string;
}

export interface Backend {
  /** Through the API the token says who acts: `--by` and `--as` may be left out, and must name that person if given. */
  readonly actsAsToken: boolean;

  componentStatus(what: string, ref: ComponentRef): Promise<ComponentStatus>;
  card(what: string, ref: ComponentRef): Promise<CardView>;
  history(what: string, ref: ComponentRef): Promise<AuditEntry[]>;
  updateComponent(what: string, ref: ComponentRef, update: ComponentUpdate, payload: UpdatePayload): Promise<ComponentStatus>;
  /** The review's state, and who answered (given, or the token's person). */
  decide(what: string, ref: ComponentRef, verdict: Verdict): Promise<{ state: ReviewState; reviewer: string }>;

  startProject(what: string, definition: ProjectDefinition): Promise<Started>;
  addComponent(what: string, projectId: string, component: z.output<typeof AddComponent>): Promise<ProjectStatus>;
  updateRoster(what: string, projectId: string, payload: RosterPayload): Promise<ProjectStatus>;
  /** A project's status and its risk matrix, read from its components' cards. */
  projectView(what: string, projectId: string): Promise<{ status: ProjectStatus; risks: ProjectRisks }>;
  holding(what: string, projectId: string, below: number): Promise<Holding>;

  projects(what: string, filter: ProjectFilter): Promise<Page<ProjectStatus>>;
  metrics(what: string): Promise<PortfolioMetrics>;
  schedules(what: string): Promise<ReReviewSchedule[]>;
  steerSchedule(what: string, ref: ComponentRef, action: ScheduleAction, reason: string): Promise<void>;

  /** A person token for the HTTP API. */
  personToken(what: string, ask: TokenAsk): Promise<string>;
  /**
   * Temporal itself, for what only it can do (`mlflow sync`); through the API, a refusal naming the
   * command. `prepare` reads the settings first (refusing what they lack before any connection) and
   * returns what runs on the client.
   */
  withTemporal<T>(what: string, subject: string, prepare: (settings: Config) => (client: Client) => Promise<T>): Promise<T>;

  close(): Promise<void>;
}

/**
 * Components are started by the project workflow: wait briefly, asking `isRunning` of each, so the
 * next command finds them. What is still not running when the time is up.
 */
export async function notYetRunning(componentIds: string[], isRunning: (componentId: string) => Promise<boolean>, timeoutMs = 10_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let waiting = componentIds;
  for (;;) {
    const running = await Promise.all(waiting.map((id) => isRunning(id).catch(() => false)));
    waiting = waiting.filter((_, index) => !running[index]);
    if (waiting.length === 0 || Date.now() > deadline) return waiting;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** What a not-found names, the same through either session. */
export const componentSubject = (ref: ComponentRef) => `component ${formatRef(ref)}`;
export const projectSubject = (projectId: string) => `project ${projectId}`;
export const scheduleSubject = (ref: ComponentRef) => `the re-review schedule of ${formatRef(ref)}`;
