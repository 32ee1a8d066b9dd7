// The config poll against a real listener on 127.0.0.1 that misbehaves on purpose: ETag/304,
// 429 with Retry-After, 503 and dropped connections, and what each does to the poll schedule.
import { afterEach, describe, expect, it } from 'vitest';
import { DiagnosticsClient } from '../src/client';
import { activeConfig, inactiveConfig, SESSION_ID } from './support/fixtures';
import { ManualRuntime, SeededRandom } from './support/manual-runtime';
import { startScriptedServer, type ScriptedServer } from './support/scripted-server';

let server: ScriptedServer | undefined;
const clients: DiagnosticsClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.stop()));
  await server?.close();
  server = undefined;
});

function clientFor(url: string, runtime: ManualRuntime, random = new SeededRandom(), extra: Partial<ConstructorParameters<typeof DiagnosticsClient>[0]> = {}) {
  const client = new DiagnosticsClient({
    endpoint: url,
    productKey: 'dk_demo_key',
    deviceId: 'device-1',
    anonymousId: 'anon-1',
    appVersion: '1.2.3',
    clock: runtime,
    timers: runtime,
    random,
    instrument: { console: false, fetch: false, errors: false, exit: false },
    ...extra,
  });
  clients.push(client);
  return client;
}

describe('config poll', () => {
  it('identifies the device, sends If-None-Match after the first answer, and keeps the session on 304', async () => {
    let etagSeen: string | undefined;
    server = await startScriptedServer((request) => {
      etagSeen = request.headers['if-none-match'] as string | undefined;
      return etagSeen === '"v1"' ? { status: 304, headers: { etag: '"v1"' } } : { status: 200, headers: { etag: '"v1"' }, body: activeConfig({}, 5) };
    });
    const runtime = new ManualRuntime();
    const client = clientFor(server.url, runtime);
    await client.start();
    const first = server.requests[0]!;
    expect(first.path).toBe('/api/diagnostics/config');
    expect(Object.fromEntries(first.query)).toEqual({ deviceId: 'device-1', anonymousId: 'anon-1', appVersion: '1.2.3' });
    expect(first.headers['x-diagnostics-key']).toBe('dk_demo_key');
    expect(first.headers['if-none-match']).toBeUndefined();
    expect(client.isSessionActive()).toBe(true);
    expect(client.sessionId).toBe(SESSION_ID);

    const delay = await runtime.runNext();
    expect(etagSeen).toBe('"v1"');
    expect(server.requests).toHaveLength(2);
    expect(client.isSessionActive()).toBe(true);
    // The server's 5 s plus up to 20 % jitter upward, never sooner.
    expect(delay).toBeGreaterThanOrEqual(5_000);
    expect(delay).toBeLessThanOrEqual(6_000);
  });

  it('never polls more often than pollIntervalSeconds, whatever the jitter draws', async () => {
    server = await startScriptedServer(() => ({ status: 200, body: inactiveConfig(30) }));
    for (const jitter of [0, 0.999]) {
      const runtime = new ManualRuntime();
      const client = clientFor(server.url, runtime, new SeededRandom(7, jitter));
      await client.start();
      const [next] = runtime.pendingDelays();
      expect(next).toBeGreaterThanOrEqual(30_000);
      expect(next).toBeLessThan(36_000);
      await client.stop();
    }
  });

  it('waits out Retry-After on 429, and never less than the poll interval', async () => {
    const answers = [
      { status: 200, body: inactiveConfig(5) },
      { status: 429, headers: { 'retry-after': '40' }, body: { title: 'Too Many Requests' } },
      { status: 429, headers: { 'retry-after': '1' } },
      { status: 200, body: inactiveConfig(5) },
    ];
    server = await startScriptedServer(() => answers.shift() ?? { status: 200, body: inactiveConfig(5) });
    const runtime = new ManualRuntime();
    clientFor(server.url, runtime, new SeededRandom(1, 0));
    await clients[0]!.start();
    expect(await runtime.runNext()).toBe(5_000);
    // 429 with Retry-After: 40 → the next poll waits 40 s.
    expect(runtime.pendingDelays()).toEqual([40_000]);
    await runtime.runNext();
    // Retry-After: 1 is shorter than the interval: the interval wins.
    expect(runtime.pendingDelays()).toEqual([5_000]);
  });

  it('backs off exponentially with jitter on 503 and dropped connections, capped, and resets on success', async () => {
    const failures: ('drop' | { status: number })[] = [
      'drop',
      { status: 503 },
      { status: 503 },
      'drop',
      { status: 503 },
      { status: 503 },
      { status: 503 },
      { status: 503 },
    ];
    server = await startScriptedServer(() => (failures.length > 0 ? failures.shift()! : { status: 200, body: activeConfig({}, 5) }));
    const runtime = new ManualRuntime();
    const errors: Error[] = [];
    const client = clientFor(server.url, runtime, new SeededRandom(1, 0.999), {
      initialPollIntervalInMs: 5_000,
      maxBackoffInMs: 60_000,
      onError: (error) => errors.push(error),
    });
    await client.start();
    const delays: number[] = [];
    for (let poll = 0; poll < 8; poll++) delays.push((await runtime.runNext())!);
    expect(client.isSessionActive()).toBe(true);
    // After failure n the wait is between half and all of min(cap, 10 s * 2^(n-1)), and at least the interval.
    const firstWait = runtime.pendingDelays()[0];
    expect(delays[0]).toBeGreaterThanOrEqual(5_000);
    expect(delays.slice(0, 4)).toEqual([...delays.slice(0, 4)].sort((a, b) => a - b));
    expect(delays[3]).toBeGreaterThan(delays[0]! * 4);
    expect(Math.max(...delays)).toBeLessThanOrEqual(60_000);
    expect(delays.slice(-3).every((delay) => delay > 55_000)).toBe(true);
    // Back to the normal interval once the server answers again.
    expect(firstWait).toBeLessThanOrEqual(6_000);
    expect(errors.length).toBe(8);
    expect(errors.some((error) => /503/.test(error.message))).toBe(true);
  });

  it('is inactive for no session, a paused one, an expired one, and after the session ends', async () => {
    const answers = [
      activeConfig({ status: 'paused' }),
      activeConfig({ expiresAt: new Date(Date.now() - 1000).toISOString() }),
      activeConfig(),
      inactiveConfig(),
    ];
    server = await startScriptedServer(() => ({ status: 200, body: answers.shift() ?? inactiveConfig() }));
    const runtime = new ManualRuntime();
    const client = clientFor(server.url, runtime);
    await client.start();
    expect(client.isSessionActive()).toBe(false);
    await runtime.runNext();
    expect(client.isSessionActive()).toBe(false);
    await runtime.runNext();
    expect(client.isSessionActive()).toBe(true);
    await runtime.runNext();
    expect(client.isSessionActive()).toBe(false);
  });

  it('keeps polling while the user has not answered the consent prompt, and collects once they say yes', async () => {
    server = await startScriptedServer((request) =>
      request.path === '/api/diagnostics/config'
        ? { status: 200, body: activeConfig({ consentRequired: true, consentStatus: 'pending' }) }
        : { status: 200, body: {} },
    );
    const runtime = new ManualRuntime();
    let answer: (granted: boolean) => void = () => undefined;
    const client = clientFor(server.url, runtime, new SeededRandom(), { onConsentRequest: () => new Promise<boolean>((resolve) => (answer = resolve)) });
    await client.start();
    expect(client.isSessionActive()).toBe(false);
    await runtime.runNext();
    await runtime.runNext();
    expect(server.requestsTo('/api/diagnostics/config')).toHaveLength(3);
    answer(true);
    await client.consentSettled();
    expect(client.isSessionActive()).toBe(true);
    const recorded = server.requestsTo(`/api/diagnostics/sessions/${SESSION_ID}/consent`);
    expect(recorded.map((request) => request.json)).toEqual([{ granted: true, device: expect.objectContaining({ deviceId: 'device-1' }) }]);
    expect(recorded[0]!.headers.authorization).toBe('Bearer it1.test-token.signature');
  });

  it('collects only once the server has recorded the yes, recording it again on the next poll without asking again', async () => {
    const consentAnswers = [503, 200];
    server = await startScriptedServer((request) =>
      request.path === '/api/diagnostics/config'
        ? { status: 200, body: activeConfig({ consentRequired: true, consentStatus: 'pending' }) }
        : { status: consentAnswers.shift() ?? 200, body: {} },
    );
    const runtime = new ManualRuntime();
    let asked = 0;
    const client = clientFor(server.url, runtime, new SeededRandom(), { onConsentRequest: () => (asked++, true) });
    await client.start();
    await client.consentSettled();
    expect(client.isSessionActive()).toBe(false);
    await runtime.runNext();
    await client.consentSettled();
    expect(client.isSessionActive()).toBe(true);
    expect(asked).toBe(1);
    expect(server.requestsTo(`/api/diagnostics/sessions/${SESSION_ID}/consent`)).toHaveLength(2);
  });

  it('records an unrecorded yes again while the config answers 304 (the session did not change)', async () => {
    const consentAnswers = [503, 200];
    server = await startScriptedServer((request) => {
      if (request.path !== '/api/diagnostics/config') return { status: consentAnswers.shift() ?? 200, body: {} };
      return request.headers['if-none-match'] === '"v1"'
        ? { status: 304, headers: { etag: '"v1"' } }
        : { status: 200, headers: { etag: '"v1"' }, body: activeConfig({ consentRequired: true, consentStatus: 'pending' }) };
    });
    const runtime = new ManualRuntime();
    let asked = 0;
    const client = clientFor(server.url, runtime, new SeededRandom(), { onConsentRequest: () => (asked++, true) });
    await client.start();
    await client.consentSettled();
    expect(client.isSessionActive()).toBe(false);
    await runtime.runNext();
    await client.consentSettled();
    expect(server.requestsTo('/api/diagnostics/config').at(-1)?.headers['if-none-match']).toBe('"v1"');
    expect(server.requestsTo(`/api/diagnostics/sessions/${SESSION_ID}/consent`)).toHaveLength(2);
    expect(client.isSessionActive()).toBe(true);
    expect(asked).toBe(1);
  });

  it('stops polling on stop()', async () => {
    server = await startScriptedServer(() => ({ status: 200, body: inactiveConfig() }));
    const runtime = new ManualRuntime();
    const client = clientFor(server.url, runtime);
    await client.start();
    expect(runtime.pendingDelays()).toHaveLength(1);
    await client.stop();
    expect(runtime.pendingDelays()).toHaveLength(0);
  });
});
