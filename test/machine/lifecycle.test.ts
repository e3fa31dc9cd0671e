/**
 * The rules of SPEC §3, one describe block per rule, driven through the pure lifecycle machine.
 * Each test states what the rule demands, so that removing the rule from the machine fails it.
 */
import { describe, expect, it } from 'vitest';
import type { LifecycleEvent } from '../../machines/events.js';
import { LEVELS } from '../../machines/levels.js';
import { ProjectDefinition, TEXT_DELIVERABLE_KEYS } from '../../machines/model.js';
import { isRepeatedVerdict as isRepeatedVerdictRule } from '../../machines/rules.js';
import {
  adoptedAt,
  DAY,
  email,
  expectUnchanged,
  HOUR,
  ethicsAnswers,
  fullRoster,
  gatePatch,
  OWNER,
  PROJECT_OWNER,
  projectInput,
  raisingProposal,
  start,
  STRANGER,
  T0,
  type Lifecycle,
} from './helpers.js';


const TEXT_KEYS = new Set<string>(TEXT_DELIVERABLE_KEYS);

// ---------------------------------------------------------------------------------------------

describe('Entry: a component starts at 0 to 4, higher only with a provenance', () => {
  it.each([0, 1, 2, 3, 4])('enters at Level %i and works there', (level) => {
    const c = start({ entryLevel: level });
    expect(c.level).toBe(level);
    expect(c.context.entryLevel).toBe(level);
    expect(c.state).toBe('working');
    expect(c.context.timeline).toEqual([{ at: T0, from: null, to: level, how: 'entry' }]);
  });

  it.each([5, 6, 7, 8, 9])('refuses entry at Level %i without a provenance', (level) => {
    const result = ProjectDefinition.safeParse(projectInput({ entryLevel: level }));
    expect(result.success).toBe(false);
    const issue = result.error?.issues.find((i) => i.path.join('.') === 'components.0.entryLevel');
    expect(issue?.message).toMatch(/0 to 4/);
  });

  it.each([-1, 10, 2.5])('refuses entry level %s', (level) => {
    expect(ProjectDefinition.safeParse(projectInput({ entryLevel: level })).success).toBe(false);
  });

  it('an adopted component enters at its source component level, and records where it came from', () => {
    const c = start({ entryLevel: 7, provenance: adoptedAt(7) });
    expect(c.level).toBe(7);
    expect(c.context.provenance).toEqual({ kind: 'adopted', projectId: 'pathology-core', componentId: 'anomaly-model', level: 7 });
  });

  it('an adopted component cannot enter above the level of the component it comes from', () => {
    const result = ProjectDefinition.safeParse(projectInput({ entryLevel: 7, provenance: adoptedAt(6) }));
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.message).join()).toMatch(/above the level of the component it comes from \(6\)/);
  });
});

// ---------------------------------------------------------------------------------------------

describe('No skipping: one level per approved review', () => {
  it('an approved review raises the component exactly one level and records the graduation', () => {
    const c = start({ entryLevel: 0 });
    // Everything every level asks for is on the card: still only one level per review.
    for (let level = 0; level <= 9; level++) c.updateCard(gatePatch(level, c.context.card));
    c.submit().approveAll();
    expect(c.level).toBe(1);
    expect(c.context.timeline.at(-1)).toMatchObject({ from: 0, to: 1, how: 'graduation', reviewId: 'r1' });
  });

  it('nothing but an approved review moves it up: card patches, partial approvals, versions, ticks, roster changes', () => {
    const c = start({ entryLevel: 1, policy: { approvalsPerRole: 2 } });
    c.fillGate().accept({ type: 'REPORT_VERSIONS', by: OWNER.email, versions: { model: '1.1.0' } });
    c.submit();
    c.approve(email('research-lead', 1)).approve(email('research-lead', 2)).approve(email('researcher', 1));
    c.tick(3 * DAY).send({ type: 'UPDATE_ROSTER', roster: fullRoster(4) });
    expect(c.level).toBe(1);
    expect(c.state).toBe('inReview');
    expect(c.context.timeline).toHaveLength(1);
  });
});

// ---------------------------------------------------------------------------------------------

