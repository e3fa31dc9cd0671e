/**
 * A reviewer's whole loop in a real browser: the email arrives at an SMTP server, its link opens
 * the review page, the reviewer approves with the keyboard on a phone-sized screen, and the
 * dashboard shows the component one level up. Spent and forged links show their own pages.
 *
 * `MLTRL_UPDATE_SCREENSHOTS=1 npm test -- test/web` refreshes docs/review-page.png for the README.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideUpdate, statusQuery, submitUpdate, updateCardUpdate } from '../../workflows/definitions.js';
import { launchBrowser, type Browser } from '../support/browser.js';
import { ETHICS, FULL_CARD, LEAD, OWNER, project, reviewer } from '../support/fixtures.js';
import { eventually } from '../support/harness.js';
import { startReviewStack, type ReviewStack } from '../support/reviewStack.js';
import { climb, startAndReach } from '../workflow/steps.js';

const SCREENSHOT = process.env['MLTRL_UPDATE_SCREENSHOTS'] === '1'
  ? fileURLToPath(new URL('../../docs/review-page.png', import.meta.url))
  : join(mkdtempSync(join(tmpdir(), 'mltrl-shots-')), 'review-page.png');

let stack: ReviewStack;
let browser: Browser;
beforeAll(async () => {
  [stack, browser] = await Promise.all([startReviewStack(), launchBrowser()]);
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const PRODUCT = reviewer('product', 1);

/** Tab through the page until `name` (its text, or `#id`) has focus; fails if it never does (not reachable by keyboard). */
async function tabTo(page: Page, name: string): Promise<void> {
  // A string expression: it runs in the page, and the test's TypeScript has no DOM types.
  const probe = name.startsWith('#') ? "'#' + (document.activeElement?.id ?? '')" : "document.activeElement?.textContent?.trim() ?? ''";
  for (let presses = 0; presses < 80; presses++) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate<string>(probe);
    if (focused === name) return;
  }
  throw new Error(`"${name}" cannot be reached with the Tab key`);
}

describe('a reviewer in the browser', () => {
  it('opens the emailed link, reads the card, approves with the keyboard on a phone, and sees the level rise on the dashboard', async () => {
    // A model that entered at Level 3 and earned Level 4 (Proof of concept); at its Level 4 review
    // applied-ai and engineering have approved, and product decides.
    const definition = project({
      name: 'Neuropathology copilot',
      components: [{ id: 'anomaly-model', name: 'Slide anomaly detector', kind: 'model', entryLevel: 3, owner: OWNER }],
    });
    const component = await startAndReach(stack.harness.client, stack.harness.taskQueue, definition);
    await component.executeUpdate(updateCardUpdate, {
      args: [{
        by: OWNER.email,
        patch: {
          ...FULL_CARD,
          intendedUse: 'Flag slides for a second read by a pathologist; never a diagnosis on its own.',
          caveats: 'Scanner B slides are darker; scores drift on them until stain normalisation lands.',
          requirements: [
            ...(FULL_CARD.requirements ?? []),
            { id: 'P2.1', statement: 'Scores stay calibrated across scanners', category: 'performance', verification: 'calibration plots per scanner', validation: 'pathologist spot checks', pFailure: 0.5, value: 8, status: 'open', mitigation: 'Stain normalisation before scoring' },
          ],
        },
      }],
    });
    await climb(component, 4);
    const opened = await component.executeUpdate(submitUpdate, { args: [{ by: LEAD.email, proposal: 'proceed', ethics: ETHICS, note: 'Real-data results are in; please look at calibration on scanner B.' }] });
    const reviewId = opened.openReview!.id;
    for (const who of [reviewer('applied-ai', 1), reviewer('engineering', 1)]) {
      await component.executeUpdate(decideUpdate, { args: [{ reviewId, reviewer: who.email, verdict: 'approve' }] });
    }

    const [mail] = await stack.sink.waitFor((m) => m.to[0] === PRODUCT.email && m.text.includes(`${definition.id}/anomaly-model approve --review ${reviewId}`));
    expect(mail.subject).toBe('Review requested: Slide anomaly detector, Level 4 (Proof of concept) — Neuropathology copilot');
    const link = stack.linkIn(mail);

    const page = await browser.context.newPage();
    const response = await page.goto(link);
    expect(response?.status()).toBe(200);
    await expect.poll(() => page.locator('h1').textContent()).toBe(`Review ${reviewId}: Slide anomaly detector`);
    const text = await page.locator('main').innerText();
    expect(text).toContain(`You are answering as ${PRODUCT.email}`);
    expect(text).toContain('proceed: on approval the component moves to Level 5');
    expect(text).toContain('Note from the submitter: Real-data results are in; please look at calibration on scanner B.');
    expect(text).toContain('Has the model been evaluated across the relevant data slices and groups'); // a post-development ethics item
    expect(text).toContain('Flag slides for a second read by a pathologist');
    expect(await page.locator('#target option').allInnerTexts()).toEqual(['Level 3 · System development']);
    const ids = await page.locator('section[aria-labelledby=requirements] tbody th').allInnerTexts();
    expect(ids).toEqual(['P2.1', 'R1.1', 'P1.1']); // risks 4, 1 and 0.8
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    // Phone-sized, keyboard only.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    // Approving confirms the level's code caliber and data considerations: the box is ticked first.
    expect(text).toContain('What Level 4 expects of the code and the data');
    expect(text).toContain('Prototype-caliber code');
    expect(text).toContain('Real-world, representative data of the use-case');
    await tabTo(page, '#confirm');
    await page.keyboard.press('Space');
    await tabTo(page, 'Approve');
    await Promise.all([page.waitForURL(link), page.keyboard.press('Enter')]);
    await expect.poll(() => page.locator('h1').textContent()).toBe('Thank you: your verdict is in');
    const result = await page.locator('main').innerText();
    expect(result).toContain(`Review ${reviewId} is closed: approved.`);
    expect(result).toContain('Level 5 · ML capability');
    expect(await component.query(statusQuery)).toMatchObject({ level: 5, state: 'working', openReview: null });

    // The dashboard shows the project at its new system level (the project hears of it
    // asynchronously), and the project's page the component at its new level.
    await page.setViewportSize({ width: 1280, height: 900 });
    const projectRow = page.locator(`tr[data-component="${definition.id}"]`);
    await eventually(async () => {
      await page.goto(`${stack.http.url}/?project=${definition.id}`);
      expect(await projectRow.innerText()).toContain('Level 5 · ML capability');
    });
    await projectRow.getByRole('link').click();
    const row = page.locator(`tr[data-component="${definition.id}/anomaly-model"]`);
    expect(await row.innerText()).toContain('Level 5 · ML capability');
    expect(await row.innerText()).toContain('working');
    await row.getByRole('link', { name: 'Slide anomaly detector' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toContain('Slide anomaly detector');
    const componentPage = await page.locator('main').innerText();
    expect(componentPage).toContain('No review is open.');
    expect(componentPage).toMatch(/Level 3 →\s*Level 4 · Proof of concept/);
    expect(componentPage).toMatch(/Level 4 →\s*Level 5 · ML capability/);

    // The link again: spent. A forged one: refused.
    const again = await page.goto(link);
    expect(again?.status()).toBe(409);
    expect(await page.locator('h1').textContent()).toBe('This review is closed');
    const forged = await page.goto(link.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')));
    expect(forged?.status()).toBe(403);
    expect(await page.locator('h1').textContent()).toBe('This review link is not valid');
    await page.close();
  });
});
