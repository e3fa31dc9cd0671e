/**
 * Every name outside clients rely on (SPEC §5), declared once: workflow ids, the task queue,
 * signals, updates, queries and their payload schemas. Imported by workflows, the client, the CLI,
 * the HTTP API and the tests; it never imports a workflow body.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import type { ClosedReview } from '../machines/context.js';
import type { Confirmation } from '../machines/expectations.js';
import { PHASES } from '../machines/levels.js';
import { FIGURE_PATHS, FIGURE_SAMPLES } from '../machines/summary.js';
import {
  CardPatch,
  ComponentDefinition,
  DisplayName,
  NewComponent,
  Email,
  Level,
  Roster,
  Slug,
  Versions,
  type CardContent,
  type Person,
  type Policy,
  type ProjectDefinition,
} from '../machines/model.js';
import type { CardView, ComponentStatus, ProjectStatus } from '../machines/status.js';
import type { Permissions } from '../machines/permissions.js';

export const DEFAULT_TASK_QUEUE = 'mltrl';

/** Workflow type names, as clients start and list them (the functions exported by workflows/index.ts). */
export const WORKFLOW_TYPES = {
  project: 'projectWorkflow',
  component: 'componentWorkflow',
  level9ReReview: 'level9ReReviewWorkflow',
} as const;

export const projectWorkflowId = (projectId: string) => `project/${projectId}`;
export const componentWorkflowId = (projectId: string, componentId: string) => `component/${projectId}/${componentId}`;
/** Every Level 9 re-review schedule's id starts with this, then `<projectId>/<componentId>`. */
export const RE_REVIEW_SCHEDULE_PREFIX = 'rereview/';
export const reReviewScheduleId = (projectId: string, componentId: string) => `${RE_REVIEW_SCHEDULE_PREFIX}${projectId}/${componentId}`;
/** The id of the workflow a re-review schedule starts on each fire. */
export const reReviewRunId = (projectId: string, componentId: string) => `${reReviewScheduleId(projectId, componentId)}/run`;

/** Failure types carried by ApplicationFailure, so clients can branch on them. */
export enum FailureType {
  InvalidInput = 'InvalidInput',
  Refused = 'Refused',
}

// ---------------------------------------------------------------------------------------------
// Payloads
// ---------------------------------------------------------------------------------------------

const Reason = z.string().trim().min(1, 'must not be empty').max(2_000);
const Comment = z.string().max(5_000);
/** Bounds on what a review keeps: its tasks stay on the closed review, its answers on the card. */
export const MAX_TASKS_CHARACTERS = 5_000;
export const MAX_ETHICS_ANSWER_CHARACTERS = 2_000;
export const MAX_ETHICS_CHARACTERS = 16_000;
const ReviewId = z.string().regex(/^[a-z0-9-]{1,40}$/, 'must be a review id such as r3');

/** A verdict as sent. What it must carry for its kind (tasks, a target, a reason) is a rule of machines/rules.ts. */
export const Decision = z.strictObject({
  reviewId: ReviewId,
  reviewer: Email,
  verdict: z.enum(['approve', 'request-changes', 'switchback'], { error: 'must be approve, request-changes or switchback' }),
  comment: Comment.optional(),
  tasks: z
    .array(z.string().trim().min(1, 'must not be empty').max(500))
    .max(50)
    .refine((tasks) => tasks.join('').length <= MAX_TASKS_CHARACTERS, `must come to at most ${MAX_TASKS_CHARACTERS} characters in all`)
    .optional(),
  targetLevel: Level.optional(),
});
export type Decision = z.infer<typeof Decision>;

// Answers only for checklist item ids (rules.ts checks them against the level's checklist),
// bounded one by one and as a set: every review's answers stay on the card.
const EthicsAnswerSet = z
  .record(Slug, z.string().max(MAX_ETHICS_ANSWER_CHARACTERS))
  .refine((answers) => Object.keys(answers).length <= 100, 'must answer at most 100 checklist items')
  .refine(
    (answers) => Object.values(answers).join('').length <= MAX_ETHICS_CHARACTERS,
    `must come to at most ${MAX_ETHICS_CHARACTERS} characters in all`,
  );