describe('Gated review: submit is refused with the list of what is missing', () => {
  const expectedMissing: Record<number, string[]> = {
    0: ['hypotheses', 'literature', 'dataReadiness'],
    1: ['sampleData', 'experiments', 'versions'],
    2: ['researchRequirements (at least one R requirement)'],
    3: ['testingStatus', 'documentation', 'versions'],
    4: ['realDataResults', 'securityPrivacyRequirements (at least one requirement with category security or privacy)'],
    5: ['productRequirementsDrafted (at least one P requirement)'],
    6: ['productRequirementsVerifiedValidated (at least one P requirement)', 'slo', 'dataPipelineSpec', 'compliance'],
    7: ['testSuites'],
    8: ['deploymentTests', 'dataLogging'],
    9: ['monitoring'],
  };

  it.each(LEVELS.map((l) => l.level))('at Level %i on an empty card, names every gate deliverable', (level) => {
    const c = start({ entryLevel: level });
    expect(c.gate().missingDeliverables).toEqual(expectedMissing[level]);
    const reasons = c.submitRefusals();
    expect(reasons).toContain(`missing deliverables: ${expectedMissing[level]?.join(', ')}`);
    expectUnchanged(c, () => c.send(c.submitEvent()));
    expect(c.review).toBeNull();
    // Once the card holds them, the same submit opens the review.
    c.fillGate().submit();
    expect(c.state).toBe('inReview');
    expect(c.review).toMatchObject({ id: 'r1', level });
  });

  const textDeliverables = LEVELS.flatMap((l) => l.deliverables.filter((d) => TEXT_KEYS.has(d) || d === 'versions').map((d) => [l.level, d] as const));
  it.each(textDeliverables)('at Level %i, a card without `%s` is refused naming it', (level, key) => {
    const c = start({ entryLevel: level }).fillGate();
    c.updateCard({ [key]: null });
    expect(c.gate().missingDeliverables).toEqual([key]);
    expect(c.submitRefusals()).toEqual([`missing deliverables: ${key}`]);
  });

  it('a blank text does not count as a deliverable', () => {
    const c = start({ entryLevel: 0 }).fillGate();
    c.send({ type: 'UPDATE_CARD', by: OWNER.email, patch: { literature: '   ' } });
    expect(c.gate().missingDeliverables).toEqual(['literature']);
  });

  it('Level 2: each research requirement needs verification, validation and risk', () => {
    const c = start({ entryLevel: 2 }).fillGate();
    c.updateCard({ requirements: [{ id: 'R2.2', statement: 'Works on frozen sections', verification: 'Held-out frozen set', pFailure: 0.2, value: 4 }] });
    expect(c.submitRefusals()).toEqual(['missing deliverables: researchRequirements (R2.2 needs verification, validation, pFailure and value)']);
    c.updateCard({ requirements: [{ id: 'R2.2', validation: 'Pathologist panel' }] });
    expect(c.submitRefusals()).toEqual([]);
  });

  it('Level 4: security and privacy requirements must carry a risk; other categories do not count', () => {
    const c = start({ entryLevel: 4 }).fillGate();
    c.updateCard({ requirements: [{ id: 'P4.1', category: 'performance' }] });
    expect(c.gate().missingDeliverables).toEqual(['securityPrivacyRequirements (at least one requirement with category security or privacy)']);
    c.updateCard({ requirements: [{ id: 'P4.2', statement: 'Encrypted at rest', category: 'security' }] });
    expect(c.gate().missingDeliverables).toEqual(['securityPrivacyRequirements (P4.2 needs pFailure and value)']);
    c.updateCard({ requirements: [{ id: 'P4.2', pFailure: 0.05, value: 9 }] });
    expect(c.gate().missingDeliverables).toEqual([]);
  });

  it('Level 5: every research requirement validated (or waived)', () => {
    const c = start({ entryLevel: 2 }).climbTo(5);
    expect(c.gate().missingDeliverables).toEqual(['researchRequirementsValidated (R2.1 is open)']);
    c.updateCard({ requirements: [{ id: 'R2.1', status: 'verified' }] });
    expect(c.submitRefusals()).toEqual(['missing deliverables: researchRequirementsValidated (R2.1 is verified)']);
    c.updateCard({ requirements: [{ id: 'R2.1', status: 'waived' }] });
    expect(c.submitRefusals()).toEqual([]);
  });

  it('Level 5: a product requirement is drafted only once it has a statement', () => {
    const c = start({ entryLevel: 5 });
    c.updateCard({ requirements: [{ id: 'P5.1', category: 'performance' }] });
    expect(c.gate().missingDeliverables).toEqual(['productRequirementsDrafted (at least one P requirement)']);
    c.updateCard({ requirements: [{ id: 'P5.1', statement: 'Under 2 s per slide' }] });
    expect(c.gate().missingDeliverables).toEqual([]);
  });

  it('Level 6: product requirements need verification and validation', () => {
    const c = start({ entryLevel: 6 }).fillGate();
    c.updateCard({ requirements: [{ id: 'P6.2', statement: 'Audit trail', verification: 'Log replay' }] });
    expect(c.submitRefusals()).toEqual(['missing deliverables: productRequirementsVerifiedValidated (P6.2 needs verification and validation)']);
  });

  it('Level 8: every requirement validated', () => {
    const c = start({ entryLevel: 8 }).fillGate();
    c.updateCard({ requirements: [{ id: 'R2.1', statement: 'Recall', status: 'validated' }, { id: 'P6.1', statement: 'Latency', status: 'verified' }] });
    expect(c.submitRefusals()).toEqual(['missing deliverables: allRequirementsValidated (P6.1 is verified)']);
  });

  it('the ethics checklist must be complete: a missing or blank answer is named', () => {
    const c = start({ entryLevel: 0 }).fillGate();
    const answers = ethicsAnswers(c.context);
    const { harm: _harm, ...withoutHarm } = answers;
    expect(c.submitRefusals({ ethics: withoutHarm })).toEqual(['ethics: answer harm']);
    expect(c.submitRefusals({ ethics: { ...answers, bias: '  ' } })).toEqual(['ethics: answer bias']);
    expect(c.submitRefusals({ ethics: {} })).toEqual(['ethics: answer data-collection, harm, bias, privacy']);
    c.submit({ ethics: answers });
    expect(c.context.ethicsAnswers).toEqual([{ reviewId: 'r1', level: 0, by: OWNER.email, at: c.now, answers }]);
  });

  it('post-development ethics items are asked from Level 4 on', () => {
    const three = start({ entryLevel: 3 }).fillGate();
    expect(three.gate().ethicsItems).toEqual(['data-collection', 'harm', 'bias', 'privacy']);
    const four = start({ entryLevel: 4 }).fillGate();
    expect(four.gate().ethicsItems).toHaveLength(7);
    expect(four.submitRefusals({ ethics: ethicsAnswers(three.context) })).toEqual(['ethics: answer fairness-evaluation, explainability, accountability']);
  });

  it('a project checklist replaces the default one', () => {
    const c = start({
      entryLevel: 0,
      policy: { ethicsChecklist: [{ id: 'consent', question: 'Was consent given?', stage: 'pre-development' }] },
    }).fillGate();
    expect(c.submitRefusals({ ethics: {} })).toEqual(['ethics: answer consent']);
    c.submit({ ethics: { consent: 'Yes, signed forms' } });
    expect(c.state).toBe('inReview');
  });

  describe('flagged risks need a mitigation before Level 5 and Level 8 reviews', () => {
    const flagged = { id: 'P4.9', statement: 'Never mislabels a malignant slide as benign', category: 'functional' as const, pFailure: 0.5, value: 8 };

    it('Level 5: an unmitigated flagged requirement is named, and a mitigation lifts the refusal', () => {
      const c = start({ entryLevel: 4 }).climbTo(5).fillGate();
      c.updateCard({ requirements: [flagged] });
      expect(c.gate().unmitigatedRisks).toEqual(['P4.9']);
      expect(c.submitRefusals()).toEqual(['flagged requirements need a mitigation: P4.9']);
      c.updateCard({ requirements: [{ id: 'P4.9', mitigation: 'Second read on every benign call' }] });
      expect(c.submitRefusals()).toEqual([]);
    });

    it('Level 8: the same rule', () => {
      const c = start({ entryLevel: 8 }).fillGate();
      c.updateCard({ requirements: [{ ...flagged, status: 'validated' }] });
      expect(c.submitRefusals()).toEqual(['flagged requirements need a mitigation: P4.9']);
      c.updateCard({ requirements: [{ id: 'P4.9', mitigation: 'Second read on every benign call' }] });
      c.submit();
      expect(c.state).toBe('inReview');
    });

    it('flagged means risk at or above policy.riskThreshold', () => {
      const c = start({ entryLevel: 5 }).fillGate();
      c.updateCard({ requirements: [{ id: 'P5.7', statement: 'At the threshold', pFailure: 0.3, value: 10 }, { id: 'P5.8', statement: 'Below it', pFailure: 0.29, value: 10 }] });
      expect(c.gate().unmitigatedRisks).toEqual(['P5.7']);
      const strict = start({ entryLevel: 5, policy: { riskThreshold: 2 } }).fillGate();
      strict.updateCard({ requirements: [{ id: 'P5.8', statement: 'Below 3, above 2', pFailure: 0.29, value: 10 }] });
      expect(strict.gate().unmitigatedRisks).toEqual(['P5.8']);
    });

    it('other levels do not ask for mitigations', () => {
      for (const level of [4, 6, 7, 9]) {
        const c = start({ entryLevel: level }).fillGate();
        c.updateCard({ requirements: [{ ...flagged, status: 'validated', verification: 'v', validation: 'v' }] });
        expect(c.gate().unmitigatedRisks).toEqual([]);
        expect(c.submitRefusals()).toEqual([]);
      }
    });
  });

  it('is refused while a review is already open', () => {
    const c = start({ entryLevel: 0 }).fillGate().submit();
    expect(c.submitRefusals()).toEqual(['review r1 is already open']);
    expectUnchanged(c, () => c.send(c.submitEvent({ by: PROJECT_OWNER.email })));
    expect(c.effects).toEqual([]);
  });

  it('is refused while paused, and when retired', () => {
    const c = start({ entryLevel: 0 }).fillGate();
    c.accept({ type: 'PAUSE', by: OWNER.email, reason: 'waiting for data' });
    expect(c.submitRefusals()).toEqual(['the component is paused: resume it before submitting']);
    expectUnchanged(c, () => c.send(c.submitEvent()));
    c.accept({ type: 'RETIRE', by: OWNER.email, reason: 'superseded' });
    expect(c.submitRefusals()).toEqual(['the component is retired']);
    expectUnchanged(c, () => c.send(c.submitEvent()));
  });

  it('is refused from someone who is neither an owner nor on the roster, or with a proposal the level does not offer', () => {
    const c = start({ entryLevel: 0 }).fillGate();
    expect(c.submitRefusals({ by: STRANGER })).toEqual([`by: ${STRANGER} is not an owner or on the roster of this project`]);
    expect(c.submitRefusals({ proposal: 'go' })).toEqual(['proposal: must be one of graduate at Level 0']);
    expectUnchanged(c, () => c.send(c.submitEvent({ proposal: 'go' })));
  });

  it('lists everything that is missing at once', () => {
    const c = start({ entryLevel: 4, roster: { ...fullRoster(), product: [] } });
    expect(c.submitRefusals({ ethics: {} })).toEqual([
      'missing deliverables: realDataResults, securityPrivacyRequirements (at least one requirement with category security or privacy)',
      'ethics: answer data-collection, harm, bias, privacy, fairness-evaluation, explainability, accountability',
      'panel: not enough eligible reviewers (1 needed, owner and submitter excluded) for product',
    ]);
  });

  describe('panel gaps: accepted on the roster, named by the gate, refused at submit', () => {
    it('a level role nobody holds', () => {
      const c = start({ entryLevel: 7, roster: { ...fullRoster(), qa: [] } }).fillGate();
      expect(c.gate().panelGaps).toEqual(['qa']);
      expect(c.submitRefusals()).toEqual(['panel: not enough eligible reviewers (1 needed, owner and submitter excluded) for qa']);
      // Level 3 does not need qa: no gap there.
      expect(start({ entryLevel: 3, roster: { ...fullRoster(), qa: [] } }).gate().panelGaps).toEqual([]);
    });

    it('with approvalsPerRole 2, the submitter and the owner do not count as eligible', () => {
      const roster = { ...fullRoster(), engineering: [{ name: 'E1', email: 'eng1@lab.io' }, { name: 'E2', email: 'eng2@lab.io' }] };
      const c = start({ entryLevel: 3, roster, policy: { approvalsPerRole: 2 } }).fillGate();
      expect(c.gate(OWNER.email).panelGaps).toEqual([]);
      expect(c.gate('eng1@lab.io').panelGaps).toEqual(['engineering']);
      expect(c.submitRefusals({ by: 'eng1@lab.io' })).toEqual([
        'panel: not enough eligible reviewers (2 needed, owner and submitter excluded) for engineering',
      ]);
      const withOwner = start({
        entryLevel: 3,
        roster: { ...fullRoster(), engineering: [{ name: 'E1', email: 'eng1@lab.io' }] },
        ownerRoles: ['engineering'],
        policy: { approvalsPerRole: 2 },
      });
      expect(withOwner.gate().panelGaps).toEqual(['engineering']);
    });
  });
});

