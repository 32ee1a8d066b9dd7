// Dashboard components on their own in a real browser (Vite's dev server serving dashboard/harness, the API
// proxied to a local test host): the waterfall with 5,000 spans (virtualised rows, scrolling, keyboard, folding,
// filters, orphans), the session list's filters and paging, and the new-session form's fields and API errors.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type ViteDevServer } from 'vite';
import { accessibilityFindings, launchBrowser, screenshot, type Browser } from '../support/browser';
import { startTestHost, type TestHost } from '../support/test-host';

let host: TestHost;
let vite: ViteDevServer;
let browser: Browser;
let harness: string;

beforeAll(async () => {
  host = await startTestHost({ RATE_LIMIT_SESSION_CREATES_PER_HOUR: '1000' });
  const target = host.url;
  const proxied = {
    target,
    configure: (proxy: { on(event: 'proxyReq', listener: (request: { removeHeader(name: string): void }) => void): void }) =>
      proxy.on('proxyReq', (request) => request.removeHeader('origin')),
  };
  vite = await createServer({
    configFile: path.join(__dirname, '..', '..', 'dashboard', 'vite.config.ts'),
    server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false, proxy: { '/api': proxied, '/local': proxied, '/dashboard-config.json': proxied } },
    optimizeDeps: { include: ['preact', 'preact/hooks', 'preact/compat', '@preact/signals', 'preact/jsx-runtime'] },
    logLevel: 'error',
  });
  await vite.listen();
  harness = `${vite.resolvedUrls!.local[0]!.replace(/\/$/, '')}/harness/index.html`;
  browser = await launchBrowser();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await vite?.close();
  await host?.close();
});

async function open(query: string): Promise<void> {
  await browser.page.goto(`${harness}?${query}`);
  await browser.page.locator('body[data-mounted="true"]').waitFor();
}

describe('waterfall', () => {
  it('renders 5,000 spans as a virtualised list that scrolls to the last span', async () => {
    const { page } = browser;
    await open('component=waterfall&spans=5000');
    const waterfall = page.getByRole('listbox', { name: /Waterfall/ });
    // 5,000 spans and the orphan group's heading, but only the rows in view (and a few around) are in the DOM.
    expect(await waterfall.getAttribute('data-row-count')).toBe('5001');
    const rendered = await waterfall.locator('.row').count();
    expect(rendered).toBeGreaterThan(10);
    expect(rendered).toBeLessThan(60);
    const renderMs = Number(await page.locator('body').getAttribute('data-render-ms'));
    console.info(`waterfall: 5,000 spans rendered in ${renderMs} ms (first render, this machine)`);

    // Scrolling to the end shows the orphan group and the last span, still with few rows in the DOM.
    await waterfall.evaluate((element) => (element.scrollTop = element.scrollHeight));
    await page.getByText(/Orphan spans \(their parent was not received\) · 5/).waitFor();
    await waterfall.getByRole('option', { name: /op 4999 depth 0/ }).waitFor();
    expect(await waterfall.locator('.row').count()).toBeLessThan(60);
    await screenshot(page, 'component-waterfall-5000-end');

    // Keyboard: Home selects the root and opens its drawer; End goes to the last span; Left folds the root.
    await waterfall.focus();
    await page.keyboard.press('Home');
    await page.getByRole('complementary', { name: 'Span detail' }).getByRole('heading', { name: 'db.query 0' }).waitFor();
    expect(await waterfall.evaluate((element) => element.scrollTop)).toBe(0);
    await page.keyboard.press('End');
    await page.getByRole('complementary', { name: 'Span detail' }).getByRole('heading', { name: 'op 4999 depth 0' }).waitFor();
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowLeft');
    // The root folded: its 4,994 descendants are gone; the orphans stay, in their group.
    await expect.poll(() => waterfall.getAttribute('data-row-count')).toBe(String(1 + 1 + 5));
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => waterfall.getAttribute('data-row-count')).toBe('5001');
  });

  it('keeps errors and their ancestors with errors-only, matches names, and folds below a depth', async () => {
    const { page } = browser;
    await open('component=waterfall&spans=5000&errors=1');
    const waterfall = page.getByRole('listbox', { name: /Waterfall/ });
    const errorRows = Number(await waterfall.getAttribute('data-row-count'));
    // 100 error spans (one in fifty), each with its chain of ancestors up to the root: far fewer than 5,000.
    expect(errorRows).toBeGreaterThan(100);
    expect(errorRows).toBeLessThan(1000);
    const firstError = waterfall.locator('.row .status-error').nth(1);
    expect(await firstError.textContent()).toMatch(/^op \d+ depth \d+$/);

    await open('component=waterfall&spans=5000&name=db.query');
    const named = Number(await page.getByRole('listbox', { name: /Waterfall/ }).getAttribute('data-row-count'));
    expect(named).toBeGreaterThan(5000 / 7 - 10);
    expect(named).toBeLessThan(5000);

    await open('component=waterfall&spans=5000&depth=1');
    // The root and its 500 chain heads (depth 1), the orphan group and its 5 spans.
    expect(await page.getByRole('listbox', { name: /Waterfall/ }).getAttribute('data-row-count')).toBe(String(1 + 500 + 1 + 5));
  });
});

