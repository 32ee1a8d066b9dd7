// The export's fallback when the download link cannot be signed: the file is written to Blob storage, but the
// user delegation key the app signs with in Azure cannot be had (Azurite issues none, so the signer the app
// uses in Azure fails here for real), so the export is streamed in the response, said so, and audited.
import { gunzipSync } from 'node:zlib';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { AZURITE_ACCOUNT_KEY, AZURITE_ACCOUNT_NAME } from '../../local-host/backends';
import { UserDelegationSasSigner } from '../../shared/adapters/blob/sas-signer';
import { openDeviceSession, type DeviceSession } from '../support/device-session';
import { generateSessionItems, storedWithoutMasking } from '../support/session-items';
import { startTestHost, type TestHost } from '../support/test-host';

let host: TestHost;
let admin: string;
let device: DeviceSession;

beforeAll(async () => {
  const azurite = new BlobServiceClient(inject('blobEndpoint'), new StorageSharedKeyCredential(AZURITE_ACCOUNT_NAME, AZURITE_ACCOUNT_KEY));
  host = await startTestHost({}, { sasSigner: new UserDelegationSasSigner(azurite, () => new Date()) });
  admin = await host.token({ roles: ['admin'], products: ['demo'] });
  device = await openDeviceSession(host, admin);
  const stored = storedWithoutMasking(generateSessionItems({ logs: 50, spans: 10 }).items, { productId: 'demo', sessionId: device.sessionId });
  await host.deps.stores.telemetry.upsertLogs({ productId: 'demo', sessionId: device.sessionId }, stored.logs);
  await host.deps.stores.telemetry.upsertSpans({ productId: 'demo', sessionId: device.sessionId }, stored.spans);
});
afterAll(() => host.close());

describe('export when the download link cannot be signed', () => {
  it('streams the export in the response, says why, and audits the download', async () => {
    const response = await host.call('POST', `/api/diagnostics/sessions/${device.sessionId}/export`, { headers: { authorization: `Bearer ${admin}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-export-channel')).toBe('fallback-stream');
    expect(response.headers.get('x-export-fallback-reason')).toBe('link_failed');
    const lines = gunzipSync(Buffer.from(await response.arrayBuffer()))
      .toString('utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ type: 'export', sessionId: device.sessionId });
    expect(lines.length).toBeGreaterThan(50);

    const exportId = response.headers.get('x-export-id')!;
    // The write itself succeeded: the file is in Blob storage, only its link is missing.
    const written = host.deps.infra.blobService.getContainerClient('exports').getBlobClient(`demo/${device.sessionId}/${exportId}.ndjson.gz`);
    expect(await written.exists()).toBe(true);
    const audit = await host.deps.stores.audit.list('demo', { sessionId: device.sessionId, action: 'export.fallback_download' }, { maxItems: 10 });
    expect(audit.items.map((record) => record.details)).toEqual([expect.objectContaining({ exportId, reason: 'link_failed', channel: 'fallback-stream' })]);
    expect(host.telemetry.total('debug.export.fallback_total', { reason: 'link_failed' })).toBe(1);
  });
});