// ---------------------------------------------------------------------------------------------

describe('Panel: only the level roles judge; never the owner or the submitter; quorum per role', () => {
  it('a verdict counts only from a person holding one of the level roles', () => {
    const c = start({ entryLevel: 0 }).fillGate().submit();
    for (const outsider of [email('researcher', 1), email('qa', 1), PROJECT_OWNER.email, STRANGER]) {
      expectUnchanged(c, () => c.approve(outsider));
      expect(c.lastRefusals).toEqual([`reviewer: ${outsider} holds none of the roles reviewing Level 0 (research-lead)`]);
    }
    c.approve(email('research-lead', 2));
    expect(c.level).toBe(1);
  });

  it('the review is announced to the eligible panel only', () => {
    const c = start({ entryLevel: 0, ownerRoles: ['research-lead'] }).fillGate().submit({ by: email('research-lead', 1) });
    expect(c.emitted('notifyReviewOpened')).toEqual([
      { type: 'notifyReviewOpened', reviewId: 'r1', level: 0, to: [{ name: 'research-lead person 2', email: email('research-lead', 2) }, { name: 'research-lead person 3', email: email('research-lead', 3) }] },
    ]);
  });

  it('the component owner cannot give a verdict, even holding a panel role', () => {
    const c = start({ entryLevel: 0, ownerRoles: ['research-lead'] }).fillGate().submit({ by: PROJECT_OWNER.email });
    expectUnchanged(c, () => c.approve(OWNER.email));
    expect(c.lastRefusals).toEqual(["reviewer: the component's owner and the submitter cannot give a verdict on this review (separation of duties)"]);
    expectUnchanged(c, () => c.verdict(OWNER.email, 'request-changes', { tasks: ['anything'] }));
  });

  it('the submitter cannot give a verdict on the review they submitted', () => {
    const c = start({ entryLevel: 0 }).fillGate().submit({ by: email('research-lead', 1) });
    expectUnchanged(c, () => c.approve(email('research-lead', 1)));
    expect(c.lastRefusals[0]).toMatch(/separation of duties/);
    // Case does not get around it.
    expectUnchanged(c, () => c.approve(email('research-lead', 1).toUpperCase()));
    c.approve(email('research-lead', 2));
    expect(c.level).toBe(1);
  });

  it('quorum: policy.approvalsPerRole approvals from every required role', () => {
    const c = start({ entryLevel: 1, policy: { approvalsPerRole: 2 } }).fillGate().submit();
    c.approve(email('research-lead', 1)).approve(email('researcher', 1)).approve(email('research-lead', 2));
    expect(c.state).toBe('inReview');
    expect(c.review?.verdicts).toHaveLength(3);
    c.approve(email('research-lead', 3));
    expect(c.state).toBe('inReview'); // a third research-lead does not stand in for a researcher
    c.approve(email('researcher', 2));
    expect(c.state).toBe('working');
    expect(c.level).toBe(2);
    expect(c.lastClosed).toMatchObject({ id: 'r1', outcome: 'approved' });
  });

  it('quorum with the default of one approval per role', () => {
    const c = start({ entryLevel: 3 }).fillGate().submit();
    c.approve(email('research-lead', 1)).approve(email('applied-ai', 1));
    expect(c.state).toBe('inReview');
    c.approve(email('engineering', 3));
    expect(c.level).toBe(4);
  });
});

// ---------------------------------------------------------------------------------------------

