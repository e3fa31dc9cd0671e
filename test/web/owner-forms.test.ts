/**
 * The signed-in person's own forms in Chromium, through the real local OpenID provider and the real
 * engine: the tokens page (a token made, shown once, working against the API and listed by the same
 * registry the API lists), adding a component and editing the roster as a project's owner, each
 * form's errors beside their fields, and each page usable at 390 px with the keyboard alone.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { componentHandle, projectHandle, startProject } from '../../src/runtime/client.js';
import { projectRosterQuery, projectStatusQuery, statusQuery } from '../../workflows/definitions.js';
import { launchPeople, type People } from '../support/browser.js';
import { LEAD, OWNER, project, reviewer } from '../support/fixtures.js';
import { useSignInStack } from '../support/signInStack.js';

const stack = useSignInStack([{ ...LEAD, note: 'project owner' }], { tokens: true });
const definition = project();
const url = (path: string) => `${stack().http.url}${path}`;

let people: People;
let lead: Page;
beforeAll(async () => {
  people = await launchPeople();
  await startProject(stack().harness.client, stack().harness.taskQueue, definition);
  lead = await people.newPerson();
  await lead.goto(url('/'));
  await Promise.all([lead.waitForURL(`${stack().provider.issuer}/interaction/**`), lead.locator('header.site').getByRole('link', { name: 'Sign in' }).click()]);
  await Promise.all([lead.waitForURL(url('/')), lead.getByRole('button', { name: new RegExp(LEAD.email) }).click()]);
});
afterAll(async () => {
  await people?.close();
});

/** Let the server's validation speak: the browser would otherwise stop a blank required field itself. */
const serverValidation = (page: Page) => page.evaluate("document.querySelectorAll('form').forEach((f) => { f.noValidate = true; })");

/** The ids (or the text of buttons) the Tab key reaches in `main`, in order, until it leaves the page. */
async function tabOrder(page: Page): Promise<string[]> {
  // A fresh load: Tab then starts at the top of the page, not after whatever had focus last.
  await page.reload();
  const seen: string[] = [];
  for (let presses = 0; presses < 60; presses++) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate<string>(
      "(() => { const e = document.activeElement; if (!e || !e.closest('main')) return ''; return e.id ? '#' + e.id : (e.textContent ?? '').trim(); })()",
    );
    if (focused) seen.push(focused);
  }
  return seen;
}

/** Every field of the page's forms has a label (its own, or an aria-label), and the field reached with Tab shows an outline. */
async function checkLabelsAndFocus(page: Page, fieldId: string): Promise<void> {
  const unlabelled = await page.evaluate<string[]>(
    "[...document.querySelectorAll('main input:not([type=hidden]), main select, main textarea')].filter((e) => e.labels.length === 0 && !e.getAttribute('aria-label')).map((e) => e.outerHTML)",
  );
  expect(unlabelled).toEqual([]);
  await page.reload();
  for (let presses = 0; presses < 40 && (await page.evaluate<string>("'#' + (document.activeElement?.id ?? '')")) !== fieldId; presses++) await page.keyboard.press('Tab');
  expect(await page.evaluate<string>("'#' + (document.activeElement?.id ?? '')")).toBe(fieldId);
  expect(await page.evaluate<string>('getComputedStyle(document.activeElement).outlineStyle')).toBe('solid');
}

/** Nothing wider than a phone: tables and commands scroll inside their own boxes. */
const pageWidth = (page: Page) => page.evaluate<number>('document.documentElement.scrollWidth');

