/**
 * Running a project from the browser as the signed-in person, through the real local OpenID
 * provider and the real engine: a team lead starts a project from a pasted file (and sees a bad one's
 * errors beside their field paths), fills the card, and submits it for review; someone not on the
 * project sees none of the forms, and is refused by the rules when they post anyway.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ETHICS_CHECKLIST } from '../../machines/ethics.js';
import { statusQuery } from '../../workflows/definitions.js';
import { componentHandle } from '../../src/runtime/client.js';
import { launchBrowser, type Browser } from '../support/browser.js';
import { LEAD, project } from '../support/fixtures.js';
import { CookieJar, follow, signInAtProvider, useSignInStack, visit } from '../support/signInStack.js';

const OUTSIDER = { email: 'outsider@elsewhere.example', name: 'Oscar Outsider' };
const stack = useSignInStack([{ ...LEAD, note: 'project owner' }, OUTSIDER]);
// The lead owns the component too: the page's forms are theirs.
const definition = project({ components: [{ id: 'anomaly-model', name: 'Anomaly detector', kind: 'model', entryLevel: 0, owner: LEAD }] });
const componentUrl = () => `${stack().http.url}/projects/${definition.id}/components/anomaly-model`;

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

describe('a project from the browser', () => {
  it('a team lead signs in, starts a project from a pasted file, fills the card and submits it for review', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${stack().http.url}/projects/new`);
    expect(await page.locator('h1').textContent()).toBe('Sign in first');
    await Promise.all([page.waitForURL(`${stack().provider.issuer}/interaction/**`), page.getByRole('main').getByRole('link', { name: 'Sign in' }).click()]);
    await Promise.all([page.waitForURL(`${stack().http.url}/projects/new`), page.getByRole('button', { name: new RegExp(LEAD.email) }).click()]);

    // A bad file: each problem is listed under the field, by its path in the file.
    const bad = { ...definition, owners: [{ name: 'Lee Lead', email: 'not-an-email' }], components: [{ ...definition.components[0], entryLevel: 12 }] };
    await page.getByLabel('Project file (JSON)').fill(JSON.stringify(bad, null, 2));
    await page.getByRole('button', { name: 'Start the project' }).click();
    await expect.poll(() => page.locator('#project-errors').innerText()).toContain('owners[0].email');
    expect(await page.locator('#project-errors').innerText()).toContain('components[0].entryLevel');
    expect(await page.getByLabel('Project file (JSON)').getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByLabel('Project file (JSON)').inputValue()).toContain('not-an-email');

    // A file the lead does not own is refused, as the API refuses it.
    await page.getByLabel('Project file (JSON)').fill(JSON.stringify({ ...definition, owners: [OUTSIDER] }));
    await page.getByRole('button', { name: 'Start the project' }).click();
    await expect.poll(() => page.locator('#project-errors').innerText()).toContain(`${LEAD.email} is not among the project's owners`);

    await page.getByLabel('Project file (JSON)').fill(JSON.stringify(definition, null, 2));
    await Promise.all([page.waitForURL(`${stack().http.url}/projects/${definition.id}`), page.getByRole('button', { name: 'Start the project' }).click()]);
    const handle = componentHandle(stack().harness.client, definition.id, 'anomaly-model');
    await expect.poll(() => handle.query(statusQuery).then((s) => s.level, () => -1)).toBe(0);

    // The card editor, from the component's page: Level 0's deliverables, and a requirement.
    await page.goto(componentUrl());
    await page.getByRole('link', { name: 'Edit the card' }).click();
    await page.getByLabel('Hypotheses').fill('Unsupervised anomaly detection finds rare pathologies.');
    await page.getByLabel('Literature').fill('Reviewed 40 papers.');
    await page.getByLabel('Data readiness').fill('Level C: raw slides, sparse labels.');
    await page.locator('#f-requirements-0-id').fill('R1.1');
    await page.locator('#f-requirements-0-pFailure').fill('3');
    // The browser itself stops a pFailure over 1 (min/max); with that off, the server's schema says it beside the field.
    await page.evaluate("document.querySelector('form.editor').noValidate = true");
    await page.getByRole('button', { name: 'Save the card' }).click();
    // Out of range: said under the field, and nothing saved.
    await expect.poll(() => page.locator('#f-requirements-0-pFailure-error').innerText()).toContain('must be 0 to 1');
    expect((await handle.query(statusQuery)).cardRevision).toBe(0);
    await page.locator('#f-requirements-0-pFailure').fill('0.2');
    await page.locator('#f-requirements-0-value').fill('5');
    await page.locator('#f-requirements-0-statement').fill('Detect anomalies at AUROC >= 0.85');
    await Promise.all([page.waitForURL(componentUrl()), page.getByRole('button', { name: 'Save the card' }).click()]);
    const filled = await handle.query(statusQuery);
    expect(filled.cardRevision).toBe(1);
    expect(filled.gate.missingDeliverables).toEqual([]);

    // Submit: the gate is clear; the ethics checklist is answered on the form.
    await page.getByRole('link', { name: 'Submit Level 0 for review' }).click();
    expect(await page.locator('#gate').locator('..').innerText()).toContain('Every deliverable of Level 0 is on the card');
    const items = DEFAULT_ETHICS_CHECKLIST.filter((item) => item.stage === 'pre-development');
    // One left empty: the browser asks for it (required), and the rules would refuse it.
    for (const item of items) await page.locator(`#f-ethics-${item.id}`).fill('Reviewed with the ethics board.');
    await Promise.all([page.waitForURL(componentUrl()), page.getByRole('button', { name: 'Submit for review' }).click()]);
    const submitted = await handle.query(statusQuery);
    expect(submitted.state).toBe('in-review');
    expect(submitted.openReview?.submittedBy).toBe(LEAD.email);
    expect(await page.locator('#review').locator('..').innerText()).toContain(`submitted by ${LEAD.email}`);
    // In review, the lead may still pause or switch back, but no longer submit.
    expect(await page.getByRole('link', { name: /Submit Level/ }).count()).toBe(0);
    expect(await page.getByRole('heading', { name: 'Pause' }).count()).toBe(1);

    await page.goto(`${componentUrl()}/history`);
    expect(await page.locator('table').innerText()).toMatch(/submit\s+accepted/);
    await page.close();
  });

  it('someone not on the project sees no forms, and is refused by the rules when they post anyway', async () => {
    const jar = new CookieJar();
    const { callback } = await signInAtProvider(jar, stack(), OUTSIDER.email, `/projects/${definition.id}/components/anomaly-model`);
    const landed = await follow(jar, callback);
    expect(landed.response.status).toBe(200);
    const body = await landed.response.text();
    expect(body).toContain(OUTSIDER.name);
    expect(body).not.toContain('What you can do');
    expect(body).not.toContain('/edit"');

    const before = await componentHandle(stack().harness.client, definition.id, 'anomaly-model').query(statusQuery);
    const origin = stack().http.url;
    const edit = await visit(jar, `${componentUrl()}/edit`);
    expect(edit.status).toBe(403);
    const pause = await visit(jar, `${componentUrl()}/actions/pause`, { method: 'POST', body: 'reason=because', origin });
    expect(pause.status).toBe(403);
    expect(await pause.text()).toContain("only the component&#39;s owner or a project owner may pause it");
    const card = await visit(jar, `${componentUrl()}/edit`, { method: 'POST', body: 'techName=Hijacked', origin });
    expect(card.status).toBe(403);
    expect(await card.text()).toContain(`${OUTSIDER.email} is not an owner or on the roster of this project`);
    const start = await visit(jar, `${stack().http.url}/projects/new`, { method: 'POST', body: new URLSearchParams({ project: JSON.stringify({ ...definition, id: `${definition.id}-x` }) }).toString(), origin });
    expect(start.status).toBe(403);
    // From another site, even signed in: refused before any rule is asked.
    const crossSite = await visit(jar, `${componentUrl()}/actions/pause`, { method: 'POST', body: 'reason=because', origin: 'https://evil.example' });
    expect(crossSite.status).toBe(403);
    // Not signed in at all: asked to sign in.
    expect((await visit(new CookieJar(), `${componentUrl()}/actions/pause`, { method: 'POST', body: 'reason=x', origin })).status).toBe(401);

    const after = await componentHandle(stack().harness.client, definition.id, 'anomaly-model').query(statusQuery);
    expect(after).toMatchObject({ state: before.state, cardRevision: before.cardRevision, level: before.level });
  });
});
