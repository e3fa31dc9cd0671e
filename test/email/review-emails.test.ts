/**
 * The emails reviewers and owners receive, through the real notify activity, nodemailer and an
 * SMTP server on loopback: who gets what, what it says, and the link that answers it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmailNotifier } from '../../activities/email.js';
import { levelDefinition } from '../../machines/levels.js';
import { createLinks } from '../../src/http/core/links.js';
import { smtpTransport } from '../../src/runtime/mail.js';
import { LEAD, OWNER, project, reviewer } from '../support/fixtures.js';
import { startHarness, type Harness } from '../support/harness.js';
import { roundsDueBy, whenDone } from '../support/notifications.js';
import { startSmtpSink, type ReceivedMail, type SmtpSink } from '../support/smtpSink.js';
import { decide, fillCard, startAndReach, submit } from '../workflow/steps.js';
import { historyQuery, updateCardUpdate } from '../../workflows/definitions.js';

const SECRET = 'test-secret-for-review-links-0123456789';
const PUBLIC_URL = 'http://127.0.0.1:9';
const FROM = 'mltrl <reviews@lab.example>';
const links = createLinks({ secret: SECRET, publicUrl: PUBLIC_URL, ttlMs: 60 * 60_000 });

let sink: SmtpSink;
let harness: Harness;
beforeAll(async () => {
  sink = await startSmtpSink();
  harness = await startHarness({ notifier: createEmailNotifier({ transport: smtpTransport(sink.url), from: FROM, links }) });
});
afterAll(async () => {
  await harness?.stop();
  await sink?.stop();
});

const RL1 = reviewer('research-lead', 1);
const RL2 = reviewer('research-lead', 2);
/** A risk of 0.5 × 8 = 4, over the default threshold of 3, and no mitigation yet. */
const FLAGGED = { id: 'R1.2', statement: 'Stain variation across sites does not hide anomalies', pFailure: 0.5, value: 8 };

const about = (projectId: string) => (mail: ReceivedMail) => mail.text.includes(`${projectId}/anomaly-model`);
const reviewLink = (mail: ReceivedMail) => /http:\/\/127\.0\.0\.1:9\/review\/(\S+)/.exec(mail.text)?.[1];

