import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cardQuery, historyQuery, reviewSignal, statusQuery, submitUpdate, updateCardUpdate } from '../../workflows/definitions.js';
import { ETHICS, FULL_CARD, LEAD, OWNER, project, reviewer } from '../support/fixtures.js';
import { eventually, startHarness, type Harness } from '../support/harness.js';
import { decide, fillCard, refused, soon, startAndReach, submit } from './steps.js';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness?.stop();
});

const sentFor = (projectId: string, kind?: string) =>
  harness.sent.filter((n) => n.projectId === projectId && (kind === undefined || n.kind === kind));

describe('gated reviews on a real Temporal server', () => {
  it('a request-changes verdict closes the review with its tasks, keeps the level, and tells the owner; a resubmission is approved', async () => {
    const definition = project();
    const component = await startAndReach(harness.client, harness.taskQueue, definition);
    await fillCard(component);

    const first = await submit(component);
    expect(first).toMatchObject({ id: 'r1', level: 0, requiredRoles: ['research-lead'] });
    const tasks = ['Add a supervised baseline', 'Cite the 2021 stain-normalisation study'];
    const closed = await decide(component, 'r1', reviewer('research-lead', 1).email, 'request-changes', { tasks, comment: 'Not yet' });
    expect(closed).toMatchObject({ reviewId: 'r1', acknowledged: 'counted', open: false, outcome: 'changes-requested', level: 0, state: 'working' });

    const status = await component.query(statusQuery);
    expect(status).toMatchObject({ level: 0, state: 'working', openReview: null });
    expect(status.gate.ready).toBe(true);

    const notice = await soon(() => {
      const found = sentFor(definition.id, 'review-closed').filter((n) => n.reviewId === 'r1');
      expect(found).toHaveLength(1);
      return found[0];
    });
    expect(notice).toMatchObject({ outcome: 'changes-requested', tasks, level: 0, to: [OWNER] });

    // A verdict on the closed review from someone who did not answer it is refused, naming the review.
    const late = await refused(() => decide(component, 'r1', reviewer('research-lead', 2).email));
    expect(late.message).toContain('review r1 is closed (changes-requested)');

    // The tasks are open work items of Level 0 (rules edition 2): the gate names them, and the next
    // submit is refused until each is done or carried forward.
    expect(status.gate.openTasks).toEqual(['t1', 't2']);
    const unresolved = await refused(() => submit(component));
    expect(unresolved.message).toContain('resolutions: resolve t1, t2 (every open task of Level 0');
    const second = await submit(component, undefined, LEAD.email, {
      t1: { status: 'done', note: 'Logistic-regression baseline added' },
      t2: { status: 'carried', note: 'Study found after the pilot' },
    });
    expect(second.id).toBe('r2');
    // Every panelist's email says how each task was resolved.
    const asked = await soon(() => {
      const found = sentFor(definition.id, 'review-opened').filter((n) => n.reviewId === 'r2');
      expect(found.flatMap((n) => n.to.map((p) => p.email)).sort()).toEqual([reviewer('research-lead', 1).email, reviewer('research-lead', 2).email]);
      return found;
    });
    for (const notification of asked) {
      expect(notification.taskResolutions).toEqual([
        { id: 't1', level: 0, text: tasks[0], status: 'done', note: 'Logistic-regression baseline added' },
        { id: 't2', level: 0, text: tasks[1], status: 'carried', note: 'Study found after the pilot' },
      ]);
    }
    const approved = await decide(component, 'r2', reviewer('research-lead', 2).email);
    expect(approved).toMatchObject({ open: false, outcome: 'approved', level: 1 });

    const card = await component.query(cardQuery);
    expect(card.timeline.map((t) => [t.from, t.to, t.how])).toEqual([
      [null, 0, 'entry'],
      [0, 1, 'graduation'],
    ]);
    expect(card.ethics.map((e) => e.reviewId)).toEqual(['r1', 'r2']);
    expect(card.tasks.map((t) => [t.id, t.status, t.resolution?.reviewId])).toEqual([
      ['t1', 'done', 'r2'],
      ['t2', 'carried', 'r2'],
    ]);
    await soon(() => {
      expect(sentFor(definition.id, 'review-closed').map((n) => [n.reviewId, n.outcome])).toEqual([
        ['r1', 'changes-requested'],
        ['r2', 'approved'],
      ]);
    });
  });

  it("refuses the owner's and the submitter's verdicts (separation of duties) and records nothing", async () => {
    const owner = reviewer('research-lead', 1);
    const submitter = reviewer('research-lead', 2);
    const third = { name: 'research-lead 3', email: 'research-lead-3@lab.example' };
    const base = project();
    const definition = project({
      roster: { ...base.roster, 'research-lead': [owner, submitter, third] },
      components: [{ id: 'anomaly-model', name: 'Anomaly detector', kind: 'model', entryLevel: 0, owner }],
    });
    const component = await startAndReach(harness.client, harness.taskQueue, definition);
    await component.executeUpdate(updateCardUpdate, { args: [{ by: owner.email, patch: FULL_CARD }] });
    const review = await submit(component, undefined, submitter.email);
    expect(review.submittedBy).toBe(submitter.email);

    // Only the third research lead is asked.
    const opened = await soon(() => {
      const found = sentFor(definition.id, 'review-opened');
      expect(found).toHaveLength(1);
      return found[0];
    });
    expect(opened.to.map((p) => p.email)).toEqual([third.email]);

    for (const who of [owner.email, submitter.email]) {
      const error = await refused(() => decide(component, review.id, who));
      expect(error.kind).toBe('refused');
      expect(error.message).toContain('separation of duties');
    }

    const status = await component.query(statusQuery);
    expect(status.openReview).toMatchObject({ id: review.id, answered: [], approvals: { 'research-lead': 0 }, missingRoles: ['research-lead'] });
    const history = await component.query(historyQuery);
    expect(history.filter((h) => h.what === 'decide' || h.what === 'review')).toEqual([]);

    const approved = await decide(component, review.id, third.email);
    expect(approved).toMatchObject({ open: false, outcome: 'approved', level: 1 });
  });

  it('needs approvalsPerRole approvals from every required role before the review closes', async () => {
    const definition = project({
      policy: { approvalsPerRole: 2 },
      components: [{ id: 'anomaly-model', name: 'Anomaly detector', kind: 'model', entryLevel: 1, owner: OWNER }],
    });
    const component = await startAndReach(harness.client, harness.taskQueue, definition);
    await fillCard(component);
    const review = await submit(component);
    expect(review).toMatchObject({ level: 1, requiredRoles: ['research-lead', 'researcher'], approvalsPerRole: 2 });

    const steps: [string, Record<string, number>, string[]][] = [
      [reviewer('research-lead', 1).email, { 'research-lead': 1, researcher: 0 }, ['research-lead', 'researcher']],
      [reviewer('researcher', 1).email, { 'research-lead': 1, researcher: 1 }, ['research-lead', 'researcher']],
      [reviewer('research-lead', 2).email, { 'research-lead': 2, researcher: 1 }, ['researcher']],
    ];
    for (const [who, approvals, missing] of steps) {
      const state = await decide(component, review.id, who);
      expect(state).toMatchObject({ acknowledged: 'counted', open: true, approvals, missingRoles: missing, level: 1, state: 'in-review' });
    }
    expect((await component.query(statusQuery)).openReview?.missingRoles).toEqual(['researcher']);

    const last = await decide(component, review.id, reviewer('researcher', 2).email);
    expect(last).toMatchObject({ open: false, outcome: 'approved', level: 2, state: 'working' });
  });

  it('acknowledges a repeated verdict without counting it, before and after the review closes', async () => {
    const definition = project({ policy: { approvalsPerRole: 2 } });
    const component = await startAndReach(harness.client, harness.taskQueue, definition);
    await fillCard(component);
    const review = await submit(component);
    const rl1 = reviewer('research-lead', 1).email;
    const rl2 = reviewer('research-lead', 2).email;

    expect(await decide(component, review.id, rl1)).toMatchObject({ acknowledged: 'counted', open: true, approvals: { 'research-lead': 1 } });
    expect(await decide(component, review.id, rl1)).toMatchObject({ acknowledged: 'repeated', open: true, approvals: { 'research-lead': 1 } });
    // A different second verdict from the same reviewer changes nothing either.
    expect(await decide(component, review.id, rl1, 'request-changes', { tasks: ['second thoughts'] })).toMatchObject({
      acknowledged: 'repeated',
      open: true,
      approvals: { 'research-lead': 1 },
    });
    expect((await component.query(statusQuery)).openReview?.answered).toEqual([{ reviewer: rl1, verdict: 'approve' }]);

    expect(await decide(component, review.id, rl2)).toMatchObject({ acknowledged: 'counted', open: false, outcome: 'approved', level: 1 });
    // After the close: the update and the signal are both acknowledged, nothing moves.
    expect(await decide(component, review.id, rl2)).toMatchObject({ acknowledged: 'repeated', open: false, outcome: 'approved', level: 1 });
    await component.signal(reviewSignal, { reviewId: review.id, reviewer: rl1, verdict: 'approve' });

    const history = await eventually(async () => {
      const entries = await component.query(historyQuery);
      expect(entries.filter((h) => h.what === 'review')).toHaveLength(1);
      return entries;
    });
    const verdicts = history.filter((h) => h.what === 'decide' || h.what === 'review').map((h) => [h.who, h.what, h.outcome]);
    expect(verdicts).toEqual([
      [rl1, 'decide', 'accepted'],
      [rl1, 'decide', 'acknowledged'],
      [rl1, 'decide', 'acknowledged'],
      [rl2, 'decide', 'accepted'],
      [rl2, 'decide', 'acknowledged'],
      [rl1, 'review', 'acknowledged'],
    ]);
    const status = await component.query(statusQuery);
    expect(status).toMatchObject({ level: 1, state: 'working', openReview: null });
    const card = await component.query(cardQuery);
    expect(card.timeline.filter((t) => t.how === 'graduation')).toHaveLength(1);
    await soon(() => expect(sentFor(definition.id, 'review-closed')).toHaveLength(1));
  });

  it('refuses a submit with the missing deliverables and ethics items listed, and changes nothing', async () => {
    const definition = project();
    const component = await startAndReach(harness.client, harness.taskQueue, definition);
    await component.executeUpdate(updateCardUpdate, { args: [{ by: OWNER.email, patch: { hypotheses: FULL_CARD.hypotheses } }] });
    const before = await component.query(statusQuery);
    expect(before.gate).toMatchObject({
      level: 0,
      ready: false,
      missingDeliverables: ['literature', 'dataReadiness'],
      ethicsItems: ['data-collection', 'harm', 'bias', 'privacy'],
      panelGaps: [],
    });

    const error = await refused(() =>
      component.executeUpdate(submitUpdate, { args: [{ by: LEAD.email, ethics: { 'data-collection': 'Consent on file.', harm: '  ' } }] }),
    );
    expect(error.kind).toBe('refused');
    expect(error.message).toContain('missing deliverables: literature, dataReadiness');
    expect(error.message).toContain('ethics: answer harm, bias, privacy');
    expect(error.message).not.toContain('hypotheses');

    const after = await component.query(statusQuery);
    expect(after).toEqual(before);
    const history = await component.query(historyQuery);
    expect(history.map((h) => h.what)).toEqual(['start', 'updateCard']);
    expect(sentFor(definition.id)).toEqual([]);

    // With every answer and deliverable present, the same submit goes through.
    await fillCard(component);
    const opened = await component.executeUpdate(submitUpdate, { args: [{ by: LEAD.email, ethics: ETHICS }] });
    expect(opened.state).toBe('in-review');
  });

  it('accepts a roster with a role nobody holds, shows the gap in status.gate, and refuses submit naming the role', async () => {
    const { researcher: _dropped, ...roster } = project().roster;
    const definition = project({
      roster,
      components: [{ id: 'anomaly-model', name: 'Anomaly detector', kind: 'model', entryLevel: 1, owner: OWNER }],
    });
    const component = await startAndReach(harness.client, harness.taskQueue, definition);
    await fillCard(component);

    const status = await component.query(statusQuery);
    expect(status.gate).toMatchObject({ level: 1, ready: false, missingDeliverables: [], unmitigatedRisks: [], panelGaps: ['researcher'] });

    const error = await refused(() => component.executeUpdate(submitUpdate, { args: [{ by: LEAD.email, ethics: ETHICS }] }));
    expect(error.kind).toBe('refused');
    expect(error.message).toMatch(/panel: .*researcher/);
    expect(error.message).not.toMatch(/research-lead/);
    expect((await component.query(statusQuery)).state).toBe('working');
  });
});
