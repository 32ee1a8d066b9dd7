// A crash opens a session with the minute before it, end to end through the local host: the SDK keeps its last
// 60 s in memory without a session, reports the crash as a signal, a crash trigger rule opens a session for that
// device (consent asked as for any session), and the first items of that session are the 60 s before the crash.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiagnosticsClient } from '../../sdk/src/client';
import type { FetchFunction } from '../../sdk/src/runtime';
import { ManualRuntime } from '../../sdk/test/support/manual-runtime';
import { startScriptedServer, type ScriptedServer } from '../../sdk/test/support/scripted-server';
import type { DebugSession } from '../../shared/domain/sessions/session';
import type { LogDoc } from '../../shared/domain/telemetry/items';
import { recordEvents } from '../support/event-recorder';
import { startTestHost, type TestHost } from '../support/test-host';

const events = recordEvents();
let host: TestHost;
let admin: string;
let upstream: ScriptedServer;

beforeAll(async () => {
  host = await startTestHost();
  admin = await host.token({ roles: ['admin'], products: ['demo'] });
  upstream = await startScriptedServer(() => ({ status: 200, body: { ok: true } }));
});
afterAll(async () => {
  await upstream.close();
  await host.close();
});

function auth(): Record<string, string> {
  return { authorization: `Bearer ${admin}` };
}

function fakeWindow() {
  const target = new EventTarget();
  const ignore = () => undefined;
  return Object.assign(target, {
    document: { visibilityState: 'visible' },
    fetch: globalThis.fetch.bind(globalThis) as FetchFunction,
    console: { log: ignore, info: ignore, warn: ignore, error: ignore, debug: ignore, trace: ignore } as unknown as Console,
  });
}

