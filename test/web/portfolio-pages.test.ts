/**
 * The portfolio on the web page, in Debian's Chromium: after the paper's case studies are replayed,
 * /metrics draws the level distribution, the time per level and the switchback paths, a
 * component's whole TRL card renders with its flagged risks highlighted, and a project's page draws
 * each component's level over time. The README's pictures of these pages are taken by
 * `npm run screenshots` (scripts/screenshots.ts); the ones taken here go to a temporary folder.
 */
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayStories } from '../../examples/replay.js';
import type { Locator } from 'playwright-core';
import { launchBrowser, type Browser } from '../support/browser.js';
import { startReviewStack, type ReviewStack } from '../support/reviewStack.js';

const screenshot = (name: string) => join(tmpdir(), `mltrl-${name}-${randomUUID()}.png`);

/** The words each mark of a chart carries for screen readers (Vega writes them from the mark's `description`). */
const markLabels = async (marks: Locator): Promise<string[]> => Promise.all((await marks.all()).map(async (mark) => (await mark.getAttribute('aria-label')) ?? ''));

let stack: ReviewStack;
let browser: Browser;
beforeAll(async () => {
  stack = await startReviewStack();
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe('the portfolio pages', () => {
  it('draws the metrics charts and shows a whole TRL card', { timeout: 600_000 }, async () => {
    const suffix = `-${randomUUID().slice(0, 6)}`;
    await replayStories(stack.harness.client, stack.harness.taskQueue, { idSuffix: suffix });
    const page = await browser.context.newPage();

    await page.goto(`${stack.http.url}/metrics`);
    const charts = page.locator('.metrics figure svg[role="img"]');
    await expect.poll(() => charts.count()).toBe(3);
    expect(await charts.locator(':scope > title').allTextContents()).toEqual([
      'Components per level, coloured by phase',
      'Time spent at each level: median, with the middle half as a line',
      'Switchback paths, the most taken first: from a level back to an earlier one',
    ]);
    const chart = (caption: string) => page.locator('figure', { has: page.locator('figcaption', { hasText: caption }) });
    // Visibility catches up with the replay: wait until the distribution counts the deployed components.
    await expect
      .poll(async () => {
        await page.reload();
        return (await markLabels(chart('Components per level').locator('[aria-roledescription="bar"]'))).find((bar) => bar.startsWith('Level 9 '));
      })
      .toMatch(/^Level 9 Deployment: [3-9]$/);
    // The metrics read is shared for a while: reload until it holds every switchback path the stories take.
    const paths = chart('Switchback paths').locator('[aria-roledescription="bar"]');
    await expect
      .poll(async () => {
        await page.reload();
        return (await markLabels(paths)).map((bar) => bar.replace(/: \d+$/, '')).sort();
      })
      .toEqual(['4→2', '5→4', '8→7', '9→4']);
    // Ranked, most taken first; the same figures in the table folded under the chart.
    const counts = (await markLabels(paths)).map((bar) => Number(bar.split(': ')[1]));
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
    await page.getByText('The figures per path').click();
    const pathTable = page.locator('details', { hasText: 'The figures per path' });
    expect(await pathTable.getByRole('rowheader').allTextContents()).toEqual((await markLabels(paths)).map((bar) => bar.split(': ')[0]));
    expect((await pathTable.getByRole('cell').allTextContents()).map(Number)).toEqual(counts);
    await page.screenshot({ path: screenshot('metrics-page'), fullPage: true });

    await page.goto(`${stack.http.url}/projects/etalumis${suffix}/components/inference-engine`);
    await page.getByRole('link', { name: 'The whole card' }).click();
    await expect.poll(() => page.locator('h1').first().textContent()).toContain('TRL card: Amortized inference engine');
    for (const heading of ['Requirements, by risk', 'Stage debriefs', 'Ethics checklist', 'Level timeline', 'Switchbacks', 'Graduation snapshots']) {
      await expect.poll(() => page.getByRole('heading', { name: heading }).count()).toBe(1);
    }
    expect(await page.locator('mark', { hasText: 'R1.1 ⚠ flagged' }).count()).toBe(1);
    expect(await page.locator('.trl-card').textContent()).toContain('Per-event inference is too slow: amortize it');

    // The dashboard, filtered by a part of the project id, leads to the project's page, whose
    // components filter by level and state.
    await page.goto(`${stack.http.url}/`);
    await page.getByLabel('Project id contains').fill(`etalumis${suffix}`);
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => page.locator('tbody tr').count()).toBe(1);
    await page.getByRole('link', { name: 'Etalumis' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toContain(`(etalumis${suffix})`);
    const rows = async () => {
      const cells = await page.locator('tbody tr[data-component]').all();
      return Promise.all(cells.map((row) => row.getAttribute('data-component')));
    };
    expect(await rows()).toEqual([`etalumis${suffix}/execution-protocol`, `etalumis${suffix}/inference-engine`, `etalumis${suffix}/ppx-open-source`]);

    // Levels over time: one step line per component listed, each change a point naming the level,
    // the latest at the level the list shows.
    const history = page.locator('section.history');
    await expect.poll(() => history.locator('svg[role="img"] title').textContent()).toBe("Each component's level over time: execution-protocol, inference-engine, ppx-open-source");
    expect(await history.locator('g.mark-line').count()).toBe(3);
    const changes = await markLabels(history.locator('[aria-roledescription="point"]'));
    for (const row of await page.locator('tbody tr[data-component]').all()) {
      const componentId = (await row.getAttribute('data-component'))!.split('/')[1];
      const listed = (await row.getByRole('cell').first().textContent())!.match(/Level (\d)/)![1];
      const own = changes.filter((change) => change.startsWith(`${componentId}: Level `));
      expect(own.length).toBeGreaterThan(0);
      expect(own.at(-1)).toMatch(new RegExp(`^${componentId}: Level ${listed} from `));
    }
    await page.screenshot({ path: screenshot('project-page'), fullPage: true });

    // The project's risk matrix: a table named by its caption, bands as row and column headers, the
    // marks in words; on a phone the page keeps its width and the table scrolls inside its wrapper.
    const matrix = page.getByRole('table', { name: /Requirements by probability of failure and value/ });
    expect(await matrix.getByRole('rowheader').allTextContents()).toEqual(['0.8–1', '0.6–0.8', '0.4–0.6', '0.2–0.4', '0–0.2']);
    expect(await matrix.getByRole('columnheader').allTextContents()).toEqual(['Probability of failure', 'Value 1–2', 'Value 3–4', 'Value 5–6', 'Value 7–8', 'Value 9–10']);
    const risky = matrix.getByRole('row', { name: /^0\.4–0\.6/ }).getByRole('cell').nth(4);
    // The engine's R1.1 (0.4 × 9 = 3.6) and the same requirement on the open-source branch of it, both mitigated.
    expect(await risky.getByRole('listitem').allTextContents()).toEqual(['inference-engine/R1.1 risk 3.6 flagged', 'ppx-open-source/R1.1 risk 3.6 flagged']);
    await expect.poll(() => page.getByText('Marked flagged: risk ≥ 3.').count()).toBe(1);
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await page.setViewportSize({ width: 1280, height: 900 });

    await page.getByLabel('Level', { exact: true }).selectOption('6');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(rows).toEqual([`etalumis${suffix}/ppx-open-source`]);
    await page.close();
  });
});
