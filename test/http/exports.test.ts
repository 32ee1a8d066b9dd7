// Export end to end on the local host: a working download link with an expiry notice, and the fallback
// when Blob storage really refuses the write (the exports container is gone), streamed and audited. The file has
// an Azurite of its own: every other test host creates the shared one's containers when it starts, which would put
// the deleted container back mid-test (and this test's delete would fail their exports).
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type RunningBackend } from '../../local-host/backends';
import { openDeviceSession, type DeviceSession } from '../support/device-session';
import { generateSessionItems, PLANTED, storedWithoutMasking } from '../support/session-items';
import { startTestHost, type TestHost } from '../support/test-host';

let azurite: RunningBackend;
let host: TestHost;
let admin: string;
let device: DeviceSession;

function auth(token: string) {
  return { authorization: `Bearer ${token}` };
}

function parseNdjson(gzipped: Buffer): Array<Record<string, unknown>> {
  return gunzipSync(gzipped)
    .toString('utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

beforeAll(async () => {
  azurite = await startAzurite({});
  host = await startTestHost({ STORAGE_BLOB_ENDPOINT: azurite.endpoint });
  admin = await host.token({ roles: ['admin'], products: ['demo'] });
  device = await openDeviceSession(host, admin);
  const planted = storedWithoutMasking(generateSessionItems({ logs: 300, spans: 40, plantSecrets: true }).items, {
    productId: 'demo',
    sessionId: device.sessionId,
  });
  await host.deps.stores.telemetry.upsertLogs({ productId: 'demo', sessionId: device.sessionId }, planted.logs);
  await host.deps.stores.telemetry.upsertSpans({ productId: 'demo', sessionId: device.sessionId }, planted.spans);
});
afterAll(async () => {
  await host.close();
  await azurite.close();
});

describe('POST /api/diagnostics/sessions/{id}/export', () => {
  it('writes gzip NDJSON to Blob storage and answers a working, time-limited link with an expiry notice', async () => {
    const engineer = await host.token({ roles: ['engineer'], products: ['demo'] });
    const response = await host.call('POST', `/api/diagnostics/sessions/${device.sessionId}/export`, { headers: auth(engineer) });
    expect(response.status).toBe(201);
    expect(response.headers.get('x-export-channel')).toBe('blob');
    const body = (await response.json()) as { download: { url: string; expiresAt: string }; expiryNotice: string; items: { logs: number; spans: number } };
    expect(body.expiryNotice).toContain(body.download.expiresAt);
    const minutes = (Date.parse(body.download.expiresAt) - Date.now()) / 60_000;
    expect(minutes).toBeGreaterThan(55);
    expect(minutes).toBeLessThanOrEqual(60);
    expect(new URL(body.download.url).searchParams.get('sp')).toBe('r');

    const download = await fetch(body.download.url);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-disposition')).toMatch(/attachment; filename=".*\.ndjson\.gz"/);
    const lines = parseNdjson(Buffer.from(await download.arrayBuffer()));
    expect(lines[0]).toMatchObject({ type: 'export', sessionId: device.sessionId });
    expect(lines.length - 1).toBe(body.items.logs + body.items.spans);
    expect(body.items.spans).toBe(40);
    expect(new Set(lines.slice(1).map((line) => line.type))).toEqual(new Set(['log', 'breadcrumb', 'network', 'span']));
    const text = JSON.stringify(lines);
    for (const secret of Object.values(PLANTED)) expect(text).not.toContain(secret);
    // A download link cannot write.
    expect((await fetch(body.download.url, { method: 'PUT', body: 'x', headers: { 'x-ms-blob-type': 'BlockBlob' } })).status).toBe(403);
  });

  it('streams the export in the response when Blob storage refuses the write, says so, and audits it', async () => {
    // A real failure of the primary channel: the container the export goes to no longer exists.
    await host.deps.infra.blobService.getContainerClient('exports').delete();
    const response = await host.call('POST', `/api/diagnostics/sessions/${device.sessionId}/export`, { headers: auth(admin) });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-export-channel')).toBe('fallback-stream');
    expect(response.headers.get('x-export-fallback-reason')).toBe('blob_write_failed');
    expect(response.headers.get('x-export-notice')).toMatch(/audited/);
    expect(response.headers.get('content-type')).toBe('application/gzip');
    const lines = parseNdjson(Buffer.from(await response.arrayBuffer()));
    expect(lines[0]).toMatchObject({ type: 'export', sessionId: device.sessionId });
    expect(lines.length).toBeGreaterThan(300);
    for (const secret of Object.values(PLANTED)) expect(JSON.stringify(lines)).not.toContain(secret);

    const audit = await host.deps.stores.audit.list('demo', { sessionId: device.sessionId, action: 'export.fallback_download' }, { maxItems: 10 });
    expect(audit.items).toHaveLength(1);
    expect(audit.items[0]!.details).toMatchObject({ exportId: response.headers.get('x-export-id'), reason: 'blob_write_failed', channel: 'fallback-stream' });
    expect(host.telemetry.total('debug.export.fallback_total', { reason: 'blob_write_failed' })).toBe(1);
  });

  it('is for engineers and admins of the product only', async () => {
    const other = await host.token({ roles: ['admin'], products: ['other'] });
    expect((await host.call('POST', `/api/diagnostics/sessions/${device.sessionId}/export`, { headers: auth(other) })).status).toBe(404);
    expect((await host.call('POST', `/api/diagnostics/sessions/${device.sessionId}/export`, { headers: device.deviceHeaders })).status).toBe(401);
  });
});