describe('the tokens page', () => {
  it('makes a token shown once with how to use it, lists it by name and dates, and says what is wrong beside the field', async () => {
    await lead.goto(url('/'));
    await lead.locator('header.site').getByRole('link', { name: 'API tokens' }).click();
    expect(await lead.locator('h1').innerText()).toBe('Your API tokens');
    expect(await lead.locator('main').innerText()).toContain('You have no live tokens.');

    // Blank name, and a lifetime the registry does not take: each said under its field, nothing made.
    await serverValidation(lead);
    await lead.evaluate("document.querySelector('#f-validFor').options[0].value = '2 years'");
    await lead.getByLabel('Lifetime').selectOption({ index: 0 });
    await lead.getByRole('button', { name: 'Make the token' }).click();
    await expect.poll(() => lead.locator('#f-name-error').innerText()).toContain('must name the token');
    expect(await lead.locator('#f-validFor-error').innerText()).toContain('must be at most 366 days');
    expect(await lead.getByLabel('Name').getAttribute('aria-invalid')).toBe('true');
    expect(await lead.locator('[role=alert]').innerText()).toContain('No token was made');

    await lead.getByLabel('Name').fill('laptop CLI');
    await lead.getByLabel('Lifetime').selectOption('7 days');
    await lead.getByRole('button', { name: 'Make the token' }).click();
    await expect.poll(() => lead.locator('#made').innerText()).toBe('Your new token: laptop CLI');
    const token = await lead.getByRole('textbox', { name: 'Token' }).inputValue();
    const commands = await lead.locator('pre.command').allInnerTexts();
    expect(commands[0]).toContain(`export MLTRL_API_URL=${stack().http.url}\n`);
    expect(commands[0]).toContain(`export MLTRL_API_TOKEN=${token}`);
    expect(commands[1]).toContain(`curl -H "Authorization: Bearer $MLTRL_API_TOKEN" ${stack().http.url}/api/me`);

    // The token acts as the person through the API, whose list is the same registry's.
    const me = await fetch(url('/api/me'), { headers: { authorization: `Bearer ${token}` } });
    expect(await me.json()).toEqual({ email: LEAD.email });
    const listed = (await (await fetch(url('/api/tokens'), { headers: { authorization: `Bearer ${token}` } })).json()) as { tokens: { name: string; expiresAt: string; createdAt: string }[] };
    expect(listed.tokens.map((t) => t.name)).toEqual(['laptop CLI']);
    const { createdAt, expiresAt } = listed.tokens[0];
    expect(Date.parse(expiresAt) - Date.parse(createdAt)).toBe(7 * 86_400_000);

    // Listed by name and dates; never shown again.
    await lead.goto(url('/tokens'));
    const row = lead.locator('main table tbody tr');
    expect(await row.count()).toBe(1);
    expect(await row.innerText()).toContain('laptop CLI');
    expect(await row.innerText()).toContain(`${expiresAt.slice(0, 16).replace('T', ' ')} UTC`);
    expect(await lead.content()).not.toContain(token);

    // Signed out: asked to sign in, nothing listed.
    const nobody = await fetch(url('/tokens'));
    expect(nobody.status).toBe(401);

    await lead.setViewportSize({ width: 390, height: 844 });
    await lead.goto(url('/tokens'));
    expect(await pageWidth(lead)).toBeLessThanOrEqual(390);
    await checkLabelsAndFocus(lead, '#f-name');
    const order = await tabOrder(lead);
    expect(order.indexOf('#f-name')).toBeGreaterThanOrEqual(0);
    expect(order.indexOf('#f-validFor')).toBeGreaterThan(order.indexOf('#f-name'));
    expect(order.indexOf('Make the token')).toBeGreaterThan(order.indexOf('#f-validFor'));
    await lead.setViewportSize({ width: 1280, height: 900 });
  });
});

