// Live tail through the local host: a device's SDK sends while an engineer tails the session over SSE, dropping
// the connection twice and resuming with Last-Event-ID; filters, the per-caller cap, the time limit, heartbeats,
// the `dropped` event past 500 items, the `end` event, and who may tail.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiagnosticsClient } from '../../sdk/src/client';
import type { FetchFunction } from '../../sdk/src/runtime';
import { ManualRuntime } from '../../sdk/test/support/manual-runtime';
import { openDeviceSession } from '../support/device-session';
import { itemsOf, openSse, readSse } from '../support/sse-client';
import { startTestHost, type TestHost } from '../support/test-host';

let host: TestHost;
let admin: string;
let engineer: string;

beforeAll(async () => {
  host = await startTestHost({
    TAIL_POLL_INTERVAL_MS: '200',
    TAIL_SETTLE_MS: '300',
    TAIL_HEARTBEAT_SECONDS: '1',
    TAIL_MAX_STREAM_SECONDS: '30',
    TAIL_MAX_STREAMS_PER_CALLER: '2',
    RATE_LIMIT_SESSION_CREATES_PER_HOUR: '1000',
    RATE_LIMIT_INGEST_BATCHES_PER_MINUTE: '1000',
  });
  admin = await host.token({ roles: ['admin'], products: ['demo'] });
  engineer = await host.token({ roles: ['engineer'], products: ['demo'] });
});
afterAll(() => host.close());

const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

function tailUrl(sessionId: string, query = ''): string {
  return `${host.url}/api/diagnostics/sessions/${sessionId}/tail${query}`;
}

function quietConsole(): Console {
  const ignore = () => undefined;
  return { log: ignore, info: ignore, warn: ignore, error: ignore, debug: ignore, trace: ignore } as unknown as Console;
}

