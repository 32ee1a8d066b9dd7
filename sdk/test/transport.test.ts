// Batching, retries and the offline buffer, against a real listener on 127.0.0.1 that answers ingest with
// 429, 503, 400 or a dropped connection when told to. Every batch is checked against the server's zod schema.
import { afterEach, describe, expect, it } from 'vitest';
import { DiagnosticsClient, type DiagnosticsClientOptions } from '../src/client';
import { activeConfig, SESSION_ID } from './support/fixtures';
import { ManualRuntime, SeededRandom } from './support/manual-runtime';
import { startScriptedServer, type Reply, type ScriptedServer } from './support/scripted-server';
import { expectValidIngestBatch } from './support/wire-contract';

let server: ScriptedServer | undefined;
const clients: DiagnosticsClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) await client.stop().catch(() => undefined);
  await server?.close();
  server = undefined;
});

/** A server with an active session whose ingest answers come from `ingest` (202 by default). */
async function startServer(ingest: () => Reply = () => ({ status: 202, body: { accepted: true } })) {
  server = await startScriptedServer((request) => (request.path === '/api/diagnostics/config' ? { status: 200, body: activeConfig() } : ingest()));
  return server;
}

async function startClient(options: Partial<DiagnosticsClientOptions> = {}) {
  const runtime = new ManualRuntime();
  const client = new DiagnosticsClient({
    endpoint: server!.url,
    productKey: 'dk_demo_key',
    deviceId: 'device-1',
    clock: runtime,
    timers: runtime,
    random: new SeededRandom(),
    instrument: { console: false, fetch: false, errors: false, exit: false },
    flushIntervalInMs: 2_000,
    ...options,
  });
  clients.push(client);
  await client.start();
  return { client, runtime };
}

function ingestBatches() {
  return server!.requestsTo('/api/diagnostics/ingest').map((request) => expectValidIngestBatch(request.json));
}

describe('batching', () => {
  it('sends at most 50 items per batch, with the session, the ingest token and device context', async () => {
    await startServer();
    const { client, runtime } = await startClient({ appVersion: '9.9.9' });
    for (let index = 0; index < 120; index++) client.info(`message ${index}`, { index });
    await client.flush();
    const batches = ingestBatches();
    expect(batches.map((batch) => batch.items.length)).toEqual([50, 50, 20]);
    expect(batches.every((batch) => batch.sessionId === SESSION_ID)).toBe(true);
    const request = server!.requestsTo('/api/diagnostics/ingest')[0]!;
    expect(request.headers.authorization).toBe('Bearer it1.test-token.signature');
    expect(request.headers['x-diagnostics-key']).toBe('dk_demo_key');
    expect(batches[0]!.device).toMatchObject({
      deviceId: 'device-1',
      appVersion: '9.9.9',
      sdkVersion: expect.any(String),
      platform: expect.stringMatching(/^node-/),
    });
    expect(batches[0]!.device.memoryMb).toBeGreaterThan(0);
    const messages = batches.flatMap((batch) => batch.items.map((item) => (item.kind === 'log' ? item.message : '')));
    expect(messages).toEqual(Array.from({ length: 120 }, (_, index) => `message ${index}`));
    expect(client.getStats()).toMatchObject({ sentItems: 120, bufferedItems: 0, droppedItems: 0 });
    expect(runtime.now()).toBeGreaterThan(0);
  });

  it('flushes a lone item on the interval, and an error at once', async () => {
    await startServer();
    const { client, runtime } = await startClient();
    client.info('quiet');
    await Promise.resolve();
    expect(server!.requestsTo('/api/diagnostics/ingest')).toHaveLength(0);
    expect(runtime.pendingDelays()).toContain(2_000);
    // The next timer due is the 2 s flush (the config poll comes later).
    await runtime.runNext();
    expect(ingestBatches().map((batch) => batch.items.length)).toEqual([1]);
    client.error('boom', { orderId: 'A-1' });
    await client.flush();
    const errorBatch = ingestBatches()[1]!;
    expect(errorBatch.items[0]).toMatchObject({ kind: 'log', level: 'error', message: 'boom', context: { orderId: 'A-1' } });
  });
});

describe('retries', () => {
  it('retries a 503 with the same item ids, so the server can store each item once', async () => {
    const answers: Reply[] = [{ status: 503, headers: { 'retry-after': '3' } }];
    await startServer(() => answers.shift() ?? { status: 202 });
    const { client, runtime } = await startClient();
    for (let index = 0; index < 5; index++) client.warn(`retry me ${index}`);
    await client.flush();
    expect(server!.requestsTo('/api/diagnostics/ingest')).toHaveLength(1);
    expect(client.getStats()).toMatchObject({ bufferedItems: 5, sentItems: 0 });
    // The retry waits at least the Retry-After.
    expect(runtime.pendingDelays()[0]).toBeGreaterThanOrEqual(3_000);
    await runtime.runNext();
    const [failed, retried] = ingestBatches();
    expect(retried!.items.map((item) => item.id)).toEqual(failed!.items.map((item) => item.id));
    expect(client.getStats()).toMatchObject({ sentItems: 5, retriedBatches: 1, bufferedItems: 0 });
  });

  it('honours 429 Retry-After: no send before it, even when asked to flush', async () => {
    const answers: Reply[] = [{ status: 429, headers: { 'retry-after': '30' } }];
    await startServer(() => answers.shift() ?? { status: 202 });
    const { client, runtime } = await startClient();
    client.info('limited');
    await client.flush();
    runtime.advance(10_000);
    await client.flush();
    expect(server!.requestsTo('/api/diagnostics/ingest')).toHaveLength(1);
    runtime.advance(20_001);
    await client.flush();
    expect(server!.requestsTo('/api/diagnostics/ingest')).toHaveLength(2);
    expect(client.getStats().sentItems).toBe(1);
  });

  it('does not retry a 400: the batch is counted as rejected and dropped', async () => {
    await startServer(() => ({ status: 400, body: { title: 'Bad Request' } }));
    const errors: Error[] = [];
    const { client } = await startClient({ onError: (error) => errors.push(error) });
    client.info('refused');
    await client.flush();
    await client.flush();
    expect(server!.requestsTo('/api/diagnostics/ingest')).toHaveLength(1);
    expect(client.getStats()).toMatchObject({ rejectedItems: 1, bufferedItems: 0, retriedBatches: 0 });
    expect(errors.map((error) => error.message)).toContain('ingest refused a batch of 1 items with 400');
  });

  it('keeps a bounded offline buffer while connections drop, losing the oldest first and counting them', async () => {
    let online = false;
    await startServer(() => (online ? { status: 202 } : 'drop'));
    const { client, runtime } = await startClient({ maxBufferedItems: 100 });
    client.info('first');
    await client.flush();
    for (let index = 0; index < 249; index++) client.info(`queued ${index}`);
    expect(client.getStats()).toMatchObject({ bufferedItems: 100, droppedItems: 150 });
    online = true;
    const attemptsWhileOffline = server!.requestsTo('/api/diagnostics/ingest').length;
    runtime.advance(600_000);
    await client.flush();
    const delivered = ingestBatches()
      .slice(attemptsWhileOffline)
      .flatMap((batch) => batch.items)
      .map((item) => (item.kind === 'log' ? item.message : ''));
    expect(delivered).toEqual(Array.from({ length: 100 }, (_, index) => `queued ${index + 149}`));
    expect(client.getStats()).toMatchObject({ sentItems: 100, bufferedItems: 0, droppedItems: 150 });
  });
});
