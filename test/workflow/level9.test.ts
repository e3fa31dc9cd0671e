/**
 * Level 9 operations on the real dev server: the re-review schedule fires at its cadence and each
 * fire reaches the component; a fire while a re-review is open is skipped and noted; pausing the
 * component pauses the schedule; retiring deletes it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { componentHandle, startProject } from '../../src/runtime/client.js';
import {
  WORKFLOW_TYPES,
  answerEthicsUpdate,
  cardQuery,
  decideUpdate,
  historyQuery,
  pauseUpdate,
  reReviewScheduleId,
  resumeUpdate,
  retireUpdate,
  statusQuery,
} from '../../workflows/definitions.js';
import { refused } from './steps.js';
import type { ReReviewSchedule } from '../../src/portfolio/schedules.js';
import { runCli } from '../support/cli.js';
import { ETHICS, LEAD, OWNER, project, reviewer } from '../support/fixtures.js';
import { eventually, startHarness, type Harness } from '../support/harness.js';
import { startSourceComponent } from '../support/sources.js';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness?.stop();
});

const deployedComponent = {
  id: 'meteor-detector',
  name: 'Meteor detector',
  kind: 'model' as const,
  entryLevel: 9,
  owner: OWNER,
  // Filled in once the source (a component already at Level 9) runs: see beforeAll.
  provenance: { kind: 'adopted' as const, projectId: '', componentId: '', level: 9 },
};
beforeAll(async () => {
  const source = await startSourceComponent(harness.client, harness.taskQueue);
  deployedComponent.provenance = { kind: 'adopted', projectId: source.projectId, componentId: source.componentId, level: 9 };
});

describe('Level 9 re-review schedules', () => {
  it('fires at its cadence, opens re-reviews, skips a fire while one is open, pauses and is deleted on retire', async () => {
    const definition = project({ components: [deployedComponent], policy: { rereviewEvery: '2 seconds' } });
    await startProject(harness.client, harness.taskQueue, definition);
    const component = componentHandle(harness.client, definition.id, deployedComponent.id);
    const schedule = harness.client.schedule.getHandle(reReviewScheduleId(definition.id, deployedComponent.id));

    // The schedule exists with the SPEC's id, overlap SKIP and a note naming project and component.
    const described = await eventually(() => schedule.describe());
    expect(described.policies.overlap).toBe('SKIP');
    expect(described.state.note).toContain(definition.id);
    expect(described.state.note).toContain(deployedComponent.id);
    expect(described.action).toMatchObject({ type: 'startWorkflow', workflowType: WORKFLOW_TYPES.level9ReReview });

    // The first fire opens a re-review submitted by `system`; it waits for the owner's ethics
    // answers (rules edition 2), and the owner is asked for them.
    const opened = await eventually(async () => {
      const status = await component.query(statusQuery);
      expect(status.openReview).not.toBeNull();
      return status.openReview!;
    });
    expect(opened).toMatchObject({ reReview: true, submittedBy: 'system', level: 9, awaitingEthics: true });
    await eventually(async () => {
      expect(harness.sent.some((n) => n.kind === 'ethics-requested' && n.componentId === deployedComponent.id && n.to[0]?.email === OWNER.email)).toBe(true);
    });

    // Later fires while it is open are skipped and noted in history.
    const skipped = await eventually(async () => {
      const history = await component.query(historyQuery);
      const notes = history.filter((h) => h.what === 'reReviewDue' && h.outcome === 'refused');
      expect(notes.length).toBeGreaterThan(0);
      return notes[0];
    });
    expect(skipped.why).toMatch(/re-review skipped: review r1 is still open/);
    const fires = await eventually(async () => {
      const d = await schedule.describe();
      expect(d.info.recentActions.length).toBeGreaterThanOrEqual(2);
      return d.info.recentActions.length;
    });
    expect(fires).toBeGreaterThanOrEqual(2);

    // Operators see the same schedule, its cadence and its fires, through the CLI.
    const listed = await eventually(async () => {
      const run = await runCli(['schedules', '--json'], { taskQueue: harness.taskQueue });
      expect(run).toMatchObject({ code: 0, stderr: '' });
      const mine = (JSON.parse(run.stdout) as ReReviewSchedule[]).find((s) => s.projectId === definition.id);
      expect(mine?.recentFires.length).toBeGreaterThanOrEqual(2);
      return mine!;
    });
    expect(listed).toMatchObject({ componentId: deployedComponent.id, every: '2 seconds', paused: false });
    expect(listed.nextFires.length).toBeGreaterThan(0);
    const ref = `${definition.id}/${deployedComponent.id}`;
    expect(await runCli(['schedules', 'pause', ref, '--reason', 'incident 42'], { taskQueue: harness.taskQueue })).toMatchObject({ code: 0 });
    await eventually(async () => expect((await schedule.describe()).state).toMatchObject({ paused: true, note: 'incident 42' }));
    expect(await runCli(['schedules', 'unpause', ref], { taskQueue: harness.taskQueue })).toMatchObject({ code: 0 });
    await eventually(async () => expect((await schedule.describe()).state.paused).toBe(false));
    expect(await runCli(['schedules', 'trigger', 'not a ref'], { taskQueue: harness.taskQueue })).toMatchObject({ code: 2 });

    // The owner answers the checklist (from the CLI); then the panel is told, and its verdicts count.
    const ref9 = `${definition.id}/${deployedComponent.id}`;
    const answers = Object.entries(ETHICS).flatMap(([id, text]) => ['--answer', `${id}=${text}`]);
    expect(await runCli(['answer-ethics', ref9, '--by', OWNER.email, ...answers], { taskQueue: harness.taskQueue })).toMatchObject({ code: 0, stderr: '' });
    await eventually(async () => {
      expect(harness.sent.some((n) => n.kind === 'review-opened' && n.componentId === deployedComponent.id && n.reviewId === opened.id)).toBe(true);
    });

    // The panel keeps it: it stays at 9, and the next fire opens a new re-review.
    for (const role of opened.requiredRoles) {
      await component.executeUpdate(decideUpdate, { args: [{ reviewId: opened.id, reviewer: reviewer(role as never).email, verdict: 'approve' }] });
    }
    expect((await component.query(statusQuery)).level).toBe(9);
    await eventually(async () => {
      const status = await component.query(statusQuery);
      expect(status.openReview?.id).toBe('r2');
    });

    // Pausing the component pauses its schedule; resuming unpauses it.
    await component.executeUpdate(pauseUpdate, { args: [{ by: LEAD.email, reason: 'site maintenance' }] });
    await eventually(async () => expect((await schedule.describe()).state.paused).toBe(true));
    await component.executeUpdate(resumeUpdate, { args: [{ by: LEAD.email, reason: 'back online' }] });
    await eventually(async () => expect((await schedule.describe()).state.paused).toBe(false));

    // Retiring ends the component and deletes its schedule.
    await component.executeUpdate(retireUpdate, { args: [{ by: LEAD.email, reason: 'replaced by v2' }] });
    await eventually(async () => expect(await schedule.describe().then(() => 'exists', () => 'deleted')).toBe('deleted'));
    // The schedule is deleted as the workflow's last effect; the run completes right after it.
    await eventually(async () => expect((await component.describe()).status.name).toBe('COMPLETED'));
  });

  it("a triggered re-review waits for the owner's ethics answers: verdicts refused until then, status says so, the panel then sees the answers", async () => {
    const definition = project({ components: [deployedComponent], policy: { rereviewEvery: '90 days' } });
    await startProject(harness.client, harness.taskQueue, definition);
    const component = componentHandle(harness.client, definition.id, deployedComponent.id);
    const schedule = harness.client.schedule.getHandle(reReviewScheduleId(definition.id, deployedComponent.id));
    await eventually(() => schedule.describe());
    const ref = `${definition.id}/${deployedComponent.id}`;
    // An operator triggers the re-review now.
    expect(await runCli(['schedules', 'trigger', ref], { taskQueue: harness.taskQueue })).toMatchObject({ code: 0 });
    const opened = await eventually(async () => {
      const status = await component.query(statusQuery);
      expect(status.openReview?.awaitingEthics).toBe(true);
      return status.openReview!;
    });

    // A reviewer's verdict is refused with the reason; nothing is recorded.
    const early = await refused(() => component.executeUpdate(decideUpdate, { args: [{ reviewId: opened.id, reviewer: reviewer('qa').email, verdict: 'approve' }] }));
    expect(early.message).toContain(`review ${opened.id} is waiting for the owner's ethics answers`);
    expect((await component.query(statusQuery)).openReview?.answered).toEqual([]);
    // `mltrl status` shows what the re-review waits for.
    const shown = await runCli(['status', ref], { taskQueue: harness.taskQueue });
    expect(shown.stdout).toContain("waiting for the owner's ethics answers");
    expect(shown.stdout).toContain(`mltrl answer-ethics ${ref}`);
    // Only the owner or a project owner answers; every Level 9 item must be answered.
    const byReviewer = await refused(() => component.executeUpdate(answerEthicsUpdate, { args: [{ by: reviewer('qa').email, answers: ETHICS }] }));
    expect(byReviewer.message).toContain("by: only the component's owner or a project owner answers the ethics checklist");
    const partial = await refused(() => component.executeUpdate(answerEthicsUpdate, { args: [{ by: OWNER.email, answers: { harm: 'Limited' } }] }));
    expect(partial.message).toMatch(/answers: answer data-collection, bias, privacy/);
    const unknown = await refused(() => component.executeUpdate(answerEthicsUpdate, { args: [{ by: OWNER.email, answers: { ...ETHICS, mood: 'good' } }] }));
    expect(unknown.message).toContain("answers: mood is not on the project's ethics checklist");

    const answered = await component.executeUpdate(answerEthicsUpdate, { args: [{ by: LEAD.email, answers: ETHICS }] });
    expect(answered.openReview).toMatchObject({ id: opened.id, awaitingEthics: false });
    const asked = await eventually(async () => {
      const found = harness.sent.filter((n) => n.kind === 'review-opened' && n.projectId === definition.id && n.reviewId === opened.id);
      expect(found.length).toBeGreaterThan(0);
      return found;
    });
    expect(asked[0].ethics?.map((e) => e.id).sort()).toEqual(Object.keys(ETHICS).sort());
    const card = await component.query(cardQuery);
    expect(card.ethics.at(-1)).toMatchObject({ reviewId: opened.id, level: 9, by: LEAD.email, answers: ETHICS });
    for (const role of opened.requiredRoles) {
      await component.executeUpdate(decideUpdate, { args: [{ reviewId: opened.id, reviewer: reviewer(role as never).email, verdict: 'approve' }] });
    }
    expect(await component.query(statusQuery)).toMatchObject({ level: 9, openReview: null });
  });

  it('first fires one full interval after the component reaches Level 9, not at the next multiple of it', async () => {
    const definition = project({ components: [deployedComponent], policy: { rereviewEvery: '90 days' } });
    const before = Date.now();
    await startProject(harness.client, harness.taskQueue, definition);
    const schedule = harness.client.schedule.getHandle(reReviewScheduleId(definition.id, deployedComponent.id));
    const described = await eventually(() => schedule.describe());
    const firstFire = described.info.nextActionTimes[0].getTime();
    const ninetyDays = 90 * 86_400_000;
    expect(firstFire).toBeGreaterThanOrEqual(before + ninetyDays - 60_000);
    expect(firstFire).toBeLessThanOrEqual(Date.now() + ninetyDays + 60_000);
  });
});
