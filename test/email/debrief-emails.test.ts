/**
 * Rules edition 2 over SMTP, through the real deliver activity and nodemailer: the review-opened
 * email states the level's code and data expectations; a graduation asks the owner for the stage
 * debrief of the level completed, reminders follow every `remindEvery`, and they stop once the
 * debrief is on the card. Waits for state (mails received, effects recorded), never for time.
 */
import { describe, expect, it } from 'vitest';
import { expectationsFor } from '../../machines/expectations.js';
import { historyQuery, statusQuery, updateCardUpdate } from '../../workflows/definitions.js';
import { OWNER, project } from '../support/fixtures.js';
import { eventually } from '../support/harness.js';
import { MAIL_PUBLIC_URL, useMailHarness } from '../support/mailHarness.js';
import type { ReceivedMail } from '../support/smtpSink.js';
import { approveAll, fillCard, startAndReach, submit } from '../workflow/steps.js';

const mail = useMailHarness();

const about = (projectId: string) => (mail: ReceivedMail) => mail.text.includes(`${projectId}/anomaly-model`);

describe('code and data expectations, and stage debriefs, by email', () => {
  it('asks the owner for the debrief after a graduation, reminds until it is written, then stops', async () => {
    const definition = project({ policy: { remindEvery: '2 seconds', escalateAfter: '1 hour' } });
    const mine = about(definition.id);
    const component = await startAndReach(mail.harness.client, mail.harness.taskQueue, definition);
    await fillCard(component);
    const review = await submit(component);

    // The panel's email states what Level 0 expects, and that approving confirms it.
    const [opened] = await mail.sink.waitFor((m) => mine(m) && m.subject.startsWith('Review requested:'));
    expect(opened.text).toContain("What Level 0 expects (approving confirms it; if you cannot, request changes):");
    expect(opened.text).toContain(`  Code: ${expectationsFor(0).codeCaliberMeaning}`);
    for (const line of expectationsFor(0).dataConsiderations) expect(opened.text).toContain(`    - ${line}`);
    expect(opened.html).toContain('Approving confirms that the component meets these; if it does not, request changes.');

    await approveAll(component, review);
    const [asked] = await mail.sink.waitFor((m) => mine(m) && m.subject.startsWith('Debrief requested:'));
    expect(asked.to).toEqual([OWNER.email]);
    expect(asked.subject).toBe('Debrief requested: Anomaly detector graduated from Level 0 (First principles) — Neuropathology copilot');
    expect(asked.text).toContain(`graduated from Level 0 (First principles) with review ${review.id}`);
    expect(asked.text).toContain('  - what was done, and by whom\n  - what was punted\n  - what was learned\n  - the technical debt taken on (or paid)');
    expect(asked.text).toContain(`npx mltrl card update ${definition.id}/anomaly-model --by ${OWNER.email} --patch '{"debriefs":[{"level":0,"done":"…"`);
    expect(asked.text).toContain(`${MAIL_PUBLIC_URL}/projects/${definition.id}/components/anomaly-model`);

    // Reminders every 2 seconds while it is owed; `mltrl status` shows it.
    const reminded = await mail.sink.waitFor((m) => mine(m) && m.subject.startsWith('Reminder: the Level 0 (First principles) debrief'), 2);
    expect(reminded.every((m) => m.to.length === 1 && m.to[0] === OWNER.email)).toBe(true);
    expect((await component.query(statusQuery)).debriefsOwed).toEqual([expect.objectContaining({ level: 0, reviewId: review.id })]);

    await component.executeUpdate(updateCardUpdate, {
      args: [{ by: OWNER.email, patch: { debriefs: [{ level: 0, done: 'Hypotheses and data readiness stated', punted: 'Stain study', learned: 'Site B differs', debt: 'None' }] } }],
    });
    expect((await component.query(statusQuery)).debriefsOwed).toEqual([]);
    const written = (await component.query(historyQuery)).findIndex((h) => h.what === 'updateCard' && h.why === 'keys debriefs');
    expect(written).toBeGreaterThan(0);

    // The next review's panel is reminded every 2 seconds too: two rounds of it span two debrief
    // periods, in which no further debrief reminder may go out (one sent as the debrief was being
    // written may still be recorded after it: the loop has at most one delivery in flight).
    const next = await submit(component);
    expect(next.level).toBe(1);
    const after = await eventually(async () => {
      const since = (await component.query(historyQuery)).slice(written + 1);
      const panelReminders = since.filter((h) => h.what === 'notifyReminder' && h.outcome === 'done' && h.why?.startsWith(next.id));
      if (panelReminders.length < 2) throw new Error(`${panelReminders.length} reminders of ${next.id} so far`);
      return since;
    });
    expect(after.filter((h) => h.what === 'notifyDebriefReminder').length).toBeLessThanOrEqual(1);
    expect((await component.query(statusQuery)).debriefsOwed).toEqual([]);
  });
});