/** Bounds on a submit's task resolutions: each stays on the card with its task. */
export const MAX_RESOLUTION_CHARACTERS = 2_000;
export const MAX_RESOLUTIONS_CHARACTERS = 32_000;
const TaskId = z.string().regex(/^t[0-9]{1,9}$/, 'must be a task id such as t3');
/** How one open task is resolved: `done` with what was done, or `carried` forward with the reason. */
export const TaskResolution = z.strictObject({
  status: z.enum(['done', 'carried'], { error: 'must be done or carried' }),
  note: z.string().trim().min(1, 'must say what was done, or why the task is carried forward').max(MAX_RESOLUTION_CHARACTERS),
});

export const Submit = z.strictObject({
  by: Email,
  proposal: z.string().min(1).max(40).optional(),
  ethics: EthicsAnswerSet.default({}),
  note: z.string().max(5_000).optional(),
  // Which task ids exist, and which the submit must resolve, are rules (machines/tasks.ts).
  resolutions: z
    .record(TaskId, TaskResolution)
    .refine((given) => Object.keys(given).length <= 300, 'must resolve at most 300 tasks')
    .refine(
      (given) => Object.values(given).reduce((sum, r) => sum + r.note.length, 0) <= MAX_RESOLUTIONS_CHARACTERS,
      `must come to at most ${MAX_RESOLUTIONS_CHARACTERS} characters in all`,
    )
    .optional(),
});
export type Submit = z.input<typeof Submit>;

/** The owner's answers to a re-review's ethics checklist (which items it asks is a rule of machines/reReviewEthics.ts). */
export const AnswerEthics = z.strictObject({
  by: Email,
  answers: EthicsAnswerSet.refine((answers) => Object.keys(answers).length > 0, 'must answer at least one checklist item').refine(
    (answers) => Object.values(answers).every((answer) => answer.trim().length > 0),
    'every answer must say something',
  ),
});
export type AnswerEthics = z.input<typeof AnswerEthics>;

export const UpdateCard = z.strictObject({ by: Email, patch: CardPatch });
export type UpdateCard = z.input<typeof UpdateCard>;

export const DiscoverySwitchback = z.strictObject({
  by: Email,
  kind: z.literal('discovery', { error: 'must be "discovery" (review and embedded switchbacks come from reviews)' }),
  targetLevel: Level,
  reason: Reason,
});
export type DiscoverySwitchback = z.input<typeof DiscoverySwitchback>;

export const LifecycleChange = z.strictObject({ by: Email, reason: Reason });
export type LifecycleChange = z.input<typeof LifecycleChange>;

export const ReportVersions = z.strictObject({ by: Email, versions: Versions });
export type ReportVersions = z.input<typeof ReportVersions>;

export const Branch = z.strictObject({
  by: Email,
  componentId: Slug,
  level: Level,
  name: DisplayName.optional(),
});
export type Branch = z.input<typeof Branch>;

export const ReReviewDue = z.strictObject({ scheduledAt: z.string().max(40).optional() });
export type ReReviewDue = z.infer<typeof ReReviewDue>;

/**
 * One monitoring alert about a component, as the alert route (src/http/integrations/alertmanager.ts)
 * passes it on from Alertmanager: firing or resolved, with the fields a review carries
 * (machines/alerts.ts). Limits keep a review's alerts small whatever an alert rule writes.
 */
export const AlertReceived = z.strictObject({
  status: z.enum(['firing', 'resolved']),
  fingerprint: z.string().regex(/^[A-Za-z0-9]{1,64}$/, 'must be 1 to 64 letters and digits (Alertmanager gives 16 hex digits)'),
  alertname: z.string().trim().min(1).max(200),
  severity: z.string().trim().min(1).max(40).optional(),
  summary: z.string().trim().min(1).max(1_000).optional(),
  startsAt: z.string().max(40).optional(),
  source: z.string().max(2_000).optional(),
});
export type AlertReceived = z.input<typeof AlertReceived>;

