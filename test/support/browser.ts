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

export interface AccessibilityFinding {
  problem: 'contrast' | 'unlabelled control';
  element: string;
  detail: string;
}

/**
 * WCAG AA checks the page can answer about itself: every visible text's colour against the background it sits on
 * (4.5:1, or 3:1 for large text), and every form control having an accessible name (a label, aria-label or
 * aria-labelledby). Not a full audit; it catches the regressions a style change makes.
 */
export async function accessibilityFindings(page: Page): Promise<AccessibilityFinding[]> {
  return page.evaluate(() => {
    const findings: Array<{ problem: 'contrast' | 'unlabelled control'; element: string; detail: string }> = [];
    const parse = (color: string) => {
      const parts = color.match(/[\d.]+/g)?.map(Number) ?? [0, 0, 0, 1];
      return { r: parts[0]!, g: parts[1]!, b: parts[2]!, a: parts[3] ?? 1 };
    };
    const luminance = ({ r, g, b }: { r: number; g: number; b: number }) => {
      const channel = (value: number) => {
        const v = value / 255;
        return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
    };
    const backgroundOf = (element: Element | null): { r: number; g: number; b: number } => {
      for (let current = element; current; current = current.parentElement) {
        const background = parse(getComputedStyle(current).backgroundColor);
        if (background.a >= 0.99) return background;
      }
      return { r: 255, g: 255, b: 255 };
    };
    const describe = (element: Element) =>
      `${element.tagName.toLowerCase()}${element.className && typeof element.className === 'string' ? `.${element.className.split(' ').join('.')}` : ''} "${(element.textContent ?? '').trim().slice(0, 40)}"`;
    for (const element of Array.from(document.querySelectorAll('body *'))) {
      const style = getComputedStyle(element);
      if (style.visibility === 'hidden' || style.display === 'none' || ((element as HTMLElement).offsetParent === null && style.position !== 'fixed')) continue;
      const ownText = Array.from(element.childNodes).some((node) => node.nodeType === Node.TEXT_NODE && node.textContent!.trim());
      if (ownText) {
        const foreground = parse(style.color);
        const background = backgroundOf(element);
        const [light, dark] = [luminance(foreground), luminance(background)].sort((a, b) => b - a) as [number, number];
        const ratio = (light + 0.05) / (dark + 0.05);
        const size = parseFloat(style.fontSize);
        const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
        const disabled = (element as HTMLButtonElement).disabled === true;
        if (!disabled && ratio < (large ? 3 : 4.5))
          findings.push({
            problem: 'contrast',
            element: describe(element),
            detail: `${ratio.toFixed(2)}:1 (${style.color} on rgb(${background.r}, ${background.g}, ${background.b}))`,
          });
      }
      if (element.matches('input:not([type=hidden]), select, textarea')) {
        const control = element as HTMLInputElement;
        const named = control.labels?.length || control.getAttribute('aria-label') || control.getAttribute('aria-labelledby');
        if (!named) findings.push({ problem: 'unlabelled control', element: describe(element), detail: control.name });
      }
    }
    return findings;
  });
}
