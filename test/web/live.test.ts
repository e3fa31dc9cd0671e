/**
 * Live pages in Chromium against the real engine: a component's page and its project's page, open
 * in tabs, show the new level once the panel's verdicts are given through the JSON API, without a
 * reload (the window keeps what a script left on it). The pages load one script, from this server,
 * under a Content Security Policy with no inline script; nobody listening means nothing is streamed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { Role } from '../../machines/levels.js';
import { createApp, listen } from '../../src/http/server.js';
import { freePort } from '../../src/local/temporalServer.js';
import { launchBrowser, type Browser } from '../support/browser.js';
import { project, reviewer } from '../support/fixtures.js';
import { useReviewStack } from '../support/reviewStack.js';
import { fillCard, startAndReach, submit } from '../workflow/steps.js';

const stack = useReviewStack();
let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

/** What a browser does when its tab goes out of sight or comes back (headless tabs never leave view). */
async function setHidden(page: Page, hidden: boolean): Promise<void> {
  await page.evaluate(`
    Object.defineProperty(document, 'hidden', { value: ${hidden}, configurable: true });
    Object.defineProperty(document, 'visibilityState', { value: '${hidden ? 'hidden' : 'visible'}', configurable: true });
    document.dispatchEvent(new Event('visibilitychange'));
  `);
}

