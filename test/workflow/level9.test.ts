/**
 * Level 9 operations on the real dev server: the re-review schedule fires at its cadence and each
 * fire reaches the component; a fire while a re-review is open is skipped and noted; pausing the
 * component pauses the schedule; retiring deletes it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { componentHandle, startProject } from '../../src/runtime/client.js';
import { WORKFLOW_TYPES, decideUpdate, historyQuery, pauseUpdate, reReviewScheduleId, resumeUpdate, retireUpdate, statusQuery } from '../../workflows/definitions.js';
import type { ReReviewSchedule } from '../../src/portfolio/schedules.js';
import { runCli } from '../support/cli.js';
import { LEAD, OWNER, project, reviewer } from '../support/fixtures.js';
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

    // The first fire opens a re-review submitted by `system`; the panel is told.
    const opened = await eventually(async () => {
      const status = await component.query(statusQuery);
      expect(status.openReview).not.toBeNull();
      return status.openReview!;
    });
    expect(opened).toMatchObject({ reReview: true, submittedBy: 'system', level: 9 });
    await eventually(async () => {
      expect(harness.sent.some((n) => n.kind === 'review-opened' && n.componentId === deployedComponent.id)).toBe(true);
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
