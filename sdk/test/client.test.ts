// The client against the real local host (embedded Cosmos and Azurite): session pick-up, consent, opt-out,
// tracing, fetch and console capture, uncaught errors and screenshots, read back from storage.
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LogDoc } from '../../shared/domain/telemetry/items';
import { pngImage } from '../../test/support/images';
import { startTestHost, type TestHost } from '../../test/support/test-host';
import { DiagnosticsClient, type DiagnosticsClientOptions } from '../src/client';
import type { FetchFunction } from '../src/runtime';
import { ManualRuntime, SeededRandom } from './support/manual-runtime';
import { startScriptedServer, type Reply, type ScriptedServer } from './support/scripted-server';

let host: TestHost;
let admin: string;
let upstream: ScriptedServer;
const clients: DiagnosticsClient[] = [];

beforeAll(async () => {
  host = await startTestHost({ RATE_LIMIT_SESSION_CREATES_PER_HOUR: '1000' });
  admin = await host.token({ roles: ['admin'], products: ['demo'] });
  // The app's own backend, for the fetch capture tests.
  upstream = await startScriptedServer((request): Reply =>
    request.path === '/fail'
      ? { status: 500, headers: { 'set-cookie': 'sid=secret-cookie', 'x-request-id': 'req-1' }, body: { error: 'broken' } }
      : request.path === '/drop'
        ? 'drop'
        : { status: 200, headers: { 'x-request-id': 'req-2' }, body: { ok: true } },
  );
});
afterEach(async () => {
  for (const client of clients.splice(0)) await client.stop();
});
afterAll(async () => {
  await upstream.close();
  await host.close();
});

interface Device {
  client: DiagnosticsClient;
  runtime: ManualRuntime;
  deviceId: string;
  scope: { fetch: FetchFunction; console: Console };
  consoleOutput: unknown[][];
  errors: Error[];
}

function newDevice(options: Partial<DiagnosticsClientOptions> = {}): Device {
  const runtime = new ManualRuntime();
  const deviceId = `sdk-${randomUUID().slice(0, 8)}`;
  const consoleOutput: unknown[][] = [];
  const record = (...args: unknown[]) => void consoleOutput.push(args);
  const scope = {
    fetch: globalThis.fetch.bind(globalThis) as FetchFunction,
    console: { log: record, info: record, warn: record, error: record, debug: record, trace: record } as unknown as Console,
  };
  const errors: Error[] = [];
  const client = new DiagnosticsClient({
    endpoint: host.url,
    productKey: host.productKey(),
    deviceId,
    appVersion: '3.1.4',
    clock: runtime,
    timers: runtime,
    random: new SeededRandom(Math.floor(Math.random() * 2 ** 31) + 1),
    globalScope: scope,
    instrument: { exit: false, errors: false },
    onError: (error) => errors.push(error),
    ...options,
  });
  clients.push(client);
  return { client, runtime, deviceId, scope, consoleOutput, errors };
}