/** What a component did with an alert, for the route's answer; the component's history says the same. */
export interface AlertAnswer {
  /**
   * `opened`: a re-review carrying the alert; `noted`: on the review already open; `repeated`: the
   * alert is still firing and was heard before; `skipped`: no re-review (reason says why);
   * `resolved`: the resolution is noted.
   */
  outcome: 'opened' | 'noted' | 'repeated' | 'skipped' | 'resolved';
  reviewId?: string;
  reason?: string;
  level: number;
  state: ComponentStatus['state'];
}

export const UpdateRoster = z.strictObject({ by: Email, roster: Roster });
export type UpdateRoster = z.input<typeof UpdateRoster>;

export const AddComponent = NewComponent;

/**
 * What a project tells a component when a component it depends on (directly, or through the
 * components in `via`) switched back. Signals from the project only; see machines/dependencyFlags.ts.
 */
export const DependencyFlagged = z.strictObject({
  dependency: Slug,
  from: Level,
  to: Level,
  kind: z.enum(['discovery', 'review', 'embedded']).optional(),
  via: z.array(Slug).max(200).default([]),
  reason: Reason,
});
export type DependencyFlagged = z.input<typeof DependencyFlagged>;
export type AddComponent = z.input<typeof NewComponent>;

// ---------------------------------------------------------------------------------------------
// Results and workflow inputs
// ---------------------------------------------------------------------------------------------

export interface ReviewState {
  reviewId: string;
  /** `counted`: this verdict changed the review; `repeated`: the reviewer had already answered. */
  acknowledged: 'counted' | 'repeated';
  open: boolean;
  outcome?: ClosedReview['outcome'];
  approvals: Record<string, number>;
  missingRoles: string[];
  level: number;
  state: ComponentStatus['state'];
  /** Rules edition 2, an approve: the code caliber and data considerations it confirmed. */
  confirmed?: Confirmation;
}

export interface AuditEntry {
  at: string;
  who: string;
  what: string;
  /** `held`: an email was held back from recipients past their hourly cap (see activities/recipientLimit.ts). */
  outcome: 'accepted' | 'refused' | 'acknowledged' | 'done' | 'failed' | 'held';
  why?: string;
  level: number;
}

export interface ComponentWorkflowInput {
  projectId: string;
  /** The project's display name, for emails and pages; defaults to the id. */
  projectName?: string;
  component: ComponentDefinition;
  projectOwners: Person[];
  roster: Roster;
  policy: Policy;
  card?: CardContent;
  /** The project's subsystem this component belongs to (absent when the project has none). */
  subsystem?: { id: string; name: string };
  /** Start a new run once history passes this many events (Temporal's own suggestion also counts). */
  historyLimit?: number;
}

/** The input a project starts each of its components with. */
export function componentWorkflowInput(project: ProjectDefinition, component: ComponentDefinition): ComponentWorkflowInput {
  return {
    projectId: project.id,
    projectName: project.name,
    component,
    projectOwners: project.owners,
    roster: project.roster,
    policy: project.policy,
    ...subsystemInput(project, component.id),
  };
}

/** Only for a component of a subsystem, so a project without subsystems starts its components as before. */
function subsystemInput(project: ProjectDefinition, componentId: string): Pick<ComponentWorkflowInput, 'subsystem'> {
  const subsystem = project.subsystems?.find((s) => s.components.includes(componentId));
  return subsystem ? { subsystem: { id: subsystem.id, name: subsystem.name } } : {};
}

const Millis = z.number().int().nonnegative();

