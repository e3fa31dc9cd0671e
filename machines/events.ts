/**
 * Events of the lifecycle machine. The workflow turns every message into one of these, stamped with
 * the workflow's deterministic time (`at`, epoch milliseconds), so the machine never reads a clock.
 */
import type { SwitchbackKind, Verdict } from './context.js';
import type { CardPatch, Roster, Versions } from './model.js';
import type { Resolutions } from './tasks.js';
import type { AlertNotice } from './alerts.js';
import type { Measured } from './evidence.js';

interface Stamped {
  at: number;
}

export interface SubmitEvent extends Stamped {
  type: 'SUBMIT';
  by: string;
  proposal?: string;
  ethics: Record<string, string>;
  note?: string;
  /** How the open tasks are resolved: each done (with a note) or carried forward (with a reason). */
  resolutions?: Resolutions;
  /**
   * The level's checks as the host read them from MLflow (machines/evidence.ts): the review opens
   * only when they hold. `'unread'`: the host asks before reading whether anything else refuses.
   * Absent where the level has no checks (and in every history recorded before checks existed).
   */
  evidence?: Measured[] | 'unread';
}

/** The owner's answers to the ethics checklist of a re-review waiting for them. */
export interface AnswerEthicsEvent extends Stamped {
  type: 'ANSWER_ETHICS';
  by: string;
  answers: Record<string, string>;
}

export interface VerdictEvent extends Stamped {
  type: 'VERDICT';
  reviewId: string;
  reviewer: string;
  verdict: Verdict;
  comment?: string;
  tasks?: string[];
  targetLevel?: number;
}

export interface UpdateCardEvent extends Stamped {
  type: 'UPDATE_CARD';
  by: string;
  patch: CardPatch;
}

export interface SwitchbackEvent extends Stamped {
  type: 'SWITCHBACK';
  by: string;
  targetLevel: number;
  reason: string;
}

export interface LifecycleChangeEvent extends Stamped {
  type: 'PAUSE' | 'RESUME' | 'RETIRE';
  by: string;
  reason: string;
}

export interface ReportVersionsEvent extends Stamped {
  type: 'REPORT_VERSIONS';
  by: string;
  versions: Versions;
}

export interface BranchEvent extends Stamped {
  type: 'BRANCH';
  by: string;
  level: number;
  componentId: string;
}

export interface ReReviewDueEvent extends Stamped {
  type: 'REREVIEW_DUE';
  scheduledAt?: string;
  /** The card's checks read again for the panel (a card with checks only): shown, never a reason to skip. */
  evidence?: Measured[];
}

/**
 * Sent by the project (a signal, never a person's update) when a component this one depends on,
 * directly or through others, switched back: the evidence this one's level rests on may have moved.
 */
export interface DependencyFlagEvent extends Stamped {
  type: 'DEPENDENCY_FLAG';
  /** Who sent it: only `project` is taken (rules.ts). */
  by: string;
  /** The component that switched back. */
  dependency: string;
  from: number;
  to: number;
  kind?: SwitchbackKind;
  reason: string;
}

/**
 * A monitoring alert about this component began firing (or fired again: machines/alerts.ts tells a
 * repeat). At Level 9 it opens an out-of-cycle re-review carrying the alert, or is noted on the
 * review already open. Sent only by the alert route, so no earlier history holds one.
 */
export interface AlertFiringEvent extends Stamped {
  type: 'ALERT_FIRING';
  alert: AlertNotice;
  /** As on REREVIEW_DUE: the card's checks read again for the panel of the re-review it opens. */
  evidence?: Measured[];
}

/** A monitoring alert about this component is resolved: noted, and forgotten (machines/alerts.ts). */
export interface AlertResolvedEvent extends Stamped {
  type: 'ALERT_RESOLVED';
  alert: AlertNotice;
}

/** Sent by the workflow when a deadline (reminder or escalation) may have passed. */
export interface TickEvent extends Stamped {
  type: 'TICK';
}

export interface UpdateRosterEvent extends Stamped {
  type: 'UPDATE_ROSTER';
  roster: Roster;
}

export type LifecycleEvent =
  | SubmitEvent
  | VerdictEvent
  | UpdateCardEvent
  | SwitchbackEvent
  | LifecycleChangeEvent
  | ReportVersionsEvent
  | BranchEvent
  | ReReviewDueEvent
  | TickEvent
  | UpdateRosterEvent
  | DependencyFlagEvent
  | AnswerEthicsEvent
  | AlertFiringEvent
  | AlertResolvedEvent;
