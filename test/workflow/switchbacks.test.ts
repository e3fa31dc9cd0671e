import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { componentHandle, projectHandle } from '../../src/runtime/client.js';
import {
  reReviewScheduleId,
  cardQuery,
  historyQuery,
  pauseUpdate,
  reReviewDueSignal,
  projectStatusQuery,
  reportVersionsUpdate,
  resumeUpdate,
  statusQuery,
  submitUpdate,
  switchbackUpdate,
} from '../../workflows/definitions.js';
import { ETHICS, LEAD, OWNER, project, reviewer } from '../support/fixtures.js';
import { eventually, startHarness, type Harness } from '../support/harness.js';
import { approveAll, climb, decide, fillCard, refused, soon, startAndReach, submit } from './steps.js';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness?.stop();
});

const entering = (entryLevel: number, id = 'anomaly-model') =>
  project({ components: [{ id, name: 'Anomaly detector', kind: 'model', entryLevel, owner: OWNER }] });

const closedNotices = (projectId: string) =>
  harness.sent.filter((n) => n.projectId === projectId && n.kind === 'review-closed').map((n) => [n.reviewId, n.outcome]);

describe('switchbacks on a real Temporal server', () => {
  it("a reviewer's switchback verdict closes the review and sends the component to the target level", async () => {
    const definition = entering(3);
    const component = await startAndReach(harness.client, harness.taskQueue, definition);
    await fillCard(component);
    await climb(component, 4);
    const review = await submit(component, 'proceed');

    const state = await decide(component, review.id, reviewer('engineering', 1).email, 'switchback', {
      targetLevel: 3,
      comment: 'Prototype code is not integration-ready',
    });
    expect(state).toMatchObject({ open: false, outcome: 'switched-back', level: 3, state: 'working' });

    const card = await component.query(cardQuery);
    expect(card.switchbacks).toEqual([
      expect.objectContaining({ from: 4, to: 3, kind: 'review', by: reviewer('engineering', 1).email, reason: 'Prototype code is not integration-ready' }),
    ]);
    expect(card.timeline.at(-1)).toMatchObject({ from: 4, to: 3, how: 'switchback', reviewId: review.id });
    expect((await component.query(statusQuery)).switchbacks).toBe(1);
    await soon(() => expect(closedNotices(definition.id)).toContainEqual([review.id, 'switched-back']));

    // It must earn Level 4 again.
    const again = await submit(component);
    expect(again.level).toBe(3);
  });

  it('a discovery switchback by the owner cancels an open review; someone off the panel may not raise one', async () => {
    const definition = entering(3);
    const component = await startAndReach(harness.client, harness.taskQueue, definition);
    await fillCard(component);
    await climb(component, 4);
    const review = await submit(component, 'proceed');
    await decide(component, review.id, reviewer('applied-ai', 1).email);

    const outsider = await refused(() =>
      component.executeUpdate(switchbackUpdate, { args: [{ by: reviewer('qa', 1).email, kind: 'discovery', targetLevel: 3, reason: 'flaky' }] }),
    );
    expect(outsider.message).toContain('owner or a member of the Level 4 panel');
    expect((await component.query(statusQuery)).openReview?.id).toBe(review.id);

    const status = await component.executeUpdate(switchbackUpdate, {
      args: [{ by: OWNER.email, kind: 'discovery', targetLevel: 3, reason: 'The slide loader drops tiles at tile boundaries' }],
    });
    expect(status).toMatchObject({ level: 3, state: 'working', openReview: null, switchbacks: 1 });
    const card = await component.query(cardQuery);
    expect(card.switchbacks).toEqual([
      expect.objectContaining({ from: 4, to: 3, kind: 'discovery', by: OWNER.email, reason: 'The slide loader drops tiles at tile boundaries' }),
    ]);
    await soon(() => expect(closedNotices(definition.id)).toContainEqual([review.id, 'cancelled']));

    const late = await refused(() => decide(component, review.id, reviewer('engineering', 1).email));
    expect(late.message).toContain(`review ${review.id} is closed (cancelled)`);
  });

  it('embedded 4→2: the switchback-2 proposal, approved, returns a component that entered at 2', async () => {
    const definition = entering(2);
    const component = await startAndReach(harness.client, harness.taskQueue, definition);
    await fillCard(component);
    const atTwo = await submit(component, 'prototype');
    await approveAll(component, atTwo);
    await climb(component, 4);

    const review = await submit(component, 'switchback-2');
    expect(review.proposal).toBe('switchback-2');
    const closed = await approveAll(component, review);
    expect(closed).toMatchObject({ open: false, outcome: 'approved', level: 2, state: 'working' });

    const card = await component.query(cardQuery);
    expect(card.switchbacks).toEqual([expect.objectContaining({ from: 4, to: 2, kind: 'embedded', by: LEAD.email })]);
    expect(card.timeline.map((t) => t.to)).toEqual([2, 3, 4, 2]);
  });

  it('refuses switchback-2 for a component that entered at 4, naming branch', async () => {
    const definition = entering(4);
    const component = await startAndReach(harness.client, harness.taskQueue, definition);
    await fillCard(component);
    const error = await refused(() => component.executeUpdate(submitUpdate, { args: [{ by: LEAD.email, proposal: 'switchback-2', ethics: ETHICS }] }));
    expect(error.kind).toBe('refused');
    expect(error.message).toMatch(/proposal: level 2 was never done .*use branch/);
    expect(await component.query(statusQuery)).toMatchObject({ level: 4, state: 'working', openReview: null });
  });

  it('refuses switchbacks below the entry level, by discovery and by verdict, naming branch', async () => {
    const definition = entering(3);
    const component = await startAndReach(harness.client, harness.taskQueue, definition);
    await fillCard(component);
    await climb(component, 4);

    const discovery = await refused(() =>
      component.executeUpdate(switchbackUpdate, { args: [{ by: OWNER.email, kind: 'discovery', targetLevel: 2, reason: 'rethink' }] }),
    );
    expect(discovery.message).toMatch(/targetLevel: level 2 was never done .*entered at 3.*branch/);

    const review = await submit(component, 'proceed');
    const verdict = await refused(() => decide(component, review.id, reviewer('product', 1).email, 'switchback', { targetLevel: 1, comment: 'start over' }));
    expect(verdict.message).toMatch(/targetLevel: level 1 was never done .*branch/);
    const notLower = await refused(() =>
      component.executeUpdate(switchbackUpdate, { args: [{ by: OWNER.email, kind: 'discovery', targetLevel: 4, reason: 'same level' }] }),
    );
    expect(notLower.message).toContain('must be lower than the current level 4');

    const status = await component.query(statusQuery);
    expect(status).toMatchObject({ level: 4, state: 'in-review', switchbacks: 0 });
    expect(status.openReview).toMatchObject({ id: review.id, answered: [] });
  });

  it('embedded 9→7: a new model version of a deployed component switches it back and deletes its re-review schedule', async () => {
    const definition = entering(4);
    const component = await startAndReach(harness.client, harness.taskQueue, definition);
    await fillCard(component);
    await climb(component, 9);
    const schedule = harness.client.schedule.getHandle(reReviewScheduleId(definition.id, 'anomaly-model'));
    await eventually(async () => expect((await schedule.describe()).state.paused).toBe(false));

    // The same versions again are not a new version: nothing moves.
    const same = await component.executeUpdate(reportVersionsUpdate, { args: [{ by: OWNER.email, versions: { model: '0.2.0' } }] });
    expect(same).toMatchObject({ level: 9, switchbacks: 0 });

    const status = await component.executeUpdate(reportVersionsUpdate, { args: [{ by: OWNER.email, versions: { model: '0.3.0' } }] });
    expect(status).toMatchObject({ level: 7, state: 'working', switchbacks: 1 });
    const card = await component.query(cardQuery);
    expect(card.content.versions).toEqual({ code: '0.3.0', model: '0.3.0', data: '1.0.0' });
    expect(card.switchbacks).toEqual([expect.objectContaining({ from: 9, to: 7, kind: 'embedded', by: OWNER.email, reason: expect.stringContaining('model 0.3.0') as string })]);

    await eventually(async () => {
      await expect(schedule.describe()).rejects.toThrow(/not found/i);
    });
    await eventually(async () => {
      const history = await component.query(historyQuery);
      expect(history.filter((h) => h.what === 'reconcileSchedule').map((h) => [h.outcome, h.why])).toEqual([
        ['done', 're-review schedule active'],
        ['done', 're-review schedule absent'],
      ]);
    });
  });

  it('embedded 9→7 also while a Level 9 re-review is open: the re-review is cancelled', async () => {
    const definition = entering(4);
    const component = await startAndReach(harness.client, harness.taskQueue, definition);
    await fillCard(component);
    await climb(component, 9);
    await component.signal(reReviewDueSignal, { scheduledAt: new Date().toISOString() });
    const reReview = await eventually(async () => {
      const s = await component.query(statusQuery);
      expect(s.openReview).toMatchObject({ reReview: true, submittedBy: 'system', level: 9 });
      return s.openReview!;
    });

    const status = await component.executeUpdate(reportVersionsUpdate, { args: [{ by: OWNER.email, versions: { data: '2.0.0' } }] });
    expect(status).toMatchObject({ level: 7, state: 'working', openReview: null, switchbacks: 1 });
    expect((await component.query(cardQuery)).switchbacks).toEqual([expect.objectContaining({ from: 9, to: 7, kind: 'embedded' })]);
    await soon(() => expect(closedNotices(definition.id)).toContainEqual([reReview.id, 'cancelled']));
    await eventually(async () => {
      await expect(harness.client.schedule.getHandle(reReviewScheduleId(definition.id, 'anomaly-model')).describe()).rejects.toThrow(/not found/i);
    });
  });

  it('Level 2 "both": the component goes on to 3 and a research branch lives on at 2 with its provenance', async () => {
    const definition = entering(2);
    const component = await startAndReach(harness.client, harness.taskQueue, definition);
    await fillCard(component);
    const review = await submit(component, 'both');
    const closed = await approveAll(component, review);
    expect(closed).toMatchObject({ open: false, outcome: 'approved', level: 3 });

    const branch = componentHandle(harness.client, definition.id, 'anomaly-model-research');
    const branchStatus = await eventually(() => branch.query(statusQuery));
    expect(branchStatus).toMatchObject({
      componentId: 'anomaly-model-research',
      level: 2,
      entryLevel: 2,
      state: 'working',
      provenance: { kind: 'branched', projectId: definition.id, componentId: 'anomaly-model', level: 2 },
    });
    // The branch starts from the parent's card.
    expect((await branch.query(cardQuery)).content.hypotheses).toBeDefined();

    const projectStatus = await eventually(async () => {
      const s = await projectHandle(harness.client, definition.id).query(projectStatusQuery);
      expect(s.components.map((c) => [c.componentId, c.level, c.state])).toEqual([
        ['anomaly-model', 3, 'working'],
        ['anomaly-model-research', 2, 'working'],
      ]);
      return s;
    });
    expect(projectStatus.systemLevel).toBe(2);
    // The branch runs (and reports) before its parent hears that it started: wait for the record.
    await eventually(async () => expect(await component.query(historyQuery)).toContainEqual(expect.objectContaining({ what: 'startBranch', outcome: 'done' })));
  });

  it('Level 4 "pause": approved, the component stays at 4 paused; submit is refused until it resumes', async () => {
    const definition = entering(4);
    const component = await startAndReach(harness.client, harness.taskQueue, definition);
    await fillCard(component);
    const review = await submit(component, 'pause');
    const closed = await approveAll(component, review);
    expect(closed).toMatchObject({ open: false, outcome: 'approved', level: 4, state: 'paused' });
    expect(await component.query(statusQuery)).toMatchObject({ level: 4, state: 'paused', openReview: null });

    const error = await refused(() => component.executeUpdate(submitUpdate, { args: [{ by: LEAD.email, proposal: 'proceed', ethics: ETHICS }] }));
    expect(error.message).toContain('paused');

    const resumed = await component.executeUpdate(resumeUpdate, { args: [{ by: OWNER.email, reason: 'Funding renewed' }] });
    expect(resumed).toMatchObject({ level: 4, state: 'working' });
    const next = await submit(component, 'proceed');
    expect(next).toMatchObject({ level: 4, proposal: 'proceed' });
    await approveAll(component, next);
    expect(await component.query(statusQuery)).toMatchObject({ level: 5, state: 'working' });

    const again = await component.executeUpdate(pauseUpdate, { args: [{ by: OWNER.email, reason: 'holiday' }] });
    expect(again.state).toBe('paused');
  });
});
