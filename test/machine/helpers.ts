/**
 * Fixtures for driving the pure lifecycle machine: a project whose roster has three distinct people
 * per role, a component owner who is nobody's reviewer (unless a test asks otherwise), and a small
 * `Lifecycle` driver that stamps every event with a moving clock, keeps the latest snapshot and the
 * effects the last event emitted, and knows how to fill a level's gate, answer the ethics checklist,
 * submit and have the panel approve.
 */
import { expect } from 'vitest';
import { ethicsItemIds, gateFor, type Gate } from '../../machines/gate.js';
import { panelFor, quorumReached, requiredRoles } from '../../machines/panel.js';
import { type ComponentContext, type OpenReview, type Verdict } from '../../machines/context.js';
import { accept, begin, restore, type Answer, type LifecycleSnapshot } from '../../machines/accept.js';
import { openTasksAt, type Resolutions } from '../../machines/tasks.js';
import type { Effect } from '../../machines/effects.js';
import type { LifecycleEvent } from '../../machines/events.js';
import { ROLES, type Role } from '../../machines/levels.js';
import {
  ProjectDefinition,
  requirementKind,
  requirementRisk,
  type CardContent,
  type CardPatch,
  type Person,
  type ProjectDefinitionInput,
  type Provenance,
  type Roster,
} from '../../machines/model.js';
import type { LifecycleState } from '../../machines/rules.js';

export type Snapshot = LifecycleSnapshot;
/** An event as a test writes it: `at` is optional, the driver's clock stamps it. */
export type EventInput = LifecycleEvent extends infer E ? (E extends { at: number } ? Omit<E, 'at'> & { at?: number } : never) : never;

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
export const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);

export const PROJECT_ID = 'neuro-copilot';
export const COMPONENT_ID = 'anomaly-model';

export const OWNER: Person = { name: 'Olga Owner', email: 'owner@lab.io' };
export const PROJECT_OWNER: Person = { name: 'Pat Lead', email: 'lead@lab.io' };
export const STRANGER = 'someone@elsewhere.io';
export const PEOPLE_PER_ROLE = 3;

/** The n-th person (1-based) holding `role` on the fixture roster, e.g. `qa.2@lab.io`. */
export function person(role: Role, n: number): Person {
  return { name: `${role} person ${n}`, email: `${role}.${n}@lab.io` };
}

export function email(role: Role, n: number): string {
  return person(role, n).email;
}

export function fullRoster(perRole = PEOPLE_PER_ROLE): Roster {
  return Object.fromEntries(ROLES.map((role) => [role, Array.from({ length: perRole }, (_, i) => person(role, i + 1))]));
}

export interface FixtureOptions {
  entryLevel?: number;
  provenance?: Provenance;
  policy?: ProjectDefinitionInput['policy'];
  roster?: Roster;
  /** Roles the component's owner also holds on the roster (none by default). */
  ownerRoles?: Role[];
  componentId?: string;
  /** The edition of the rules the component follows (machines/context.ts); the current one by default. */
  rulesEdition?: number;
}

export function projectInput(options: FixtureOptions = {}): ProjectDefinitionInput {
  const roster = structuredClone(options.roster ?? fullRoster());
  for (const role of options.ownerRoles ?? []) roster[role] = [...(roster[role] ?? []), OWNER];
  return {
    id: PROJECT_ID,
    name: 'Neuropathology copilot',
    owners: [PROJECT_OWNER],
    roster,
    components: [
      {
        id: options.componentId ?? COMPONENT_ID,
        name: 'Anomaly detection model',
        kind: 'model',
        entryLevel: options.entryLevel ?? 0,
        owner: OWNER,
        ...(options.provenance ? { provenance: options.provenance } : {}),
      },
    ],
    ...(options.policy ? { policy: options.policy } : {}),
  };
}

/** Entry levels above 4 need a provenance; the fixture adds an adopted one when none is given. */
export function adoptedAt(level: number): Provenance {
  return { kind: 'adopted', projectId: 'pathology-core', componentId: 'anomaly-model', level };
}

