// The built SDK in a real Node process: it must not change how the process exits on an uncaught error or an
// unhandled rejection (same exit code, same report on stderr as without it), and a process that simply ends
// sends what was still buffered (beforeExit) and still exits on its own.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activeConfig } from './support/fixtures';
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

async function runChild(appCode: string, withSdk: boolean): Promise<{ code: number; stderr: string }> {
  const setup = withSdk
    ? `const { DiagnosticsClient } = await import(${JSON.stringify(sdkEntry)});
       const diagnostics = new DiagnosticsClient({ endpoint: ${JSON.stringify(server.url)}, productKey: 'dk_demo_key', deviceId: 'child-device', flushIntervalInMs: 60000 });
       await diagnostics.start();
       if (!diagnostics.isSessionActive()) throw new Error('no session');`
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
});