describe('live tail while the SDK sends', () => {
  it('delivers every item exactly once and in order over two reconnects, then ends with the session', async () => {
    const deviceId = `tail-${randomUUID().slice(0, 8)}`;
    // The session exists before the app starts, so the SDK's first config poll picks it up.
    const created = await host.call('POST', '/api/diagnostics/sessions', {
      body: { productId: 'demo', targetDeviceId: deviceId, userConsent: 'pre_consent', collectionLevel: 'debug' },
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(created.status).toBe(201);
    const sessionId = ((await created.json()) as { id: string }).id;
    const runtime = new ManualRuntime();
    const sdk = new DiagnosticsClient({
      endpoint: host.url,
      productKey: host.productKey(),
      deviceId,
      fetch: globalThis.fetch.bind(globalThis) as FetchFunction,
      clock: runtime,
      timers: runtime,
      globalScope: { fetch: globalThis.fetch.bind(globalThis) as FetchFunction, console: quietConsole() },
      instrument: { exit: false, errors: false },
    });
    await sdk.start();
    expect(sdk.isSessionActive()).toBe(true);

    const total = 60;
    const sending = (async () => {
      for (let index = 0; index < total; index++) {
        // One millisecond apart on the device, so the send order is the items' time order.
        runtime.advance(1);
        sdk.log(index % 7 === 3 ? 'error' : 'info', `step ${index}`, { index });
        if (index % 5 === 4) {
          await sdk.flush();
          await sleep(150);
        }
      }
      await sdk.flush();
    })();

    const received: Array<{ id: string; index: number }> = [];
    let lastEventId: string | undefined;
    let forcedReconnects = 0;
    let connections = 0;
    let ended: any;
    // Once every item arrived, the admin ends the session (while the stream stays open), and the stream ends too.
    let cancelling: Promise<Response> | undefined;
    const cancelOnceAllArrived = (count: number) => {
      if (count < total || cancelling) return;
      cancelling = sending.then(() => host.call('DELETE', `/api/diagnostics/sessions/${sessionId}`, { headers: { authorization: `Bearer ${admin}` } }));
    };
    while (!ended && connections < 20) {
      connections++;
      // Drop the connection ourselves twice mid-stream: after 15 items, then after 35.
      const dropAt = forcedReconnects === 0 ? 15 : forcedReconnects === 1 ? 35 : Number.POSITIVE_INFINITY;
      const connection = await readSse(tailUrl(sessionId), {
        headers: { authorization: `Bearer ${engineer}`, ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
        until: (events) => {
          const count = received.length + itemsOf(events).length;
          cancelOnceAllArrived(count);
          return count >= dropAt || events.some((event) => event.event === 'end');
        },
      });
      expect(connection.status).toBe(200);
      expect(connection.headers.get('content-type')).toMatch(/^text\/event-stream/);
      for (const event of connection.events) {
        if (event.id) lastEventId = event.id;
        if (event.event === 'item') received.push({ id: JSON.parse(event.data).id, index: JSON.parse(event.data).context.index });
        if (event.event === 'end') ended = JSON.parse(event.data);
      }
      if (!ended && !connection.closedByServer) forcedReconnects++;
    }
    expect((await cancelling)?.status).toBe(200);
    await sending;
    expect(forcedReconnects).toBe(2);
    expect(ended).toEqual({ sessionId, status: 'cancelled' });
    expect(received.map((item) => item.index)).toEqual(Array.from({ length: total }, (_, index) => index));
    expect(new Set(received.map((item) => item.id)).size).toBe(total);
  }, 60_000);
});

describe('filters, limits and the stream itself', () => {
  it('streams only what the filters ask for, masked', async () => {
    const session = await openDeviceSession(host, admin, { capture: { logs: true, traces: true, breadcrumbs: true, network: true }, collectionLevel: 'trace' });
    const reading = openSse(tailUrl(session.sessionId, '?level=error,fatal&text=pay'), {
      headers: { authorization: `Bearer ${engineer}` },
      until: (events) => itemsOf(events).length >= 2,
      timeoutInMs: 15_000,
    });
    await reading.opened;
    const now = Date.now();
    const items = [
      { kind: 'log', id: 'f1', timestamp: new Date(now).toISOString(), level: 'error', message: 'payment failed for jane.doe@example.com' },
      { kind: 'log', id: 'f2', timestamp: new Date(now + 1).toISOString(), level: 'info', message: 'payment screen opened' },
      { kind: 'log', id: 'f3', timestamp: new Date(now + 2).toISOString(), level: 'error', message: 'render failed' },
      { kind: 'breadcrumb', id: 'f4', timestamp: new Date(now + 3).toISOString(), category: 'ui', level: 'error', message: 'pay button broken' },
      {
        kind: 'span',
        traceId: 'c'.repeat(32),
        spanId: '1'.repeat(16),
        name: 'pay',
        startTime: new Date(now).toISOString(),
        endTime: new Date(now + 5).toISOString(),
      },
    ];
    const sent = await host.call('POST', '/api/diagnostics/ingest', { body: { sessionId: session.sessionId, items }, headers: session.deviceHeaders });
    expect(sent.status).toBe(202);
    const connection = await reading.connection;
    const docs = itemsOf(connection.events).map((item) => item.doc);
    expect(docs.map((doc) => doc.itemId)).toEqual(['f1', 'f4']);
    expect(docs[0].message).toBe('payment failed for [EMAIL]');
  });

  it('sends an item rewritten by a retried batch once per connection', async () => {
    const session = await openDeviceSession(host, admin);
    const reading = openSse(tailUrl(session.sessionId), { headers: { authorization: `Bearer ${engineer}` }, timeoutInMs: 4_500 });
    await reading.opened;
    const items = [1, 2, 3].map((n) => ({ kind: 'log', id: `r${n}`, timestamp: new Date(Date.now() + n).toISOString(), level: 'info', message: `retry ${n}` }));
    for (let attempt = 0; attempt < 2; attempt++) {
      expect(
        (await host.call('POST', '/api/diagnostics/ingest', { body: { sessionId: session.sessionId, items }, headers: session.deviceHeaders })).status,
      ).toBe(202);
      // The retry lands in a later commit second, so storage gives the rewritten documents a new commit time.
      await sleep(1100);
    }
    const connection = await reading.connection;
    expect(itemsOf(connection.events).map((item) => item.doc.itemId)).toEqual(['r1', 'r2', 'r3']);
  });

  it('answers 429 with Retry-After past the per-caller cap, and frees the slot when a client goes away', async () => {
    const session = await openDeviceSession(host, admin);
    const caller = await host.token({ roles: ['engineer'], products: ['demo'], subject: `capped-${randomUUID().slice(0, 6)}` });
    const headers = { authorization: `Bearer ${caller}` };
    const opened = [new AbortController(), new AbortController()];
    const streams = await Promise.all(opened.map((abort) => fetch(tailUrl(session.sessionId), { headers, signal: abort.signal })));
    expect(streams.map((response) => response.status)).toEqual([200, 200]);
    const third = await host.call('GET', `/api/diagnostics/sessions/${session.sessionId}/tail`, { headers });
    expect(third.status).toBe(429);
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(third.headers.get('content-type')).toMatch(/problem\+json/);
    // Another caller is not held back by this one's cap.
    const other = new AbortController();
    expect((await fetch(tailUrl(session.sessionId), { headers: { authorization: `Bearer ${engineer}` }, signal: other.signal })).status).toBe(200);
    other.abort();
    opened[0]!.abort();
    // The host sees the disconnect, cancels the stream and gives the slot back.
    let again = 429;
    for (let attempt = 0; attempt < 20 && again === 429; attempt++) {
      await sleep(100);
      const response = await host.call('GET', `/api/diagnostics/sessions/${session.sessionId}/tail`, { headers });
      again = response.status;
      await response.body?.cancel();
    }
    expect(again).toBe(200);
    opened[1]!.abort();
  });

  it('stops polling when the client disconnects', async () => {
    const session = await openDeviceSession(host, admin);
    const before = host.deps.services.watch.liveTail.streams.size;
    const abort = new AbortController();
    const response = await fetch(tailUrl(session.sessionId), { headers: { authorization: `Bearer ${engineer}` }, signal: abort.signal });
    expect(response.status).toBe(200);
    expect(host.deps.services.watch.liveTail.streams.size).toBe(before + 1);
    abort.abort();
    for (let attempt = 0; attempt < 20 && host.deps.services.watch.liveTail.streams.size > before; attempt++) await sleep(50);
    expect(host.deps.services.watch.liveTail.streams.size).toBe(before);
  });

  it('sends heartbeat comments on an idle stream and a retry hint', async () => {
    const session = await openDeviceSession(host, admin);
    const connection = await readSse(tailUrl(session.sessionId), { headers: { authorization: `Bearer ${engineer}` }, timeoutInMs: 2_600 });
    expect(connection.retry).toBeGreaterThan(0);
    expect(connection.comments.filter((comment) => comment === 'heartbeat').length).toBeGreaterThanOrEqual(1);
    expect(connection.events).toEqual([]);
  });

  it('skips past 500 items a second with a dropped event the client can resume from', async () => {
    const session = await openDeviceSession(host, admin);
    const now = Date.now();
    const batch = (prefix: string, count: number) =>
      Array.from({ length: count }, (_, index) => ({
        kind: 'log',
        id: `${prefix}${index}`,
        timestamp: new Date(now + index).toISOString(),
        level: 'info',
        message: `${prefix} ${index}`,
      }));
    // A marker first, to hold a cursor from before the burst.
    const first = openSse(tailUrl(session.sessionId), { headers: { authorization: `Bearer ${engineer}` }, until: (events) => itemsOf(events).length >= 1 });
    await first.opened;
    expect(
      (await host.call('POST', '/api/diagnostics/ingest', { body: { sessionId: session.sessionId, items: batch('m', 1) }, headers: session.deviceHeaders }))
        .status,
    ).toBe(202);
    const marker = itemsOf((await first.connection).events)[0]!;
    // 600 items in batches of 40, so the 500th and 501st after the marker are in one batch (one bulk write, one
    // commit second). The tail reads whole seconds up to the 501st entry's: were a second to end exactly after the
    // 500th (batches of 50 on a loaded machine could), the stream would rightly send 500, then 100, dropping none.
    for (let round = 0; round < 15; round++) {
      const response = await host.call('POST', '/api/diagnostics/ingest', {
        body: { sessionId: session.sessionId, items: batch(`b${round}-`, 40) },
        headers: session.deviceHeaders,
      });
      expect(response.status).toBe(202);
    }
    await sleep(1500);
    const resumed = await readSse(tailUrl(session.sessionId), {
      headers: { authorization: `Bearer ${engineer}`, 'last-event-id': marker.id },
      until: (events) => events.some((event) => event.event === 'dropped'),
    });
    const items = itemsOf(resumed.events);
    const dropped = resumed.events.find((event) => event.event === 'dropped')!;
    expect(items).toHaveLength(500);
    expect(JSON.parse(dropped.data).count).toBe(100);
    expect(new Set(items.map((item) => item.doc.id)).size).toBe(500);
    expect(items.some((item) => item.doc.itemId === 'm0')).toBe(false);
  });

  it('refuses callers who may not read the session and cursors it did not make', async () => {
    const session = await openDeviceSession(host, admin);
    const outsider = await host.token({ roles: ['engineer'], products: ['other'] });
    expect((await host.call('GET', `/api/diagnostics/sessions/${session.sessionId}/tail`, { headers: { authorization: `Bearer ${outsider}` } })).status).toBe(
      404,
    );
    expect((await host.call('GET', `/api/diagnostics/sessions/${session.sessionId}/tail`)).status).toBe(401);
    const forged = await host.call('GET', `/api/diagnostics/sessions/${session.sessionId}/tail`, {
      headers: { authorization: `Bearer ${engineer}`, 'last-event-id': 'tc1.bm90IGEgY3Vyc29y' },
    });
    expect(forged.status).toBe(400);
    expect((await forged.json()).errors[0].field).toBe('Last-Event-ID');
    const badType = await host.call('GET', `/api/diagnostics/sessions/${session.sessionId}/tail?type=metric`, {
      headers: { authorization: `Bearer ${engineer}` },
    });
    expect(badType.status).toBe(400);
    expect((await badType.json()).errors[0].field).toMatch(/^query\.type/);
  });
});

describe('the stream time limit', () => {
  it('ends a stream resumed after the session ended, even when the time limit is shorter than the end grace', async () => {
    // The grace after the end is 2 s + the settle time (300 ms): longer than this host's 2 s stream limit. It counts
    // from the session's end, not from each connection, so a resumed stream does not start it anew.
    const limited = await startTestHost({ TAIL_POLL_INTERVAL_MS: '200', TAIL_SETTLE_MS: '300', TAIL_MAX_STREAM_SECONDS: '2' });
    try {
      const token = await limited.token({ roles: ['engineer'], products: ['demo'] });
      const session = await openDeviceSession(limited, await limited.token());
      const item = { kind: 'log', id: 'last', timestamp: new Date().toISOString(), level: 'info', message: 'sent before the end' };
      expect(
        (await limited.call('POST', '/api/diagnostics/ingest', { body: { sessionId: session.sessionId, items: [item] }, headers: session.deviceHeaders }))
          .status,
      ).toBe(202);
      expect(
        (await limited.call('DELETE', `/api/diagnostics/sessions/${session.sessionId}`, { headers: { authorization: `Bearer ${await limited.token()}` } }))
          .status,
      ).toBe(200);
      const url = `${limited.url}/api/diagnostics/sessions/${session.sessionId}/tail`;
      const first = await readSse(url, { headers: { authorization: `Bearer ${token}` }, timeoutInMs: 10_000 });
      const sent = itemsOf(first.events);
      expect(sent.map((entry) => entry.doc.itemId)).toEqual(['last']);
      // Past the grace: the resumed stream sends nothing new and ends with the session's status.
      await sleep(2_500);
      const resumed = await readSse(url, { headers: { authorization: `Bearer ${token}`, 'last-event-id': sent[0]!.id }, timeoutInMs: 10_000 });
      expect(itemsOf(resumed.events)).toEqual([]);
      const end = resumed.events.find((event) => event.event === 'end');
      expect(end && JSON.parse(end.data)).toEqual({ sessionId: session.sessionId, status: 'cancelled' });
    } finally {
      await limited.close();
    }
  });

  it('closes itself with a retry hint, and the next connection resumes from Last-Event-ID', async () => {
    const limited = await startTestHost({ TAIL_POLL_INTERVAL_MS: '200', TAIL_SETTLE_MS: '300', TAIL_MAX_STREAM_SECONDS: '2' });
    try {
      const token = await limited.token({ roles: ['engineer'], products: ['demo'] });
      const session = await openDeviceSession(limited, await limited.token());
      const url = `${limited.url}/api/diagnostics/sessions/${session.sessionId}/tail`;
      const reading = openSse(url, { headers: { authorization: `Bearer ${token}` }, timeoutInMs: 10_000 });
      await reading.opened;
      const item = { kind: 'log', id: 'x1', timestamp: new Date().toISOString(), level: 'info', message: 'before the limit' };
      expect(
        (await limited.call('POST', '/api/diagnostics/ingest', { body: { sessionId: session.sessionId, items: [item] }, headers: session.deviceHeaders }))
          .status,
      ).toBe(202);
      const first = await reading.connection;
      expect(first.closedByServer).toBe(true);
      expect(first.retry).toBe(1000);
      const ids = itemsOf(first.events);
      expect(ids.map((entry) => entry.doc.itemId)).toEqual(['x1']);
      const next = { ...item, id: 'x2', message: 'after the limit' };
      expect(
        (await limited.call('POST', '/api/diagnostics/ingest', { body: { sessionId: session.sessionId, items: [next] }, headers: session.deviceHeaders }))
          .status,
      ).toBe(202);
      const second = await readSse(url, {
        headers: { authorization: `Bearer ${token}`, 'last-event-id': ids[0]!.id },
        until: (events) => itemsOf(events).length >= 1,
      });
      expect(itemsOf(second.events).map((entry) => entry.doc.itemId)).toEqual(['x2']);
    } finally {
      await limited.close();
    }
  });
});

describe('an app clock apart from the storage clock', () => {
  it('reads by the time storage stamps commits with, so items written after the stream opened are all sent', async () => {
    // The app's clock runs 6 s ahead (as a test that moves time does): the cursor and the settle window still
    // follow storage's `_ts`, so nothing written after the stream opened falls behind the cursor.
    const skewed = await startTestHost({ TAIL_POLL_INTERVAL_MS: '200', TAIL_SETTLE_MS: '300' });
    try {
      const token = await skewed.token({ roles: ['engineer'], products: ['demo'] });
      const session = await openDeviceSession(skewed, await skewed.token());
      skewed.clock.advance(6_000);
      const reading = openSse(`${skewed.url}/api/diagnostics/sessions/${session.sessionId}/tail`, {
        headers: { authorization: `Bearer ${token}` },
        until: (events) => itemsOf(events).length >= 2,
        timeoutInMs: 10_000,
      });
      await reading.opened;
      const item = (id: string) => ({
        kind: 'log',
        id,
        timestamp: skewed.clock.now().toISOString(),
        level: 'info',
        message: `written after the stream opened (${id})`,
      });
      expect(
        (await skewed.call('POST', '/api/diagnostics/ingest', { body: { sessionId: session.sessionId, items: [item('s1')] }, headers: session.deviceHeaders }))
          .status,
      ).toBe(202);
      await sleep(1_500);
      expect(
        (await skewed.call('POST', '/api/diagnostics/ingest', { body: { sessionId: session.sessionId, items: [item('s2')] }, headers: session.deviceHeaders }))
          .status,
      ).toBe(202);
      expect(itemsOf((await reading.connection).events).map((entry) => entry.doc.itemId)).toEqual(['s1', 's2']);
    } finally {
      await skewed.close();
    }
  });
});

describe('many streams on one session', () => {
  it('share their storage reads on an instance, and each still gets every item through its own field view', async () => {
    const shared = await startTestHost({ TAIL_POLL_INTERVAL_MS: '200', TAIL_SETTLE_MS: '300' });
    try {
      const session = await openDeviceSession(shared, await shared.token(), { capture: { logs: true, network: true } });
      const url = `${shared.url}/api/diagnostics/sessions/${session.sessionId}/tail`;
      const total = 12;
      // Four engineers who may see sensitive fields and two viewers who may not, each on a stream of their own.
      const sensitive = await Promise.all([1, 2, 3, 4].map((index) => shared.token({ subject: `eng-${index}`, roles: ['engineer'], products: ['demo'] })));
      const viewers = await Promise.all(
        [1, 2].map((index) => shared.token({ subject: `viewer-${index}`, roles: ['viewer'], products: ['demo'], sensitive: false })),
      );
      const reads = (value: 'true' | 'false') => shared.telemetry.total('tail.reads_total', { shared: value });
      const before = { storage: reads('false'), shared: reads('true') };
      const streams = [...sensitive, ...viewers].map((token) =>
        openSse(url, { headers: { authorization: `Bearer ${token}` }, until: (events) => itemsOf(events).length >= total, timeoutInMs: 30_000 }),
      );
      await Promise.all(streams.map((stream) => stream.opened));
      for (let batch = 0; batch < 4; batch++) {
        const items = [0, 1, 2].map((index) => ({
          kind: 'network',
          id: `n${batch}-${index}`,
          timestamp: new Date().toISOString(),
          method: 'POST',
          url: 'https://shop.example.com/v1/orders',
          status: 201,
          durationMs: 40,
          requestHeaders: { 'content-type': 'application/json' },
          requestBody: JSON.stringify({ sku: `sku-${batch}-${index}`, quantity: 1 }),
        }));
        expect(
          (await shared.call('POST', '/api/diagnostics/ingest', { body: { sessionId: session.sessionId, items }, headers: session.deviceHeaders })).status,
        ).toBe(202);
        await sleep(300);
      }
      const connections = await Promise.all(streams.map((stream) => stream.connection));
      for (const [index, connection] of connections.entries()) {
        const items = itemsOf(connection.events);
        expect(items.map((item) => item.doc.itemId).sort()).toEqual(Array.from({ length: total }, (_, at) => `n${Math.floor(at / 3)}-${at % 3}`));
        if (index < sensitive.length)
          expect(items.every((item) => typeof item.doc.requestBody === 'string' && item.doc.requestBody.includes('sku-'))).toBe(true);
        else expect(items.every((item) => item.doc.requestBody?.withheld === 'requires Diagnostics.Sensitive')).toBe(true);
      }
      // Six streams polling five times a second each: at the live edge five of every six reads are answered by
      // another stream's (fewer on a loaded machine, where ticks drift apart); at least half, whatever the load.
      const storage = reads('false') - before.storage;
      const answeredShared = reads('true') - before.shared;
      expect(storage).toBeGreaterThan(0);
      expect(answeredShared).toBeGreaterThanOrEqual(storage);
    } finally {
      await shared.close();
    }
  }, 60_000);
});
