// The dashboard end to end in a real browser against the local host: an admin signs in with the dev sign-in and
// sees the sessions list; the page is served with its CSP and caching, and nothing of it breaks the API's 404s.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDashboard, launchBrowser, screenshot, type Browser } from '../support/browser';
import { startTestHost, type TestHost } from '../support/test-host';

let host: TestHost;
let browser: Browser;
let admin: string;

beforeAll(async () => {
  await buildDashboard();
  host = await startTestHost({ RATE_LIMIT_SESSION_CREATES_PER_HOUR: '1000' });
  admin = await host.token({ roles: ['admin'], products: ['demo'] });
  browser = await launchBrowser();
}, 120_000);
afterAll(async () => {
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
    const minted = await fetch(`${host.url}/local/dev-token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ role: 'engineer', products: ['demo'] }) });
    expect(minted.status).toBe(200);
    const { token } = (await minted.json()) as { token: string };
    const listed = await fetch(`${host.url}/api/diagnostics/sessions`, { headers: { authorization: `Bearer ${token}` } });
    expect(listed.status).toBe(200);
    const foreign = await fetch(`${host.url}/local/dev-token`, { method: 'POST', headers: { 'content-type': 'application/json', origin: 'https://evil.example' }, body: '{"role":"admin","products":["demo"]}' });
    expect(foreign.status).toBe(403);
    const form = await fetch(`${host.url}/local/dev-token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'role=admin' });
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
    await page.getByLabel('Admin (creates and changes sessions)').check();
    await page.getByRole('button', { name: 'Sign in (local)' }).click();
    await page.waitForURL(/\/sessions$/);
    await page.getByRole('cell', { name: /listed-device-1/ }).waitFor();
    await screenshot(page, '01-sessions');
    expect(pageErrors).toEqual([]);
  });
});
