// A real browser for the dashboard tests: playwright-core driving Debian's Chromium (installed by .ci/run),
// headless, with a fresh user-data directory per launch and a screenshot folder under test-output/ (git-ignored).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { build } from 'vite';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOT_DIRECTORY = path.join(__dirname, '..', '..', 'test-output', 'dashboard');

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Console errors and failed page loads, so a test can assert the page ran cleanly (CSP violations included). */
  pageErrors: string[];
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  const userDataDir = mkdtempSync(path.join(tmpdir(), 'dashboard-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1400, height: 900 },
    acceptDownloads: true,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  // A step that cannot happen fails in seconds, naming the step, well before the test's own timeout.
  context.setDefaultTimeout(15_000);
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(`console: ${message.text()}`);
  });
  return {
    context,
    page,
    pageErrors,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Builds the dashboard as `npm run build` does, so the test serves the sources it was given. */
export async function buildDashboard(): Promise<void> {
  await build({ configFile: path.join(__dirname, '..', '..', 'dashboard', 'vite.config.ts'), logLevel: 'error' });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIRECTORY, { recursive: true });
  const file = path.join(SCREENSHOT_DIRECTORY, `${name}.png`);
  await page.screenshot({ path: file, fullPage: false });
  return file;
}