/** A component's figures as its project receives them: capped as machines/summary.ts caps them. */
export const ComponentFigures = z.strictObject({
  stays: z.array(z.tuple([Level, Millis])).max(FIGURE_SAMPLES),
  turnarounds: z.array(Millis).max(FIGURE_SAMPLES),
  switchbacks: z.array(z.strictObject({ from: Level, to: Level, kind: z.enum(['discovery', 'review', 'embedded']), count: z.number().int().positive() })).max(FIGURE_PATHS),
  leftOut: z.strictObject({ stays: z.number().int().nonnegative(), turnarounds: z.number().int().nonnegative(), switchbacks: z.number().int().nonnegative() }),
  /** Absent from the reports of components that were never asked for a debrief (and of earlier versions). */
  debriefs: z
    .strictObject({ asked: z.number().int().nonnegative(), written: z.number().int().nonnegative() })
    .refine((d) => d.written <= d.asked, { message: 'written: must not exceed asked', path: ['written'] })
    .optional(),
});

/** What a component tells its project on every change of level, state or figures. */
export const ComponentReport = z.strictObject({
  component: ComponentDefinition,
  level: Level,
  state: z.enum(['working', 'in-review', 'paused', 'retired']),
  phase: z.enum(PHASES),
  /** When it reached its level, and the figures of its card: absent from reports of earlier versions. */
  levelSince: Millis.optional(),
  figures: ComponentFigures.optional(),
});
export type ComponentReport = z.infer<typeof ComponentReport>;

export type ProjectWorkflowInput = ProjectDefinition;

// ---------------------------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------------------------

export const reviewSignal = defineSignal<[Decision]>('review');
export const reReviewDueSignal = defineSignal<[ReReviewDue]>('reReviewDue');
export const RosterChanged = z.strictObject({ roster: Roster });
export const rosterChangedSignal = defineSignal<[z.infer<typeof RosterChanged>]>('rosterChanged');

export const decideUpdate = defineUpdate<ReviewState, [Decision]>('decide');
export const submitUpdate = defineUpdate<ComponentStatus, [Submit]>('submit');
export const updateCardUpdate = defineUpdate<ComponentStatus, [UpdateCard]>('updateCard');
export const answerEthicsUpdate = defineUpdate<ComponentStatus, [AnswerEthics]>('answerEthics');
export const switchbackUpdate = defineUpdate<ComponentStatus, [DiscoverySwitchback]>('switchback');
export const pauseUpdate = defineUpdate<ComponentStatus, [LifecycleChange]>('pause');
export const resumeUpdate = defineUpdate<ComponentStatus, [LifecycleChange]>('resume');
export const retireUpdate = defineUpdate<ComponentStatus, [LifecycleChange]>('retire');
export const reportVersionsUpdate = defineUpdate<ComponentStatus, [ReportVersions]>('reportVersions');
export const branchUpdate = defineUpdate<ComponentStatus, [Branch]>('branch');
/** From the alert route only: a monitoring alert fired or resolved (machines/alerts.ts). */
export const alertUpdate = defineUpdate<AlertAnswer, [AlertReceived]>('alert');

export const statusQuery = defineQuery<ComponentStatus>('status');
export const cardQuery = defineQuery<CardView>('card');
export const historyQuery = defineQuery<AuditEntry[]>('history');
/** What the person named by the argument (an email) may do now: the rules asked with probes (machines/permissions.ts). */
export const permissionsQuery = defineQuery<Permissions, [string]>('permissions');

export const componentChangedSignal = defineSignal<[ComponentReport]>('componentChanged');
export const dependencyFlaggedSignal = defineSignal<[DependencyFlagged]>('dependencyFlagged');
export const addComponentUpdate = defineUpdate<ProjectStatus, [AddComponent]>('addComponent');
export const updateRosterUpdate = defineUpdate<ProjectStatus, [UpdateRoster]>('updateRoster');
export const projectStatusQuery = defineQuery<ProjectStatus>('status');
/** The project's roster as it stands (the web app's roster form edits it; the status leaves it out, as portfolio reads need it not). */
export const projectRosterQuery = defineQuery<Roster>('roster');
/** The status with each component's figures: what portfolio reads ask instead of every component. */
export const projectPortfolioQuery = defineQuery<ProjectStatus>('portfolio');

export type { CardView, ComponentStatus, ProjectStatus } from '../machines/status.js';