export function start(options: FixtureOptions = {}): Lifecycle {
  const entryLevel = options.entryLevel ?? 0;
  const provenance = options.provenance ?? (entryLevel > 4 ? adoptedAt(entryLevel) : undefined);
  const project = ProjectDefinition.parse(projectInput({ ...options, ...(provenance ? { provenance } : {}) }));
  const lifecycle = new Lifecycle(project);
  // A run recorded under earlier rules: the context it carries says which edition it follows.
  if (options.rulesEdition !== undefined) lifecycle.snapshot = restore(lifecycle.snapshot.value, { ...lifecycle.context, rulesEdition: options.rulesEdition });
  if (options.rulesEdition !== undefined) {
    // As a run recorded before an edition does (workflows/componentRun.ts): same start, older rules.
    lifecycle.snapshot = restore(lifecycle.snapshot.value, { ...lifecycle.context, rulesEdition: options.rulesEdition });
  }
  return lifecycle;
}

/** Snapshot the context, run `act`, and check nothing in it changed. */
export function expectUnchanged(c: Lifecycle, act: () => void): void {
  const before = structuredClone(c.context);
  const state = c.state;
  act();
  expect(c.context).toEqual(before);
  expect(c.state).toBe(state);
}

export function stateOf(snapshot: Snapshot): LifecycleState {
  return snapshot.value as LifecycleState;
}

/** The reasons in an answer of `accept`: none unless it refused. */
export function reasonsOf(answer: Answer): string[] {
  return answer.kind === 'refused' ? answer.reasons : [];
}

/** Answers to every checklist item that applies at `level`. */
export function ethicsAnswers(context: ComponentContext, level = context.level): Record<string, string> {
  return Object.fromEntries(ethicsItemIds(context, level).map((id) => [id, `answered ${id} for Level ${level}`]));
}

const versions = { code: '1.0.0', model: '1.0.0', data: '1.0.0' };

/**
 * A card patch that supplies what the gate of `level` asks for, given what the card already holds
 * (requirements are upserted by id, so earlier ones are brought up to the level's standard).
 */
export function gatePatch(level: number, card: CardContent, riskThreshold = 3): CardPatch {
  const reqs = card.requirements;
  switch (level) {
    case 0:
      return { hypotheses: 'Tissue anomalies are detectable from slide embeddings', literature: 'Survey of 40 papers', dataReadiness: 'Level B: labelled subset' };
    case 1:
      return { sampleData: '2k annotated slides', experiments: 'Baseline vs. contrastive pretraining', versions };
    case 2:
      return {
        requirements: [
          { id: 'R2.1', statement: 'Recall above 0.9 on held-out slides', category: 'performance', verification: 'Held-out evaluation', validation: 'Pathologist review', pFailure: 0.1, value: 5 },
        ],
      };
    case 3:
      return { testingStatus: { unit: '92% coverage', integration: 'Slide loader to scorer' }, documentation: 'docs/anomaly-model.md', versions };
    case 4:
      return {
        realDataResults: 'Hospital A pilot: recall 0.91',
        requirements: [
          { id: 'P4.1', statement: 'No patient identifiers leave the enclave', category: 'privacy', pFailure: 0.1, value: 5 },
        ],
      };
    case 5:
      return {
        requirements: [
          ...reqs.filter((r) => requirementKind(r) === 'research').map((r) => ({ id: r.id, status: 'validated' as const })),
          { id: 'P5.1', statement: 'Scores a slide in under 2 seconds' },
        ],
      };
    case 6: {
      const product = reqs.filter((r) => requirementKind(r) === 'product').map((r) => r.id);
      return {
        slo: '99.5% of slides scored within 2 s',
        dataPipelineSpec: 'Nightly slide ingestion',
        compliance: 'HIPAA review 2026-02',
        requirements: (product.length ? product : ['P6.1']).map((id) => ({
          id,
          statement: `Product requirement ${id}`,
          verification: 'Load test',
          validation: 'Clinical sign-off',
        })),
      };
    }
    case 7:
      return {
        testSuites: {
          criticalScenarios: 'Rare tumour types',
          goldenDataset: 'golden-v3',
          metamorphicRelations: 'Rotation invariance',
          dataInterventions: 'Stain shift',
        },
      };
    case 8:
      return {
        deploymentTests: 'Two-week shadow deployment',
        dataLogging: 'Inputs and scores to the audit lake',
        requirements: reqs.map((r) => ({
          id: r.id,
          status: 'validated' as const,
          ...((requirementRisk(r) ?? 0) >= riskThreshold && !r.mitigation ? { mitigation: 'Human review of every flagged slide' } : {}),
        })),
      };
    case 9:
      return { monitoring: { dataQuality: 'Null-rate alerts', dataDrift: 'PSI on embeddings', conceptDrift: 'Monthly relabel sample' } };
    default:
      throw new RangeError(`no level ${level}`);
  }
}