/** A verdict from one reviewer through the JSON API. */
async function approve(projectId: string, reviewId: string, role: string): Promise<void> {
  const answer = await fetch(`${stack().http.url}/api/projects/${projectId}/components/anomaly-model/verdicts`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await stack().links.personToken(reviewer(role as Role, 1).email)}`, 'content-type': 'application/json' },
    body: JSON.stringify({ reviewId, verdict: 'approve' }),
  });
  expect(answer.status).toBe(200);
}

describe('live pages', () => {
  it("show a verdict land on the component's and the project's page without a reload", async () => {
    const definition = project();
    const component = await startAndReach(stack().harness.client, stack().harness.taskQueue, definition);
    await fillCard(component);
    const review = await submit(component);
    const componentUrl = `${stack().http.url}/projects/${definition.id}/components/anomaly-model`;

    const componentPage = await browser.context.newPage();
    const response = await componentPage.goto(componentUrl);
    const csp = response!.headers()['content-security-policy'] ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(await componentPage.locator('script:not([src])').count()).toBe(0);
    expect(await componentPage.locator('script[src="/assets/live.js"]').count()).toBe(1);
    expect(await componentPage.locator('main').getAttribute('data-live')).toBe(`/projects/${definition.id}/components/anomaly-model/live`);
    const badge = () => componentPage.locator('main h1 + p').innerText();
    expect(await badge()).toContain('Level 0');
    expect(await componentPage.locator('#review').locator('..').innerText()).toContain(`Review ${review.id} of Level 0`);

    const projectPage = await browser.context.newPage();
    await projectPage.goto(`${stack().http.url}/projects/${definition.id}`);
    const row = () => projectPage.locator(`tr[data-component="${definition.id}/anomaly-model"]`).innerText();
    expect(await row()).toContain('Level 0');
    // A reload would drop this: it stays only if the pages update in place.
    for (const page of [componentPage, projectPage]) await page.evaluate('window.stayed = true');

    // The panel approves through the JSON API, each reviewer with their own token.
    for (const role of review.requiredRoles) {
      const email = reviewer(role as Role, 1).email;
      const answer = await fetch(`${stack().http.url}/api/projects/${definition.id}/components/anomaly-model/verdicts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await stack().links.personToken(email)}`, 'content-type': 'application/json' },
        body: JSON.stringify({ reviewId: review.id, verdict: 'approve' }),
      });
      expect(answer.status).toBe(200);
    }

    await expect.poll(badge).toContain('Level 1');
    expect(await componentPage.locator('#review').locator('..').innerText()).toContain('No review is open.');
    expect(await componentPage.getByRole('status').first().innerText()).toMatch(/^Updated at /);
    await expect.poll(row).toContain('Level 1');
    for (const page of [componentPage, projectPage]) expect(await page.evaluate('window.stayed')).toBe(true);
    await componentPage.close();
    await projectPage.close();
  });

  it('streams a version only when the subject changes, and the page carries the one it was drawn at', async () => {
    const definition = project();
    await startAndReach(stack().harness.client, stack().harness.taskQueue, definition);
    const path = `/projects/${definition.id}/components/anomaly-model`;
    const page = await (await fetch(`${stack().http.url}${path}`)).text();
    const drawnAt = /data-live-version="([^"]+)"/.exec(page)?.[1];
    expect(drawnAt).toBeTruthy();

    const controller = new AbortController();
    const stream = await fetch(`${stack().http.url}${path}/live`, { signal: controller.signal });
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    const reader = stream.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes('\n\n')) {
      const { value } = (await reader.read()) as { value?: Uint8Array };
      text += decoder.decode(value, { stream: true });
    }
    // Nothing changed since the page was drawn: the stream's first version is the page's.
    expect(text).toContain('event: version');
    expect(text).toContain(`data: ${drawnAt}`);
    controller.abort();

    const unknown = await fetch(`${stack().http.url}/projects/Not_A_Slug/live`);
    expect(unknown.status).toBe(404);
  });

  it("gives a hidden tab's stream back for another page to follow, and follows again once back in view", async () => {
    const definition = project();
    const component = await startAndReach(stack().harness.client, stack().harness.taskQueue, definition);
    await fillCard(component);
    const review = await submit(component);
    const [firstRole, ...otherRoles] = review.requiredRoles;
    // One stream per address: a page follows only if no other page holds it.
    const port = await freePort();
    const http = await listen(createApp({ client: stack().harness.client, taskQueue: stack().harness.taskQueue, links: stack().links, liveStreamLimits: { perAddress: 1, total: 1_000 } }), '127.0.0.1', port);
    const url = `${http.url}/projects/${definition.id}/components/anomaly-model`;
    const liveStatus = (page: Page) => page.getByRole('status').first().innerText();
    const first = await browser.context.newPage();
    const second = await browser.context.newPage();
    try {
      // The first tab follows: a verdict shows on it without a reload.
      await first.goto(url);
      await approve(definition.id, review.id, firstRole);
      await expect.poll(() => liveStatus(first)).toMatch(/^Updated at /);

      // Out of sight, it gives its stream back: a second tab takes it and sees the level change.
      await setHidden(first, true);
      await second.goto(url);
      await second.evaluate('window.stayed = true');
      for (const role of otherRoles) await approve(definition.id, review.id, role);
      await expect.poll(() => second.locator('main h1 + p').innerText()).toContain('Level 1');
      expect(await second.evaluate('window.stayed')).toBe(true);

      // Back in view while the second holds the only stream: refused, and it says so.
      await setHidden(first, false);
      await expect.poll(() => liveStatus(first)).toContain('This page no longer updates by itself.');
      expect(await first.locator('main h1 + p').innerText()).toContain('Level 0');

      // Once the second tab is closed, the next return to view follows again and catches up.
      await second.close();
      await first.evaluate('window.stayed = true');
      await expect
        .poll(async () => {
          await setHidden(first, true);
          await setHidden(first, false);
          return first.locator('main h1 + p').innerText();
        })
        .toContain('Level 1');
      expect(await first.evaluate('window.stayed')).toBe(true);
    } finally {
      await first.close();
      if (!second.isClosed()) await second.close();
      await http.close();
    }
  });

  it('says so on the page when its stream is refused, and the page still reads', async () => {
    const definition = project();
    await startAndReach(stack().harness.client, stack().harness.taskQueue, definition);
    const port = await freePort();
    const http = await listen(createApp({ client: stack().harness.client, taskQueue: stack().harness.taskQueue, links: stack().links, liveStreamLimits: { perAddress: 0, total: 1_000 } }), '127.0.0.1', port);
    const page = await browser.context.newPage();
    try {
      await page.goto(`${http.url}/projects/${definition.id}/components/anomaly-model`);
      expect(await page.locator('main h1 + p').innerText()).toContain('Level 0');
      await expect.poll(() => page.getByRole('status').first().innerText()).toContain('This page no longer updates by itself.');
      expect(await page.getByRole('button', { name: 'Reload' }).count()).toBe(1);
    } finally {
      await page.close();
      await http.close();
    }
  });
});
