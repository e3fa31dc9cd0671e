/**
 * The ethics checklist at every review, re-reviews included (rules edition 2): a Level 9 re-review
 * asks the owner first, reminds the owner while the answers are missing, refuses the panel's
 * verdicts until they are in, then asks the panel with its clock starting then. Edition 1's
 * re-reviews go to the panel at once, as before.
 */
import { describe, expect, it } from 'vitest';
import { accept } from '../../machines/accept.js';
import { componentStatus } from '../../machines/status.js';
import { DAY, email, ethicsAnswers, expectUnchanged, OWNER, PROJECT_OWNER, reasonsOf, start, STRANGER, type Lifecycle } from './helpers.js';

const PANEL = (['product', 'applied-ai', 'qa'] as const).flatMap((role) => [1, 2, 3].map((n) => email(role, n))).sort();

/** A component at Level 9 whose re-review has just opened. */
function reReviewOpened(options: { rulesEdition?: number } = {}): Lifecycle {
  const c = start({ entryLevel: 7, ...options }).climbTo(9);
  return c.accept({ type: 'REREVIEW_DUE', scheduledAt: new Date(c.now).toISOString() });
}


describe('a re-review waits for the owner\'s ethics answers', () => {
  it('opens waiting, and asks the owner (not the panel) for the Level 9 checklist', () => {
    const c = reReviewOpened();
    expect(c.state).toBe('inReview');
    expect(c.review).toMatchObject({ level: 9, submittedBy: 'system', reReview: true, awaitingEthics: true, ethics: {} });
    expect(c.effects.filter((e) => e.type.startsWith('notify'))).toEqual([{ type: 'notifyEthicsRequested', reviewId: c.reviewId, level: 9, to: [OWNER] }]);
    expect(componentStatus(c.snapshot.value, c.context).openReview).toMatchObject({ awaitingEthics: true });
  });

  it("refuses the panel's verdicts until the answers are in, saying why", () => {
    const c = reReviewOpened();
    expectUnchanged(c, () => c.approve(email('qa', 1)));
    expect(c.lastRefusals).toEqual([`reviewId: review ${c.reviewId} is waiting for the owner's ethics answers; verdicts count once they are in, and the panel is emailed then`]);
    expectUnchanged(c, () => c.verdict(email('qa', 1), 'switchback', { targetLevel: 7, comment: 'drift' }));
    expect(c.lastRefusals[0]).toMatch(/waiting for the owner's ethics answers/);
  });

  it('reminds the owner while the answers are missing; escalation to the project owners names the owner', () => {
    const c = reReviewOpened();
    c.tick(2 * DAY + 1);
    // Debrief reminders for the climb to 9 fall due too; the review's own reminder goes to the owner alone.
    expect(c.effects.filter((e) => !e.type.startsWith('notifyDebrief'))).toEqual([{ type: 'notifyEthicsReminder', reviewId: c.reviewId, level: 9, to: [OWNER] }]);
    c.tick(5 * DAY);
    expect(c.emitted('notifyEscalation')).toEqual([{ type: 'notifyEscalation', reviewId: c.reviewId, level: 9, to: [PROJECT_OWNER], waiting: [OWNER] }]);
    expect(c.emitted('notifyReminder')).toEqual([]);
  });

  it('takes answers from the owner or a project owner only, for every Level 9 item', () => {
    const c = reReviewOpened();
    for (const by of [email('qa', 1), STRANGER]) {
      expectUnchanged(c, () => c.send({ type: 'ANSWER_ETHICS', by, answers: ethicsAnswers(c.context) }));
      expect(c.lastRefusals).toEqual(["by: only the component's owner or a project owner answers the ethics checklist"]);
    }
    const partial = { ...ethicsAnswers(c.context), harm: '  ' };
    expectUnchanged(c, () => c.send({ type: 'ANSWER_ETHICS', by: OWNER.email, answers: partial }));
    expect(c.lastRefusals).toEqual(['answers: answer harm']);
    // An id not on the checklist is refused where it enters.
    const entry = accept(c.snapshot, { type: 'ANSWER_ETHICS', at: c.now + 1, by: OWNER.email, answers: { ...ethicsAnswers(c.context), mood: 'fine' } }, {});
    expect(reasonsOf(entry)).toEqual([expect.stringMatching(/^answers: mood is not on the project's ethics checklist/)]);
    c.answerEthics(PROJECT_OWNER.email);
    expect(c.review).toMatchObject({ awaitingEthics: false, ethics: ethicsAnswers(c.context) });
  });

  it('once answered: stored like a submit\'s, the panel is asked, its clock starts then, and its verdicts count', () => {
    const c = reReviewOpened();
    c.tick(8 * DAY);
    expect(c.review?.escalated).toBe(true);
    const reviewId = c.reviewId;
    c.answerEthics();
    const at = c.now;
    expect(c.context.ethicsAnswers.at(-1)).toEqual({ reviewId, level: 9, by: OWNER.email, at, answers: ethicsAnswers(c.context) });
    const [opened] = c.emitted('notifyReviewOpened');
    expect(opened?.to.map((p) => p.email).sort()).toEqual(PANEL);
    expect(c.review).toMatchObject({ nextReminderAt: at + 2 * DAY, escalateAt: at + 7 * DAY, escalated: false });
    // Reminders now go to the panel's waiting reviewers.
    c.approve(email('qa', 1));
    c.tick(2 * DAY);
    const [reminder] = c.emitted('notifyReminder');
    expect(reminder?.to.map((p) => p.email)).not.toContain(email('qa', 1));
    expect(reminder?.to).toHaveLength(PANEL.length - 1);
    c.approveAll();
    expect(c.lastClosed).toMatchObject({ id: reviewId, outcome: 'approved', reReview: true });
    // Answers are asked once per re-review.
    expectUnchanged(c, () => c.send({ type: 'ANSWER_ETHICS', by: OWNER.email, answers: ethicsAnswers(c.context) }));
    expect(c.lastRefusals).toEqual(['no review is waiting for ethics answers']);
  });

  it('a submitted Level 9 review is not held: its answers came with the submit', () => {
    const c = start({ entryLevel: 9 }).fillGate().submit();
    expect(c.review?.awaitingEthics).toBeUndefined();
    expect(c.emitted('notifyReviewOpened')).toHaveLength(1);
    expectUnchanged(c, () => c.send({ type: 'ANSWER_ETHICS', by: OWNER.email, answers: ethicsAnswers(c.context) }));
    expect(c.lastRefusals).toEqual([`review ${c.reviewId} is not waiting for ethics answers`]);
  });
});

describe('rules edition 1 is unchanged', () => {
  it('a re-review goes to the panel at once, takes verdicts, and asks no answers', () => {
    const c = reReviewOpened({ rulesEdition: 1 });
    expect(c.review?.awaitingEthics).toBeUndefined();
    expect(c.emitted('notifyReviewOpened')[0]?.to.map((p) => p.email).sort()).toEqual(PANEL);
    expectUnchanged(c, () => c.send({ type: 'ANSWER_ETHICS', by: OWNER.email, answers: ethicsAnswers(c.context) }));
    expect(c.lastRefusals).toEqual([`review ${c.reviewId} is not waiting for ethics answers`]);
    c.tick(2 * DAY + 1);
    expect(c.emitted('notifyReminder')[0]?.to).toHaveLength(PANEL.length);
    c.approveAll();
    expect(c.lastClosed).toMatchObject({ outcome: 'approved', reReview: true });
  });
});