describe('session list filters and paging', () => {
  it('filters by status, product and target through the URL, and pages with continuation tokens', async () => {
    const admin = await host.token({ roles: ['admin'], products: ['demo', 'other'] });
    const create = (body: Record<string, unknown>) =>
      host.call('POST', '/api/diagnostics/sessions', { body: { userConsent: 'auto', ...body }, headers: { authorization: `Bearer ${admin}` } });
    const created = await Promise.all(Array.from({ length: 27 }, (_, index) => create({ productId: 'demo', targetDeviceId: `list-device-${index}` })));
    expect(created.map((response) => response.status)).toEqual(Array(27).fill(201));
    const paused = (await (await create({ productId: 'other', targetUserId: 'paused-user', startImmediately: false })).json()) as { id: string };

    const { page } = browser;
    await open('component=sessions');
    const rows = page.locator('table.sessions tbody tr');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(25);
    await page.getByRole('button', { name: 'Next page' }).click();
    await expect.poll(() => page.evaluate(() => new URLSearchParams(location.search).has('page'))).toBe(true);
    await expect.poll(() => rows.count()).toBe(3);
    await page.getByRole('button', { name: 'Previous page' }).click();
    await expect.poll(() => rows.count()).toBe(25);

    await page.getByRole('combobox', { name: 'Status' }).selectOption('pending');
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain('paused-user');
    expect(await rows.first().getByRole('link').getAttribute('href')).toBe(`/sessions/${paused.id}`);
    expect(page.url()).toContain('status=pending');

    await page.getByRole('combobox', { name: 'Status' }).selectOption('');
    await page.getByRole('combobox', { name: 'Product' }).selectOption('other');
    await expect.poll(() => rows.count()).toBe(1);
    await page.getByRole('combobox', { name: 'Product' }).selectOption('demo');
    await page.getByRole('searchbox', { name: 'Target or id contains' }).fill('list-device-2');
    // list-device-2 and list-device-20..26 among the 25 newest of the page.
    await expect.poll(async () => (await rows.allTextContents()).every((text) => text.includes('list-device-2'))).toBe(true);
    expect(await rows.count()).toBeGreaterThan(0);
    await page.getByRole('searchbox', { name: 'Target or id contains' }).fill('nothing-like-this');
    await page.getByText('No session on this page matches the target search.').waitFor();

    await page.getByRole('searchbox', { name: 'Target or id contains' }).fill('');

    // The exact search asks the API, so it finds a session on any page: list-device-0 is the oldest, on page two.
    const exact = page.getByRole('searchbox', { name: 'Exact target or id, all pages' });
    await exact.fill('list-device-0');
    await exact.press('Enter');
    await expect.poll(() => page.evaluate(() => new URLSearchParams(location.search).get('target'))).toBe('list-device-0');
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain('list-device-0');
    await exact.fill('');
    await exact.press('Enter');
    await expect.poll(() => rows.count()).toBe(25);

    // The list refreshes itself (every 5 s while visible): a session created elsewhere shows up untouched.
    expect(await page.getByText('fresh-device').count()).toBe(0);
    expect((await create({ productId: 'demo', targetDeviceId: 'fresh-device' })).status).toBe(201);
    await page.getByRole('cell', { name: /fresh-device/ }).waitFor({ timeout: 12_000 });
  }, 90_000);
});

