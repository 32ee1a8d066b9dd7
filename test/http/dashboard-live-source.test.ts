// The dashboard's polling live source and typed client against the real API on the local host: items that
// arrive between polls are reported once each, also when several share the instant the last poll ended on
// (`from` is inclusive), and nothing that was there before the source started is reported as new.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../dashboard/src/api/client';
import type { TimelineDoc } from '../../dashboard/src/api/types';
import { pollingLiveSource } from '../../dashboard/src/live/live-source';
import { openDeviceSession, type DeviceSession } from '../support/device-session';
import { startTestHost, type TestHost } from '../support/test-host';

let host: TestHost;
let admin: string;

beforeAll(async () => {
  // Ingest reads the session per batch here, so each batch is visible to the next poll at once.
  host = await startTestHost({ RATE_LIMIT_SESSION_CREATES_PER_HOUR: '1000', INGEST_SESSION_CACHE_MS: '0', RATE_LIMIT_INGEST_BATCHES_PER_MINUTE: '1000' });
  admin = await host.token({ roles: ['engineer'], products: ['demo'] });
});
afterAll(() => host.close());

async function sendLogs(device: DeviceSession, logs: Array<{ id: string; timestamp: string }>): Promise<void> {
  const response = await host.call('POST', '/api/diagnostics/ingest', {
    body: { sessionId: device.sessionId, device: { deviceId: device.deviceId }, items: logs.map((log) => ({ kind: 'log', level: 'info', message: `line ${log.id}`, ...log })) },
    headers: device.deviceHeaders,
  });
  expect(response.status).toBe(202);
}

describe('pollingLiveSource', () => {
  it('reports each new item once, including items at the instant the previous poll ended on', async () => {
    const owner = await host.token({ roles: ['admin'], products: ['demo'] });
    const device = await openDeviceSession(host, owner, { userConsent: 'auto' });
    const api = new ApiClient({ token: async () => admin, rejected: () => undefined }, `${host.url}/api`);
    const at = (second: number) => new Date(Date.UTC(2026, 11, 5, 9, 0, second)).toISOString();
    await sendLogs(device, [{ id: 'before-1', timestamp: at(0) }]);

    const reported: TimelineDoc[] = [];
    const errors: unknown[] = [];
    const stop = pollingLiveSource(api, device.sessionId, 40).start((items) => reported.push(...items), (error) => errors.push(error));
    try {
      // The baseline poll sees before-1; give it time, then add items.
      await new Promise((resolve) => setTimeout(resolve, 200));
      await sendLogs(device, [
        { id: `a-${randomUUID().slice(0, 4)}`, timestamp: at(5) },
        { id: 'same-1', timestamp: at(7) },
      ]);
      await expect.poll(() => reported.length, { timeout: 10_000 }).toBe(2);
      // Another item at the very instant the last poll ended on (at(7)), and a later one.
      await sendLogs(device, [
        { id: 'same-2', timestamp: at(7) },
        { id: 'later', timestamp: at(9) },
      ]);
      await expect.poll(() => reported.length, { timeout: 10_000 }).toBe(4);
      await new Promise((resolve) => setTimeout(resolve, 300));
    } finally {
      stop();
    }
    const ids = reported.map((item) => item.itemId);
    expect(new Set(ids).size).toBe(4);
    expect(ids).not.toContain('before-1');
    expect(ids).toEqual(expect.arrayContaining(['same-1', 'same-2', 'later']));
    expect(errors).toEqual([]);
  });

  it('passes problem+json to the caller as ApiError, and tells the token source about a 401', async () => {
    let rejected = 0;
    const api = new ApiClient({ token: async () => 'not-a-token', rejected: () => void rejected++ }, `${host.url}/api`);
    const failure = await api.getSession('ds_00000000-0000-0000-0000-000000000000').catch((error: unknown) => error);
    expect(failure).toMatchObject({ status: 401 });
    expect(rejected).toBe(1);
    const engineer = new ApiClient({ token: async () => admin, rejected: () => undefined }, `${host.url}/api`);
    const invalid = await engineer.listLogs('ds_00000000-0000-0000-0000-000000000000', { level: 'loud' }).catch((error: unknown) => error);
    expect(invalid).toMatchObject({ status: 400 });
    expect((invalid as { fieldMessage(field: string): string | undefined }).fieldMessage('query.level')).toBeTruthy();
  });
});
