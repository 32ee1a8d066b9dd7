// The browser paths, driven through a real EventTarget standing in for `window`: uncaught errors and
// unhandled rejections, flush on page hide (with keepalive) and when the device comes back online, and a crash
// while offline, whose report and frozen minute wait for the device to come back online.
import { afterEach, describe, expect, it } from 'vitest';
import { DiagnosticsClient } from '../src/client';
import type { InstrumentFlags } from '../src/instrumentation';
import type { FetchFunction } from '../src/runtime';
import type { DeviceConfig } from '../src/wire';
import { activeConfig, inactiveConfig } from './support/fixtures';
import { ManualRuntime, SeededRandom } from './support/manual-runtime';
import { startScriptedServer, type ScriptedServer } from './support/scripted-server';
import { expectValidIngestBatch } from './support/wire-contract';

let server: ScriptedServer | undefined;
const clients: DiagnosticsClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) await client.stop();
  await server?.close();
});

function fakeWindow() {
  const target = new EventTarget();
  const ignore = () => undefined;
  return Object.assign(target, {
    document: { visibilityState: 'visible' },
    fetch: globalThis.fetch.bind(globalThis) as FetchFunction,
    console: { log: ignore, info: ignore, warn: ignore, error: ignore, debug: ignore, trace: ignore } as unknown as Console,
  });
}

function event(type: string, fields: Record<string, unknown> = {}): Event {
  return Object.assign(new Event(type), fields);
}

/** A client on a fake window against a scripted server; `config` answers its polls (an active session by default). */
async function startBrowserClient(setup: { config?: () => DeviceConfig; instrument?: InstrumentFlags } = {}) {
  const config = setup.config ?? (() => activeConfig());
  server = await startScriptedServer((request) => (request.path === '/api/diagnostics/config' ? { status: 200, body: config() } : { status: 202 }));
  const window = Object.assign(fakeWindow(), { navigator: { onLine: true } });
  const runtime = new ManualRuntime();
  const keepalive: boolean[] = [];
  const client = new DiagnosticsClient({
    endpoint: server.url,
    productKey: 'dk_demo_key',
    deviceId: 'browser-device',
    clock: runtime,
    timers: runtime,
    random: new SeededRandom(),
    globalScope: window as unknown as ConstructorParameters<typeof DiagnosticsClient>[0]['globalScope'],
    instrument: setup.instrument,
    fetch: (input, init) => {
      if (String(input).endsWith('/ingest')) keepalive.push(init?.keepalive === true);
      return fetch(input, init);
    },
  });
  clients.push(client);
  await client.start();
  return { client, window, keepalive, runtime };
}

const signalRequests = () => server!.requestsTo('/api/diagnostics/signals');
const sentItems = () => server!.requestsTo('/api/diagnostics/ingest').flatMap((request) => expectValidIngestBatch(request.json).items);

describe('browser events', () => {
  it('records window errors and unhandled rejections with their stacks, and flushes at once', async () => {
    const { client, window } = await startBrowserClient();
    expect(client.isSessionActive()).toBe(true);
    window.dispatchEvent(event('error', { error: new TypeError('undefined is not a function'), message: 'Uncaught TypeError' }));
    window.dispatchEvent(event('error', { message: 'Script error.', filename: 'https://cdn.example.com/app.js', lineno: 10, colno: 4 }));
    window.dispatchEvent(event('unhandledrejection', { reason: new Error('fetch aborted') }));
    // No flush() from the test and no timer run: errors go out on their own.
    await expect.poll(() => sentItems().filter((item) => item.kind === 'log').length).toBe(3);
    const logs = sentItems().filter((item) => item.kind === 'log');
    expect(logs.map((item) => item.kind === 'log' && [item.level, item.message, item.context?.uncaught])).toEqual([
      ['fatal', 'undefined is not a function', 'uncaught_exception'],
      ['fatal', 'Script error. at https://cdn.example.com/app.js:10:4', 'uncaught_exception'],
      ['error', 'fetch aborted', 'unhandled_rejection'],
    ]);
    expect(logs[0]!.kind === 'log' && logs[0]!.error?.stack).toContain('TypeError: undefined is not a function');
  });

  it('flushes with keepalive when the page is hidden or unloaded, and again when back online', async () => {
    const { client, window, keepalive } = await startBrowserClient();
    expect(client.isSessionActive()).toBe(true);
    expect(client.getStats().sentItems).toBe(0);
    client.info('before hide');
    window.document.visibilityState = 'hidden';
    window.dispatchEvent(event('visibilitychange'));
    await expect.poll(() => sentItems().length).toBe(1);
    expect(sentItems().map((item) => item.kind === 'log' && item.message)).toEqual(['before hide']);
    expect(keepalive).toEqual([true]);
    client.info('before unload');
    window.dispatchEvent(event('pagehide'));
    await expect.poll(() => sentItems().length).toBe(2);
    expect(keepalive).toEqual([true, true]);
    client.info('while offline');
    window.dispatchEvent(event('online'));
    await expect.poll(() => sentItems().length).toBe(3);
    expect(sentItems().map((item) => item.kind === 'log' && item.message)).toEqual(['before hide', 'before unload', 'while offline']);
  });

  it.each([
    ['every instrument on', {}],
    ['exit capture off', { exit: false }],
  ])('keeps a crash that happens offline, and reports it once back online, its minute going to the session it opens (%s)', async (_name, instrumentFlags) => {
    let config = inactiveConfig();
    const { client, window, runtime } = await startBrowserClient({ config: () => config, instrument: instrumentFlags });
    client.info('opened cart');
    window.navigator.onLine = false;
    window.dispatchEvent(event('error', { error: new TypeError('total is undefined') }));
    // Offline: nothing is tried, the report and the minute wait.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(signalRequests()).toEqual([]);

    // A crash rule will open a session on the report; back online, the report goes and the poll picks the session up.
    config = activeConfig({ uploadPreSessionBuffer: true });
    await runtime.advance(6_000);
    expect(signalRequests()).toEqual([]);
    window.navigator.onLine = true;
    window.dispatchEvent(event('online'));
    await expect.poll(() => signalRequests().length).toBe(1);
    const counters = (signalRequests()[0]!.json as { counters: Array<{ series: string }> }).counters;
    expect(counters.map((counter) => counter.series).sort()).toEqual(['crashes', 'errors']);
    await expect.poll(() => client.isSessionActive()).toBe(true);
    await client.flush();
    const preSession = sentItems().filter((item) => 'preSession' in item && item.preSession);
    expect(preSession.map((item) => [item.kind, 'message' in item ? item.message : undefined])).toEqual([
      ['log', 'opened cart'],
      ['breadcrumb', 'TypeError: total is undefined'],
      ['log', 'total is undefined'],
    ]);
  });

  it('removes its listeners on stop', async () => {
    const { client, window } = await startBrowserClient();
    await client.stop();
    window.dispatchEvent(event('error', { error: new Error('after stop') }));
    window.dispatchEvent(event('pagehide'));
    await client.flush();
    expect(sentItems()).toEqual([]);
  });
});
