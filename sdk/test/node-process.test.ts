// The built SDK in a real Node process: it must not change how the process exits on an uncaught error or an
// unhandled rejection (same exit code, same report on stderr as without it), and a process that simply ends
// sends what was still buffered (beforeExit) and still exits on its own. With a crash directory, a crash that ends
// the process leaves its report and the minute before it there, and the app's next start sends both.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceConfig } from '../src/wire';
import { activeConfig, inactiveConfig } from './support/fixtures';
import { startScriptedServer, type ScriptedServer } from './support/scripted-server';
import { expectValidIngestBatch } from './support/wire-contract';

const run = promisify(execFile);
const root = path.resolve(__dirname, '../..');
const sdkEntry = pathToFileURL(path.join(root, 'sdk/dist/index.js')).href;
let server: ScriptedServer;

beforeAll(async () => {
  // The child runs the SDK as shipped: build it from the current source first.
  await run(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'sdk/tsconfig.json')]);
  server = await startScriptedServer((request) => (request.path === '/api/diagnostics/config' ? { status: 200, body: activeConfig() } : { status: 202 }));
}, 120_000);
afterAll(() => server.close());

async function runChild(
  appCode: string,
  withSdk: boolean,
  sdk: { crashDirectory?: string; session?: boolean } = {},
): Promise<{ code: number; stderr: string }> {
  const options = { endpoint: server.url, productKey: 'dk_demo_key', deviceId: 'child-device', flushIntervalInMs: 60000, crashDirectory: sdk.crashDirectory };
  const setup = withSdk
    ? `const { DiagnosticsClient } = await import(${JSON.stringify(sdkEntry)});
       const diagnostics = new DiagnosticsClient(${JSON.stringify(options)});
       await diagnostics.start();
       if (diagnostics.isSessionActive() !== ${sdk.session ?? true}) throw new Error('session: ' + diagnostics.isSessionActive());`
    : 'const diagnostics = { info() {} };';
  try {
    const { stderr } = await run(process.execPath, ['--input-type=module', '-e', `${setup}\n${appCode}`], { timeout: 20_000 });
    return { code: 0, stderr };
  } catch (error) {
    const failed = error as { code?: number; stderr?: string };
    return { code: failed.code ?? -1, stderr: failed.stderr ?? '' };
  }
}

