// The dashboard end to end in a real browser against the local host: an admin signs in with the dev sign-in,
// creates a session for a device in the form, the TypeScript SDK (in this process) picks it up and sends logs, a
// failing fetch and a screenshot; the admin sees them appear live in each tab, opens the waterfall, extends and
// stops the session, and the report opens. Also: how the page is served (CSP, caching, SPA fallback, 404s).
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiagnosticsClient } from '../../sdk/src/client';
import type { FetchFunction } from '../../sdk/src/runtime';
import { ManualRuntime } from '../../sdk/test/support/manual-runtime';
import { startScriptedServer, type ScriptedServer } from '../../sdk/test/support/scripted-server';
import { accessibilityFindings, buildDashboard, launchBrowser, screenshot, type Browser } from '../support/browser';
import { pngImage } from '../support/images';
import { startTestHost, type TestHost } from '../support/test-host';
import { openDeviceSession } from '../support/device-session';

let host: TestHost;
let browser: Browser;
let admin: string;
let upstream: ScriptedServer;

beforeAll(async () => {
  await buildDashboard();
  host = await startTestHost({ RATE_LIMIT_SESSION_CREATES_PER_HOUR: '1000' });
  admin = await host.token({ roles: ['admin'], products: ['demo'] });
  browser = await launchBrowser();
  upstream = await startScriptedServer(() => ({ status: 502, body: { error: 'payment gateway timeout' } }));
}, 120_000);
afterAll(async () => {
  await upstream?.close();
  await browser?.close();
  await host?.close();
});

describe('serving', () => {
  it('serves index.html at / and client routes with a strict CSP and no-cache, hashed assets for a year', async () => {
    const index = await fetch(`${host.url}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toContain('text/html');
    expect(index.headers.get('cache-control')).toBe('no-cache');
    const csp = index.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    const html = await index.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    const deep = await fetch(`${host.url}/sessions/ds_00000000-0000-0000-0000-000000000000?tab=logs`);
    expect(deep.status).toBe(200);
    expect(await deep.text()).toBe(html);

    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1]!;
    const asset = await fetch(`${host.url}${script}`, { headers: { 'accept-encoding': 'gzip' } });
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(asset.headers.get('content-type')).toContain('text/javascript');
    const again = await fetch(`${host.url}${script}`, { headers: { 'if-none-match': asset.headers.get('etag')! } });
    expect(again.status).toBe(304);
  });

  it('keeps the API under /api: unknown API paths and missing files are 404, not the page', async () => {
    expect((await fetch(`${host.url}/api/no-such-route`)).status).toBe(404);
    expect((await fetch(`${host.url}/assets/missing-file.js`)).status).toBe(404);
    expect((await fetch(`${host.url}/api/health`)).status).toBe(200);
  });

  it('has the dev sign-in only on the local host: it mints a token the API accepts, for this origin only', async () => {
    const minted = await fetch(`${host.url}/local/dev-token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ role: 'engineer', products: ['demo'] }),
    });
    expect(minted.status).toBe(200);
    const { token } = (await minted.json()) as { token: string };
    const listed = await fetch(`${host.url}/api/diagnostics/sessions`, { headers: { authorization: `Bearer ${token}` } });
    expect(listed.status).toBe(200);
    const foreign = await fetch(`${host.url}/local/dev-token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'https://evil.example' },
      body: '{"role":"admin","products":["demo"]}',
    });
    expect(foreign.status).toBe(403);
    const form = await fetch(`${host.url}/local/dev-token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'role=admin',
    });
    expect(form.status).toBe(415);
    const config = (await (await fetch(`${host.url}/dashboard-config.json`)).json()) as { signIn: string };
    expect(config.signIn).toBe('local');
  });
});