async function createSession(deviceId: string, body: Record<string, unknown> = {}): Promise<string> {
  const response = await host.call('POST', '/api/diagnostics/sessions', {
    body: { productId: 'demo', targetDeviceId: deviceId, userConsent: 'pre_consent', collectionLevel: 'debug', ...body },
    headers: { authorization: `Bearer ${admin}` },
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

async function stored(sessionId: string) {
  const key = { productId: 'demo', sessionId };
  const [logs, spans] = await Promise.all([
    host.deps.stores.telemetry.listLogs(key, { order: 'oldest' }, { maxItems: 500 }),
    host.deps.stores.telemetry.listSpans(key, { order: 'oldest' }, { maxItems: 500 }),
  ]);
  return { logs: logs.items, spans: spans.items };
}

async function sessionDoc(sessionId: string) {
  const response = await host.call('GET', `/api/diagnostics/sessions/${sessionId}`, { headers: { authorization: `Bearer ${admin}` } });
  return (await response.json()) as { consent: { status: string }; stats: Record<string, number> };
}

/** The message of a log or breadcrumb; network captures have none. */
function messageOf(doc: LogDoc): string {
  return doc.docType === 'network' ? '' : doc.message;
}

/** The path of a stored URL (the server masks the 127.0.0.1 host as an IP address). */
function pathOf(url: string): string {
  return url.replace(/^https?:\/\/[^/]+/, '');
}

/** Lets the server's per-device poll window pass, then asks the client to poll. */
async function pollAgain(device: Device) {
  host.clock.advance(6_000);
  device.runtime.advance(6_000);
  return device.client.refresh();
}

describe('session pick-up', () => {
  it('captures nothing while no session targets the device, then picks one up with the breadcrumbs of the recent past', async () => {
    const device = newDevice();
    const { client } = device;
    await client.start();
    expect(client.isSessionActive()).toBe(false);
    for (let index = 0; index < 120; index++) client.breadcrumb(`screen ${index}`, 'navigation');
    client.error('not yet');
    client.trace('not yet', () => 1);
    await client.flush();
    expect(client.getStats()).toMatchObject({ sentItems: 0, bufferedItems: 0, breadcrumbsBuffered: 100 });

    const sessionId = await createSession(device.deviceId);
    // Too soon: the server's interval has not passed since the first poll.
    expect(await client.refresh()).toBe('too_soon');
    expect(await pollAgain(device)).toBe('changed');
    expect(client.isSessionActive()).toBe(true);
    expect(client.sessionId).toBe(sessionId);
    client.info('checkout started for jane.doe@example.com', { cart: 3 });
    await client.flush();

    const { logs } = await stored(sessionId);
    const breadcrumbs = logs.filter((doc) => doc.docType === 'breadcrumb').map(messageOf);
    // The ring keeps the last 100: screens 20..119, sent once the session started.
    const screens = breadcrumbs.map((message) => Number(message.replace('screen ', ''))).sort((a, b) => a - b);
    expect(screens).toEqual(Array.from({ length: 100 }, (_, index) => index + 20));
    const log = logs.find((doc) => doc.docType === 'log');
    expect(log).toMatchObject({ level: 'info', context: { cart: 3 }, device: { deviceId: device.deviceId, appVersion: '3.1.4' } });
    expect(logs.map(messageOf)).not.toContain('not yet');
  });

  it('stops collecting when the session ends', async () => {
    const device = newDevice();
    const sessionId = await createSession(device.deviceId);
    await device.client.start();
    expect(device.client.isSessionActive()).toBe(true);
    const cancelled = await host.call('DELETE', `/api/diagnostics/sessions/${sessionId}`, { headers: { authorization: `Bearer ${admin}` } });
    expect(cancelled.status).toBeLessThan(300);
    await pollAgain(device);
    expect(device.client.isSessionActive()).toBe(false);
    device.client.error('after the end');
    await device.client.flush();
    expect((await stored(sessionId)).logs).toHaveLength(0);
  });
});

describe('consent and opt-out', () => {
  it('asks the app before collecting, records a yes with the server, and then sends', async () => {
    const asked: unknown[] = [];
    const device = newDevice({ onConsentRequest: (request) => (asked.push(request), true) });
    const sessionId = await createSession(device.deviceId, { userConsent: 'prompt' });
    await device.client.start();
    await device.client.consentSettled();
    expect(asked).toEqual([{ sessionId, collectionLevel: 'debug', capture: expect.objectContaining({ logs: true }), expiresAt: expect.any(String) }]);
    expect(device.client.isSessionActive()).toBe(true);
    expect((await sessionDoc(sessionId)).consent.status).toBe('granted');
    device.client.warn('with consent');
    await device.client.flush();
    expect((await stored(sessionId)).logs.map(messageOf)).toEqual(['with consent']);
    await pollAgain(device);
    expect(asked).toHaveLength(1);
  });

  it('sends nothing when the user says no, or when the app has no consent callback, and records the no', async () => {
    const denying = newDevice({ onConsentRequest: async () => false });
    const deniedSession = await createSession(denying.deviceId, { userConsent: 'prompt' });
    const silent = newDevice();
    const silentSession = await createSession(silent.deviceId, { userConsent: 'prompt' });
    await Promise.all([denying.client.start(), silent.client.start()]);
    await Promise.all([denying.client.consentSettled(), silent.client.consentSettled()]);
    for (const { client } of [denying, silent]) {
      expect(client.isSessionActive()).toBe(false);
      client.error('must not leave the device');
      client.breadcrumb('nor this');
      await client.flush();
    }
    expect((await sessionDoc(deniedSession)).consent.status).toBe('denied');
    expect((await stored(deniedSession)).logs).toHaveLength(0);
    expect((await stored(silentSession)).logs).toHaveLength(0);
  });

  it('sends nothing while the user opted out, drops what was buffered, and resumes when they opt back in', async () => {
    const device = newDevice({ optedOut: true });
    const sessionId = await createSession(device.deviceId);
    await device.client.start();
    expect(device.client.isSessionActive()).toBe(false);
    device.client.breadcrumb('opted out');
    device.client.error('opted out');
    await device.client.flush();
    expect(device.client.getStats()).toMatchObject({ breadcrumbsBuffered: 0, bufferedItems: 0 });
    device.client.setOptedOut(false);
    expect(device.client.isSessionActive()).toBe(true);
    device.client.info('opted in');
    device.client.setOptedOut(true);
    device.client.info('opted out again');
    await device.client.flush();
    device.client.setOptedOut(false);
    device.client.info('back');
    await device.client.flush();
    expect((await stored(sessionId)).logs.map(messageOf)).toEqual(['back']);
  });
});

describe('tracing', () => {
  it('nests sync and async spans with W3C ids, and records a failure with its stack on the span and as an error log', async () => {
    const device = newDevice();
    const sessionId = await createSession(device.deviceId);
    await device.client.start();
    const { client } = device;
    let ids: { root?: string; child?: string; grandchild?: string; trace?: string } = {};
    await expect(
      client.trace('checkout', async (root) => {
        ids = { root: root.spanId, trace: root.traceId };
        client.trace('validate cart', (child) => {
          ids.child = child.spanId;
          child.setAttribute('items', 3);
        });
        await new Promise((resolve) => setTimeout(resolve, 5));
        await client.trace('charge card', async (grandchild) => {
          ids.grandchild = grandchild.spanId;
          await Promise.resolve();
          throw new TypeError('card declined for 4111 1111 1111 1111');
        });
      }),
    ).rejects.toThrow('card declined');
    await client.flush();
    const { logs, spans } = await stored(sessionId);
    expect(ids.trace).toMatch(/^[0-9a-f]{32}$/);
    expect(ids.root).toMatch(/^[0-9a-f]{16}$/);
    const byName = Object.fromEntries(spans.map((span) => [span.name, span]));
    expect(byName['checkout']).toMatchObject({ traceId: ids.trace, spanId: ids.root, status: { code: 'error' } });
    expect(byName['checkout']!.parentSpanId).toBeUndefined();
    expect(byName['validate cart']).toMatchObject({ traceId: ids.trace, parentSpanId: ids.root, status: { code: 'ok' }, attributes: { items: 3 } });
    expect(byName['charge card']).toMatchObject({ traceId: ids.trace, parentSpanId: ids.root, status: { code: 'error' } });
    expect(byName['charge card']!.events?.[0]?.name).toBe('exception');
    // One error log for one error, however many spans it passed through, linked to the span that threw.
    const errorLogs = logs.filter((doc) => doc.docType === 'log' && doc.level === 'error');
    expect(errorLogs).toHaveLength(1);
    const errorLog = errorLogs[0]!;
    expect(errorLog).toMatchObject({ traceId: ids.trace, spanId: ids.grandchild });
    expect(errorLog.docType === 'log' && errorLog.error?.stack).toContain('client.test.ts');
  });
});

describe('fetch capture', () => {
  it('records method, status, timing, sizes and safe headers of the app requests, never the SDK own calls', async () => {
    const device = newDevice({ network: { exclude: ['/health'] } });
    const sessionId = await createSession(device.deviceId, { capture: { network: true } });
    await device.client.start();
    const { fetch } = device.scope;
    expect(fetch).not.toBe(globalThis.fetch);
    await device.client.trace('load order', async () => {
      const failed = await fetch(`${upstream.url}/fail?order=42`, {
        method: 'POST',
        headers: { authorization: 'Bearer app-secret-token', 'x-trace-me': 'yes', cookie: 'sid=abc' },
        body: JSON.stringify({ order: 42 }),
      });
      expect(failed.status).toBe(500);
      expect(await failed.json()).toEqual({ error: 'broken' });
    });
    await fetch(`${upstream.url}/health`);
    await expect(fetch(`${upstream.url}/drop`)).rejects.toThrow();
    await device.client.flush();
    await pollAgain(device);
    await device.client.flush();

    const { logs, spans } = await stored(sessionId);
    const network = logs.filter((doc) => doc.docType === 'network');
    expect(network.map((doc) => pathOf(doc.url))).toEqual(['/fail?order=42', '/drop']);
    const failed = network[0]!;
    expect(failed).toMatchObject({ method: 'POST', status: 500, requestSize: 12, responseSize: 18 });
    expect(failed.durationMs).toBeGreaterThanOrEqual(0);
    // authorization and cookie never leave the device.
    expect(failed.requestHeaders).toEqual({ 'x-trace-me': 'yes' });
    expect(failed.responseHeaders?.['x-request-id']).toBe('req-1');
    expect(failed.responseHeaders?.['set-cookie']).toBeUndefined();
    expect(network[1]!.error).toMatch(/fetch failed|TypeError/);
    expect(network.some((doc) => doc.url.includes('/api/diagnostics'))).toBe(false);
    // The failing request is a client span under the trace that made it.
    const loadOrder = spans.find((span) => span.name === 'load order')!;
    const httpSpan = spans.find((span) => span.spanId === failed.spanId)!;
    expect(httpSpan).toMatchObject({ spanKind: 'client', traceId: loadOrder.traceId, parentSpanId: loadOrder.spanId, status: { code: 'error' } });
    await device.client.stop();
    expect(device.scope.fetch).not.toBe(fetch);
  });

  it('captures only included URLs, and puts the original fetch back on stop', async () => {
    const device = newDevice({ network: { include: [/\/fail$/] } });
    const original = device.scope.fetch;
    const sessionId = await createSession(device.deviceId, { capture: { network: true } });
    await device.client.start();
    await device.scope.fetch(`${upstream.url}/ok`);
    await device.scope.fetch(`${upstream.url}/fail`);
    await device.client.flush();
    const network = (await stored(sessionId)).logs.filter((doc) => doc.docType === 'network');
    expect(network.map((doc) => pathOf(doc.url))).toEqual(['/fail']);
    await device.client.stop();
    expect(device.scope.fetch).toBe(original);
  });
});

describe('console and uncaught errors', () => {
  it('captures console calls by collection level and still prints them', async () => {
    const device = newDevice();
    const sessionId = await createSession(device.deviceId, { collectionLevel: 'standard', capture: { console: true } });
    await device.client.start();
    device.scope.console.log('plain log');
    device.scope.console.debug('debug detail');
    device.scope.console.warn('low disk', { freeMb: 12 });
    device.scope.console.error(new Error('render failed'));
    await device.client.flush();
    expect(device.consoleOutput.map((args) => args[0])).toEqual(['plain log', 'debug detail', 'low disk', expect.any(Error)]);
    const consoleLogs = (await stored(sessionId)).logs.filter((doc) => doc.docType === 'log' && doc.module === 'console');
    expect(consoleLogs.map((doc) => doc.docType === 'log' && [doc.level, doc.message.split('\n')[0]])).toEqual([
      ['warn', 'low disk {"freeMb":12}'],
      ['error', 'Error: render failed'],
    ]);
  });

  it('records an uncaught exception as fatal with its stack, without adding a listener that changes how Node exits', async () => {
    const device = newDevice({ instrument: { exit: false, errors: true } });
    const sessionId = await createSession(device.deviceId);
    const before = { exception: process.listenerCount('uncaughtException'), rejection: process.listenerCount('unhandledRejection') };
    await device.client.start();
    expect(process.listenerCount('uncaughtException')).toBe(before.exception);
    expect(process.listenerCount('unhandledRejection')).toBe(before.rejection);
    const crash = new RangeError('index out of range');
    // What Node emits right before it prints the error and exits.
    const emit = process.emit.bind(process) as (event: string, ...args: unknown[]) => boolean;
    emit('uncaughtExceptionMonitor', crash, 'uncaughtException');
    emit('uncaughtExceptionMonitor', new Error('rejected promise'), 'unhandledRejection');
    await device.client.flush();
    const errors = (await stored(sessionId)).logs.filter((doc) => doc.docType === 'log' && (doc.level === 'fatal' || doc.level === 'error'));
    expect(errors.map((doc) => doc.docType === 'log' && [doc.level, doc.message, doc.context?.uncaught]).sort()).toEqual([
      ['error', 'rejected promise', 'unhandled_rejection'],
      ['fatal', 'index out of range', 'uncaught_exception'],
    ]);
    const fatal = errors.find((doc) => doc.docType === 'log' && doc.level === 'fatal');
    expect(fatal?.docType === 'log' && fatal.error?.stack).toContain('RangeError: index out of range');
  });
});

describe('screenshots', () => {
  it('uploads the app screenshot through the SAS flow when an error happens and screenshotOnError is on', async () => {
    const image = pngImage(32, 16);
    const device = newDevice({ captureScreenshot: () => ({ data: new Uint8Array(image), format: 'png', width: 32, height: 16 }) });
    const sessionId = await createSession(device.deviceId, { capture: { screenshotOnError: true } });
    await device.client.start();
    const manual = await device.client.takeScreenshot('manual');
    expect(manual).toBeUndefined();
    device.client.captureError(new Error('layout broke'));
    await expect.poll(() => device.client.getStats().screenshotsUploaded, { timeout: 10_000 }).toBe(1);
    const listed = await host.call('GET', `/api/diagnostics/sessions/${sessionId}/screenshots`, { headers: { authorization: `Bearer ${admin}` } });
    const body = (await listed.json()) as { items: { status: string; trigger: string; width: number; relatedItemId?: string; url?: string }[] };
    expect(body.items).toHaveLength(1);
    expect(body.items[0]).toMatchObject({ status: 'confirmed', trigger: 'error', width: 32 });
    expect(body.items[0]!.relatedItemId).toMatch(/^[0-9a-f]{32}$/);
    expect(device.errors).toEqual([]);
  });
});
