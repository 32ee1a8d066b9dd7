// Blob storage that accepts connections and never answers (Azurite frozen behind a proxy): confirm and report
// answer 503 with Retry-After within the storage deadline instead of hanging, export streams its file instead,
// and once storage answers again the same calls succeed.
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openDeviceSession, type DeviceSession } from '../support/device-session';
import { startFreezableProxy, type FreezableProxy } from '../support/freezable-proxy';
import { pngImage } from '../support/images';
import { startTestHost, type TestHost } from '../support/test-host';

let host: TestHost;
let proxy: FreezableProxy;
let admin: string;
let device: DeviceSession;

beforeAll(async () => {
  proxy = await startFreezableProxy(inject('blobEndpoint'));
  host = await startTestHost({ STORAGE_BLOB_ENDPOINT: proxy.url, BLOB_TRY_TIMEOUT_MS: '300', BLOB_MAX_TRIES: '2', BLOB_DEADLINE_MS: '1000' });
  admin = await host.token({ roles: ['admin'], products: ['demo'] });
  device = await openDeviceSession(host, admin);
  const ingested = await host.call('POST', '/api/diagnostics/ingest', {
    body: {
      sessionId: device.sessionId,
      device: { platform: 'web', appVersion: '1.0.0' },
      items: [{ kind: 'log', id: 'l1', level: 'error', message: 'boom', timestamp: new Date().toISOString() }],
    },
    headers: device.deviceHeaders,
  });
  expect(ingested.status).toBeLessThan(300);
});
afterAll(async () => {
  proxy.thaw();
  await host.close();
  await proxy.close();
});

async function uploadedScreenshot(): Promise<string> {
  const image = pngImage(32, 16);
  const declared = await host.call('POST', `/api/diagnostics/sessions/${device.sessionId}/screenshots`, {
    body: { format: 'png', sizeBytes: image.length, width: 32, height: 16, capturedAt: new Date().toISOString() },
    headers: device.deviceHeaders,
  });
  expect(declared.status).toBe(201);
  const instructions = (await declared.json()) as { screenshot: { id: string }; upload: { url: string } };
  const put = await fetch(instructions.upload.url, {
    method: 'PUT',
    body: new Uint8Array(image),
    headers: { 'x-ms-blob-type': 'BlockBlob', 'content-type': 'image/png' },
  });
  expect(put.status).toBe(201);
  return instructions.screenshot.id;
}

async function expectUnavailable(response: Response): Promise<void> {
  expect(response.status).toBe(503);
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(((await response.json()) as { type: string }).type).toBe('urn:diagnostics:problem:unavailable');
}

describe('blob storage that never answers', () => {
  it('answers confirm and report with 503 and Retry-After, and export through its streaming channel', async () => {
    const screenshotId = await uploadedScreenshot();
    proxy.freeze();
    try {
      const confirm = host.call('POST', `/api/diagnostics/sessions/${device.sessionId}/screenshots/${screenshotId}/confirm`, { headers: device.deviceHeaders });
      const report = host.call('POST', `/api/diagnostics/sessions/${device.sessionId}/report`, { headers: { authorization: `Bearer ${admin}` } });
      const exported = host.call('POST', `/api/diagnostics/sessions/${device.sessionId}/export`, { headers: { authorization: `Bearer ${admin}` } });
      // Storage stays frozen until all three have answered: before the deadlines they hung here until the test timed out.
      await expectUnavailable(await confirm);
      await expectUnavailable(await report);
      const fallback = await exported;
      expect(fallback.status).toBe(200);
      expect(fallback.headers.get('x-export-channel')).toBe('fallback-stream');
      expect(fallback.headers.get('x-export-fallback-reason')).toBe('blob_write_failed');
      const lines = gunzipSync(Buffer.from(await fallback.arrayBuffer()))
        .toString('utf8')
        .trim()
        .split('\n');
      expect(JSON.parse(lines[0]!)).toMatchObject({ type: 'export', sessionId: device.sessionId, logs: 1 });
    } finally {
      proxy.thaw();
    }

    // Storage is back: the same screenshot confirms and the export gets its link again.
    const confirmed = await host.call('POST', `/api/diagnostics/sessions/${device.sessionId}/screenshots/${screenshotId}/confirm`, {
      headers: device.deviceHeaders,
    });
    expect(confirmed.status).toBe(200);
    expect(((await confirmed.json()) as { status: string }).status).toBe('confirmed');
    const exported = await host.call('POST', `/api/diagnostics/sessions/${device.sessionId}/export`, { headers: { authorization: `Bearer ${admin}` } });
    expect(exported.status).toBe(201);
    expect(exported.headers.get('x-export-channel')).toBe('blob');
  });
});
