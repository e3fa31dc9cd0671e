/**
 * What each kind of token may do, over real HTTP against the real dev server: a review link reads
 * its own component and answers its own review, and is refused (403, the API's error shape) on
 * everything else — starting projects, listing, submitting, switching back, another review, another
 * component — with nothing changed. A person token opened as a review link is refused too.
 */
import { describe, expect, it } from 'vitest';
import { historyQuery, statusQuery, type ComponentStatus, type ReviewState } from '../../workflows/definitions.js';
import { ETHICS, LEAD, OWNER, project, reviewer } from '../support/fixtures.js';
import { useReviewStack } from '../support/reviewStack.js';
import { fillCard, startAndReach, submit } from '../workflow/steps.js';

const stack = useReviewStack();

const RL1 = reviewer('research-lead', 1).email;
type ErrorBody = { error: { kind: string; message: string } };

async function api<T>(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; json: T }> {
  const response = await fetch(`${stack().http.url}/api${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, json: (await response.json()) as T };
}

const SECOND = { id: 'data-pipeline', name: 'Slide pipeline', kind: 'data-pipeline' as const, entryLevel: 0, owner: OWNER };

/** A project of two components, the first with an open review, and RL1's link for it. */
async function reviewedProject() {
  const definition = project();
  definition.components = [...definition.components, SECOND];
  const component = await startAndReach(stack().harness.client, stack().harness.taskQueue, definition);
  await fillCard(component);
  const review = await submit(component);
  const { url } = await stack().links.reviewUrl({ reviewer: RL1, projectId: definition.id, componentId: 'anomaly-model', reviewId: review.id });
  return { definition, component, review, token: url.slice(url.lastIndexOf('/') + 1) };
}

function expectForbidden(response: { status: number; json: unknown }, mentions: RegExp) {
  expect(response.status).toBe(403);
  const { error } = response.json as ErrorBody;
  expect(Object.keys(response.json as object)).toEqual(['error']);
  expect(error.kind).toBe('forbidden');
  expect(error.message).toMatch(/^authorization: /);
  expect(error.message).toMatch(mentions);
}

describe('a review link acts on its own review only', () => {
  it('is refused 403 on every route that needs a person, and on other reviews and components; nothing changes', async () => {
    const { definition, component, review, token } = await reviewedProject();
    const base = `/projects/${definition.id}/components/anomaly-model`;
    // What the refused requests would have recorded: anything by the link's reviewer, another submit or a switchback.
    const acted = async () => (await component.query(historyQuery)).filter((e) => e.who === RL1 || e.what === 'submit' || e.what === 'switchback').map((e) => `${e.who} ${e.what}`);
    const actedBefore = await acted();

    // Starting a project the link's reviewer would own: refused for the kind of token, not the owners list.
    const own = project({ owners: [{ name: 'Rita', email: RL1 }] });
    expectForbidden(await api('POST', '/projects', token, own), /needs a person token/);
    expect(await stack().harness.client.workflow.getHandle(`project/${own.id}`).describe().then(() => 'started', () => 'absent')).toBe('absent');

    expectForbidden(await api('GET', '/projects', token), /needs a person token/);
    expectForbidden(await api('GET', `/projects/${definition.id}`, token), /needs a person token/);
    expectForbidden(await api('GET', `/projects/${definition.id}/components`, token), /needs a person token/);
    // The project's risk matrix spans its other components too.
    expectForbidden(await api('GET', `/projects/${definition.id}/risks`, token), /needs a person token/);
    expectForbidden(await api('POST', `${base}/submit`, token, { ethics: ETHICS }), /needs a person token/);
    expectForbidden(await api('POST', `${base}/switchbacks`, token, { targetLevel: 0, reason: 'seen enough' }), /needs a person token/);

    // Another component of the same project: neither read nor answered.
    const other = `/projects/${definition.id}/components/${SECOND.id}`;
    for (const path of [other, `${other}/card`, `${other}/history`]) expectForbidden(await api('GET', path, token), /covers review r\d+ of .*\/anomaly-model only/);
    expectForbidden(await api('POST', `${other}/verdicts`, token, { verdict: 'approve' }), /covers review/);
    // Another review of its own component.
    expectForbidden(await api('POST', `${base}/verdicts`, token, { reviewId: 'r99', verdict: 'approve' }), new RegExp(`answers review ${review.id} of .* only`));

    expect(await component.query(statusQuery)).toMatchObject({ level: 0, state: 'in-review', openReview: { id: review.id, answered: [] } });
    expect(await acted()).toEqual(actedBefore);

    // What it may do: read its own component, then answer its own review.
    expect((await api<ComponentStatus>('GET', base, token)).json).toMatchObject({ componentId: 'anomaly-model', openReview: { id: review.id } });
    expect((await api<{ summary: { techName: string } }>('GET', `${base}/card`, token)).json.summary.techName).toBe('Anomaly detector');
    expect((await api<unknown[]>('GET', `${base}/history`, token)).status).toBe(200);
    const answered = await api<ReviewState>('POST', `${base}/verdicts`, token, { verdict: 'approve' });
    expect(answered).toMatchObject({ status: 200, json: { reviewId: review.id, acknowledged: 'counted', outcome: 'approved', level: 1 } });
  });

  it('person tokens do what the person may; a person token is not a review link', async () => {
    const { definition, review } = await reviewedProject();
    const base = `/projects/${definition.id}/components/anomaly-model`;
    const lead = await stack().links.personToken(LEAD.email);
    expect((await api('GET', '/projects', lead)).status).toBe(200);
    expect((await api('GET', `${base}/history`, lead)).status).toBe(200);
    expect((await api('GET', `/projects/${definition.id}/components/${SECOND.id}`, lead)).status).toBe(200);
    // The workflow's own rules still decide: the lead is not on the level's panel.
    const notPanel = await api<ErrorBody>('POST', `${base}/verdicts`, lead, { reviewId: review.id, verdict: 'approve' });
    expect(notPanel.status).toBe(409);
    expect(notPanel.json.error.kind).toBe('refused');

    const page = await fetch(`${stack().http.url}/review/${lead}`);
    expect(page.status).toBe(403);
    expect(await page.text()).toContain('This is not a review link');
  });
});