describe('new-session form', () => {
  it("offers 5 min to 24 h, switches the target field, and shows the API's field errors next to the fields", async () => {
    const { page } = browser;
    await open('component=new-session');
    const slider = page.getByRole('slider');
    expect(await slider.getAttribute('min')).toBe('5');
    expect(await slider.getAttribute('max')).toBe('1440');
    await slider.fill('1440');
    await page.getByText('Duration: 24 h 0 min').waitFor();
    await slider.focus();
    await page.keyboard.press('Home');
    await page.getByText('Duration: 5 min 0 s').waitFor();

    await page.getByRole('combobox', { name: 'Kind' }).selectOption('targetUserId');
    const target = page.getByRole('textbox', { name: 'User id' });
    await target.fill('');
    await page.getByRole('textbox', { name: 'Reason' }).fill('x'.repeat(1001));
    await page.getByRole('button', { name: 'Create session' }).click();
    // Both messages come from the API's problem+json errors[].field, each shown beside its own field.
    await expect.poll(() => page.locator('#target-error').textContent()).toBeTruthy();
    await expect.poll(() => page.locator('#reason-error').textContent()).toMatch(/1000/);
    expect(await target.getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByRole('textbox', { name: 'Reason' }).getAttribute('aria-describedby')).toBe('reason-error');
    await screenshot(page, 'component-new-session-errors');
    expect(await accessibilityFindings(page)).toEqual([]);

    await target.fill('user-7');
    await page.getByRole('textbox', { name: 'Reason' }).fill('support ticket 42');
    await page.getByRole('checkbox', { name: 'Console' }).check();
    await page.getByRole('button', { name: 'Create session' }).click();
    await page.waitForURL(/\/sessions\/ds_/);
    const id = /\/sessions\/(ds_[0-9a-f-]{36})/.exec(page.url())![1]!;
    const admin = await host.token({ roles: ['admin'], products: ['demo'] });
    const created = (await (await host.call('GET', `/api/diagnostics/sessions/${id}`, { headers: { authorization: `Bearer ${admin}` } })).json()) as Record<
      string,
      unknown
    >;
    expect(created).toMatchObject({
      targetUserId: 'user-7',
      maxDurationMinutes: 5,
      reason: 'support ticket 42',
      capture: { console: true },
      userConsent: 'prompt',
    });
  });
});

describe('the accessibility check the browser tests use', () => {
  it('finds low contrast and unlabelled controls, and passes AA text', async () => {
    const { page } = browser;
    await open('component=waterfall&spans=10');
    expect(await accessibilityFindings(page)).toEqual([]);
    await page.evaluate(() => {
      document.body.insertAdjacentHTML(
        'beforeend',
        '<p style="color:#999999;background:#ffffff">pale text</p><input name="nameless"><h1 style="color:#808080;background:#fff;font-size:32px">large grey heading</h1>',
      );
    });
    const findings = await accessibilityFindings(page);
    expect(findings.map((finding) => [finding.problem, finding.element.split(' ')[0]])).toEqual([
      ['contrast', 'p'],
      ['unlabelled control', 'input'],
    ]);
    expect(findings[0]!.detail).toMatch(/^2\.85:1/);
  });
});
