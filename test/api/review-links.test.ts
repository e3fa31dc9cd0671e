/**
 * Review links over real HTTP: the link from a received email opens the review page and takes a
 * verdict once; forged, tampered, expired and reused links and reviewers off the panel are refused
 * with a page that says why, and nothing changes.
 */
import { describe, expect, it } from 'vitest';
import { expectationsFor } from '../../machines/expectations.js';
import { cardQuery, historyQuery, statusQuery, updateCardUpdate } from '../../workflows/definitions.js';
import { OWNER, project, reviewer } from '../support/fixtures.js';
import { useReviewStack } from '../support/reviewStack.js';
import { decide, fillCard, startAndReach, submit } from '../workflow/steps.js';

const stack = useReviewStack();

const RL1 = reviewer('research-lead', 1).email;
/** A form post as the review page's browser sends it: with the page's own Origin. */
const form = (fields: Record<string, string>) => ({ method: 'POST', headers: { origin: stack().http.url }, body: new URLSearchParams(fields) });

/** A component at Level 0 with an open review, and the link emailed to `to`. */
async function openReview(to = RL1, overrides: Parameters<typeof project>[0] = {}) {
  const definition = project(overrides);
  const component = await startAndReach(stack().harness.client, stack().harness.taskQueue, definition);
  await fillCard(component);
  await component.executeUpdate(updateCardUpdate, {
    args: [{ by: OWNER.email, patch: { caveats: '<script>alert("x")</script> stains from site B', requirements: [{ id: 'R1.2', statement: 'Works on <b>both</b> sites', pFailure: 0.5, value: 8 }] } }],
  });
  const review = await submit(component);
  const [mail] = await stack().sink.waitFor((m) => m.to[0] === to && m.text.includes(`${definition.id}/anomaly-model`));
  return { definition, component, review, link: stack().linkIn(mail) };
}

