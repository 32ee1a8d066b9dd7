// What a crash leaves in `crashDirectory` (Node), read back by the next start: a frozen minute too old or not as
// written is deleted unsent, and so is a file of signal batches not as written; the items a collecting session left
// go to that session under its token, kept while the server asks to retry; a client started opted out deletes them
// all unsent; the files are written whole (a partial file moved into place). The crash that ends a real process
// and the start after it are in node-process.test.ts.
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DiagnosticsClient, PRE_CRASH_FILE, UNSENT_ITEMS_FILE, UNSENT_SIGNALS_FILE } from '../src/client';
import { CRASH_FILE_MAX_AGE_IN_MS, crashFileIn } from '../src/crash-file';
import { PreCrashBuffer } from '../src/pre-crash-buffer';
import { SignalReporter } from '../src/signal-reporter';
import { Transport } from '../src/transport';
import { ManualRuntime, SeededRandom } from './support/manual-runtime';
import { activeConfig } from './support/fixtures';
import { startScriptedServer, type ScriptedServer } from './support/scripted-server';

let directory: string;
let server: ScriptedServer;

beforeAll(async () => {
  server = await startScriptedServer((request) =>
    request.path === '/api/diagnostics/config' ? { status: 200, body: activeConfig({ uploadPreSessionBuffer: true }) } : { status: 202 },
  );
});
afterAll(() => server.close());
afterEach(() => rmSync(directory, { recursive: true, force: true }));

function freshDirectory(): string {
  directory = mkdtempSync(path.join(tmpdir(), 'rd-crash-file-'));
  return directory;
}

const log = (id: string, at: number) => ({ kind: 'log' as const, id, timestamp: new Date(at).toISOString(), level: 'info' as const, message: id });

