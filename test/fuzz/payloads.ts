/**
 * Every message payload with one valid example and the nested keys worth mutating, shared by the
 * pure, workflow and CLI fuzz suites. The examples are valid by the schemas; in the workflow suite
 * they come from someone the rules refuse (a stranger, a reviewer off the panel), so whatever a
 * mutation leaves valid is still refused and the component never changes.
 */
import type { z } from 'zod';
import { ProjectDefinition } from '../../machines/model.js';
import {
  AddComponent,
  Branch,
  Decision,
  DiscoverySwitchback,
  LifecycleChange,
  ReReviewDue,
  ReportVersions,
  Submit,
  UpdateCard,
  UpdateRoster,
} from '../../workflows/definitions.js';
import { FULL_CARD, OWNER, project } from '../support/fixtures.js';

/** Someone on no roster and owning nothing: every rule refuses them. */
export const STRANGER = 'stranger@elsewhere.example';
/** A reviewer who holds no Level 0 role. */
export const OFF_PANEL = 'qa-1@lab.example';

export interface PayloadSpec {
  /** The message name, as the workflow's errors start. */
  what: string;
  schema: z.ZodType;
  valid: Record<string, unknown>;
  deepKeys?: Record<string, string[]>;
}

const CARD_KEYS = Object.keys(FULL_CARD);

export const COMPONENT_UPDATES: PayloadSpec[] = [
  {
    what: 'decide',
    schema: Decision,
    valid: { reviewId: 'r1', reviewer: OFF_PANEL, verdict: 'switchback', comment: 'back to basics', targetLevel: 0, tasks: ['a task'] },
  },
  {
    what: 'submit',
    schema: Submit,
    valid: { by: STRANGER, proposal: 'graduate', ethics: { harm: 'none expected', bias: 'two sites' }, note: 'ready' },
    deepKeys: { ethics: ['harm', 'bias', 'privacy', 'data-collection', '__proto__'] },
  },
  {
    what: 'updateCard',
    schema: UpdateCard,
    valid: { by: STRANGER, patch: { hypotheses: 'h', versions: { code: '1.0.0' }, requirements: [{ id: 'R1.1', pFailure: 0.5, value: 8 }] } },
    deepKeys: { patch: [...CARD_KEYS, 'techName', 'links', 'coupledComponents', 'debriefs', '__proto__'] },
  },
  {
    what: 'switchback',
    schema: DiscoverySwitchback,
    valid: { by: STRANGER, kind: 'discovery', targetLevel: 0, reason: 'found a flaw' },
  },
  { what: 'pause', schema: LifecycleChange, valid: { by: STRANGER, reason: 'holiday' } },
  { what: 'resume', schema: LifecycleChange, valid: { by: STRANGER, reason: 'back' } },
  { what: 'retire', schema: LifecycleChange, valid: { by: STRANGER, reason: 'replaced' } },
  {
    what: 'reportVersions',
    schema: ReportVersions,
    valid: { by: STRANGER, versions: { code: '1.2.3', model: '2.0.0-rc.1', data: '3.0.0+build.5' } },
    deepKeys: { versions: ['code', 'model', 'data', 'weights', '__proto__'] },
  },
  {
    what: 'branch',
    schema: Branch,
    valid: { by: STRANGER, componentId: 'fuzz-branch', level: 0, name: 'A branch' },
  },
];

export const SIGNALS: PayloadSpec[] = [
  { what: 'review', schema: Decision, valid: { reviewId: 'r1', reviewer: OFF_PANEL, verdict: 'approve', comment: 'fine' } },
  { what: 'reReviewDue', schema: ReReviewDue, valid: { scheduledAt: '2026-01-01T00:00:00.000Z' } },
];

const aComponent = { id: 'second-model', name: 'Second', kind: 'algorithm', entryLevel: 3, owner: OWNER };

export const PROJECT_UPDATES: PayloadSpec[] = [
  {
    what: 'addComponent',
    schema: AddComponent,
    valid: { ...aComponent, provenance: { kind: 'adopted', projectId: 'other', componentId: 'x', level: 9 }, target: { level: 5, date: '2027-03-31' } },
    deepKeys: { provenance: ['kind', 'projectId', 'componentId', 'level'], target: ['level', 'date'], owner: ['name', 'email'] },
  },
  {
    what: 'updateRoster',
    schema: UpdateRoster,
    valid: { by: STRANGER, roster: { qa: [{ name: 'Q', email: 'q@lab.example' }] } },
    deepKeys: { roster: ['research-lead', 'qa', 'ethics', 'superuser', 'Research-Lead', '__proto__'] },
  },
];

const { id: _id, ...projectRest } = project();
export const PROJECT_FILE: PayloadSpec = {
  what: 'project',
  schema: ProjectDefinition,
  valid: {
    id: 'fuzz-project',
    ...projectRest,
    components: [aComponent],
    policy: { approvalsPerRole: 1, remindEvery: '2 days', escalateAfter: '7 days', rereviewEvery: '90 days', riskThreshold: 3 },
  },
  deepKeys: {
    policy: ['approvalsPerRole', 'remindEvery', 'escalateAfter', 'rereviewEvery', 'riskThreshold', 'levels', 'ethicsChecklist', '__proto__'],
    roster: ['research-lead', 'qa', 'superuser', 'Research-Lead', '__proto__'],
  },
};

/** The top-level keys a message's schema declares: every field an error may name first. */
export function topLevelKeys(spec: PayloadSpec): string[] {
  return Object.keys(spec.valid).concat(spec.what === 'decide' || spec.what === 'review' ? ['tasks', 'targetLevel', 'comment'] : []);
}