/** The proposal that moves a component up from `level`. */
export function raisingProposal(level: number): string {
  return ({ 2: 'prototype', 4: 'proceed', 8: 'go' } as Record<number, string>)[level] ?? 'graduate';
}

export interface SubmitOptions {
  by?: string;
  proposal?: string;
  ethics?: Record<string, string>;
  note?: string;
  resolutions?: Resolutions;
}

export class Lifecycle {
  snapshot: Snapshot;
  /** Effects emitted by the last event sent (or by the start). */
  effects: Effect[];
  /** Every effect since the start. */
  allEffects: Effect[];
  /** What `accept` answered to the last event sent. */
  lastAnswer: Answer = { kind: 'repeated' };
  /** The reasons it refused the last event sent (none when it took it). */
  lastRefusals: string[] = [];
  now: number;

  constructor(readonly project: ProjectDefinition) {
    this.now = T0;
    const component = project.components[0];
    if (!component) throw new Error('the fixture project has no component');
    const { snapshot, effects } = begin({
      projectId: project.id,
      component,
      projectOwners: project.owners,
      roster: project.roster,
      policy: project.policy,
      startedAt: this.now,
    });
    this.snapshot = snapshot;
    this.effects = effects;
    this.allEffects = [...this.effects];
  }

  get context(): ComponentContext {
    return this.snapshot.context;
  }
  get level(): number {
    return this.context.level;
  }
  get state(): LifecycleState {
    return stateOf(this.snapshot);
  }
  get review(): OpenReview | null {
    return this.context.review;
  }
  /** The id of the open review; throws when none is open. */
  get reviewId(): string {
    const review = this.context.review;
    if (!review) throw new Error(`no review is open (state ${this.state}, level ${this.level})`);
    return review.id;
  }
  get lastClosed() {
    return this.context.closedReviews.at(-1);
  }
  gate(submitter?: string): Gate {
    return gateFor(this.context, submitter);
  }

  /** What `accept` would answer to the event now, without taking it. */
  ask(event: EventInput): Answer {
    return accept(this.snapshot, { ...event, at: event.at ?? this.now + MINUTE });
  }

  /**
   * Offer an event, stamped with the clock (one minute later than the previous one unless `at` is
   * given), to `accept`, as every entry of the workflow does; take it if accepted.
   */
  send(event: EventInput): this {
    this.now = event.at ?? this.now + MINUTE;
    this.lastAnswer = accept(this.snapshot, { ...event, at: this.now });
    this.lastRefusals = reasonsOf(this.lastAnswer);
    this.effects = this.lastAnswer.kind === 'accepted' ? this.lastAnswer.effects : [];
    if (this.lastAnswer.kind === 'accepted') this.snapshot = this.lastAnswer.snapshot;
    this.allEffects.push(...this.effects);
    return this;
  }

  /** Send an event the rules must accept; throws with the reasons when they refuse it. */
  accept(event: EventInput): this {
    const reasons = reasonsOf(this.ask(event));
    if (reasons.length > 0) throw new Error(`${event.type} refused: ${reasons.join('; ')}`);
    return this.send(event);
  }

  /** Which effects of the last event have this type. */
  emitted<T extends Effect['type']>(type: T): Extract<Effect, { type: T }>[] {
    return this.effects.filter((e): e is Extract<Effect, { type: T }> => e.type === type);
  }

  updateCard(patch: CardPatch, by = OWNER.email): this {
    return this.accept({ type: 'UPDATE_CARD', by, patch });
  }

  /** Put on the card whatever the current level's gate asks for. */
  fillGate(by = OWNER.email): this {
    return this.updateCard(gatePatch(this.level, this.context.card, this.context.policy.riskThreshold), by);
  }