describe('dashboard in the browser', () => {
  it('sends a signed-out visitor to sign-in, signs in locally and lists the sessions', async () => {
    const created = await host.call('POST', '/api/diagnostics/sessions', {
      body: { productId: 'demo', targetDeviceId: 'listed-device-1', userConsent: 'auto' },
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(created.status).toBe(201);
    const { page, pageErrors } = browser;
    await page.goto(`${host.url}/sessions`);
    await page.waitForURL(/\/signin\?next=/);
    await expect.poll(() => page.getByText('Local only.').isVisible()).toBe(true);
    expect(await accessibilityFindings(page)).toEqual([]);
    await page.getByLabel('Admin (creates and changes sessions)').check();
    await page.getByRole('button', { name: 'Sign in (local)' }).click();
    await page.waitForURL(/\/sessions$/);
    await page.getByRole('cell', { name: /listed-device-1/ }).waitFor();
    await screenshot(page, '01-sessions');
    expect(await accessibilityFindings(page)).toEqual([]);
    expect(pageErrors).toEqual([]);

    // A token the API refuses (401) sends the page back to sign-in, keeping where it was going.
    await page.evaluate(() => {
      const key = 'diagnostics.dashboard.token';
      const stored = JSON.parse(sessionStorage.getItem(key)!) as { token: string };
      sessionStorage.setItem(key, JSON.stringify({ ...stored, token: `${stored.token.slice(0, -6)}AAAAAA` }));
    });
    await page.goto(`${host.url}/sessions?status=active`);
    await page.waitForURL(`${host.url}/signin?next=${encodeURIComponent('/sessions?status=active')}`);
    await page.getByRole('button', { name: 'Sign in (local)' }).click();
    await page.waitForURL(`${host.url}/sessions?status=active`);
  });
});

/** The local dev sign-in, as an admin of demo (sessionStorage keeps it for this tab). */
async function signIn(page: Browser['page']): Promise<void> {
  await page.goto(`${host.url}/signin`);
  await page.getByLabel('Admin (creates and changes sessions)').check();
  await page.getByRole('button', { name: 'Sign in (local)' }).click();
  await page.waitForURL(/\/sessions$/);
}

function quietConsole(): Console {
  const ignore = () => undefined;
  return { log: ignore, info: ignore, warn: ignore, error: ignore, debug: ignore, trace: ignore } as unknown as Console;
}

describe('a session from the form to the report', () => {
  it('creates, collects live, shows every tab, extends, stops and reports', async () => {
    const { page, context, pageErrors } = browser;
    const deviceId = `browser-${randomUUID().slice(0, 8)}`;
    await signIn(page);
    pageErrors.length = 0; // the previous test's provoked 401
    // The live view reads the live tail; polling the timeline with `from=` is only its fallback.
    const tailStreams: string[] = [];
    const fallbackPolls: string[] = [];
    page.on('request', (request) => {
      if (/\/tail(\?|$)/.test(request.url())) tailStreams.push(request.url());
      if (/\/timeline\?.*from=/.test(request.url())) fallbackPolls.push(request.url());
    });

    // The form: the API's field errors show next to the field.
    await page.goto(`${host.url}/sessions/new`);
    await page.getByLabel('Kind').selectOption('targetDeviceId');
    await page.getByRole('textbox', { name: 'Device id' }).fill('not a valid id!');
    await page.getByLabel('User consent').selectOption('auto');
    await page.getByRole('button', { name: 'Create session' }).click();
    await expect.poll(() => page.locator('#target-error').textContent()).toContain('letters, digits');
    expect(await page.getByRole('textbox', { name: 'Device id' }).getAttribute('aria-invalid')).toBe('true');
    await screenshot(page, '02-new-session-field-error');
    expect(await accessibilityFindings(page)).toEqual([]);
    await page.getByRole('textbox', { name: 'Device id' }).fill(deviceId);
    await page.getByLabel('Reason').fill('checkout failures reported by support');
    await page.getByRole('button', { name: 'Create session' }).click();
    await page.waitForURL(/\/sessions\/ds_[0-9a-f-]{36}$/);
    const sessionId = /\/sessions\/(ds_[0-9a-f-]{36})/.exec(page.url())![1]!;
    await page.getByRole('heading', { name: new RegExp(sessionId) }).waitFor();
    await page.locator('.state-empty').getByText('Nothing received yet').waitFor();

    // The device's SDK picks the session up and does its thing, secrets and all.
    const runtime = new ManualRuntime();
    const scope = { fetch: globalThis.fetch.bind(globalThis) as FetchFunction, console: quietConsole() };
    const image = pngImage(64, 48);
    const device = new DiagnosticsClient({
      endpoint: host.url,
      productKey: host.productKey(),
      deviceId,
      appVersion: '3.1.0',
      clock: runtime,
      timers: runtime,
      globalScope: scope,
      instrument: { exit: false, errors: true },
      captureScreenshot: () => ({ data: new Uint8Array(image), format: 'png', width: 64, height: 48 }),
    });
    await device.start();
    host.clock.advance(6_000);
    runtime.advance(6_000);
    await device.refresh();
    expect(device.sessionId).toBe(sessionId);
    // The device's clock moves between steps, so the timeline strip spreads them out.
    device.breadcrumb('opened checkout', 'navigation');
    runtime.advance(2_000);
    device.log('info', 'checkout for jane.doe@example.com', { password: 'hunter2-Pa55word!', cartItems: 2 });
    runtime.advance(3_000);
    await device
      .trace('place order', async () => {
        const response = await scope.fetch(`${upstream.url}/orders?api_key=sk_live_51HxE2eTestSecretKey0000abcd`, { method: 'POST', body: '{}' });
        if (!response.ok) throw new Error(`order failed (${response.status})`);
      })
      .catch(() => undefined);
    await expect.poll(() => device.getStats().screenshotsUploaded, { timeout: 15_000 }).toBe(1);
    await device.flush();

    // Timeline: the items arrive without a reload (the live source reads the live tail).
    await page
      .getByRole('link', { name: /order failed/ })
      .first()
      .waitFor({ timeout: 15_000 });
    // One more line, sent while the page shows the rest: it appears on its own, announced by the toast.
    await page.locator('.toast').waitFor({ state: 'detached', timeout: 20_000 });
    runtime.advance(1_000);
    device.log('warn', 'retrying checkout once');
    await device.flush();
    await page
      .locator('.toast')
      .filter({ hasText: /^\d+ new$/ })
      .waitFor();
    await page.getByRole('link', { name: 'warn: retrying checkout once' }).waitFor();
    // Those items came over the stream: it sent them, and the page never fell back to polling.
    expect(tailStreams.length).toBeGreaterThanOrEqual(1);
    expect(host.telemetry.total('tail.items_sent_total', {})).toBeGreaterThanOrEqual(5);
    expect(fallbackPolls).toEqual([]);
    await page
      .getByRole('link', { name: /order failed/ })
      .first()
      .waitFor({ timeout: 15_000 });
    await page.getByRole('link', { name: /POST .*orders.* 502/ }).waitFor();
    expect(await page.locator('.strip button').count()).toBeGreaterThanOrEqual(4);
    await screenshot(page, '03-timeline');
    expect(await accessibilityFindings(page)).toEqual([]);

    // Logs, deep-linked to errors only; a row expands to its context and what masking did.
    await page.getByRole('tab', { name: 'Logs' }).click();
    await page.getByRole('button', { name: 'error' }).click();
    await page.waitForURL(/tab=logs&level=error/);
    await page.goto(`${host.url}/sessions/${sessionId}?tab=logs&level=info`);
    const infoRow = page.locator('table.logs tbody tr').filter({ hasText: 'checkout for' });
    await infoRow.waitFor();
    expect(await infoRow.textContent()).toContain('[EMAIL]');
    expect(await page.locator('table.logs tbody tr').filter({ hasText: 'order failed' }).count()).toBe(0);
    await infoRow.getByRole('button').click();
    const detail = page.locator('pre[aria-label="Context"]');
    await detail.waitFor();
    expect(await detail.textContent()).toContain('[REDACTED]');
    expect(await detail.textContent()).not.toContain('hunter2');
    expect(await page.locator('.redaction').first().textContent()).toMatch(/context\.password/);
    await screenshot(page, '04-logs');
    expect(await accessibilityFindings(page)).toEqual([]);

    // Network: the failing request, its masked URL and detail pane.
    await page.getByRole('tab', { name: 'Network' }).click();
    await page.getByRole('combobox', { name: 'Status' }).selectOption('5xx');
    const request = page.getByRole('link', { name: /\/orders/ });
    await request.waitFor();
    expect(await request.textContent()).not.toContain('sk_live');
    await request.click();
    await page.getByRole('complementary', { name: 'Request detail' }).getByText('POST 502').waitFor();
    await screenshot(page, '05-network');
    expect(await accessibilityFindings(page)).toEqual([]);

    // Traces: the trace list, then its waterfall and a span's drawer.
    await page.getByRole('tab', { name: 'Traces' }).click();
    await page.getByRole('link', { name: 'place order' }).click();
    const waterfall = page.getByRole('listbox', { name: /Waterfall of trace/ });
    await waterfall.waitFor();
    await waterfall.getByRole('option', { name: /place order/ }).click();
    await page.getByRole('complementary', { name: 'Span detail' }).getByRole('heading', { name: 'place order' }).waitFor();
    await waterfall.press('ArrowDown');
    expect(await waterfall.getByRole('option', { selected: true }).textContent()).toMatch(/POST|orders|http/i);
    await screenshot(page, '06-traces-waterfall');
    expect(await accessibilityFindings(page)).toEqual([]);

    // Screenshots: the thumbnail loads through its read link (the CSP allows Blob storage for images), the
    // lightbox opens and closes, and "download all" saves a ZIP built by the API.
    await page.getByRole('tab', { name: 'Screenshots' }).click();
    const thumbnail = page.locator('.grid img').first();
    await thumbnail.waitFor();
    await expect.poll(() => thumbnail.evaluate((element) => (element as HTMLImageElement).naturalWidth)).toBe(64);
    await page
      .getByRole('button', { name: /Open screenshot/ })
      .first()
      .click();
    await page.locator('dialog.lightbox[open]').waitFor();
    await screenshot(page, '07-screenshots-lightbox');
    expect(await accessibilityFindings(page)).toEqual([]);
    await page.keyboard.press('Escape');
    await page.locator('dialog.lightbox').waitFor({ state: 'detached' });
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download all (ZIP)' }).click()]);
    const zip = readFileSync((await download.path())!);
    expect(zip.subarray(0, 4)).toEqual(Buffer.from([0x50, 0x4b, 0x03, 0x04]));
    expect(zip.includes(Buffer.from(image.subarray(0, 16)))).toBe(true);
    await screenshot(page, '08-screenshots');

    // Extend: a change made elsewhere first makes the page's ETag stale (412, said plainly), then it works.
    const before = (await (await host.call('GET', `/api/diagnostics/sessions/${sessionId}`, { headers: { authorization: `Bearer ${admin}` } })).json()) as {
      expiresAt: string;
    };
    const elsewhere = await host.call('PATCH', `/api/diagnostics/sessions/${sessionId}`, {
      body: { reason: 'changed elsewhere' },
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(elsewhere.status).toBe(200);
    await page.getByRole('button', { name: 'Extend +30 min' }).click();
    await page.getByRole('alert').filter({ hasText: 'Someone else changed this session' }).waitFor();
    await page.getByText('changed elsewhere').waitFor();
    await page.getByRole('button', { name: 'Extend +30 min' }).click();
    await page.getByText('Extend: done.').waitFor();
    const after = (await (await host.call('GET', `/api/diagnostics/sessions/${sessionId}`, { headers: { authorization: `Bearer ${admin}` } })).json()) as {
      expiresAt: string;
    };
    expect(Date.parse(after.expiresAt) - Date.parse(before.expiresAt)).toBe(30 * 60_000);
    await page.getByRole('tab', { name: 'Timeline' }).click();
    await page.locator('table.timeline').waitFor();
    await screenshot(page, '09-detail');
    expect(await accessibilityFindings(page)).toEqual([]);

    // Stop, then the report opens in a new tab.
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Stop' }).click();
    await page.locator('h1 .badge-completed').waitFor();
    expect(await page.getByRole('button', { name: 'Extend +30 min' }).count()).toBe(0);
    const [report] = await Promise.all([context.waitForEvent('page'), page.getByRole('button', { name: 'Generate report' }).click()]);
    await report.waitForLoadState();
    expect(await report.content()).toContain(sessionId);
    await report.close();

    // Export downloads the session's NDJSON (gzip) through its link.
    const [exported] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export' }).click()]);
    expect(exported.suggestedFilename()).toMatch(new RegExp(`^${sessionId}-ex_.+\\.ndjson\\.gz$`));
    const exportedFile = readFileSync((await exported.path())!);
    expect(gunzipSync(exportedFile).toString('utf8')).toContain('"type":"export"');
    await page.getByText(/^Exported \d+ logs and \d+ spans/).waitFor();

    // An engineer reads the same session but gets no admin actions, and cannot open new sessions.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Engineer (read only)').check();
    await page.getByRole('button', { name: 'Sign in (local)' }).click();
    await page.getByRole('heading', { name: 'Sessions' }).waitFor();
    expect(await page.getByRole('link', { name: 'New session' }).count()).toBe(0);
    await page.goto(`${host.url}/sessions/${sessionId}?tab=logs&level=error`);
    await page.locator('table.logs').getByText('order failed').first().waitFor();
    expect(await page.getByRole('group', { name: 'Session actions' }).getByRole('button').allTextContents()).toEqual(['Generate report', 'Export']);

    // Only the two refusals this test provoked (the bad form, the stale ETag): no script error, no CSP violation.
    expect(pageErrors.filter((line) => !/status of (400 \(Bad Request\)|412 \(Precondition Failed\))$/.test(line))).toEqual([]);
    expect(pageErrors).toHaveLength(2);
  }, 120_000);
});

describe('fields withheld by role', () => {
  it('shows a viewer the marker where bodies, headers, stacks, context and screenshots would be; Sensitive shows them', async () => {
    const { page } = browser;
    const device = await openDeviceSession(host, admin, { capture: { logs: true, traces: true, network: true, screenshots: true }, collectionLevel: 'trace' });
    const at = (second: number) => new Date(Date.now() - 60_000 + second * 1000).toISOString();
    const items = [
      {
        kind: 'log',
        id: 'w1',
        timestamp: at(1),
        level: 'error',
        message: 'card declined',
        context: { attempt: 2 },
        error: { type: 'PaymentError', message: 'declined', stack: 'at charge (pay.ts:10:5)' },
      },
      {
        kind: 'network',
        id: 'w2',
        timestamp: at(2),
        method: 'POST',
        url: 'https://api.example.com/orders',
        status: 502,
        durationMs: 80,
        requestHeaders: { 'x-request-id': 'rq-9' },
        requestBody: '{"sku":"sku-7788"}',
      },
    ];
    const ingested = await host.call('POST', '/api/diagnostics/ingest', { body: { sessionId: device.sessionId, items }, headers: device.deviceHeaders });
    expect(ingested.status).toBe(202);
    const image = pngImage(32, 16);
    const declared = await host.call('POST', `/api/diagnostics/sessions/${device.sessionId}/screenshots`, {
      body: { format: 'png', sizeBytes: image.length, width: 32, height: 16, capturedAt: at(2) },
      headers: device.deviceHeaders,
    });
    const instructions = (await declared.json()) as { screenshot: { id: string }; upload: { url: string } };
    await fetch(instructions.upload.url, {
      method: 'PUT',
      body: new Uint8Array(image),
      headers: { 'x-ms-blob-type': 'BlockBlob', 'content-type': 'image/png' },
    });
    expect(
      (
        await host.call('POST', `/api/diagnostics/sessions/${device.sessionId}/screenshots/${instructions.screenshot.id}/confirm`, {
          headers: device.deviceHeaders,
        })
      ).status,
    ).toBe(200);
    const chip = 'withheld — requires Diagnostics.Sensitive';

    // A viewer: the sign-in leaves Diagnostics.Sensitive unticked for this role.
    await page.goto(`${host.url}/signin`);
    await page.getByLabel('Viewer (reads, sensitive parts withheld)').check();
    expect(await page.getByLabel(/Diagnostics\.Sensitive/).isChecked()).toBe(false);
    await page.getByRole('button', { name: 'Sign in (local)' }).click();
    await page.waitForURL(/\/sessions$/);
    await page.goto(`${host.url}/sessions/${device.sessionId}?tab=logs&level=error`);
    const row = page.locator('table.logs tbody tr').filter({ hasText: 'card declined' });
    await row.waitFor();
    await row.getByRole('button').click();
    await page.getByRole('note', { name: 'Context: withheld, requires Diagnostics.Sensitive' }).waitFor();
    expect(await page.getByRole('note', { name: 'Stack trace: withheld, requires Diagnostics.Sensitive' }).textContent()).toBe(chip);
    expect(await page.locator('pre[aria-label="Context"]').count()).toBe(0);
    expect(await page.content()).not.toContain('pay.ts:10:5');
    expect(await page.getByRole('group', { name: 'Session actions' }).getByRole('button').allTextContents()).toEqual(['Export']);
    await screenshot(page, '10-viewer-logs-withheld');
    expect(await accessibilityFindings(page)).toEqual([]);

    await page.goto(`${host.url}/sessions/${device.sessionId}?tab=network&item=w2`);
    const pane = page.getByRole('complementary', { name: 'Request detail' });
    await pane.getByText('POST 502').waitFor();
    expect(await pane.locator('.withheld').allTextContents()).toEqual([chip, chip]);
    expect(await pane.textContent()).not.toContain('sku-7788');

    await page.goto(`${host.url}/sessions/${device.sessionId}?tab=screenshots`);
    expect(await page.getByRole('note', { name: 'Screenshots: withheld, requires Diagnostics.Sensitive' }).textContent()).toBe(chip);
    expect(await page.locator('.grid img').count()).toBe(0);
    await screenshot(page, '11-viewer-screenshots-withheld');

    // The same viewer with Diagnostics.Sensitive sees it all, and no marker.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.goto(`${host.url}/signin`);
    await page.getByLabel('Viewer (reads, sensitive parts withheld)').check();
    await page.getByLabel(/Diagnostics\.Sensitive/).check();
    await page.getByRole('button', { name: 'Sign in (local)' }).click();
    await page.waitForURL(/\/sessions$/);
    await page.goto(`${host.url}/sessions/${device.sessionId}?tab=logs&level=error`);
    await row.waitFor();
    await row.getByRole('button').click();
    expect(await page.locator('pre[aria-label="Context"]').textContent()).toContain('attempt');
    expect(await page.locator('pre[aria-label="Stack trace"]').textContent()).toContain('pay.ts:10:5');
    expect(await page.locator('.withheld').count()).toBe(0);
    await page.goto(`${host.url}/sessions/${device.sessionId}?tab=network&item=w2`);
    await pane.getByText('POST 502').waitFor();
    expect(await pane.locator('pre[aria-label="Request body"]').textContent()).toContain('sku-7788');
    await page.goto(`${host.url}/sessions/${device.sessionId}?tab=screenshots`);
    await page.locator('.grid img').first().waitFor();
    expect(await page.locator('.withheld').count()).toBe(0);
  }, 120_000);
});

describe('signals', () => {
  it("shows the product's alert rules and a rule's series with its expected band, also from the alert's own link", async () => {
    // Twenty minutes of app 3.0.0 at 2 % errors, then four minutes at 40 %: the last points leave the band.
    const minuteNow = Math.floor(Date.now() / 60_000) * 60_000;
    const minutes = Array.from({ length: 24 }, (_, index) => new Date(minuteNow - (23 - index) * 60_000).toISOString());
    const counters = minutes.flatMap((minute, index) => [
      { minute, series: 'requests', count: 100, route: '/api/cart/{id}' },
      { minute, series: 'errors', count: index >= 20 ? 40 : 2, fingerprint: 'fp-cart-null' },
    ]);
    const sent = await host.call('POST', '/api/diagnostics/signals', {
      headers: { 'x-diagnostics-key': host.productKey() },
      body: { deviceId: 'signals-device-1', appVersion: '3.0.0', counters },
    });
    expect(sent.status).toBe(202);
    const rule = {
      name: 'Cart error rate 3.0.0',
      metric: 'error_rate',
      filter: { appVersion: '3.0.0' },
      windowMinutes: 5,
      condition: { kind: 'threshold', operator: 'above', value: 0.1 },
      minSamples: 50,
      severity: 'critical',
    };
    const created = await host.call('POST', '/api/diagnostics/products/demo/rules', { body: rule, headers: { authorization: `Bearer ${admin}` } });
    expect(created.status).toBe(201);
    const ruleId = ((await created.json()) as { id: string }).id;

    const { page, pageErrors } = browser;
    const errorsBefore = pageErrors.length;
    await signIn(page);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Signals' }).click();
    await page.waitForURL(/\/products\/demo\/signals$/);
    const ruleLink = page.getByRole('link', { name: 'Cart error rate 3.0.0' });
    await ruleLink.waitFor();
    const ruleRow = page.getByRole('row', { name: /Cart error rate 3\.0\.0/ });
    expect(await ruleRow.textContent()).toContain('appVersion 3.0.0');

    // The rule's name opens its series: its metric and filter in the URL, the chart and the data behind it.
    await ruleLink.click();
    await page.waitForURL(
      (url) => url.searchParams.get('rule') === ruleId && url.searchParams.get('metric') === 'error_rate' && url.searchParams.get('appVersion') === '3.0.0',
    );
    const chart = page.getByRole('img', { name: /^Error rate: \d+ points/ });
    await chart.waitFor();
    expect(await chart.locator('canvas').count()).toBeGreaterThan(0);
    expect(await page.getByLabel('App version').inputValue()).toBe('3.0.0');
    await page.getByText(/^Data table \(24 points with data\)$/).click();
    const dataRows = page.locator('.series-data tbody tr');
    expect(await dataRows.count()).toBe(24);
    expect(await dataRows.first().locator('td').nth(1).textContent()).toBe('2.0 %');
    expect(await dataRows.last().locator('td').nth(1).textContent()).toBe('40.0 %');
    // Past the detector's minimum history the band is drawn, and the jump to 40 % is outside it.
    expect(await dataRows.last().locator('td').nth(4).textContent()).toBe('yes');
    expect(await page.locator('figcaption').textContent()).toMatch(/with the expected band · \d+ anomalous/);
    await screenshot(page, '12-signals-rule-series');
    expect(await accessibilityFindings(page)).toEqual([]);

    // Another metric from the picker, and the alert's own deep link (what notifications send) opens on its rule.
    await page.getByLabel('Metric').selectOption('requests');
    await page.waitForURL((url) => url.searchParams.get('metric') === 'requests' && !url.searchParams.has('rule'));
    await page.getByRole('img', { name: /^Requests: \d+ points/ }).waitFor();
    const alerts = (await (await host.call('GET', '/api/diagnostics/products/demo/alerts', { headers: { authorization: `Bearer ${admin}` } })).json()) as {
      items: Array<{ ruleId: string; links: { dashboardUrl: string } }>;
    };
    const deepLink = new URL(alerts.items.find((item) => item.ruleId === ruleId)!.links.dashboardUrl);
    expect(deepLink.pathname).toBe('/products/demo/signals');
    await page.goto(`${host.url}${deepLink.pathname}${deepLink.search}`);
    await page.getByRole('img', { name: /^Error rate: \d+ points/ }).waitFor();
    expect(await page.getByLabel('Range').inputValue()).toBe('link');
    expect(await page.getByRole('link', { name: 'Cart error rate 3.0.0' }).getAttribute('aria-current')).toBe('true');
    // Nothing went wrong on the page in this test (earlier tests leave their own expected 400 and 412 behind).
    expect(pageErrors.slice(errorsBefore)).toEqual([]);
  }, 120_000);
});
