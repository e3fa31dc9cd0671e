import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { levelDefinition } from '../../machines/levels.js';
import { call, componentHandle, projectHandle, startProject } from '../../src/runtime/client.js';
import {
  reReviewScheduleId,
  cardQuery,
  decideUpdate,
  historyQuery,
  projectStatusQuery,
  statusQuery,
  submitUpdate,
  updateCardUpdate,
} from '../../workflows/definitions.js';
import { ETHICS, FULL_CARD, LEAD, OWNER, project, reviewer } from '../support/fixtures.js';
import { eventually, startHarness, type Harness } from '../support/harness.js';
import { merged, wholeMessages } from '../support/notifications.js';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness?.stop();
});

describe('a component climbing from Level 0 to 9 on a real Temporal server', () => {
  it('rises one level per quorum of approvals and ends deployed with a re-review schedule', async () => {
    const definition = project({ policy: { approvalsPerRole: 2 } });
    await startProject(harness.client, harness.taskQueue, definition);
    const component = componentHandle(harness.client, definition.id, 'anomaly-model');
    await eventually(() => component.query(statusQuery));
    await component.executeUpdate(updateCardUpdate, { args: [{ by: OWNER.email, patch: FULL_CARD }] });

    for (let level = 0; level < 9; level++) {
      const proposal = levelDefinition(level).proposals[0];
      const opened = await component.executeUpdate(submitUpdate, { args: [{ by: LEAD.email, proposal, ethics: ETHICS }] });
      expect(opened.state).toBe('in-review');
      const review = opened.openReview!;
      for (const role of review.requiredRoles) {
        for (const n of [1, 2] as const) {
          await component.executeUpdate(decideUpdate, {
            args: [{ reviewId: review.id, reviewer: reviewer(role as never, n).email, verdict: 'approve' }],
          });
        }
      }
      const status = await component.query(statusQuery);
      expect(status.level).toBe(level + 1);
      expect(status.state).toBe('working');
    }

    const card = await component.query(cardQuery);
    expect(card.timeline.map((t) => t.to)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const history = await component.query(historyQuery);
    expect(history.filter((h) => h.what === 'decide' && h.outcome === 'accepted').length).toBeGreaterThan(9);

    // Every review opened emailed its panel (minus owner and submitter), and the schedule exists.
    // The last review closed while its emails may still be going out: wait for all nine, whole.
    const opened = await eventually(async () => {
      const whole = await wholeMessages(component, 'review-opened', () => harness.sent.filter((n) => n.kind === 'review-opened' && n.projectId === definition.id));
      expect(whole).toHaveLength(9);
      return whole;
    });
    for (const message of opened) {
      expect(message.to.length).toBeGreaterThan(0);
      expect(message.to.map((p) => p.email)).not.toContain(LEAD.email);
      expect(message.to.map((p) => p.email)).not.toContain(OWNER.email);
    }
    expect(merged(harness.sent.filter((n) => n.kind === 'review-opened' && n.projectId === definition.id))).toHaveLength(9);
    await eventually(async () => {
      const described = await harness.client.schedule.getHandle(reReviewScheduleId(definition.id, 'anomaly-model')).describe();
      expect(described.state.paused).toBe(false);
    });

    const projectStatus = await eventually(async () => {
      const s = await projectHandle(harness.client, definition.id).query(projectStatusQuery);
      expect(s.systemLevel).toBe(9);
      return s;
    });
    expect(projectStatus.components[0]).toMatchObject({ componentId: 'anomaly-model', level: 9, state: 'working' });

    // The component upserts its search attributes as it reports; wait for the last report's.
    await eventually(async () => {
      const described = await call(() => component.describe());
      expect(described.typedSearchAttributes.getAll().map((p) => [p.key.name, p.value])).toEqual(
        expect.arrayContaining([
          ['MltrlLevel', 9],
          ['MltrlPhase', 'deployment'],
          ['MltrlState', 'working'],
          ['MltrlProject', definition.id],
        ]),
      );
    });
  });
});