describe('Verdicts', () => {
  it('a second verdict by the same reviewer on an open review changes nothing', () => {
    const c = start({ entryLevel: 1 }).fillGate().submit();
    c.approve(email('research-lead', 1));
    const event = { type: 'VERDICT' as const, at: c.now, reviewId: 'r1', reviewer: email('research-lead', 1), verdict: 'request-changes' as const, tasks: ['redo'] };
    expect(isRepeatedVerdictRule(c.context, event)).toBe(true);
    expectUnchanged(c, () => c.verdict(email('research-lead', 1), 'request-changes', { tasks: ['redo'] }));
    expectUnchanged(c, () => c.verdict(email('research-lead', 1), 'switchback', { targetLevel: 1, comment: 'why' }));
    expectUnchanged(c, () => c.approve(email('research-lead', 1).toUpperCase()));
    expect(c.review?.verdicts).toHaveLength(1);
  });

  it('a verdict re-sent after the review closed changes nothing', () => {
    const c = start({ entryLevel: 0 }).fillGate().submit();
    c.approve(email('research-lead', 1));
    expect(c.level).toBe(1);
    expect(isRepeatedVerdictRule(c.context, { type: 'VERDICT', at: c.now, reviewId: 'r1', reviewer: email('research-lead', 1), verdict: 'approve' })).toBe(true);
    expectUnchanged(c, () => c.approve(email('research-lead', 1), 'r1'));
    expect(c.effects).toEqual([]);
    // Someone who never answered it is told it is closed.
    expectUnchanged(c, () => c.approve(email('research-lead', 2), 'r1'));
    expect(c.lastRefusals).toEqual(['reviewId: review r1 is closed (approved)']);
    // Nor does a verdict for the old review count on the next one.
    c.fillGate().submit();
    expectUnchanged(c, () => c.approve(email('research-lead', 2), 'r1'));
    expect(c.lastRefusals).toEqual(['reviewId: review r1 is closed; the open review is r2']);
  });

  it('unknown review ids are refused', () => {
    const c = start({ entryLevel: 0 }).fillGate().submit();
    expectUnchanged(c, () => c.approve(email('research-lead', 1), 'r7'));
    expect(c.lastRefusals).toEqual(['reviewId: review r7 is unknown; the open review is r1']);
  });

  it('request-changes needs a task list', () => {
    const c = start({ entryLevel: 0 }).fillGate().submit();
    expectUnchanged(c, () => c.verdict(email('research-lead', 1), 'request-changes'));
    expect(c.lastRefusals).toEqual(['tasks: request-changes needs at least one task']);
    expectUnchanged(c, () => c.verdict(email('research-lead', 1), 'request-changes', { tasks: [] }));
  });

  it('request-changes closes the review with its tasks, before quorum, and the level stays', () => {
    const c = start({ entryLevel: 1, policy: { approvalsPerRole: 2 } }).fillGate().submit();
    c.approve(email('research-lead', 1));
    c.verdict(email('researcher', 2), 'request-changes', { tasks: ['Add the second cohort', 'Pin the data version'], comment: 'Close' });
    expect(c.state).toBe('working');
    expect(c.level).toBe(1);
    expect(c.review).toBeNull();
    expect(c.lastClosed).toMatchObject({ id: 'r1', outcome: 'changes-requested', tasks: ['Add the second cohort', 'Pin the data version'] });
    expect(c.emitted('notifyReviewClosed')).toEqual([
      { type: 'notifyReviewClosed', reviewId: 'r1', level: 1, outcome: 'changes-requested', to: [OWNER], tasks: ['Add the second cohort', 'Pin the data version'] },
    ]);
    // Later verdicts on it do nothing; a new submit, resolving the tasks, opens r2.
    expectUnchanged(c, () => c.approve(email('researcher', 1), 'r1'));
    c.resubmit();
    expect(c.reviewId).toBe('r2');
  });

  it('a switchback verdict closes the review and sends the component to the target level', () => {
    const c = start({ entryLevel: 1 }).climbTo(3).fillGate().submit();
    c.approve(email('research-lead', 1));
    c.verdict(email('engineering', 2), 'switchback', { targetLevel: 1, comment: 'Labels are leaking' });
    expect(c.state).toBe('working');
    expect(c.level).toBe(1);
    expect(c.lastClosed).toMatchObject({ outcome: 'switched-back' });
    expect(c.context.switchbacks).toEqual([{ from: 3, to: 1, kind: 'review', reason: 'Labels are leaking', by: email('engineering', 2), at: c.now }]);
    expect(c.context.timeline.at(-1)).toMatchObject({ from: 3, to: 1, how: 'switchback', reviewId: c.lastClosed?.id });
  });

  it('a switchback verdict needs a target lower than the level under review', () => {
    const c = start({ entryLevel: 1 }).climbTo(3).fillGate().submit();
    expectUnchanged(c, () => c.verdict(email('engineering', 2), 'switchback'));
    expect(c.lastRefusals).toEqual(['targetLevel: a switchback verdict needs a target level']);
    for (const targetLevel of [3, 4]) {
      expectUnchanged(c, () => c.verdict(email('engineering', 2), 'switchback', { targetLevel, comment: 'why' }));
      expect(c.lastRefusals).toEqual(['targetLevel: must be lower than the current level 3']);
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('Switchbacks', () => {
  describe('discovery', () => {
    it('the owner may send the component to any lower level, recorded with from, to, kind, reason, who and when', () => {
      const c = start({ entryLevel: 1 }).climbTo(4);
      c.accept({ type: 'SWITCHBACK', by: OWNER.email, targetLevel: 2, reason: 'Dataset was mislabelled' });
      expect(c.level).toBe(2);
      expect(c.state).toBe('working');
      expect(c.context.switchbacks).toEqual([{ from: 4, to: 2, kind: 'discovery', reason: 'Dataset was mislabelled', by: OWNER.email, at: c.now }]);
    });

    it('may be raised by a project owner or a member of the current panel, by nobody else', () => {
      const c = start({ entryLevel: 0 }).climbTo(3); // Level 3 panel: research-lead, applied-ai, engineering
      for (const who of [email('qa', 1), email('product', 1), email('researcher', 1), STRANGER]) {
        expectUnchanged(c, () => c.send({ type: 'SWITCHBACK', by: who, targetLevel: 2, reason: 'found a flaw' }));
        expect(c.lastRefusals).toEqual(['by: a discovery switchback is raised by an owner or a member of the Level 3 panel']);
      }
      c.accept({ type: 'SWITCHBACK', by: email('engineering', 3), targetLevel: 2, reason: 'found a flaw' });
      expect(c.level).toBe(2);
      c.accept({ type: 'SWITCHBACK', by: PROJECT_OWNER.email, targetLevel: 1, reason: 'found another' });
      expect(c.level).toBe(1);
    });

    it('the target must be lower than the current level', () => {
      const c = start({ entryLevel: 0 }).climbTo(3);
      for (const targetLevel of [3, 4, 9]) {
        expectUnchanged(c, () => c.send({ type: 'SWITCHBACK', by: OWNER.email, targetLevel, reason: 'x' }));
        expect(c.lastRefusals).toEqual(['targetLevel: must be lower than the current level 3']);
      }
    });

    it('cancels an open review', () => {
      const c = start({ entryLevel: 1 }).climbTo(3).fillGate().submit();
      c.approve(email('engineering', 1));
      c.accept({ type: 'SWITCHBACK', by: OWNER.email, targetLevel: 2, reason: 'Found a leak' });
      expect(c.state).toBe('working');
      expect(c.review).toBeNull();
      expect(c.lastClosed).toMatchObject({ id: 'r3', outcome: 'cancelled', level: 3 });
      expect(c.emitted('notifyReviewClosed')).toMatchObject([{ reviewId: 'r3', outcome: 'cancelled', to: [OWNER] }]);
      expectUnchanged(c, () => c.approve(email('applied-ai', 1), 'r3'));
    });

    it('after a switchback every level above the target must be earned again', () => {
      const c = start({ entryLevel: 2 }).climbTo(5);
      c.accept({ type: 'SWITCHBACK', by: OWNER.email, targetLevel: 3, reason: 'Integration broke the scorer' });
      c.pass();
      expect(c.level).toBe(4);
      c.pass('proceed');
      expect(c.level).toBe(5);
    });
  });

  describe('embedded', () => {
    it('4→2: the switchback-2 proposal, once approved, sends the component back to 2', () => {
      const c = start({ entryLevel: 2 }).climbTo(4).fillGate().submit({ proposal: 'switchback-2' });
      expect(c.review?.proposal).toBe('switchback-2');
      c.approveAll();
      expect(c.level).toBe(2);
      expect(c.state).toBe('working');
      expect(c.lastClosed).toMatchObject({ outcome: 'approved', proposal: 'switchback-2' });
      expect(c.context.switchbacks).toEqual([{ from: 4, to: 2, kind: 'embedded', reason: 'proposal switchback-2 approved', by: OWNER.email, at: c.now }]);
    });

    it('9→7: a new version reported by a deployed component, with the card versions updated', () => {
      const c = start({ entryLevel: 3 }).climbTo(9);
      expect(c.context.card.versions).toEqual({ code: '1.0.0', model: '1.0.0', data: '1.0.0' });
      c.accept({ type: 'REPORT_VERSIONS', by: OWNER.email, versions: { model: '2.0.0' } });
      expect(c.level).toBe(7);
      expect(c.state).toBe('working');
      expect(c.context.card.versions).toEqual({ code: '1.0.0', model: '2.0.0', data: '1.0.0' });
      expect(c.context.switchbacks.at(-1)).toEqual({ from: 9, to: 7, kind: 'embedded', reason: 'new version of a deployed component: model 2.0.0', by: OWNER.email, at: c.now });
      expect(c.context.timeline.at(-1)).toMatchObject({ from: 9, to: 7, how: 'switchback', versions: { model: '2.0.0' } });
      expect(c.emitted('reconcileSchedule')).toEqual([{ type: 'reconcileSchedule', desired: 'absent' }]);
    });

    it('9→7 needs a version that actually changed; below 9 a version report only updates the card', () => {
      const c = start({ entryLevel: 3 }).climbTo(9);
      c.accept({ type: 'REPORT_VERSIONS', by: OWNER.email, versions: { code: '1.0.0' } });
      expect(c.level).toBe(9);
      const d = start({ entryLevel: 3 }).climbTo(8);
      d.accept({ type: 'REPORT_VERSIONS', by: OWNER.email, versions: { data: '1.1.0' } });
      expect(d.level).toBe(8);
      expect(d.context.card.versions).toEqual({ code: '1.0.0', model: '1.0.0', data: '1.1.0' });
      expect(d.context.switchbacks).toEqual([]);
    });

    it('a Level 9 re-review is opened by REREVIEW_DUE, submitted by system, announced to the Level 9 panel (rules edition 1)', () => {
      const c = start({ entryLevel: 7, rulesEdition: 1 }).climbTo(9);
      c.accept({ type: 'REREVIEW_DUE', scheduledAt: new Date(c.now).toISOString() });
      expect(c.state).toBe('inReview');
      expect(c.review).toMatchObject({ level: 9, submittedBy: 'system', proposal: 'keep', reReview: true });
      const [opened] = c.emitted('notifyReviewOpened');
      expect(opened?.to.map((p) => p.email).sort()).toEqual(
        (['product', 'applied-ai', 'qa'] as const).flatMap((role) => [1, 2, 3].map((n) => email(role, n))).sort(),
      );
    });

    it.each([7, 4])('9→%i: a re-review switchback verdict', (targetLevel) => {
      const c = start({ entryLevel: 4 }).climbTo(9).reReview();
      c.approve(email('product', 1));
      c.verdict(email('qa', 2), 'switchback', { targetLevel, comment: 'Drift on the new scanner' });
      expect(c.level).toBe(targetLevel);
      expect(c.state).toBe('working');
      expect(c.context.switchbacks.at(-1)).toEqual({ from: 9, to: targetLevel, kind: 'embedded', reason: 'Drift on the new scanner', by: email('qa', 2), at: c.now });
      expect(c.emitted('reconcileSchedule')).toEqual([{ type: 'reconcileSchedule', desired: 'absent' }]);
    });

    it('a re-review sends a component back to 7 or 4 only', () => {
      const c = start({ entryLevel: 4 }).climbTo(9).reReview();
      for (const targetLevel of [8, 6, 5]) {
        expectUnchanged(c, () => c.verdict(email('qa', 2), 'switchback', { targetLevel, comment: 'why' }));
        expect(c.lastRefusals).toEqual(['targetLevel: a Level 9 re-review sends a component back to 7 or 4']);
      }
    });

    it('a re-review approved by the panel keeps the component at 9', () => {
      const c = start({ entryLevel: 7 }).climbTo(9).reReview().approveAll();
      expect(c.level).toBe(9);
      expect(c.state).toBe('working');
      expect(c.lastClosed).toMatchObject({ outcome: 'approved', proposal: 'keep' });
      expect(c.emitted('reconcileSchedule')).toEqual([]);
      expect(c.context.schedule).toBe('active');
    });
  });

  describe('a level the component never did cannot be returned to (use branch)', () => {
    it('discovery below the entry level', () => {
      const c = start({ entryLevel: 3 }).climbTo(5);
      expectUnchanged(c, () => c.send({ type: 'SWITCHBACK', by: OWNER.email, targetLevel: 2, reason: 'x' }));
      expect(c.lastRefusals).toHaveLength(1);
      expect(c.lastRefusals[0]).toMatch(/level 2 was never done by this component \(it entered at 3\).*branch/);
      c.accept({ type: 'SWITCHBACK', by: OWNER.email, targetLevel: 3, reason: 'x' });
      expect(c.level).toBe(3);
    });

    it('a switchback verdict below the entry level', () => {
      const c = start({ entryLevel: 3 }).climbTo(4).fillGate().submit();
      expectUnchanged(c, () => c.verdict(email('engineering', 1), 'switchback', { targetLevel: 2, comment: 'why' }));
      expect(c.lastRefusals[0]).toMatch(/never done.*branch/);
    });

    it('the switchback-2 proposal when the component entered at 3 or 4', () => {
      for (const entryLevel of [3, 4]) {
        const c = start({ entryLevel }).climbTo(4).fillGate();
        const reasons = c.submitRefusals({ proposal: 'switchback-2' });
        expect(reasons).toHaveLength(1);
        expect(reasons[0]).toMatch(/^proposal: level 2 was never done.*branch/);
      }
    });

    it('a re-review to 4 of a component adopted at 5, and a version report of one adopted at 8', () => {
      const five = start({ entryLevel: 5 }).climbTo(9).reReview();
      expectUnchanged(five, () => five.verdict(email('qa', 1), 'switchback', { targetLevel: 4, comment: 'why' }));
      expect(five.lastRefusals[0]).toMatch(/never done.*branch/);
      const eight = start({ entryLevel: 8 }).climbTo(9);
      eight.accept({ type: 'REPORT_VERSIONS', by: OWNER.email, versions: { model: '3.0.0' } });
      expect(eight.level).toBe(9);
      expect(eight.context.card.versions).toEqual({ model: '3.0.0' });
    });
  });
});

// ---------------------------------------------------------------------------------------------

describe('Level 2 proposals and branching', () => {
  it('prototype: on to Level 3, nothing branched', () => {
    const c = start({ entryLevel: 2 }).pass('prototype');
    expect(c.level).toBe(3);
    expect(c.context.timeline.at(-1)).toMatchObject({ from: 2, to: 3, how: 'decision' });
    expect(c.allEffects.filter((e) => e.type === 'startBranch')).toEqual([]);
  });

  it('continue-research: the review closes approved and the component stays at 2', () => {
    const c = start({ entryLevel: 2 }).pass('continue-research');
    expect(c.level).toBe(2);
    expect(c.state).toBe('working');
    expect(c.lastClosed).toMatchObject({ outcome: 'approved', proposal: 'continue-research' });
    expect(c.context.timeline).toHaveLength(1);
    expect(c.emitted('startBranch')).toEqual([]);
  });

  it('both: on to Level 3 and a research copy branched at 2', () => {
    const c = start({ entryLevel: 2 }).pass('both');
    expect(c.level).toBe(3);
    expect(c.emitted('startBranch')).toEqual([{ type: 'startBranch', componentId: 'anomaly-model-research', level: 2 }]);
    expect(c.context.branches).toEqual(['anomaly-model-research']);
  });

  it('a second `both` at Level 2 branches its research copy under a new component id', () => {
    const c = start({ entryLevel: 2 }).pass('both');
    c.accept({ type: 'SWITCHBACK', by: OWNER.email, targetLevel: 2, reason: 'Prototype exposed a research gap' });
    c.pass('both');
    expect(c.level).toBe(3);
    const branched = c.allEffects.filter((e) => e.type === 'startBranch').map((e) => e.componentId);
    expect(branched).toHaveLength(2);
    expect(new Set(branched).size).toBe(2);
    expect(new Set(c.context.branches).size).toBe(c.context.branches.length);
  });

  it('branch: at a level no higher than the component, by an owner, under an id not taken', () => {
    const c = start({ entryLevel: 3 });
    c.accept({ type: 'BRANCH', by: OWNER.email, level: 2, componentId: 'anomaly-model-lite' });
    expect(c.context.branches).toEqual(['anomaly-model-lite']);
    expect(c.level).toBe(3);
    expectUnchanged(c, () => c.send({ type: 'BRANCH', by: OWNER.email, level: 4, componentId: 'anomaly-model-next' }));
    expect(c.lastRefusals).toEqual(["level: a branch starts at a level no higher than this component's (3)"]);
    expectUnchanged(c, () => c.send({ type: 'BRANCH', by: email('engineering', 1), level: 3, componentId: 'anomaly-model-x' }));
    expectUnchanged(c, () => c.send({ type: 'BRANCH', by: OWNER.email, level: 3, componentId: 'anomaly-model-lite' }));
    expect(c.lastRefusals).toEqual(['componentId: anomaly-model-lite is already taken']);
  });
});

// ---------------------------------------------------------------------------------------------

describe('Level 4 and Level 8 decisions', () => {
  it('Level 4 pause: the component ends paused at 4', () => {
    const c = start({ entryLevel: 4 }).pass('pause');
    expect(c.level).toBe(4);
    expect(c.state).toBe('paused');
    expect(c.review).toBeNull();
    expect(c.lastClosed).toMatchObject({ outcome: 'approved', proposal: 'pause' });
    c.accept({ type: 'RESUME', by: OWNER.email, reason: 'funding back' });
    expect(c.state).toBe('working');
    expect(c.level).toBe(4);
  });

  it('Level 4 proceed: on to 5', () => {
    const c = start({ entryLevel: 4 }).pass('proceed');
    expect(c.level).toBe(5);
    expect(c.context.timeline.at(-1)).toMatchObject({ from: 4, to: 5, how: 'decision' });
  });

  it('Level 8 go: on to 9', () => {
    const c = start({ entryLevel: 8 }).pass('go');
    expect(c.level).toBe(9);
    expect(c.state).toBe('working');
  });

  it('Level 8 no-go: stays at 8', () => {
    const c = start({ entryLevel: 8 }).pass('no-go');
    expect(c.level).toBe(8);
    expect(c.state).toBe('working');
    expect(c.lastClosed).toMatchObject({ outcome: 'approved', proposal: 'no-go' });
    expect(c.context.schedule).toBe('absent');
  });
});

// ---------------------------------------------------------------------------------------------

describe('Pause, resume, retire', () => {
  it('only the component owner or a project owner may pause, resume or retire', () => {
    const c = start({ entryLevel: 2 });
    for (const who of [email('research-lead', 1), email('engineering', 2), STRANGER]) {
      for (const type of ['PAUSE', 'RETIRE'] as const) {
        expectUnchanged(c, () => c.send({ type, by: who, reason: 'x' }));
        expect(c.lastRefusals[0]).toMatch(/^by: only the component's owner or a project owner may/);
      }
    }
    c.accept({ type: 'PAUSE', by: PROJECT_OWNER.email, reason: 'budget' });
    expect(c.state).toBe('paused');
    expectUnchanged(c, () => c.send({ type: 'RESUME', by: email('research-lead', 1), reason: 'x' }));
    c.accept({ type: 'RESUME', by: OWNER.email, reason: 'budget back' });
    expect(c.state).toBe('working');
  });

  it('pause twice, or resume what is not paused, is refused', () => {
    const c = start({ entryLevel: 2 });
    expectUnchanged(c, () => c.send({ type: 'RESUME', by: OWNER.email, reason: 'x' }));
    expect(c.lastRefusals).toEqual(['the component is not paused']);
    c.accept({ type: 'PAUSE', by: OWNER.email, reason: 'x' });
    expectUnchanged(c, () => c.send({ type: 'PAUSE', by: OWNER.email, reason: 'x' }));
    expect(c.lastRefusals).toEqual(['the component is already paused']);
  });

  it('a paused component keeps its level and refuses submits and verdicts', () => {
    const c = start({ entryLevel: 1 }).climbTo(3).fillGate().submit();
    c.accept({ type: 'PAUSE', by: OWNER.email, reason: 'waiting for data' });
    expect(c.level).toBe(3);
    expect(c.review?.id).toBe('r3'); // the review stays open, on hold
    expectUnchanged(c, () => c.approve(email('engineering', 1)));
    expect(c.lastRefusals).toEqual(['the component is paused: verdicts are taken again once it resumes']);
    expectUnchanged(c, () => c.send(c.submitEvent()));
  });

  it('a discovery switchback reaches a paused component at any time: it moves back, stays paused, its review is cancelled', () => {
    const c = start({ entryLevel: 1 }).climbTo(3).fillGate().submit();
    c.accept({ type: 'PAUSE', by: OWNER.email, reason: 'waiting for data' });
    c.accept({ type: 'SWITCHBACK', by: OWNER.email, targetLevel: 2, reason: 'the data turned out biased' });
    expect(c.state).toBe('paused');
    expect(c.level).toBe(2);
    expect(c.review).toBeNull();
    expect(c.lastClosed).toMatchObject({ id: 'r3', outcome: 'cancelled' });
    expect(c.context.switchbacks.at(-1)).toMatchObject({ from: 3, to: 2, kind: 'discovery' });
  });

  it('a switchback verdict needs a reason', () => {
    const c = start({ entryLevel: 1 }).climbTo(3).fillGate().submit();
    expectUnchanged(c, () => c.verdict(email('engineering', 1), 'switchback', { targetLevel: 2 }));
    expect(c.lastRefusals).toEqual(['comment: a switchback verdict needs a reason']);
  });

  it('resuming with a review open returns to it, and verdicts count again', () => {
    const c = start({ entryLevel: 0 }).fillGate().submit();
    c.accept({ type: 'PAUSE', by: OWNER.email, reason: 'hold' });
    c.accept({ type: 'RESUME', by: OWNER.email, reason: 'go on' });
    expect(c.state).toBe('inReview');
    expect(c.reviewId).toBe('r1');
    c.approve(email('research-lead', 1));
    expect(c.level).toBe(1);
  });

  it('resuming without a review open returns to work', () => {
    const c = start({ entryLevel: 0 });
    c.accept({ type: 'PAUSE', by: OWNER.email, reason: 'hold' }).accept({ type: 'RESUME', by: OWNER.email, reason: 'go on' });
    expect(c.state).toBe('working');
  });

  it.each(['working', 'inReview', 'paused'] as const)('retire from %s: the lifecycle ends, an open review is cancelled', (from) => {
    const c = start({ entryLevel: 0 }).fillGate();
    if (from !== 'working') c.submit();
    if (from === 'paused') c.accept({ type: 'PAUSE', by: OWNER.email, reason: 'hold' });
    c.accept({ type: 'RETIRE', by: OWNER.email, reason: 'superseded by the v2 model' });
    expect(c.state).toBe('retired');
    expect(c.snapshot.status).toBe('done');
    expect(c.review).toBeNull();
    if (from !== 'working') {
      expect(c.lastClosed).toMatchObject({ id: 'r1', outcome: 'cancelled' });
      expect(c.emitted('notifyReviewClosed')).toMatchObject([{ reviewId: 'r1', outcome: 'cancelled' }]);
    }
  });

  it('a retired component refuses everything', () => {
    const c = start({ entryLevel: 0 }).fillGate().submit();
    c.accept({ type: 'RETIRE', by: OWNER.email, reason: 'superseded' });
    const events: LifecycleEvent[] = [
      { ...(c.submitEvent() as LifecycleEvent), at: c.now },
      { type: 'VERDICT', at: c.now, reviewId: 'r1', reviewer: email('research-lead', 1), verdict: 'approve' },
      { type: 'SWITCHBACK', at: c.now, by: OWNER.email, targetLevel: 0, reason: 'x' },
      { type: 'RESUME', at: c.now, by: OWNER.email, reason: 'x' },
      { type: 'PAUSE', at: c.now, by: OWNER.email, reason: 'x' },
      { type: 'REPORT_VERSIONS', at: c.now, by: OWNER.email, versions: { code: '9.0.0' } },
      { type: 'REREVIEW_DUE', at: c.now },
      { type: 'TICK', at: c.now + 30 * DAY },
      { type: 'UPDATE_CARD', at: c.now, by: OWNER.email, patch: { caveats: 'late note' } },
      { type: 'BRANCH', at: c.now, by: OWNER.email, level: 0, componentId: 'anomaly-model-fork' },
      { type: 'UPDATE_ROSTER', at: c.now, roster: {} },
    ];
    for (const event of events) {
      c.send(event);
      expect(c.lastRefusals, event.type).toContain('the component is retired');
    }
  });

  it('a retired component never changes again, card, branch and roster events included', () => {
    const c = start({ entryLevel: 0 });
    c.accept({ type: 'RETIRE', by: OWNER.email, reason: 'superseded' });
    expectUnchanged(c, () => c.send({ type: 'UPDATE_CARD', by: OWNER.email, patch: { caveats: 'late note' } }));
    expectUnchanged(c, () => c.send({ type: 'BRANCH', by: OWNER.email, level: 0, componentId: 'anomaly-model-fork' }));
    expectUnchanged(c, () => c.send({ type: 'UPDATE_ROSTER', roster: {} }));
  });
});

// ---------------------------------------------------------------------------------------------

describe('Reminders and escalation', () => {
  /** Level 0 review with two approvals needed; research-lead.3 submits, research-lead.1 approves. */
  function openReview(): Lifecycle {
    const c = start({ entryLevel: 0, policy: { approvalsPerRole: 2 }, ownerRoles: ['research-lead'] });
    c.fillGate().submit({ by: email('research-lead', 3) });
    c.approve(email('research-lead', 1));
    return c;
  }
  const submittedAt = (c: Lifecycle) => c.review?.submittedAt ?? Number.NaN;

  it('every remindEvery, to the panelists who have not answered (not the owner, not the submitter)', () => {
    const c = openReview();
    const t = submittedAt(c);
    c.send({ type: 'TICK', at: t + 2 * DAY - 1 });
    expect(c.effects).toEqual([]);
    c.send({ type: 'TICK', at: t + 2 * DAY });
    expect(c.effects).toEqual([{ type: 'notifyReminder', reviewId: 'r1', level: 0, to: [{ name: 'research-lead person 2', email: email('research-lead', 2) }] }]);
    c.send({ type: 'TICK', at: t + 3 * DAY });
    expect(c.effects).toEqual([]); // not again before the next period
    c.send({ type: 'TICK', at: t + 4 * DAY + HOUR });
    expect(c.emitted('notifyReminder')).toHaveLength(1);
    c.send({ type: 'TICK', at: t + 5 * DAY });
    expect(c.effects).toEqual([]);
  });

  it('after escalateAfter the project owners are told, once', () => {
    const c = openReview();
    const t = submittedAt(c);
    c.send({ type: 'TICK', at: t + 7 * DAY - 1 });
    expect(c.emitted('notifyEscalation')).toEqual([]);
    c.send({ type: 'TICK', at: t + 7 * DAY });
    expect(c.emitted('notifyEscalation')).toEqual([
      { type: 'notifyEscalation', reviewId: 'r1', level: 0, to: [PROJECT_OWNER], waiting: [{ name: 'research-lead person 2', email: email('research-lead', 2) }] },
    ]);
    c.send({ type: 'TICK', at: t + 8 * DAY });
    c.send({ type: 'TICK', at: t + 20 * DAY });
    expect(c.allEffects.filter((e) => e.type === 'notifyEscalation')).toHaveLength(1);
  });

  it('none while paused; the clock restarts on resume', () => {
    const c = openReview();
    const t = submittedAt(c);
    c.accept({ type: 'PAUSE', by: OWNER.email, reason: 'hold', at: t + DAY });
    for (const day of [2, 3, 7, 8, 10]) c.send({ type: 'TICK', at: t + day * DAY });
    expect(c.allEffects.filter((e) => e.type === 'notifyReminder' || e.type === 'notifyEscalation')).toEqual([]);
    c.accept({ type: 'RESUME', by: OWNER.email, reason: 'go on', at: t + 10 * DAY });
    c.send({ type: 'TICK', at: t + 11 * DAY });
    expect(c.effects).toEqual([]);
    c.send({ type: 'TICK', at: t + 12 * DAY });
    expect(c.emitted('notifyReminder')).toHaveLength(1);
  });

  it('no reminders once the review is closed', () => {
    const c = openReview();
    c.approve(email('research-lead', 2));
    expect(c.state).toBe('working');
    c.tick(10 * DAY);
    // Only the owner's debrief reminder (machines/debriefs.ts) is due now: nothing for the panel.
    expect(c.effects.filter((e) => e.type !== 'notifyDebriefReminder')).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------

describe('Level 9 schedule', () => {
  const schedules = (c: Lifecycle) => c.allEffects.filter((e) => e.type === 'reconcileSchedule');

  it('entering Level 9 makes the schedule active; nothing before', () => {
    const c = start({ entryLevel: 7 }).climbTo(8);
    expect(schedules(c)).toEqual([]);
    c.pass('go');
    expect(c.emitted('reconcileSchedule')).toEqual([{ type: 'reconcileSchedule', desired: 'active' }]);
    expect(c.context.schedule).toBe('active');
  });

  it('an adopted component entering at 9 has its schedule from the start', () => {
    const c = start({ entryLevel: 9 });
    expect(c.effects).toEqual([{ type: 'reconcileSchedule', desired: 'active' }]);
  });

  it('pause at 9 pauses it, resume makes it active again', () => {
    const c = start({ entryLevel: 8 }).climbTo(9);
    c.accept({ type: 'PAUSE', by: OWNER.email, reason: 'incident' });
    expect(c.emitted('reconcileSchedule')).toEqual([{ type: 'reconcileSchedule', desired: 'paused' }]);
    c.accept({ type: 'RESUME', by: OWNER.email, reason: 'fixed' });
    expect(c.emitted('reconcileSchedule')).toEqual([{ type: 'reconcileSchedule', desired: 'active' }]);
  });

  it('a discovery switchback from 9 removes it', () => {
    const c = start({ entryLevel: 8 }).climbTo(9);
    c.accept({ type: 'SWITCHBACK', by: OWNER.email, targetLevel: 8, reason: 'canary regression' });
    expect(c.emitted('reconcileSchedule')).toEqual([{ type: 'reconcileSchedule', desired: 'absent' }]);
    expect(c.context.schedule).toBe('absent');
  });

  it.each([false, true])('retiring at 9 removes it (paused first: %s)', (paused) => {
    const c = start({ entryLevel: 8 }).climbTo(9);
    if (paused) c.accept({ type: 'PAUSE', by: OWNER.email, reason: 'hold' });
    c.accept({ type: 'RETIRE', by: OWNER.email, reason: 'replaced' });
    expect(c.emitted('reconcileSchedule')).toEqual([{ type: 'reconcileSchedule', desired: 'absent' }]);
  });

  it('retiring below 9 touches no schedule', () => {
    const c = start({ entryLevel: 3 });
    c.accept({ type: 'RETIRE', by: OWNER.email, reason: 'dropped' });
    expect(schedules(c)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------

describe('REREVIEW_DUE', () => {
  it('while a review is open: refused with a reason, nothing changes', () => {
    const c = start({ entryLevel: 8 }).climbTo(9).accept({ type: 'REREVIEW_DUE' });
    expectUnchanged(c, () => c.send({ type: 'REREVIEW_DUE' }));
    expect(c.lastRefusals).toEqual(['re-review skipped: review r2 is still open']);
    expect(c.effects).toEqual([]);
  });

  it('while a submitted Level 9 review is open, too', () => {
    const c = start({ entryLevel: 9 }).fillGate().submit();
    expectUnchanged(c, () => c.send({ type: 'REREVIEW_DUE' }));
    expect(c.lastRefusals).toEqual(['re-review skipped: review r1 is still open']);
  });

  it('below Level 9, or paused, refused', () => {
    const c = start({ entryLevel: 8 });
    expectUnchanged(c, () => c.send({ type: 'REREVIEW_DUE' }));
    expect(c.lastRefusals).toEqual(['re-review skipped: the component is at Level 8, not 9']);
    c.climbTo(9).accept({ type: 'PAUSE', by: OWNER.email, reason: 'hold' });
    expectUnchanged(c, () => c.send({ type: 'REREVIEW_DUE' }));
    expect(c.lastRefusals).toEqual(['re-review skipped: the component is paused']);
  });

  it('a new version reported at Level 9 while a re-review is open still sends the component back to 7', () => {
    const c = start({ entryLevel: 3 }).climbTo(9).accept({ type: 'REREVIEW_DUE' });
    c.accept({ type: 'REPORT_VERSIONS', by: OWNER.email, versions: { model: '2.0.0' } });
    expect(c.context.card.versions).toMatchObject({ model: '2.0.0' });
    expect(c.level).toBe(7);
    expect(c.context.switchbacks.at(-1)).toMatchObject({ from: 9, to: 7, kind: 'embedded' });
    expect(c.review).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------

describe('A full climb', () => {
  it('0 → 9, one approved review per level, every review with its ethics answers', () => {
    const c = start({ entryLevel: 0 });
    const levels = [c.level];
    for (let level = 0; level < 9; level++) {
      c.pass(raisingProposal(level));
      levels.push(c.level);
    }
    expect(levels).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(c.state).toBe('working');
    expect(c.context.timeline.map((t) => t.to)).toEqual(levels);
    expect(c.context.closedReviews.map((r) => [r.id, r.level, r.outcome])).toEqual(
      levels.slice(0, 9).map((level) => [`r${level + 1}`, level, 'approved']),
    );
    expect(c.context.ethicsAnswers.map((e) => e.level)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(c.context.switchbacks).toEqual([]);
    expect(c.context.schedule).toBe('active');
  });
});
