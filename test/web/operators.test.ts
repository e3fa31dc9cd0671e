/**
 * The operators' page through the real local OpenID provider and the real engine: an operator
 * (MLTRL_OPERATORS) signs in with Chromium, triggers a Level 9 re-review and sees it open on the
 * component's page (waiting for the owner's ethics answers); pauses the schedule with a reason and
 * sees it paused with the note, as Temporal records it; unpauses it. A project's owner steers only
 * their own project's schedules; anyone else is refused, sees no button, and changes nothing; a
 * form posted from another site is refused.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { componentHandle, startProject } from '../../src/runtime/client.js';
import { reReviewScheduleId, statusQuery } from '../../workflows/definitions.js';
import { launchBrowser, type Browser } from '../support/browser.js';
import { LEAD, OWNER, project } from '../support/fixtures.js';
import { eventually } from '../support/harness.js';
import { CookieJar, follow, signInAtProvider, useSignInStack, visit } from '../support/signInStack.js';
import { startSourceComponent } from '../support/sources.js';
import { listReReviewSchedules } from '../../src/portfolio/schedules.js';

const OPERATOR = { email: 'olga.ops@lab.example', name: 'Olga Operator' };
const stack = useSignInStack(
  [
    { ...OPERATOR, note: 'operator' },
    { ...LEAD, note: 'project owner' },
    { ...OWNER, note: 'component owner' },
  ],
  { operators: [OPERATOR.email] },
);

const COMPONENT = 'meteor-detector';
let definition: ReturnType<typeof project>;
let otherProjectId: string;
let browser: Browser;

/** A project whose one component is deployed (Level 9), so it has a re-review schedule that will not fire by itself during the test. */
async function deployedProject(owners = [LEAD]) {
  const source = await startSourceComponent(stack().harness.client, stack().harness.taskQueue);
  const started = project({
    owners,
    components: [{ id: COMPONENT, name: 'Meteor detector', kind: 'model', entryLevel: 9, owner: OWNER, provenance: { kind: 'adopted', projectId: source.projectId, componentId: source.componentId, level: 9 } }],
    policy: { rereviewEvery: '30 days' },
  });
  await startProject(stack().harness.client, stack().harness.taskQueue, started);
  // Listed once Temporal's visibility store has it (it lags behind the schedule's creation under load).
  await eventually(async () => expect((await listReReviewSchedules(stack().harness.client, { taskQueue: stack().harness.taskQueue })).map((s) => s.scheduleId)).toContain(reReviewScheduleId(started.id, COMPONENT)));
  return started;
}

beforeAll(async () => {
  browser = await launchBrowser();
  definition = await deployedProject();
  otherProjectId = (await deployedProject([{ name: 'Someone Else', email: 'else@lab.example' }])).id;
});
afterAll(async () => {
  await browser?.close();
});

async function signInWithBrowser(page: Page, email: string, path: string): Promise<void> {
  await Promise.all([page.waitForURL(`${stack().provider.issuer}/interaction/**`), page.goto(`${stack().http.url}${path}`)]);
  await Promise.all([page.waitForURL(`${stack().http.url}${path}`), page.getByRole('button', { name: new RegExp(email) }).click()]);
}

const describeSchedule = (projectId: string) => stack().harness.client.schedule.getHandle(reReviewScheduleId(projectId, COMPONENT)).describe();

