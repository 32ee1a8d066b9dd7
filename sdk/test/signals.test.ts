// Signals in the SDK: the pre-crash buffer's bounds (age, bytes), route templates and error fingerprints that
// carry no identifiers, and per-minute counters the server's schema accepts as sent.
import { afterEach, describe, expect, it } from 'vitest';
import { DiagnosticsClient } from '../src/client';
import { PreCrashBuffer } from '../src/pre-crash-buffer';
import { errorFingerprint, routeTemplate, SignalAggregator } from '../src/signals';
import type { LogItem } from '../src/wire';
import { ManualRuntime, SeededRandom } from './support/manual-runtime';
import { startScriptedServer, type ScriptedServer } from './support/scripted-server';
import { expectValidSignalBatch } from './support/wire-contract';

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function log(id: string, time: number, message = 'x'): LogItem {
  return { kind: 'log', id, timestamp: new Date(time).toISOString(), level: 'info', message };
}

describe('pre-crash buffer', () => {
  it('keeps only the last window, oldest first, and marks what it hands over', () => {
    const buffer = new PreCrashBuffer({ windowInMs: 60_000, maxBytes: 100_000 });
    const start = Date.UTC(2024, 0, 1);
    buffer.record(log('a', start), start);
    buffer.record(log('b', start + 30_000), start + 30_000);
    buffer.record(log('c', start + 70_000), start + 70_000);
    expect(buffer.drain(start + 70_000).map((item) => [item.id, item.preSession])).toEqual([
      ['b', true],
      ['c', true],
    ]);
    expect(buffer.size).toBe(0);
  });

  it('is bounded by bytes, dropping the oldest first, and never keeps one item larger than the budget', () => {
    const buffer = new PreCrashBuffer({ windowInMs: 60_000, maxBytes: 1_000 });
    const now = Date.UTC(2024, 0, 1);
    for (let index = 0; index < 50; index++) buffer.record(log(`i${index}`, now, 'y'.repeat(50)), now);
    expect(buffer.sizeInBytes).toBeLessThanOrEqual(1_000);
    const kept = buffer.drain(now).map((item) => item.id);
    expect(kept.at(-1)).toBe('i49');
    expect(kept.length).toBeLessThan(50);
    buffer.record(log('huge', now, 'z'.repeat(5_000)), now);
    expect(buffer.size).toBe(0);
  });

  it('freezes the minute before a crash: later items do not replace it', () => {
    const buffer = new PreCrashBuffer({ windowInMs: 60_000, maxBytes: 100_000 });
    const now = Date.UTC(2024, 0, 1);
    buffer.record(log('before', now), now);
    buffer.takeSnapshot(now + 1_000);
    buffer.record(log('after', now + 2_000), now + 2_000);
    expect(buffer.drain(now + 2_000).map((item) => item.id)).toEqual(['before']);
  });
});

describe('templates and fingerprints', () => {
  it.each([
    ['https://api.example.com/users/12345/orders?token=abc#x', '/users/{id}/orders'],
    ['/files/3f2a1b4c-1d2e-4f5a-9b8c-0123456789ab', '/files/{id}'],
    ['https://x.example/mail/jane%40example.com', '/mail/{id}'],
    ['/api/v2/items', '/api/v2/items'],
    // decodeURIComponent throws on it: the template must not (it runs inside the app's fetch).
    ['/tag/%ZZ/items', '/tag/ZZ/items'],
  ])('%s -> %s', (url, template) => {
    expect(routeTemplate(url)).toBe(template);
  });

  it('fingerprints by type and top frame, not by message or line', () => {
    const stack = (line: number) => `TypeError: boom\n    at checkout (https://app.example/main.js:${line}:7)\n    at click (https://app.example/main.js:9:1)`;
    expect(errorFingerprint('TypeError', stack(10))).toBe(errorFingerprint('TypeError', stack(99)));
    expect(errorFingerprint('TypeError', stack(10))).not.toBe(errorFingerprint('RangeError', stack(10)));
    expect(errorFingerprint('TypeError', stack(10))).toMatch(/^fp-[0-9a-f]{8}$/);
  });
});