/** The lines Node prints for an uncaught error, minus the frames (which differ by where the code ran). */
function report(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((line) => line.trim() !== '' && !/^\s+at /.test(line) && !line.startsWith('Node.js v') && !/^file:|^\[eval|^\s*\^|throw /.test(line));
}

/** Polls answered with `config`; requests to `dropped` lose their answer (as with a process that ends); the rest taken. */
function answer(config: DeviceConfig, dropped?: string): void {
  server.setScript((request) =>
    request.path === '/api/diagnostics/config' ? { status: 200, body: config } : request.path === dropped ? 'drop' : { status: 202 },
  );
}

/** A crash directory of the test's own, removed after it. */
async function inCrashDirectory(test: (directory: string) => Promise<void>): Promise<void> {
  const directory = mkdtempSync(path.join(tmpdir(), 'rd-crash-'));
  try {
    await test(directory);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

describe('the SDK in a Node process', () => {
  it.each([
    ['an uncaught exception', "setTimeout(() => { throw new Error('boom from the app'); }, 10);"],
    ['an unhandled rejection', "setTimeout(() => { Promise.reject(new Error('rejected by the app')); }, 10);"],
  ])('leaves the exit code and the error report of %s unchanged', async (_name, appCode) => {
    const [without, withSdk] = [await runChild(appCode, false), await runChild(appCode, true)];
    expect(without.code).toBe(1);
    expect(withSdk.code).toBe(without.code);
    expect(report(withSdk.stderr)).toEqual(report(without.stderr));
    expect(report(withSdk.stderr).join('\n')).toMatch(/boom from the app|rejected by the app/);
  });

  it('sends what is still buffered when the process ends on its own, and the process still exits', async () => {
    const before = server.requestsTo('/api/diagnostics/ingest').length;
    const result = await runChild("diagnostics.info('last words before exit');", true);
    expect(result.code).toBe(0);
    const sent = server
      .requestsTo('/api/diagnostics/ingest')
      .slice(before)
      .flatMap((request) => expectValidIngestBatch(request.json).items);
    expect(sent.map((item) => item.kind === 'log' && item.message)).toEqual(['last words before exit']);
  });

  it('leaves a crash that ends the process in the crash directory, and the next start sends its report and its minute', async () => {
    await inCrashDirectory(async (directory) => {
      // No session, and the crash report's request never answered: the process ends with the crash anyway.
      answer(inactiveConfig(), '/api/diagnostics/signals');
      const crashed = await runChild(
        "diagnostics.info('opened cart'); diagnostics.breadcrumb('tapped checkout', 'ui'); setTimeout(() => { throw new Error('payment total was null'); }, 10);",
        true,
        { crashDirectory: directory, session: false },
      );
      expect(crashed.code).toBe(1);
      expect(report(crashed.stderr).join('\n')).toMatch(/payment total was null/);
      const left = (name: string) => existsSync(path.join(directory, name));
      expect([left('remote-diagnostics-pre-crash.json'), left('remote-diagnostics-unsent-signals.json')]).toEqual([true, true]);

      // The crash rule opened a session for the device: the next start sends the report and then the minute.
      answer(activeConfig({ uploadPreSessionBuffer: true }));
      const signalsBefore = server.requestsTo('/api/diagnostics/signals').length;
      const ingestBefore = server.requestsTo('/api/diagnostics/ingest').length;
      const restarted = await runChild("diagnostics.info('after the restart');", true, { crashDirectory: directory });
      expect(restarted).toEqual({ code: 0, stderr: '' });

      const reports = server.requestsTo('/api/diagnostics/signals').slice(signalsBefore);
      expect(reports).toHaveLength(1);
      // The crash, and the error its fatal log counted, under one fingerprint.
      const counters = (reports[0]!.json as { counters: Array<{ series: string; count: number; fingerprint?: string }> }).counters;
      const fingerprint = counters[0]?.fingerprint;
      expect(fingerprint).toMatch(/^fp-[0-9a-f]{8}$/);
      expect(counters.map(({ series, count }) => [series, count]).sort()).toEqual([
        ['crashes', 1],
        ['errors', 1],
      ]);
      expect(counters.every((counter) => counter.fingerprint === fingerprint)).toBe(true);
      // Sent under the key it was given at the crash (the dropped attempt's, if it got that far).
      const key = reports[0]!.headers['idempotency-key'];
      for (const attempt of server.requestsTo('/api/diagnostics/signals').slice(0, signalsBefore)) {
        if ((attempt.json as { deviceId?: string }).deviceId === 'child-device' && attempt.body === reports[0]!.body)
          expect(attempt.headers['idempotency-key']).toBe(key);
      }
      const items = server
        .requestsTo('/api/diagnostics/ingest')
        .slice(ingestBefore)
        .flatMap((request) => expectValidIngestBatch(request.json).items);
      const preSession = items.filter((item) => 'preSession' in item && item.preSession === true);
      expect(preSession.map((item) => [item.kind, 'message' in item ? item.message : undefined])).toEqual([
        ['log', 'opened cart'],
        ['breadcrumb', 'tapped checkout'],
        ['breadcrumb', 'Error: payment total was null'],
        ['log', 'payment total was null'],
      ]);
      expect(items.at(-1)).toEqual(expect.objectContaining({ kind: 'log', message: 'after the restart' }));
      expect([left('remote-diagnostics-pre-crash.json'), left('remote-diagnostics-unsent-signals.json')]).toEqual([false, false]);
    });
  });

  it('leaves what a collecting session had not yet sent at a crash, and the next start sends it to that session', async () => {
    await inCrashDirectory(async (directory) => {
      // A session collects; its batches never get an answer before the crash ends the process.
      answer(activeConfig(), '/api/diagnostics/ingest');
      const crashed = await runChild("diagnostics.info('last request started'); setTimeout(() => { throw new Error('checkout crashed'); }, 10);", true, {
        crashDirectory: directory,
      });
      expect(crashed.code).toBe(1);
      expect(existsSync(path.join(directory, 'remote-diagnostics-unsent-items.json'))).toBe(true);

      answer(activeConfig());
      const ingestBefore = server.requestsTo('/api/diagnostics/ingest').length;
      const restarted = await runChild('', true, { crashDirectory: directory });
      expect(restarted).toEqual({ code: 0, stderr: '' });
      const batches = server.requestsTo('/api/diagnostics/ingest').slice(ingestBefore);
      const items = batches.flatMap((request) => expectValidIngestBatch(request.json).items);
      // The crash's own fatal log among them, for the session they were captured in, under its token.
      expect(items.filter((item) => item.kind === 'log').map((item) => item.kind === 'log' && [item.level, item.message])).toEqual([
        ['info', 'last request started'],
        ['fatal', 'checkout crashed'],
      ]);
      expect(new Set(batches.map((request) => request.headers.authorization))).toEqual(new Set([`Bearer ${activeConfig().session!.ingestToken}`]));
      expect(existsSync(path.join(directory, 'remote-diagnostics-unsent-items.json'))).toBe(false);
    });
  });
});