describe('the review page behind an emailed link', () => {
  it('shows the card, the ethics answers and the risks, escaped; takes one approval; then refuses the spent link', async () => {
    const { component, review, link } = await openReview();

    const page = await fetch(link);
    expect(page.status).toBe(200);
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    const body = await page.text();
    expect(body).toContain(`Review ${review.id}: Anomaly detector`);
    expect(body).toContain(`You are answering as <strong>${RL1}</strong>`);
    expect(body).toContain('Was the data collected with consent'); // an ethics question, with its answer
    expect(body).toContain('Reviewed with the ethics board; no open concerns.');
    expect(body).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; stains from site B');
    expect(body).not.toContain('<script>');
    // Requirements by risk: R1.2 (risk 4, flagged) before R1.1 (risk 1).
    expect(body.indexOf('R1.2')).toBeLessThan(body.indexOf('R1.1'));
    expect(body).toContain('Works on &lt;b&gt;both&lt;/b&gt; sites');

    // The approve form states the level's code and data expectations and asks to confirm them.
    expect(body).toContain('What Level 0 expects of the code and the data');
    expect(body).toContain('Conclusions about data readiness');
    expect(body).toMatch(/<input type="checkbox" id="confirm" name="confirm" value="yes" required \/>/);
    const unconfirmed = await fetch(link, form({ verdict: 'approve', comment: 'Solid hypotheses.' }));
    expect(unconfirmed.status).toBe(400);
    const unconfirmedText = await unconfirmed.text();
    expect(unconfirmedText).toContain('confirm: tick the box to confirm the level&#39;s code caliber and data considerations, or request changes');
    expect(unconfirmedText).toContain('Solid hypotheses.'); // the comment is kept for the second try
    expect((await component.query(statusQuery)).openReview?.answered).toEqual([]);

    const result = await fetch(link, form({ verdict: 'approve', confirm: 'yes', comment: 'Solid hypotheses.' }));
    expect(result.status).toBe(200);
    const resultText = await result.text();
    expect(resultText).toContain('Thank you: your verdict is in');
    expect(resultText).toContain('is closed: <strong>approved</strong>');
    expect(resultText).toContain('Level 1 · Goal-oriented research');
    expect(await component.query(statusQuery)).toMatchObject({ level: 1, state: 'working', openReview: null });
    // The approved review records what the approval confirmed, and who confirmed it.
    expect((await component.query(cardQuery)).reviews.at(-1)).toMatchObject({
      id: review.id,
      outcome: 'approved',
      confirmed: { level: 0, codeCaliber: 'none', dataConsiderations: expectationsFor(0).dataConsiderations, by: [RL1] },
    });

    // The same link again: spent, whether opened or posted.
    const again = await fetch(link);
    expect(again.status).toBe(409);
    const spent = await again.text();
    expect(spent).toContain('This review is closed');
    expect(spent).toContain('(approved), so this link is spent. Your verdict was <strong>approve</strong>.');
    const repost = await fetch(link, form({ verdict: 'approve', confirm: 'yes' }));
    expect(repost.status).toBe(409);
    expect((await component.query(statusQuery)).level).toBe(1);
  });

  it('says "already answered" while the review waits on others, and never counts the link twice', async () => {
    const { component, review, link } = await openReview(RL1, { policy: { approvalsPerRole: 2 } });
    const first = await fetch(link, form({ verdict: 'approve', confirm: 'yes' }));
    expect(first.status).toBe(200);
    expect(await first.text()).toContain('The review stays open');

    const again = await fetch(link, form({ verdict: 'approve', confirm: 'yes' }));
    expect(again.status).toBe(409);
    expect(await again.text()).toContain('You have already answered this review');
    const status = await component.query(statusQuery);
    expect(status.openReview).toMatchObject({ id: review.id, answered: [{ reviewer: RL1, verdict: 'approve' }] });
  });

  it('refuses forged, tampered and expired links with a page that says so', async () => {
    const { definition, component, review, link } = await openReview();
    const token = link.slice(link.lastIndexOf('/') + 1);
    const [header, payload, signature] = token.split('.');
    const base = link.slice(0, link.lastIndexOf('/') + 1);

    const forged = await fetch(`${base}${header}.${payload}.${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`);
    expect(forged.status).toBe(403);
    expect(await forged.text()).toContain('This review link is not valid');

    // Someone edits the reviewer in the payload and keeps the signature.
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const tampered = Buffer.from(JSON.stringify({ ...claims, sub: reviewer('research-lead', 2).email })).toString('base64url');
    const tamperedPage = await fetch(`${base}${header}.${tampered}.${signature}`, form({ verdict: 'approve', confirm: 'yes' }));
    expect(tamperedPage.status).toBe(403);

    const garbage = await fetch(`${base}not-a-token`);
    expect(garbage.status).toBe(403);

    const expiredToken = await stack().links.sign({ kind: 'review', reviewer: RL1, projectId: definition.id, componentId: 'anomaly-model', reviewId: review.id, expiresAt: Date.now() - 1_000 });
    const expired = await fetch(`${base}${expiredToken}`, form({ verdict: 'approve', confirm: 'yes' }));
    expect(expired.status).toBe(410);
    expect(await expired.text()).toContain('This review link has expired');

    // A person token is not a review link.
    const personal = await fetch(`${base}${await stack().links.personToken(RL1)}`);
    expect(personal.status).toBe(403);

    expect(await component.query(statusQuery)).toMatchObject({ level: 0, openReview: { id: review.id, answered: [] } });
  });

  it("refuses a validly signed link for someone who may not judge this review (the owner, someone off the panel)", async () => {
    const { definition, component, review } = await openReview();
    for (const who of [OWNER.email, reviewer('qa', 1).email]) {
      const { url } = await stack().links.reviewUrl({ reviewer: who, projectId: definition.id, componentId: 'anomaly-model', reviewId: review.id });
      const refused = await fetch(url, form({ verdict: 'approve', confirm: 'yes' }));
      expect(refused.status).toBe(403);
      const text = await refused.text();
      expect(text).toContain('Your verdict was refused');
      expect(text).toContain('Nothing was recorded');
    }
    expect(await component.query(statusQuery)).toMatchObject({ level: 0, openReview: { id: review.id, answered: [] } });
  });

  it('takes a request for changes as a task list, and a switchback with a level and a reason', async () => {
    const empty = await openReview();
    // What a verdict must carry is a rule of the workflow's `accept`: the page shows its refusal.
    const missing = await fetch(empty.link, form({ verdict: 'request-changes', tasks: '  \n ' }));
    expect(missing.status).toBe(403);
    expect(await missing.text()).toContain('tasks: request-changes needs at least one task');

    const changes = await fetch(empty.link, form({ verdict: 'request-changes', tasks: '- Add a third site\n- Report stain statistics\n' }));
    expect(changes.status).toBe(200);
    expect(await changes.text()).toContain('is closed: <strong>changes-requested</strong>');
    // The verdict is recorded; effects (the emails still going out) may record their own entries after it.
    const history = await empty.component.query(historyQuery);
    expect(history.filter((h) => h.what === 'decide')).toEqual([expect.objectContaining({ who: RL1, outcome: 'accepted' })]);

    // Climb to Level 1, then send it back to 0 from the page.
    const { definition, component, review } = await openReview(reviewer('research-lead', 2).email);
    await decide(component, review.id, RL1);
    const next = await submit(component);
    const [mail] = await stack().sink.waitFor((m) => m.to[0] === RL1 && m.text.includes(`${definition.id}/anomaly-model approve --review ${next.id}`));
    const link = stack().linkIn(mail);
    const page = await (await fetch(link)).text();
    expect(page).toContain('<option value="0">Level 0 · First principles</option>');
    const noReason = await fetch(link, form({ verdict: 'switchback', targetLevel: '0', reason: '' }));
    expect(noReason.status).toBe(400);
    const back = await fetch(link, form({ verdict: 'switchback', targetLevel: '0', reason: 'The hypothesis does not hold on site B' }));
    expect(back.status).toBe(200);
    expect(await component.query(statusQuery)).toMatchObject({ level: 0, state: 'working', switchbacks: 1 });
  });
});