describe('review emails over SMTP', () => {
  it('sends each panelist one email with the level, its meaning, the proposal, the risks, their own link and the CLI line', async () => {
    const definition = project();
    const component = await startAndReach(harness.client, harness.taskQueue, definition);
    await fillCard(component);
    await component.executeUpdate(updateCardUpdate, { args: [{ by: OWNER.email, patch: { requirements: [FLAGGED] } }] });
    const review = await submit(component, 'graduate');

    // Once the component records the notification as done every email of it is in; a duplicate
    // would have arrived before that.
    await whenDone(component, 'notifyReviewOpened');
    const mails = sink.received.filter(about(definition.id));
    expect(mails.map((m) => m.to).sort()).toEqual([[RL1.email], [RL2.email]]);
    expect(new Set(mails.map((m) => m.messageId)).size).toBe(2);

    const level0 = levelDefinition(0);
    for (const mail of mails) {
      const [recipient] = mail.to;
      expect(mail.from).toBe('reviews@lab.example');
      expect(mail.subject).toBe(`Review requested: Anomaly detector, Level 0 (First principles) — Neuropathology copilot`);
      expect(mail.text).toContain(`Hello research-lead ${recipient === RL1.email ? 1 : 2},`);
      expect(mail.text).toContain(`Level 0 (First principles): ${level0.meaning}`);
      expect(mail.text).toContain('Proposal: graduate');
      expect(mail.text).toMatch(/R1\.2 {2}risk 4 \[FLAGGED, no mitigation yet\] {2}Stain variation/);
      expect(mail.text).toContain(`npx mltrl review ${definition.id}/anomaly-model approve --review ${review.id} --as ${recipient}`);

      // The link is this reviewer's own: signed for them, this review and this component.
      const token = reviewLink(mail);
      expect(token).toBeDefined();
      const verified = await links.verify(token!);
      expect(verified).toMatchObject({
        ok: true,
        grant: { kind: 'review', reviewer: recipient, projectId: definition.id, componentId: 'anomaly-model', reviewId: review.id },
      });
      expect(mail.html).toContain(`href="${PUBLIC_URL}/review/${token}"`);
      expect(mail.html).toContain('Stain variation across sites does not hide anomalies');
    }
    expect(reviewLink(mails[0])).not.toBe(reviewLink(mails[1]));
  });

  it('reminds only panelists who have not answered, escalates to the project owners, and tells the owner the outcome', async () => {
    const definition = project({ policy: { approvalsPerRole: 2, remindEvery: '2 seconds', escalateAfter: '4 seconds' } });
    const component = await startAndReach(harness.client, harness.taskQueue, definition);
    await fillCard(component);
    const review = await submit(component);
    await decide(component, review.id, RL1.email);
    // A round that fell due before RL1's answer was recorded may still remind them (a loaded machine
    // can take that long to answer an update); on a quick machine none does.
    const answered = (await component.query(historyQuery)).find((h) => h.what === 'decide' && h.who === RL1.email)!;
    const remindedBeforeAnswer = roundsDueBy(Date.parse(review.nextReminder), Date.parse(answered.at), 2_000);

    const mine = about(definition.id);
    const isReminder = (m: ReceivedMail) => mine(m) && m.subject.startsWith('Reminder:');
    const reminders = await sink.waitFor((m) => isReminder(m) && m.to[0] === RL2.email);
    expect(reminders[0].to).toEqual([RL2.email]);
    expect(reminders[0].subject).toBe(`Reminder: review ${review.id} of Anomaly detector is waiting for you — Neuropathology copilot`);
    expect(reviewLink(reminders[0])).toBeDefined();

    const [escalation] = await sink.waitFor((m) => mine(m) && m.subject.startsWith('Escalation:'));
    expect(escalation.to).toEqual([LEAD.email]);
    expect(escalation.text).toContain(`Still waiting on:\n  ${RL2.name} <${RL2.email}>`);
    expect(escalation.text).toContain(`${PUBLIC_URL}/projects/${definition.id}/components/anomaly-model`);
    // Owners are not reviewers: no review link for them.
    expect(reviewLink(escalation)).toBeUndefined();

    await decide(component, review.id, RL2.email, 'request-changes', { tasks: ['Add a third site', 'Report stain statistics'] });
    const [closed] = await sink.waitFor((m) => mine(m) && m.subject.includes('closed'), 1);
    expect(closed.to).toEqual([OWNER.email]);
    expect(closed.subject).toBe(`Review ${review.id} of Anomaly detector closed: changes requested — Neuropathology copilot`);
    expect(closed.text).toContain('Tasks from the panel:\n  - Add a third site\n  - Report stain statistics');

    // The owner resubmits, resolving each task (rules edition 2): the panel reads how, and the ethics answers.
    const again = await submit(component, 'graduate', LEAD.email, {
      t1: { status: 'done', note: 'Site C added to the held-out set' },
      t2: { status: 'carried', note: 'Needs the pilot data' },
    });
    const asked = await sink.waitFor((m) => mine(m) && m.subject.startsWith('Review requested:') && m.text.includes(`review ${again.id}`), 2);
    expect(asked.map((m) => m.to[0]).sort()).toEqual([RL1.email, RL2.email]);
    for (const mail of asked) {
      expect(mail.text).toContain(
        'Requested changes and how they were resolved:\n  t1 (Level 0) Add a third site — done: Site C added to the held-out set\n  t2 (Level 0) Report stain statistics — carried forward: Needs the pilot data',
      );
      expect(mail.text).toContain('Ethics answers for this review:');
      expect(mail.html).toContain('<strong>t2</strong> (Level 0) Report stain statistics — <strong>carried forward</strong>: Needs the pilot data');
    }

    // Every reminder went to the one reviewer still waiting, never to the one who had answered.
    const allReminders = sink.received.filter(isReminder);
    expect(allReminders.every((m) => m.to.length === 1)).toBe(true);
    expect(allReminders.filter((m) => m.to[0] === RL1.email).length).toBeLessThanOrEqual(remindedBeforeAnswer);
  });
});