describe("a project's owner", () => {
  it('adds a component from the project page, with each mistake said beside its field first', async () => {
    await lead.goto(url(`/projects/${definition.id}`));
    await lead.getByRole('link', { name: 'Add a component' }).click();
    expect(await lead.locator('h1').innerText()).toBe(`Add a component to ${definition.name}`);
    // The owner is the person signed in, unless they say otherwise.
    expect(await lead.getByLabel('Email').inputValue()).toBe(LEAD.email);

    await serverValidation(lead);
    await lead.getByLabel('Component id').fill('Slide Pipeline');
    await lead.getByLabel('Email').fill('not-an-email');
    await lead.getByRole('combobox', { name: 'Level', exact: true }).selectOption('5');
    await lead.getByRole('button', { name: 'Add the component' }).click();
    await expect.poll(() => lead.locator('#f-id-error').innerText()).toContain('must be a lower-case slug');
    expect(await lead.locator('#f-owner-email-error').innerText()).toContain('must be an email address');
    expect(await lead.locator('#f-target-date-error').innerText()).toContain('is required');
    expect(await lead.getByLabel('Component id').getAttribute('aria-invalid')).toBe('true');
    expect(await lead.getByLabel('Component id').inputValue()).toBe('Slide Pipeline');

    // An id the project already has: the project workflow's refusal, beside the id.
    await serverValidation(lead);
    await lead.getByLabel('Component id').fill('anomaly-model');
    await lead.getByLabel('Email').fill(OWNER.email);
    await lead.getByLabel('Name', { exact: true }).first().fill('Slide pipeline');
    await lead.getByRole('combobox', { name: 'Level', exact: true }).selectOption('');
    await lead.getByRole('button', { name: 'Add the component' }).click();
    await expect.poll(() => lead.locator('#f-id-error').innerText()).toContain(`component anomaly-model already exists in project ${definition.id}`);
    expect((await projectHandle(stack().harness.client, definition.id).query(projectStatusQuery)).components.map((c) => c.componentId)).toEqual(['anomaly-model']);

    await lead.getByLabel('Component id').fill('slide-pipeline');
    await lead.getByLabel('Kind').selectOption('data-pipeline');
    await lead.getByLabel('Entry level').selectOption('1');
    await lead.getByLabel('Anomaly detector (anomaly-model)').check();
    await Promise.all([lead.waitForURL(url(`/projects/${definition.id}/components/slide-pipeline`)), lead.getByRole('button', { name: 'Add the component' }).click()]);
    expect(await componentHandle(stack().harness.client, definition.id, 'slide-pipeline').query(statusQuery)).toMatchObject({ level: 1, kind: 'data-pipeline', state: 'working', owner: { email: OWNER.email } });
    const summary = (await projectHandle(stack().harness.client, definition.id).query(projectStatusQuery)).components.find((c) => c.componentId === 'slide-pipeline');
    expect(summary).toMatchObject({ dependsOn: ['anomaly-model'], owner: OWNER.email });

    await lead.setViewportSize({ width: 390, height: 844 });
    await lead.goto(url(`/projects/${definition.id}/add-component`));
    expect(await pageWidth(lead)).toBeLessThanOrEqual(390);
    await checkLabelsAndFocus(lead, '#f-id');
    const order = await tabOrder(lead);
    const fields = ['#f-id', '#f-name', '#f-kind', '#f-entryLevel', '#f-owner-name', '#f-owner-email', '#f-target-level', '#f-target-date', 'Add the component'].map((f) => order.indexOf(f));
    expect(fields.every((at) => at >= 0)).toBe(true);
    expect(fields).toEqual([...fields].sort((a, b) => a - b));
    await lead.setViewportSize({ width: 1280, height: 900 });
  });

  it('adds and removes reviewers on the roster form; a stale page changes nothing', async () => {
    const roster = () => projectHandle(stack().harness.client, definition.id).query(projectRosterQuery);
    await lead.goto(url(`/projects/${definition.id}`));
    await lead.getByRole('link', { name: 'Edit the roster' }).click();
    const ethics = lead.locator('section[data-role="ethics"]');
    expect(await ethics.innerText()).toContain(reviewer('ethics', 2).email);

    // Mistakes beside their fields: a bad email, then someone already in the role.
    await serverValidation(lead);
    await lead.getByLabel('Role').selectOption('ethics');
    await lead.getByLabel('Name').fill('Eve Ethics');
    await lead.getByLabel('Email').fill('eve at lab');
    await lead.getByRole('button', { name: 'Add to the roster' }).click();
    await expect.poll(() => lead.locator('#f-email-error').innerText()).toContain('must be an email address');
    await lead.getByLabel('Email').fill(reviewer('ethics', 1).email.toUpperCase());
    await lead.getByRole('button', { name: 'Add to the roster' }).click();
    await expect.poll(() => lead.locator('#f-email-error').innerText()).toContain(`${reviewer('ethics', 1).email} is already on the roster as ethics`);
    expect((await roster()).ethics).toHaveLength(2);

    await lead.getByLabel('Email').fill('eve@lab.example');
    await Promise.all([lead.waitForURL(/\/roster\?done=added/), lead.getByRole('button', { name: 'Add to the roster' }).click()]);
    expect((await roster()).ethics?.map((p) => p.email)).toEqual([reviewer('ethics', 1).email, reviewer('ethics', 2).email, 'eve@lab.example']);
    await Promise.all([lead.waitForURL(/\/roster\?done=removed/), ethics.getByRole('button', { name: `Remove ${reviewer('ethics', 2).name} (${reviewer('ethics', 2).email}) from ethics` }).click()]);
    expect((await roster()).ethics?.map((p) => p.email)).toEqual([reviewer('ethics', 1).email, 'eve@lab.example']);

    // Two tabs: one removes a reviewer, the other (drawn before) adds one: refused as stale, nothing changed.
    const other = await lead.context().newPage();
    await other.goto(url(`/projects/${definition.id}/roster`));
    await lead.reload();
    await other.locator('section[data-role="qa"]').getByRole('button', { name: new RegExp(`Remove .*${reviewer('qa', 1).email}`) }).click();
    await expect.poll(async () => (await roster()).qa?.length).toBe(1);
    await lead.getByLabel('Role').selectOption('qa');
    await lead.getByLabel('Name').fill('Quinn QA');
    await lead.getByLabel('Email').fill('quinn@lab.example');
    await lead.getByRole('button', { name: 'Add to the roster' }).click();
    await expect.poll(() => lead.locator('[role=alert]').innerText()).toContain('the roster changed since this page was drawn');
    expect((await roster()).qa?.map((p) => p.email)).toEqual([reviewer('qa', 2).email]);
    // The page shows the roster as it is now, and keeps what was typed for the next try.
    expect(await lead.locator('section[data-role="qa"]').innerText()).not.toContain(reviewer('qa', 1).email);
    expect(await lead.getByLabel('Email').inputValue()).toBe('quinn@lab.example');
    await other.close();

    await lead.setViewportSize({ width: 390, height: 844 });
    await lead.goto(url(`/projects/${definition.id}/roster`));
    expect(await pageWidth(lead)).toBeLessThanOrEqual(390);
    await checkLabelsAndFocus(lead, '#f-role');
    const order = await tabOrder(lead);
    const fields = ['#f-role', '#f-name', '#f-email', 'Add to the roster', 'Remove'].map((f) => order.indexOf(f));
    expect(fields.every((at) => at >= 0)).toBe(true);
    expect(fields).toEqual([...fields].sort((a, b) => a - b));
  });
});