  submitEvent(options: SubmitOptions = {}): EventInput {
    return {
      type: 'SUBMIT',
      by: options.by ?? OWNER.email,
      ethics: options.ethics ?? ethicsAnswers(this.context),
      ...(options.proposal ? { proposal: options.proposal } : {}),
      ...(options.note ? { note: options.note } : {}),
      ...(options.resolutions ? { resolutions: options.resolutions } : {}),
    };
  }

  submit(options: SubmitOptions = {}): this {
    return this.accept(this.submitEvent(options));
  }

  /** Every open task of the current level resolved the same way (rules edition 2). */
  resolveAll(status: 'done' | 'carried' = 'done', note = 'fixed'): Resolutions {
    return Object.fromEntries(openTasksAt(this.context, this.level).map((task) => [task.id, { status, note: `${note}: ${task.id}` }]));
  }

  /** Submit again after requested changes, resolving every open task of the level as done. */
  resubmit(options: SubmitOptions = {}): this {
    return this.submit({ resolutions: this.resolveAll(), ...options });
  }

  /** The owner's answers to the checklist of the re-review waiting for them. */
  answerEthics(by = OWNER.email, answers: Record<string, string> = ethicsAnswers(this.context)): this {
    return this.accept({ type: 'ANSWER_ETHICS', by, answers });
  }

  /** A Level 9 re-review opened and, under rules edition 2, the owner's ethics answers given: the panel is asked. */
  reReview(): this {
    this.accept({ type: 'REREVIEW_DUE' });
    return this.review?.awaitingEthics ? this.answerEthics() : this;
  }

  /** What `accept` refuses a submit with these options for, without sending it. */
  submitRefusals(options: SubmitOptions = {}): string[] {
    return reasonsOf(this.ask({ ...this.submitEvent(options), at: this.now }));
  }

  verdict(reviewer: string, verdict: Verdict, extra: { comment?: string; tasks?: string[]; targetLevel?: number; reviewId?: string } = {}): this {
    const { reviewId, ...rest } = extra;
    return this.send({ type: 'VERDICT', reviewId: reviewId ?? this.reviewId, reviewer, verdict, ...rest });
  }

  approve(reviewer: string, reviewId?: string): this {
    return this.verdict(reviewer, 'approve', reviewId ? { reviewId } : {});
  }

  /** The distinct people who may give a verdict on the open review. */
  panel(): Person[] {
    const review = this.review;
    if (!review) return [];
    const seen = new Set<string>();
    return panelFor(this.context, review.level, review.submittedBy)
      .map(({ person: p }) => p)
      .filter((p) => !seen.has(p.email) && Boolean(seen.add(p.email)));
  }

  /** Panelists approve, role by role, until the open review reaches quorum and closes. */
  approveAll(): this {
    const review = this.review;
    if (!review) throw new Error('no review is open');
    for (const role of requiredRoles(this.context, review.level)) {
      const eligible = panelFor(this.context, review.level, review.submittedBy).filter((p) => p.role === role);
      for (const { person: p } of eligible) {
        const open = this.review;
        if (!open || open.id !== review.id || quorumReached(this.context, open)) break;
        const counted = open.verdicts.filter((v) => v.verdict === 'approve' && v.roles.includes(role)).length;
        if (counted >= this.context.policy.approvalsPerRole) break;
        if (open.verdicts.some((v) => v.reviewer === p.email)) continue;
        this.approve(p.email);
      }
    }
    if (this.review?.id === review.id) throw new Error(`review ${review.id} did not reach quorum`);
    return this;
  }

  /** Fill the gate, submit (with `proposal`) and have the panel approve. */
  pass(proposal?: string): this {
    return this.fillGate().submit(proposal ? { proposal } : {}).approveAll();
  }

  /** Earn levels one approved review at a time until `level`. */
  climbTo(level: number): this {
    while (this.level < level) {
      const from = this.level;
      this.pass(raisingProposal(from));
      if (this.level !== from + 1) throw new Error(`expected Level ${from + 1} after an approved review at ${from}, got ${this.level}`);
    }
    return this;
  }

  /** Advance the clock by `ms` and send a TICK. */
  tick(ms: number): this {
    this.now += ms;
    return this.send({ type: 'TICK', at: this.now });
  }
}