describe('signal counters', () => {
  it('sends finished minutes on its interval, in a batch the server accepts as sent', async () => {
    server = await startScriptedServer((request) =>
      request.path === '/api/diagnostics/config' ? { status: 200, body: { active: false, pollIntervalSeconds: 300 } } : { status: 202, body: {} },
    );
    const runtime = new ManualRuntime();
    const window = Object.assign(new EventTarget(), { fetch: globalThis.fetch.bind(globalThis) });
    const client = new DiagnosticsClient({
      endpoint: server.url,
      productKey: 'dk_demo_key',
      deviceId: 'device-1',
      appVersion: '1.2.3',
      clock: runtime,
      timers: runtime,
      random: new SeededRandom(),
      globalScope: window as unknown as ConstructorParameters<typeof DiagnosticsClient>[0]['globalScope'],
      instrument: { exit: false, console: false },
      signals: { intervalInMs: 60_000 },
    });
    await client.start();
    await window.fetch(`${server.url}/api/orders/12345`);
    await window.fetch(`${server.url}/api/orders/777`);
    client.captureError(new Error('card declined for jane@example.com'));
    runtime.advance(60_000);
    while (server.requestsTo('/api/diagnostics/signals').length === 0 && runtime.pendingDelays().length) await runtime.runNext();
    const batch = expectValidSignalBatch(server.requestsTo('/api/diagnostics/signals')[0]!.json);
    expect(batch.deviceId).toBe('device-1');
    expect(batch.counters.map((counter) => [counter.series, counter.count, counter.route ?? counter.fingerprint?.slice(0, 3)])).toEqual([
      ['requests', 2, '/api/orders/{id}'],
      ['errors', 1, 'fp-'],
    ]);
    expect(batch.latency).toEqual([expect.objectContaining({ route: '/api/orders/{id}', count: 2 })]);
    expect(JSON.stringify(batch)).not.toContain('jane');
    await client.stop();
  });

  it('resends a batch the server did not confirm as it was, under the same key', async () => {
    let answers = [503, 202];
    server = await startScriptedServer((request) =>
      request.path === '/api/diagnostics/config'
        ? { status: 200, body: { active: false, pollIntervalSeconds: 300 } }
        : { status: answers.shift() ?? 202, body: {} },
    );
    const runtime = new ManualRuntime();
    const client = new DiagnosticsClient({
      endpoint: server.url,
      productKey: 'dk_demo_key',
      deviceId: 'device-2',
      clock: runtime,
      timers: runtime,
      random: new SeededRandom(),
      instrument: { exit: false, console: false, fetch: false, errors: false },
      signals: { intervalInMs: 60_000 },
      onError: () => undefined,
    });
    await client.start();
    client.captureError(new Error('first'));
    runtime.advance(60_000);
    await runtime.runNext();
    client.captureError(new RangeError('second'));
    runtime.advance(60_000);
    await runtime.runNext();
    const sent = server.requestsTo('/api/diagnostics/signals');
    expect(sent.map((request) => request.headers['idempotency-key'])).toEqual([sent[0]!.headers['idempotency-key'], sent[0]!.headers['idempotency-key']]);
    expect(sent[1]!.json).toEqual(sent[0]!.json);
    answers = [202];
    runtime.advance(60_000);
    await runtime.runNext();
    const third = server.requestsTo('/api/diagnostics/signals')[2]!;
    expect(third.headers['idempotency-key']).not.toBe(sent[0]!.headers['idempotency-key']);
    expect(expectValidSignalBatch(third.json).counters).toHaveLength(1);
    await client.stop();
  });

  it('bounds what it holds: an hour per duration, 50 latency routes a minute, 60 unsent minutes', () => {
    const runtime = new ManualRuntime();
    const aggregator = new SignalAggregator(runtime);
    aggregator.request('/slow/report', 200, 5 * 3_600_000);
    for (let route = 0; route < 80; route++) aggregator.request(`/route-${route}`, 200, 10);
    runtime.advance(60_000);
    const batch = aggregator.take('d', '1.0.0')!;
    expectValidSignalBatch(batch);
    expect(batch.latency).toHaveLength(50);
    expect(batch.latency.find((entry) => entry.route === '/slow/report')).toMatchObject({ p99: 3_600_000, sumMs: 3_600_000 });
    // Requests are still counted for every route (up to the counters' own bound).
    expect(batch.counters.filter((counter) => counter.series === 'requests')).toHaveLength(81);

    // A crash-only SDK (no interval) never sends finished minutes on its own: it keeps the last 60.
    for (let minute = 0; minute < 90; minute++) {
      aggregator.count('errors', { fingerprint: 'fp-1' });
      runtime.advance(60_000);
    }
    const counters: Array<{ minute: string }> = [];
    for (let batchOf = aggregator.take('d', undefined, true); batchOf; batchOf = aggregator.take('d', undefined, true)) counters.push(...batchOf.counters);
    expect(counters).toHaveLength(60);
    expect(counters[0]!.minute).toBe(new Date(Math.floor((runtime.now() - 60 * 60_000) / 60_000) * 60_000).toISOString());
  });

  it('keeps counts of a minute that is still running', () => {
    const runtime = new ManualRuntime();
    const aggregator = new SignalAggregator(runtime);
    aggregator.count('errors', { fingerprint: 'fp-1' });
    expect(aggregator.take('d', undefined)).toBeUndefined();
    expect(aggregator.take('d', undefined, true)?.counters).toHaveLength(1);
  });
});
