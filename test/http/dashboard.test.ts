// The dashboard's server side through HTTP on the local host: the screenshot archive route (a real ZIP of the
// blobs in Azurite, access and limits), and what exists in azure mode: Entra sign-in settings, the CSP's origins,
// and no route that mints tokens (the dev sign-in is the local host's, not a registered function).
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Router } from '../../local-host/router';
import { parseSettings } from '../../shared/config/settings';
import { contentSecurityPolicy, dashboardConfig } from '../../shared/http/dashboard-assets';
import { ARCHIVES_PER_CALLER_PER_MINUTE } from '../../shared/services/screenshot-archive';
import { functionRegistry } from '../../shared/runtime/registry';
import { openDeviceSession, type DeviceSession } from '../support/device-session';
import { pngImage } from '../support/images';
import { azureSampleSettings } from '../support/settings-sample';
import { startTestHost, type TestHost } from '../support/test-host';

let host: TestHost;
let admin: string;

beforeAll(async () => {
  host = await startTestHost({ RATE_LIMIT_SESSION_CREATES_PER_HOUR: '1000' });
  admin = await host.token({ roles: ['admin'], products: ['demo'] });
});
afterAll(() => host.close());

async function uploadScreenshot(device: DeviceSession, image: Buffer, capturedAt: string): Promise<string> {
  const declared = await host.call('POST', `/api/diagnostics/sessions/${device.sessionId}/screenshots`, {
    body: { format: 'png', sizeBytes: image.length, width: 40, height: 20, capturedAt },
    headers: device.deviceHeaders,
  });
  expect(declared.status).toBe(201);
  const { screenshot, upload } = (await declared.json()) as { screenshot: { id: string }; upload: { url: string } };
  const put = await fetch(upload.url, { method: 'PUT', body: new Uint8Array(image), headers: { 'x-ms-blob-type': 'BlockBlob', 'content-type': 'image/png' } });
  expect(put.status).toBe(201);
  expect(
    (await host.call('POST', `/api/diagnostics/sessions/${device.sessionId}/screenshots/${screenshot.id}/confirm`, { headers: device.deviceHeaders })).status,
  ).toBe(200);
  return screenshot.id;
}

describe('GET /api/diagnostics/sessions/{id}/screenshots/archive', () => {
  it('answers a ZIP of every confirmed screenshot, byte for byte, stored uncompressed', async () => {
    const device = await openDeviceSession(host, admin);
    const first = pngImage(40, 20);
    const second = Buffer.from(pngImage(40, 20));
    second.writeUInt8(second.readUInt8(second.length - 20) ^ 0xff, second.length - 20); // other bytes, same head
    const ids = [await uploadScreenshot(device, first, '2026-12-05T08:00:00.000Z'), await uploadScreenshot(device, second, '2026-12-05T08:00:01.000Z')];
    const engineer = await host.token({ roles: ['engineer'], products: ['demo'] });
    const response = await host.call('GET', `/api/diagnostics/sessions/${device.sessionId}/screenshots/archive`, {
      headers: { authorization: `Bearer ${engineer}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/zip');
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="${device.sessionId}-screenshots.zip"`);
    expect(response.headers.get('x-screenshot-count')).toBe('2');
    const entries = unzipSync(new Uint8Array(await response.arrayBuffer()));
    expect(Object.keys(entries).sort()).toEqual([`2026-12-05T08-00-00-000Z-${ids[0]}.png`, `2026-12-05T08-00-01-000Z-${ids[1]}.png`]);
    expect(Buffer.from(entries[`2026-12-05T08-00-00-000Z-${ids[0]}.png`]!)).toEqual(first);
    expect(Buffer.from(entries[`2026-12-05T08-00-01-000Z-${ids[1]}.png`]!)).toEqual(second);
  });

  it('is 404 without screenshots or for another product, 401 without a token, and limited per caller', async () => {
    const device = await openDeviceSession(host, admin);
    const path = `/api/diagnostics/sessions/${device.sessionId}/screenshots/archive`;
    const empty = await host.call('GET', path, { headers: { authorization: `Bearer ${admin}` } });
    expect(empty.status).toBe(404);
    expect(((await empty.json()) as { detail: string }).detail).toContain('no screenshots');
    const outsider = await host.token({ roles: ['admin'], products: ['other'] });
    expect((await host.call('GET', path, { headers: { authorization: `Bearer ${outsider}` } })).status).toBe(404);
    expect((await host.call('GET', path)).status).toBe(401);

    const busy = await host.token({ roles: ['engineer'], products: ['demo'], subject: 'archive-heavy-user' });
    const statuses: number[] = [];
    for (let call = 0; call <= ARCHIVES_PER_CALLER_PER_MINUTE; call++)
      statuses.push((await host.call('GET', path, { headers: { authorization: `Bearer ${busy}` } })).status);
    expect(statuses.slice(0, -1).every((status) => status === 404)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
  });
});

describe('dashboard in azure mode', () => {
  const settings = parseSettings(azureSampleSettings());

  it('signs in with Entra ID (MSAL) from the DASHBOARD_* settings, or says which are missing', () => {
    expect(dashboardConfig(settings)).toEqual({
      signIn: 'entra',
      clientId: settings.DASHBOARD_CLIENT_ID,
      authority: settings.DASHBOARD_AUTHORITY,
      scopes: [settings.DASHBOARD_API_SCOPE],
    });
    const unset = parseSettings({ ...azureSampleSettings(), DASHBOARD_CLIENT_ID: undefined, DASHBOARD_API_SCOPE: undefined });
    expect(dashboardConfig(unset)).toEqual({ signIn: 'unconfigured', missing: ['DASHBOARD_CLIENT_ID', 'DASHBOARD_API_SCOPE'] });
  });

  it('lets the page reach only itself, Blob storage (images) and the identity provider', () => {
    const csp = contentSecurityPolicy(settings);
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("connect-src 'self' https://login.microsoftonline.com;");
    expect(csp).toContain("img-src 'self' data: blob: https://storageaccount.blob.core.windows.net;");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/unsafe-(inline|eval)/);
    const local = contentSecurityPolicy(host.deps.settings);
    expect(local).toContain("connect-src 'self';");
  });

  it('has no registered function that mints a token: a Functions host has only the page at /local/dev-token', () => {
    const router = new Router(functionRegistry.http);
    expect(functionRegistry.http.filter((definition) => /local|token/i.test(definition.route))).toEqual([]);
    const post = router.match('POST', '/local/dev-token');
    expect('definition' in post).toBe(false);
    const get = router.match('GET', '/local/dev-token');
    expect('definition' in get && get.definition.name).toBe('dashboard-get');
  });

  it('serves every API route under /api and only the dashboard at the root', () => {
    const atRoot = functionRegistry.http.filter((definition) => !definition.route.startsWith('api/'));
    expect(atRoot.map((definition) => [definition.name, definition.route])).toEqual([['dashboard-get', '{*path}']]);
  });
});
