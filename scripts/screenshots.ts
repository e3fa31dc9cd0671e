/**
 * Takes the web app's screenshots in docs/ (the README's "Screenshots"): starts a fresh in-memory
 * Temporal dev server, a worker, the local sign-in provider and the web app on free loopback ports,
 * replays the paper's case studies (examples/), and photographs the pages in Debian's Chromium
 * (playwright-core), signed in as the examples' people where a page is theirs.
 *
 *   npm run screenshots            # writes docs/*.png
 *   npm run screenshots -- /tmp/x  # elsewhere
 *
 * Every wait is for a state the page must show, never for a time.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { replayStories } from '../examples/replay.js';
import { createLinks } from '../src/http/core/links.js';
import { createOidcSignIn } from '../src/http/core/oidc.js';
import { createSessions } from '../src/http/core/session.js';
import { fileTokenRegistry } from '../src/http/core/tokenRegistry.js';
import { createApp, listen } from '../src/http/server.js';
import { peopleOfExamples } from '../src/local/localAccounts.js';
import { startLocalProvider } from '../src/local/oidcProvider.js';
import { PROJECT_ROOT, freePort, startDevServer } from '../src/local/temporalServer.js';
import { connect } from '../src/runtime/client.js';
import { createWorker, installProcessLogging } from '../src/runtime/worker.js';

const OUT = process.argv[2] ?? join(PROJECT_ROOT, 'docs');
const CHROMIUM = process.env['MLTRL_CHROMIUM'] ?? '/usr/bin/chromium';
const EXAMPLES_DIR = join(PROJECT_ROOT, 'examples');
const TASK_QUEUE = 'mltrl-screenshots';
/** An operator (MLTRL_OPERATORS) of this run, besides the examples' people. */
const OPERATOR = { email: 'ops@lab.example', name: 'Olga Operator', note: 'operator (MLTRL_OPERATORS)' };
const WAIT_MS = 120_000;

