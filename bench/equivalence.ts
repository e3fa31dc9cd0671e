/**
 * Checks that mltrl and the hand-written equivalent answer alike before their costs are compared:
 * one component each, the same updates in the same order — good ones and ones the rules refuse —
 * and for each, whether it was accepted or refused (and as what), and the level and state after.
 * Mismatches go into the results; the benchmark still runs.
 */
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowUpdateFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { ETHICS, FULL_CARD, LEAD, OWNER, reviewer } from '../test/support/fixtures.js';
import type { Decision, Submit, UpdateCard } from '../workflows/definitions.js';
import { startCohort, type Side } from './drive.js';

type Probe = { what: string; update: 'updateCard'; payload: UpdateCard } | { what: string; update: 'submit'; payload: Submit } | { what: string; update: 'decide'; payload: Decision | Record<string, unknown> };

const researchLead = (n: 1 | 2) => reviewer('research-lead', n).email;
const submitAs = (by: string, extra: Partial<Submit> = {}): Submit => ({ by, ethics: ETHICS, ...extra });
const verdict = (reviewId: string, who: string, extra: Partial<Decision> = {}) => ({ reviewId, reviewer: who, verdict: 'approve' as const, ...extra });

/** Level 0 → 1, with refusals on the way; at Level 1 a review closed by a request for changes, another by a switchback to 0. */
const PROBES: Probe[] = [
  { what: 'card by a stranger', update: 'updateCard', payload: { by: 'stranger@else.example', patch: { hypotheses: 'x' } } },
  { what: 'submit with no deliverables', update: 'submit', payload: submitAs(LEAD.email) },
  { what: 'card with an unknown key', update: 'updateCard', payload: { by: OWNER.email, patch: { colour: 'blue' } as never } },
  { what: 'the full card', update: 'updateCard', payload: { by: OWNER.email, patch: FULL_CARD } },
  { what: 'submit by a stranger', update: 'submit', payload: submitAs('stranger@else.example') },
  { what: 'submit with an ethics item unanswered', update: 'submit', payload: { by: LEAD.email, ethics: { harm: 'none' } } },
  { what: 'submit with a proposal of another level', update: 'submit', payload: submitAs(LEAD.email, { proposal: 'go' }) },
  { what: 'submit by a panel member', update: 'submit', payload: submitAs(researchLead(2)) },
  { what: 'a second submit', update: 'submit', payload: submitAs(LEAD.email) },
  { what: 'verdict on an unknown review', update: 'decide', payload: verdict('r9', researchLead(1)) },
  { what: 'verdict by a reviewer of another role', update: 'decide', payload: verdict('r1', reviewer('qa', 1).email) },
  { what: 'verdict by the submitter', update: 'decide', payload: verdict('r1', researchLead(2)) },
  { what: 'verdict that is no verdict', update: 'decide', payload: { reviewId: 'r1', reviewer: researchLead(1), verdict: 'maybe' } },
  { what: 'approval: quorum, Level 1', update: 'decide', payload: verdict('r1', researchLead(1)) },
  { what: 'the same approval again', update: 'decide', payload: verdict('r1', researchLead(1)) },
  { what: 'submit at Level 1', update: 'submit', payload: submitAs(LEAD.email) },
  { what: 'request-changes without tasks', update: 'decide', payload: verdict('r2', researchLead(1), { verdict: 'request-changes' }) },
  { what: 'switchback without a reason', update: 'decide', payload: verdict('r2', researchLead(1), { verdict: 'switchback', targetLevel: 0 }) },
  { what: 'switchback above the level', update: 'decide', payload: verdict('r2', researchLead(1), { verdict: 'switchback', targetLevel: 3, comment: 'why' }) },
  { what: 'request-changes', update: 'decide', payload: verdict('r2', researchLead(1), { verdict: 'request-changes', tasks: ['more samples'] }) },
  // The requested change is resolved with the submit (mltrl's rules edition 2; the handwritten side ignores it).
  { what: 'submit again at Level 1', update: 'submit', payload: submitAs(LEAD.email, { resolutions: { t1: { status: 'done', note: 'samples added' } } }) },
  { what: 'switchback to Level 0', update: 'decide', payload: verdict('r3', reviewer('researcher', 1).email, { verdict: 'switchback', targetLevel: 0, comment: 'data leak found' }) },
];

async function answer(handle: WorkflowHandle, probe: Probe): Promise<string> {
  let outcome = 'accepted';
  try {
    await handle.executeUpdate(probe.update, { args: [probe.payload] });
  } catch (error) {
    if (!(error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure)) throw error;
    outcome = `refused (${error.cause.type})`;
  }
  const { level, state } = await handle.query<{ level: number; state: string }>('status');
  return `${outcome}, Level ${level} ${state}`;
}

export interface ProbeAnswers {
  what: string;
  mltrl: string;
  handwritten: string;
}

export interface Equivalence {
  probes: ProbeAnswers[];
  /** The probes answered differently. */
  differences: ProbeAnswers[];
}

export async function checkEquivalence(client: Client, taskQueues: Record<Exclude<Side, 'floor'>, string>): Promise<Equivalence> {
  const [mltrl, handwritten] = await Promise.all(
    (['mltrl', 'handwritten'] as const).map(async (side) => (await startCohort(client, side, taskQueues[side], `equivalence-${side}`, 1)).components[0]),
  );
  const probes: ProbeAnswers[] = [];
  for (const probe of PROBES) probes.push({ what: probe.what, mltrl: await answer(mltrl, probe), handwritten: await answer(handwritten, probe) });
  return { probes, differences: probes.filter((p) => p.mltrl !== p.handwritten) };
}
