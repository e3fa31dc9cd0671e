/**
 * What one person may do to a component now, for pages that show only the forms their viewer may
 * use. Each answer is `accept` asked with a probe event from that person (nothing is taken), so a
 * page never re-states a rule: it shows a form when the rules would take the event, and the entry
 * the form posts to asks `accept` again with the real content. Where the probe's content decides
 * (a submit's deliverables, a branch's id), only the part about who may send it and when is read:
 * the reasons a person cannot act (`by:`) or the state does not take the event.
 */
import { accept, takes, type LifecycleSnapshot } from './accept.js';
import type { ComponentContext } from './context.js';
import type { LifecycleEvent } from './events.js';
import { ethicsItemsForLevel } from './ethics.js';
import type { EthicsItem } from './model.js';
import { isLead, isPersonKnown, levelDeliverables } from './panel.js';
import type { LifecycleState } from './rules.js';

export interface Permissions {
  email: string;
  /** Edit the card (updateCard): anyone the project knows (owners, roster). */
  editCard: boolean;
  /** Submit the current level for review: known to the project, and the component takes a submit now. */
  submit: boolean;
  /** Answer a waiting re-review's ethics checklist (the owner or a project owner). */
  answerEthics: boolean;
  pause: boolean;
  resume: boolean;
  retire: boolean;
  /** Branch a research copy (the owner or a project owner), at any level up to the current one. */
  branch: boolean;
  /** The levels a discovery switchback by this person may send the component to; empty: no form. */
  switchbackTargets: number[];
  /** What the forms need that the public views do not carry. */
  deliverables: string[];
  ethicsItems: EthicsItem[];
}

const PROBE_REASON = 'probe';

/** Whether the rules would take `event` now (the content of the probe is chosen to pass). */
const accepted = (snapshot: LifecycleSnapshot, event: LifecycleEvent) => accept(snapshot, event).kind === 'accepted';

export function permissionsFor(snapshot: LifecycleSnapshot, email: string, at: number): Permissions {
  const context: ComponentContext = snapshot.context;
  const state = snapshot.value as LifecycleState;
  const by = email.toLowerCase();
  const lifecycle = (type: 'PAUSE' | 'RESUME' | 'RETIRE') => accepted(snapshot, { type, at, by, reason: PROBE_REASON });
  const switchbackTargets = Array.from({ length: context.level }, (_, level) => level).filter((targetLevel) =>
    accepted(snapshot, { type: 'SWITCHBACK', at, by, targetLevel, reason: PROBE_REASON }),
  );
  // An empty ethics answer set passes the "who" rule and fails only on missing answers, which the form asks for.
  const ethicsProbe = accept(snapshot, { type: 'ANSWER_ETHICS', at, by, answers: {} });
  const answerEthics = ethicsProbe.kind === 'accepted' || (ethicsProbe.kind === 'refused' && ethicsProbe.reasons.every((r) => r.startsWith('answers:')));
  return {
    email: by,
    // An empty-looking patch that changes nothing: the probe asks who and when, not what.
    editCard: accepted(snapshot, { type: 'UPDATE_CARD', at, by, patch: { techName: context.card.techName ?? context.name } }),
    submit: takes(state, 'SUBMIT') && isPersonKnown(context, by),
    answerEthics,
    pause: lifecycle('PAUSE'),
    resume: lifecycle('RESUME'),
    retire: lifecycle('RETIRE'),
    branch: takes(state, 'BRANCH') && isLead(context, by),
    switchbackTargets,
    deliverables: levelDeliverables(context, context.level),
    ethicsItems: ethicsItemsForLevel(context.policy.ethicsChecklist, context.review?.level ?? context.level),
  };
}

/** Nothing allowed: for someone the query could not read, or nobody signed in. */
export function noPermissions(email = ''): Permissions {
  return { email, editCard: false, submit: false, answerEthics: false, pause: false, resume: false, retire: false, branch: false, switchbackTargets: [], deliverables: [], ethicsItems: [] };
}