describe('crash-triggered sessions', () => {
  it('open a session whose first items are the 60 s before the crash, once consented', async () => {
    const trigger = await host.call('POST', '/api/diagnostics/products/demo/triggers', {
      headers: auth(),
      body: {
        name: 'Debug crashes of 3.1.0',
        on: 'crash',
        scope: { appVersion: '3.1.0' },
        session: { collectionLevel: 'debug', capture: { network: true }, userConsent: 'prompt', maxDurationMinutes: 20 },
      },
    });
    expect(trigger.status).toBe(201);
    const triggerId = ((await trigger.json()) as { id: string }).id;

    const deviceId = `crash-${randomUUID().slice(0, 8)}`;
    const calls: string[] = [];
    const window = fakeWindow();
    const runtime = new ManualRuntime();
    const asked: string[] = [];
    const client = new DiagnosticsClient({
      endpoint: host.url,
      productKey: host.productKey(),
      deviceId,
      appVersion: '3.1.0',
      clock: runtime,
      timers: runtime,
      globalScope: window as unknown as ConstructorParameters<typeof DiagnosticsClient>[0]['globalScope'],
      instrument: { exit: false },
      fetch: (input, init) => {
        calls.push(`${init?.method ?? 'GET'} ${new URL(String(input)).pathname}`);
        return fetch(input, init);
      },
      onConsentRequest: (request) => {
        asked.push(request.sessionId);
        return true;
      },
    });
    await client.start();
    expect(client.isSessionActive()).toBe(false);

    // Ninety seconds before the crash: outside the buffer's minute by the time the app crashes.
    client.info('app started');
    runtime.advance(40_000);
    const windowStart = runtime.now();
    client.info('opened cart', { items: 3 });
    client.breadcrumb('tapped checkout', 'ui');
    await window.fetch(`${upstream.url}/api/cart/12345`);
    runtime.advance(30_000);
    client.warn('payment form slow');
    client.debug('validating card form');
    runtime.advance(20_000);
    const crashAt = runtime.now();

    // Nothing left the device before the crash but its config polls.
    expect(new Set(calls)).toEqual(new Set(['GET /api/diagnostics/config']));
    host.clock.advance(6_000);
    window.dispatchEvent(Object.assign(new Event('error'), { error: new TypeError("Cannot read properties of null (reading 'total')") }));

    // The crash is reported as a signal; the crash rule opens a session; the poll after it picks the session up.
    await expect.poll(() => calls.filter((call) => call === 'POST /api/diagnostics/signals').length).toBe(1);
    await expect.poll(() => asked.length, { timeout: 10_000 }).toBe(1);
    await client.consentSettled();
    expect(client.isSessionActive()).toBe(true);
    const sessionId = client.sessionId!;
    expect(asked).toEqual([sessionId]);
    runtime.advance(1_000);
    client.info('after the session opened');
    await client.flush();

    const session = (await (await host.call('GET', `/api/diagnostics/sessions/${sessionId}`, { headers: auth() })).json()) as DebugSession & { etag: string };
    expect(session).toMatchObject({
      targetDeviceId: deviceId,
      createdBy: `trigger:${triggerId}`,
      consent: { required: true, status: 'granted' },
      trigger: { ruleId: triggerId, on: 'crash', signal: { kind: 'crash', appVersion: '3.1.0', fingerprint: expect.stringMatching(/^fp-[0-9a-f]{8}$/) } },
    });
    await host.deps.infra.localBus!.whenIdle();
    expect(events.ofType('diagnostics.session.auto_created').map((event) => event.sessionId)).toEqual([sessionId]);

    const logs = (
      (await (
        await host.call('GET', `/api/diagnostics/sessions/${sessionId}/logs?type=log,breadcrumb,network&order=oldest&pageSize=100`, { headers: auth() })
      ).json()) as { items: LogDoc[] }
    ).items;
    const preSession = logs.filter((doc) => (doc as { preSession?: boolean }).preSession === true);
    const during = logs.filter((doc) => (doc as { preSession?: boolean }).preSession !== true);
    // First come the items of the minute before the crash, with their original times.
    expect(logs.slice(0, preSession.length)).toEqual(preSession);
    expect(preSession.map((doc) => [doc.docType, doc.docType === 'network' ? doc.method : doc.message])).toEqual([
      ['log', 'opened cart'],
      ['breadcrumb', 'tapped checkout'],
      ['network', 'GET'],
      ['breadcrumb', expect.stringMatching(/^GET .*\/api\/cart\/12345 -> 200$/)],
      ['log', 'payment form slow'],
      ['log', 'validating card form'],
      ['breadcrumb', "TypeError: Cannot read properties of null (reading 'total')"],
      ['log', "Cannot read properties of null (reading 'total')"],
    ]);
    for (const doc of preSession) {
      const time = Date.parse(doc.timestamp);
      expect(time).toBeGreaterThanOrEqual(windowStart);
      expect(time).toBeLessThanOrEqual(crashAt);
    }
    expect(logs.some((doc) => doc.docType === 'log' && doc.message === 'app started')).toBe(false);
    expect(during.map((doc) => doc.docType === 'log' && doc.message)).toContain('after the session opened');
    // The crash log carries its stack and level.
    expect(preSession.at(-1)).toMatchObject({ docType: 'log', level: 'fatal', error: { type: 'TypeError' } });

    // A second crash of the same device the same day joins its live session instead of opening another.
    host.clock.advance(6_000);
    runtime.advance(6_000);
    await client.stop();
    const again = await host.call('POST', '/api/diagnostics/signals', {
      headers: { 'x-diagnostics-key': host.productKey() },
      body: {
        deviceId,
        appVersion: '3.1.0',
        counters: [{ minute: new Date(host.clock.now().getTime()).toISOString(), series: 'crashes', count: 1, fingerprint: 'fp-00000000' }],
      },
    });
    expect(again.status).toBe(202);
    await host.deps.infra.localBus!.whenIdle();
    expect(events.ofType('diagnostics.session.auto_created')).toHaveLength(1);
  });
});