describe('crash files', () => {
  it('read a frozen minute back once, and delete one too old or not as written, unsent', () => {
    const dir = freshDirectory();
    const file = crashFileIn(dir, PRE_CRASH_FILE)!;
    const crashed = new PreCrashBuffer(undefined, file);
    crashed.record(log('before', 1_000), 1_000);
    crashed.takeSnapshot(2_000);
    expect(readdirSync(dir)).toEqual([PRE_CRASH_FILE]);

    const next = new PreCrashBuffer(undefined, crashFileIn(dir, PRE_CRASH_FILE));
    next.restore(2_000 + CRASH_FILE_MAX_AGE_IN_MS);
    expect(next.drain(2_000 + CRASH_FILE_MAX_AGE_IN_MS).map((item) => [item.id, item.preSession])).toEqual([['before', true]]);
    expect(existsSync(path.join(dir, PRE_CRASH_FILE))).toBe(false);

    for (const written of [{ frozenAt: 0, items: [log('too old', 0)] }, { frozenAt: 5_000, items: [{ kind: 'span', id: 'not buffered' }] }, 'not json {']) {
      writeFileSync(path.join(dir, PRE_CRASH_FILE), typeof written === 'string' ? written : JSON.stringify(written));
      const buffer = new PreCrashBuffer(undefined, crashFileIn(dir, PRE_CRASH_FILE));
      buffer.restore(CRASH_FILE_MAX_AGE_IN_MS + 1);
      expect(buffer.drain(CRASH_FILE_MAX_AGE_IN_MS + 1)).toEqual([]);
      expect(existsSync(path.join(dir, PRE_CRASH_FILE))).toBe(false);
    }
  });

  it('drop a file of signal batches not as written, and keep nothing in memory from it', async () => {
    const dir = freshDirectory();
    writeFileSync(path.join(dir, UNSENT_SIGNALS_FILE), JSON.stringify([{ key: 'not hex!', batch: { deviceId: 'd', counters: [] } }]));
    const runtime = new ManualRuntime();
    const reporter = new SignalReporter({
      settings: { deviceId: 'device-1' },
      baseUrl: server.url,
      productKey: 'dk_demo_key',
      fetch: fetch,
      clock: runtime,
      timers: runtime,
      random: new SeededRandom(1),
      optedOut: () => false,
      onError: (error) => {
        throw error;
      },
      unsentFile: crashFileIn(dir, UNSENT_SIGNALS_FILE),
    });
    expect(reporter.restoreUnsent()).toBe(false);
    expect(existsSync(path.join(dir, UNSENT_SIGNALS_FILE))).toBe(false);
    const before = server.requestsTo('/api/diagnostics/signals').length;
    await reporter.send(true);
    expect(server.requestsTo('/api/diagnostics/signals').length).toBe(before);
  });

  it('send what a collecting session left to that session, keep them while the server asks to retry, and drop them refused, too old or not as written', async () => {
    const dir = freshDirectory();
    const file = path.join(dir, UNSENT_ITEMS_FILE);
    const runtime = new ManualRuntime();
    let ingestStatus = 503;
    const ingest = await startScriptedServer((request) => (request.path === '/api/diagnostics/ingest' ? { status: ingestStatus } : { status: 404 }));
    try {
      const transport = new Transport({
        baseUrl: ingest.url,
        productKey: 'dk_demo_key',
        fetch,
        clock: runtime,
        timers: runtime,
        random: new SeededRandom(3),
        device: () => ({ deviceId: 'device-1' }),
        maxBatchItems: 50,
        flushIntervalInMs: 5_000,
        maxBufferedItems: 1_000,
        maxBackoffInMs: 300_000,
        onError: () => undefined,
        unsentFile: crashFileIn(dir, UNSENT_ITEMS_FILE),
      });
      const saved = {
        sessionId: 'ds_00000000-0000-4000-8000-000000000001',
        ingestToken: 'it1.saved.token',
        savedAt: runtime.now(),
        items: [log('left', runtime.now())],
      };
      writeFileSync(file, JSON.stringify(saved));
      await transport.sendWhatACrashLeft();
      expect(existsSync(file)).toBe(true);
      ingestStatus = 202;
      await transport.sendWhatACrashLeft();
      expect(existsSync(file)).toBe(false);
      const sent = ingest.requestsTo('/api/diagnostics/ingest');
      expect(sent.map((request) => [request.headers.authorization, (request.json as { sessionId: string }).sessionId])).toEqual([
        ['Bearer it1.saved.token', saved.sessionId],
        ['Bearer it1.saved.token', saved.sessionId],
      ]);

      ingestStatus = 409;
      writeFileSync(file, JSON.stringify(saved));
      await transport.sendWhatACrashLeft();
      expect(existsSync(file)).toBe(false);
      const tried = ingest.requestsTo('/api/diagnostics/ingest').length;
      for (const written of [{ ...saved, savedAt: runtime.now() - CRASH_FILE_MAX_AGE_IN_MS - 1 }, { ...saved, ingestToken: 42 }, 'not json {']) {
        writeFileSync(file, typeof written === 'string' ? written : JSON.stringify(written));
        await transport.sendWhatACrashLeft();
        expect(existsSync(file)).toBe(false);
      }
      expect(ingest.requestsTo('/api/diagnostics/ingest').length).toBe(tried);
    } finally {
      await ingest.close();
    }
  });

  it('are deleted unsent by a client started opted out', async () => {
    const dir = freshDirectory();
    writeFileSync(path.join(dir, PRE_CRASH_FILE), JSON.stringify({ frozenAt: Date.now(), items: [log('private', Date.now())] }));
    writeFileSync(path.join(dir, UNSENT_SIGNALS_FILE), JSON.stringify([{ key: 'ab12', batch: { deviceId: 'device-1', counters: [], latency: [] } }]));
    writeFileSync(path.join(dir, UNSENT_ITEMS_FILE), JSON.stringify({ sessionId: 's', ingestToken: 't', savedAt: Date.now(), items: [] }));
    const runtime = new ManualRuntime();
    const client = new DiagnosticsClient({
      endpoint: server.url,
      productKey: 'dk_demo_key',
      deviceId: 'device-1',
      optedOut: true,
      crashDirectory: dir,
      clock: runtime,
      timers: runtime,
      random: new SeededRandom(2),
      instrument: { console: false, fetch: false, errors: false, exit: false },
    });
    const signalsBefore = server.requestsTo('/api/diagnostics/signals').length;
    const ingestBefore = server.requestsTo('/api/diagnostics/ingest').length;
    await client.start();
    await client.stop();
    expect(readdirSync(dir)).toEqual([]);
    expect(server.requestsTo('/api/diagnostics/signals').length).toBe(signalsBefore);
    expect(server.requestsTo('/api/diagnostics/ingest').length).toBe(ingestBefore);
  });
});
