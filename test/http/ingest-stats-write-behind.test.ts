// Session stats written behind, through HTTP on the local host against the embedded Cosmos: increments of
// many batches arrive summed in one write per session, duplicates and retries still add nothing, and what
// is held in memory is written by the interval and when the host closes.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openDeviceSession, type DeviceSession } from '../support/device-session';
import { startTestHost, type TestHost } from '../support/test-host';

const everything = { logs: true, traces: true, breadcrumbs: true, network: true };

function log(host: TestHost, fields: Record<string, unknown> = {}) {
  return { kind: 'log', id: `l-${randomUUID()}`, timestamp: host.clock.now().toISOString(), level: 'info', message: 'hello', ...fields };
}

function span(host: TestHost) {
  const time = host.clock.now().toISOString();
  return {
    kind: 'span',
    traceId: randomUUID().replace(/-/g, ''),
    spanId: randomUUID().replace(/-/g, '').slice(0, 16),
    name: 'GET /orders',
    startTime: time,
    endTime: time,
  };
}

async function post(host: TestHost, session: DeviceSession, items: unknown[]): Promise<number> {
  const response = await host.call('POST', '/api/diagnostics/ingest', {
    body: { sessionId: session.sessionId, device: { deviceId: session.deviceId }, items },
    headers: session.deviceHeaders,
  });
  return response.status;
}

async function storedStats(host: TestHost, session: DeviceSession) {
  return (await host.deps.stores.sessions.get(session.sessionId))!.session.stats;
}

async function open(host: TestHost): Promise<DeviceSession> {
  return openDeviceSession(host, await host.token({ roles: ['admin'], products: ['demo'] }), { capture: everything, collectionLevel: 'trace' });
}

describe('increments are summed per session and written once per flush', () => {
  let host: TestHost;
  beforeAll(async () => {
    // Longer than the tests: only an explicit flush writes.
    host = await startTestHost({ INGEST_STATS_FLUSH_MS: '60000' });
  });
  afterAll(() => host.close());

  it('writes ten batches of counts in one increment per session, all sessions in one request', async () => {
    const first = await open(host);
    const second = await open(host);
    const writes = vi.spyOn(host.deps.stores.sessions, 'incrementStatsOfMany');
    for (let batch = 0; batch < 10; batch++) {
      expect(await post(host, first, [log(host), log(host, { level: 'error' }), span(host)])).toBe(202);
      expect(await post(host, second, [log(host)])).toBe(202);
    }
    // Nothing is written per batch.
    expect(await storedStats(host, first)).toMatchObject({ logCount: 0, traceCount: 0, errorCount: 0 });
    await host.deps.services.ingest.stats.flush();
    expect(await storedStats(host, first)).toMatchObject({ logCount: 20, traceCount: 10, errorCount: 10 });
    expect(await storedStats(host, second)).toMatchObject({ logCount: 10, traceCount: 0, errorCount: 0 });
    expect(writes).toHaveBeenCalledTimes(1);
    const increments = writes.mock.calls[0]![0];
    expect(increments.filter(({ sessionId }) => sessionId === first.sessionId)).toEqual([
      { sessionId: first.sessionId, delta: expect.objectContaining({ logCount: 20, traceCount: 10, errorCount: 10 }) },
    ]);
    expect(increments.filter(({ sessionId }) => sessionId === second.sessionId)).toHaveLength(1);
    // A flush with nothing new writes nothing.
    await host.deps.services.ingest.stats.flush();
    expect(writes).toHaveBeenCalledTimes(1);
    writes.mockRestore();
  });

  it("leaves an admin's ETag valid while stats are written, and a configuration write keeps the counts", async () => {
    const session = await open(host);
    const admin = await host.token({ roles: ['admin'], products: ['demo'] });
    const read = await host.call('GET', `/api/diagnostics/sessions/${session.sessionId}`, { headers: { authorization: `Bearer ${admin}` } });
    const etag = read.headers.get('etag')!;
    for (let batch = 0; batch < 3; batch++) expect(await post(host, session, [log(host), span(host)])).toBe(202);
    await host.deps.services.ingest.stats.flush();
    const after = await host.call('GET', `/api/diagnostics/sessions/${session.sessionId}`, { headers: { authorization: `Bearer ${admin}` } });
    expect(((await after.json()) as { stats: { logCount: number } }).stats.logCount).toBe(3);
    // Counters changed, the configuration did not: same ETag.
    expect(after.headers.get('etag')).toBe(etag);

    const patched = await host.call('PATCH', `/api/diagnostics/sessions/${session.sessionId}`, {
      body: { reason: 'narrowing it down' },
      headers: { authorization: `Bearer ${admin}`, 'if-match': etag },
    });
    expect(patched.status).toBe(200);
    expect(patched.headers.get('etag')).not.toBe(etag);
    // The write carried the stored counts over, not the ones of the read it was based on.
    expect(await storedStats(host, session)).toMatchObject({ logCount: 3, traceCount: 3 });
    const stale = await host.call('PATCH', `/api/diagnostics/sessions/${session.sessionId}`, {
      body: { reason: 'again' },
      headers: { authorization: `Bearer ${admin}`, 'if-match': etag },
    });
    expect(stale.status).toBe(412);
  });

  it('counts a retried batch and concurrent duplicates once', async () => {
    const session = await open(host);
    const batches = Array.from({ length: 12 }, (_, index) => [
      log(host, { id: `dup-${index}` }),
      log(host, { id: `dup-${index}-e`, level: 'fatal' }),
      span(host),
    ]);
    // Each batch twice at once, then all of them again.
    const answers = await Promise.all(batches.flatMap((items) => [post(host, session, items), post(host, session, items)]));
    expect(answers.every((status) => status === 202)).toBe(true);
    for (const items of batches) expect(await post(host, session, items)).toBe(202);
    await host.deps.services.ingest.stats.flush();
    expect(await storedStats(host, session)).toMatchObject({ logCount: 24, traceCount: 12, errorCount: 12 });
    for (const items of batches.slice(0, 3)) expect(await post(host, session, items)).toBe(202);
    await host.deps.services.ingest.stats.flush();
    expect(await storedStats(host, session)).toMatchObject({ logCount: 24, traceCount: 12, errorCount: 12 });
  });
});

describe('what is held in memory is written without a caller asking', () => {
  it('on the interval', async () => {
    const host = await startTestHost({ INGEST_STATS_FLUSH_MS: '100' });
    try {
      const session = await open(host);
      expect(await post(host, session, [log(host), log(host)])).toBe(202);
      await vi.waitFor(async () => expect(await storedStats(host, session)).toMatchObject({ logCount: 2 }), { timeout: 10_000, interval: 50 });
    } finally {
      await host.close();
    }
  });

  it('when the host closes', async () => {
    const host = await startTestHost({ INGEST_STATS_FLUSH_MS: '60000' });
    let session: DeviceSession;
    try {
      session = await open(host);
      for (let batch = 0; batch < 3; batch++) expect(await post(host, session, [log(host), span(host)])).toBe(202);
      expect(await storedStats(host, session)).toMatchObject({ logCount: 0, traceCount: 0 });
    } finally {
      await host.close();
    }
    // Read with the closed host's Cosmos client: the backends outlive the host.
    expect(await storedStats(host, session)).toMatchObject({ logCount: 3, traceCount: 3 });
  });
});