/** Poll `check` until it passes; its last failure if it never does. */
async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`screenshots: gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function main(): Promise<void> {
  installProcessLogging();
  mkdirSync(OUT, { recursive: true });
  const stops: (() => Promise<void>)[] = [];
  try {
    console.log('screenshots: starting an in-memory Temporal dev server, a worker and the web app…');
    const server = await startDevServer({ port: await freePort(), uiPort: await freePort(), readyTimeoutMs: WAIT_MS });
    stops.unshift(() => server.stop());
    const client = await connect({ TEMPORAL_ADDRESS: server.address, TEMPORAL_NAMESPACE: 'default' });
    stops.unshift(() => client.connection.close());
    // Emails go nowhere: the pages are the subject here.
    const worker = await createWorker({ address: server.address, namespace: 'default', taskQueue: TASK_QUEUE, client, notifier: { send: () => Promise.resolve() } });
    const running = worker.run();
    stops.unshift(async () => {
      worker.shutdown();
      await running;
    });

    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const secret = 'screenshots-only-secret-0123456789abcdef';
    const links = createLinks({ secret, publicUrl: baseUrl, ttlMs: 60 * 60_000 });
    const sessions = createSessions({ secret, publicUrl: baseUrl, ttlMs: 60 * 60_000 });
    const provider = await startLocalProvider({ port: 0, redirectUri: `${baseUrl}/auth/callback`, postLogoutRedirectUri: `${baseUrl}/`, accounts: () => Promise.resolve([OPERATOR, ...peopleOfExamples(EXAMPLES_DIR)]) });
    stops.unshift(() => provider.stop());
    const signIn = createOidcSignIn({ issuer: provider.issuer, clientId: provider.clientId, clientSecret: provider.clientSecret, redirectUri: `${baseUrl}/auth/callback` });
    const tokens = fileTokenRegistry(join(mkdtempSync(join(tmpdir(), 'mltrl-screenshots-')), 'api-tokens.json'));
    const http = await listen(createApp({ client, taskQueue: TASK_QUEUE, links, identity: { signIn, sessions, operators: [OPERATOR.email] }, operators: [OPERATOR.email], tokens }), '127.0.0.1', port);
    stops.unshift(() => http.close());

    console.log('screenshots: replaying the case studies (examples/)…');
    await replayStories(client, TASK_QUEUE, { log: (line) => console.log(`  ${line}`) });

    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'] });
    stops.unshift(() => browser.close());
    const url = (path: string) => `${baseUrl}${path}`;
    /** The whole page, or its top `maxHeight` pixels (a long form's first fields say what it is). */
    const shoot = async (page: Page, name: string, maxHeight = 2_400) => {
      const { width } = page.viewportSize()!;
      const height = Math.min(maxHeight, await page.evaluate<number>('document.documentElement.scrollHeight'));
      await page.screenshot({ path: join(OUT, `${name}.png`), fullPage: true, clip: { x: 0, y: 0, width, height } });
      console.log(`  ${join(OUT, `${name}.png`)}`);
    };
    /** A person of their own (own cookies), signed in through the local provider. */
    const personAt = async (email: string, path: string, viewport = { width: 1280, height: 900 }): Promise<Page> => {
      const page = await (await browser.newContext({ viewport })).newPage();
      await page.goto(url(`/auth/sign-in?returnTo=${encodeURIComponent(path)}`));
      await page.getByRole('button', { name: new RegExp(email) }).click();
      await page.waitForURL(url(path));
      return page;
    };

    console.log('screenshots: taking them…');
    const visitor = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    // The dashboard: every case study listed once visibility has them all.
    await until('the dashboard to list the case studies', async () => {
      await visitor.goto(url('/'));
      return (await visitor.locator('tbody tr[data-component]').count()) >= 5;
    });
    await shoot(visitor, 'dashboard');

    await until('the metrics to count the deployed components', async () => {
      await visitor.goto(url('/metrics'));
      const bars = await Promise.all((await visitor.locator('[aria-roledescription="bar"]').all()).map(async (mark) => (await mark.getAttribute('aria-label')) ?? ''));
      return bars.some((bar) => /^Level 9 .*: [3-9]$/.test(bar));
    });
    await shoot(visitor, 'metrics-page');

    // A project's page with each component's level over time; its owner sees what they can do.
    const lead = await personAt('ada@neuro.example', '/projects/neuro-copilot');
    await until("the project's level chart", async () => (await lead.locator('section.history svg[role="img"]').count()) === 1);
    await shoot(lead, 'project-page');
    await lead.goto(url('/projects/neuro-copilot/roster'));
    await shoot(lead, 'roster-page');
    await lead.goto(url('/projects/neuro-copilot/add-component'));
    await shoot(lead, 'add-component-page');

    // The card editor and the submit form of a component at work on a level.
    const working = '/projects/neuro-copilot/components/anomaly-model';
    await lead.goto(url(`${working}/edit`));
    await shoot(lead, 'card-editor', 1_800);
    await lead.goto(url(`${working}/submit`));
    await shoot(lead, 'submit-form');

    await lead.goto(url('/tokens'));
    await lead.getByLabel('Name').fill('laptop CLI');
    await lead.getByRole('button', { name: 'Make the token' }).click();
    await lead.locator('#made').waitFor();
    await shoot(lead, 'tokens-page');

    // One schedule fired by hand, so the page shows a recent fire and the re-review it opened.
    const operator = await personAt(OPERATOR.email, '/operators');
    await operator.getByRole('button', { name: 'Trigger a re-review now' }).first().click();
    await until('the triggered re-review to show on the operators page', async () => {
      await operator.goto(url('/operators'));
      return (await operator.getByText("waiting for the owner's ethics answers").count()) > 0;
    });
    await shoot(operator, 'operators-page');

    // On a phone: a component's page, one column, tables scrolling inside their boxes.
    const phone = await personAt('ada@neuro.example', '/projects/neuro-copilot/components/anomaly-model', { width: 390, height: 844 });
    await shoot(phone, 'component-page-phone', 1_700);
  } finally {
    for (const stop of stops) await stop().catch((error: unknown) => console.error('screenshots: stopping:', error));
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
