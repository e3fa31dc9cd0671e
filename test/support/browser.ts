/**
 * Debian's Chromium driven by playwright-core: never a downloaded browser, a fresh profile per
 * run, and nothing that reaches past loopback (no background networking, updates or sync).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env['MLTRL_CHROMIUM'] ?? '/usr/bin/chromium';

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

const ARGS = ['--no-sandbox', '--disable-background-networking', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'];

/** One Chromium in which each person browses in a context of their own: their own cookies, as on their own machine. */
export interface People {
  /** A fresh context (no cookies) and a page in it. */
  newPerson(viewport?: { width: number; height: number }): Promise<Page>;
  close(): Promise<void>;
}

export async function launchPeople(): Promise<People> {
  // launch() gives each context its own temporary profile, removed on close.
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
  return {
    async newPerson(viewport = { width: 1280, height: 900 }) {
      const context = await browser.newContext({ viewport });
      return context.newPage();
    },
    close: () => browser.close(),
  };
}

export async function launchBrowser(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'mltrl-chromium-'));
  // launchPersistentContext is how playwright takes a user data dir (it refuses --user-data-dir in args).
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: ARGS,
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