describe("the operators' page", () => {
  it('lets an operator trigger a re-review, see it open, pause the schedule with a reason and unpause it', async () => {
    const page = await browser.context.newPage();
    await signInWithBrowser(page, OPERATOR.email, '/operators');
    expect(await page.locator('header.site').getByRole('link', { name: 'Re-reviews' }).getAttribute('href')).toBe('/operators');
    const row = () => page.locator(`tr[data-component="${definition.id}/${COMPONENT}"]`);
    const rowText = await row().innerText();
    expect(rowText).toContain('30 days');
    expect(rowText).toContain('never fired');
    expect(rowText).toContain('running');
    expect(rowText).toContain('no review open');
    // An operator sees every project's schedules, not only those of projects they own.
    expect(await page.locator(`tr[data-component="${otherProjectId}/${COMPONENT}"]`).count()).toBe(1);

    await Promise.all([page.waitForURL(/\/operators\?done=trigger/), row().getByRole('button', { name: 'Trigger a re-review now' }).click()]);
    expect(await page.getByRole('status').first().innerText()).toContain(`${reReviewScheduleId(definition.id, COMPONENT)}: fired now`);

    // The component's page shows the re-review open, waiting for the owner's ethics answers (rules of today), without a reload.
    await row().getByRole('link', { name: `${definition.id}/${COMPONENT}` }).click();
    await expect.poll(() => page.locator('#review').locator('..').innerText(), { timeout: 30_000 }).toContain("Waiting for the owner's ethics answers");
    expect(await page.locator('#review').locator('..').innerText()).toContain('(scheduled re-review), submitted by system');
    const status = await componentHandle(stack().harness.client, definition.id, COMPONENT).query(statusQuery);
    expect(status.openReview).toMatchObject({ reReview: true, awaitingEthics: true, level: 9, submittedBy: 'system' });

    // Back on the operators' page: the fire is listed, the component shows its open re-review.
    await page.goto(`${stack().http.url}/operators`);
    expect(await row().innerText()).not.toContain('never fired');
    expect(await row().innerText()).toContain(`Re-review ${status.openReview!.id} open: waiting for the owner's ethics answers`);

    await row().getByLabel('Reason for pausing').fill('Incident 4711: upstream data feed down');
    await Promise.all([page.waitForURL(/\/operators\?done=pause/), row().getByRole('button', { name: 'Pause' }).click()]);
    const paused = await row().innerText();
    expect(paused).toContain('paused');
    expect(paused).toContain(`Incident 4711: upstream data feed down (paused by ${OPERATOR.email})`);
    expect(paused).toContain('none while paused');
    // The same Schedule the Temporal UI shows: paused, with the operator's note.
    expect((await describeSchedule(definition.id)).state).toMatchObject({ paused: true, note: `Incident 4711: upstream data feed down (paused by ${OPERATOR.email})` });

    await Promise.all([page.waitForURL(/\/operators\?done=unpause/), row().getByRole('button', { name: 'Unpause' }).click()]);
    expect(await row().innerText()).toContain('running');
    expect((await describeSchedule(definition.id)).state).toMatchObject({ paused: false, note: `unpause by ${OPERATOR.email} from the web app` });
    await page.close();
  });

  it('refuses a pause without a reason, naming the field', async () => {
    const jar = new CookieJar();
    await follow(jar, (await signInAtProvider(jar, stack(), OPERATOR.email, '/operators')).callback);
    const answer = await visit(jar, `${stack().http.url}/operators/${definition.id}/${COMPONENT}/pause`, { method: 'POST', body: 'reason=++', origin: stack().http.url });
    expect(answer.status).toBe(400);
    expect(await answer.text()).toContain('pause: reason: must say why the schedule is paused');
    expect((await describeSchedule(definition.id)).state.paused).toBe(false);
  });

  it("lets a project's owner steer only their own project's schedules", async () => {
    const jar = new CookieJar();
    await follow(jar, (await signInAtProvider(jar, stack(), LEAD.email, '/operators')).callback);
    const listing = await visit(jar, `${stack().http.url}/operators`);
    expect(listing.status).toBe(200);
    const body = await listing.text();
    expect(body).toContain(`data-component="${definition.id}/${COMPONENT}"`);
    expect(body).not.toContain(`data-component="${otherProjectId}/${COMPONENT}"`);
    const refused = await visit(jar, `${stack().http.url}/operators/${otherProjectId}/${COMPONENT}/pause`, { method: 'POST', body: 'reason=mine+now', origin: stack().http.url });
    expect(refused.status).toBe(403);
    expect((await describeSchedule(otherProjectId)).state.paused).toBe(false);
  });

  it('refuses anyone else: 403, no buttons, nothing changed', async () => {
    const page = await browser.context.newPage();
    await browser.context.clearCookies();
    await signInWithBrowser(page, OWNER.email, '/me');
    const response = await page.goto(`${stack().http.url}/operators`);
    expect(response?.status()).toBe(403);
    expect(await page.locator('main').innerText()).toContain(`${OWNER.email} may not see or steer the re-review schedules`);
    expect(await page.getByRole('button', { name: /Trigger|Pause|Unpause/ }).count()).toBe(0);
    expect(await page.locator('header.site').getByRole('link', { name: 'Re-reviews' }).count()).toBe(0);
    await page.close();

    const jar = new CookieJar();
    await follow(jar, (await signInAtProvider(jar, stack(), OWNER.email, '/me')).callback);
    const before = (await describeSchedule(otherProjectId)).info.recentActions.length;
    const trigger = await visit(jar, `${stack().http.url}/operators/${otherProjectId}/${COMPONENT}/trigger`, { method: 'POST', body: '', origin: stack().http.url });
    expect(trigger.status).toBe(403);
    expect((await describeSchedule(otherProjectId)).info.recentActions.length).toBe(before);

    // Signed out: nothing at all; from another site: the origin check refuses even an operator's cookie.
    const nobody = await visit(new CookieJar(), `${stack().http.url}/operators/${otherProjectId}/${COMPONENT}/trigger`, { method: 'POST', body: '', origin: stack().http.url });
    expect(nobody.status).toBe(401);
    const operator = new CookieJar();
    await follow(operator, (await signInAtProvider(operator, stack(), OPERATOR.email, '/operators')).callback);
    const crossSite = await visit(operator, `${stack().http.url}/operators/${otherProjectId}/${COMPONENT}/trigger`, { method: 'POST', body: '', origin: 'https://attacker.example' });
    expect(crossSite.status).toBe(403);
    expect((await describeSchedule(otherProjectId)).info.recentActions.length).toBe(before);
  });
});
