// The dashboard's live sources and typed client against the local host: the live tail read with fetch and a
// bearer token, the stream's own time limit crossed with Last-Event-ID (every item once), the end of the session,
// and the hand-over to polling when the tail refuses (over the per-caller cap); the polling fallback reports items
// that arrive between polls once each, also when several share the instant the last poll ended on (`from` is
// inclusive), and nothing that was there before it started.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../dashboard/src/api/client';
import type { TimelineDoc } from '../../dashboard/src/api/types';
import { pollingLiveSource, type LiveSource } from '../../dashboard/src/live/live-source';
import { tailLiveSource } from '../../dashboard/src/live/tail-source';
import { openDeviceSession, type DeviceSession } from '../support/device-session';
import { startTestHost, type TestHost } from '../support/test-host';

let host: TestHost;
let admin: string;

beforeAll(async () => {
  host = await startTestHost({
    TAIL_POLL_INTERVAL_MS: '200',
    TAIL_SETTLE_MS: '100',
    TAIL_HEARTBEAT_SECONDS: '1',
    // The stream's time limit is crossed during the test; it outlasts the grace a stream drains for after its
    // session ended (2 s + index refresh + settle), so a stream open at the cancel sends `end`.
    TAIL_MAX_STREAM_SECONDS: '4',
    CONFIG_INDEX_REFRESH_MS: '100',
    TAIL_MAX_STREAMS_PER_CALLER: '1',
    RATE_LIMIT_INGEST_BATCHES_PER_MINUTE: '1000',
    RATE_LIMIT_SESSION_CREATES_PER_HOUR: '1000',
    // Ingest reads the session per batch here, so each batch is visible to the next poll at once.
    INGEST_SESSION_CACHE_MS: '0',
  });
  admin = await host.token({ roles: ['admin'], products: ['demo'] });
});
afterAll(() => host.close());

const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

function apiFor(token: string): ApiClient {
  return new ApiClient({ token: () => Promise.resolve(token), rejected: () => undefined }, `${host.url}/api`);
}

async function ingest(session: DeviceSession, messages: string[]): Promise<void> {
  const response = await host.call('POST', '/api/diagnostics/ingest', {
    body: {
      sessionId: session.sessionId,
      device: { deviceId: session.deviceId },
      items: messages.map((message, index) => ({
        kind: 'log',
        id: message.replace(' ', '-'),
        timestamp: new Date(Date.now() + index).toISOString(),
        level: 'info',
        message,
      })),
    },
    headers: session.deviceHeaders,
  });
  expect(response.status).toBe(202);
}

/** A polling source that records that it was started, and reports nothing. */
function recordingFallback(): LiveSource & { started: number } {
  const source = {
    started: 0,
    start: () => {
      source.started += 1;
      return () => undefined;
    },
  };
  return source;
}

async function sendLogs(device: DeviceSession, logs: Array<{ id: string; timestamp: string }>): Promise<void> {
  const response = await host.call('POST', '/api/diagnostics/ingest', {
    body: {
      sessionId: device.sessionId,
      device: { deviceId: device.deviceId },
      items: logs.map((log) => ({ kind: 'log', level: 'info', message: `line ${log.id}`, ...log })),
    },
    headers: device.deviceHeaders,
  });
  expect(response.status).toBe(202);
}

describe("the dashboard's live source", () => {
  it('reports each item once across the stream time limit, then stops when the session ends', async () => {
    const session = await openDeviceSession(host, admin);
    const received: TimelineDoc[] = [];
    const fallback = recordingFallback();
    const errors: unknown[] = [];
    const api = apiFor(admin);
    const resumedFrom: Array<string | undefined> = [];
    const counting = {
      openTail: (id: string, lastEventId: string | undefined, signal: AbortSignal) => (resumedFrom.push(lastEventId), api.openTail(id, lastEventId, signal)),
    };
    const stop = tailLiveSource(counting, session.sessionId, fallback).start(
      (items) => received.push(...items),
      (error) => errors.push(error),
    );
    await sleep(1200);
    await ingest(session, ['first 1', 'first 2']);
    // Past the 4 s stream limit: the source has reconnected with Last-Event-ID in between.
    await sleep(5000);
    await ingest(session, ['second 1', 'second 2', 'second 3']);
    await expect.poll(() => received.length, { timeout: 10_000, interval: 100 }).toBe(5);
    const messages = received.map((item) => (item as { message?: string }).message);
    expect(messages).toEqual(['first 1', 'first 2', 'second 1', 'second 2', 'second 3']);
    expect(resumedFrom[0]).toBeUndefined();
    expect(resumedFrom.slice(1).some((id) => id?.startsWith('tc1.'))).toBe(true);

    const cancelled = await host.call('DELETE', `/api/diagnostics/sessions/${session.sessionId}`, { headers: { authorization: `Bearer ${admin}` } });
    expect(cancelled.status).toBeLessThan(300);
    // After `end` the source neither reconnects nor polls: no new stream after one stream limit and retry.
    await sleep(6000);
    const streamsOpened = resumedFrom.length;
    await sleep(5500);
    expect(resumedFrom.length).toBe(streamsOpened);
    stop();
    expect(fallback.started).toBe(0);
    expect(errors).toEqual([]);
  });

  it('hands over to polling when the tail answers 429', async () => {
    const session = await openDeviceSession(host, admin);
    const engineer = await host.token({ roles: ['engineer'], products: ['demo'], subject: 'engineer-cap' });
    // The caller's one slot is taken by another tab.
    const other = await fetch(`${host.url}/api/diagnostics/sessions/${session.sessionId}/tail`, {
      headers: { authorization: `Bearer ${engineer}`, accept: 'text/event-stream' },
    });
    expect(other.status).toBe(200);
    const fallback = recordingFallback();
    const errors: unknown[] = [];
    const stop = tailLiveSource(apiFor(engineer), session.sessionId, fallback).start(
      () => undefined,
      (error) => errors.push(error),
    );
    await expect.poll(() => fallback.started, { timeout: 5000, interval: 50 }).toBe(1);
    expect((errors[0] as { status?: number }).status).toBe(429);
    stop();
    await other.body?.cancel();
  });
});

describe('pollingLiveSource', () => {
  it('reports each new item once, including items at the instant the previous poll ended on', async () => {
    const device = await openDeviceSession(host, admin, { userConsent: 'auto' });
    const api = apiFor(await host.token({ roles: ['engineer'], products: ['demo'] }));
    const at = (second: number) => new Date(Date.UTC(2026, 11, 5, 9, 0, second)).toISOString();
    await sendLogs(device, [{ id: 'before-1', timestamp: at(0) }]);

    const reported: TimelineDoc[] = [];
    const errors: unknown[] = [];
    const stop = pollingLiveSource(api, device.sessionId, 40).start(
      (items) => reported.push(...items),
      (error) => errors.push(error),
    );
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
    const engineer = apiFor(await host.token({ roles: ['engineer'], products: ['demo'] }));
    const invalid = await engineer.listLogs('ds_00000000-0000-0000-0000-000000000000', { level: 'loud' }).catch((error: unknown) => error);
    expect(invalid).toMatchObject({ status: 400 });
    expect((invalid as { fieldMessage(field: string): string | undefined }).fieldMessage('query.level')).toBeTruthy();
  });
});
