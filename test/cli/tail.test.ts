// `diagnostics tail` against the local host: prints each item as it arrives (coloured by level on a terminal),
// resumes with Last-Event-ID after the connection drops, and exits when the session ends.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../cli/diagnostics';
import { followTail, formatItem, type TailedItem } from '../../cli/tail';
import { openDeviceSession, type DeviceSession } from '../support/device-session';
import { startTestHost, type TestHost } from '../support/test-host';

let host: TestHost;
let admin: string;
let engineer: string;

beforeAll(async () => {
  host = await startTestHost({ TAIL_POLL_INTERVAL_MS: '200', TAIL_SETTLE_MS: '300', RATE_LIMIT_INGEST_BATCHES_PER_MINUTE: '1000' });
  admin = await host.token({ roles: ['admin'], products: ['demo'] });
  engineer = await host.token({ roles: ['engineer'], products: ['demo'] });
});
afterAll(() => host.close());

const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

async function send(session: DeviceSession, id: string, level: string, message: string): Promise<void> {
  const item = { kind: 'log', id, timestamp: new Date().toISOString(), level, message };
  const response = await host.call('POST', '/api/diagnostics/ingest', {
    body: { sessionId: session.sessionId, items: [item] },
    headers: session.deviceHeaders,
  });
  expect(response.status).toBe(202);
}

async function endSession(session: DeviceSession): Promise<void> {
  expect((await host.call('DELETE', `/api/diagnostics/sessions/${session.sessionId}`, { headers: { authorization: `Bearer ${admin}` } })).status).toBe(200);
}

describe('followTail', () => {
  it('resumes after a dropped connection without repeating or losing an item', async () => {
    const session = await openDeviceSession(host, admin);
    let connections = 0;
    const lastEventIds: Array<string | null> = [];
    // The first connection is cut right after its first item arrives, as a flaky network would.
    const flakyFetch: typeof fetch = async (input, init) => {
      connections++;
      lastEventIds.push(new Headers(init?.headers).get('last-event-id'));
      const response = await fetch(input, init);
      if (connections > 1 || !response.body) return response;
      const reader = response.body.getReader();
      const cut = new ReadableStream<Uint8Array>({
        async pull(controller) {
          const { done, value } = await reader.read();
          if (done) return controller.close();
          controller.enqueue(value);
          if (new TextDecoder().decode(value).includes('event: item')) {
            await reader.cancel();
            controller.error(new TypeError('terminated'));
          }
        },
      });
      return new Response(cut, { status: response.status, headers: response.headers });
    };
    const seen: string[] = [];
    const notices: string[] = [];
    const following = followTail({
      baseUrl: `${host.url}/api`,
      token: engineer,
      sessionId: session.sessionId,
      fetch: flakyFetch,
      onItem: (item) => seen.push(item.itemId),
      onNotice: (text) => notices.push(text),
    });
    await sleep(300);
    await send(session, 'a1', 'info', 'first');
    while (connections < 2) await sleep(50);
    await send(session, 'a2', 'warn', 'second');
    await send(session, 'a3', 'error', 'third');
    while (seen.length < 3) await sleep(50);
    await endSession(session);
    expect(await following).toEqual({ ended: true, status: 'cancelled' });
    expect(seen).toEqual(['a1', 'a2', 'a3']);
    expect(lastEventIds[0]).toBeNull();
    expect(lastEventIds[1]).toMatch(/^tc1\./);
    expect(notices.some((notice) => notice.startsWith('connection lost'))).toBe(true);
  }, 30_000);

  it('gives up at once on an answer a retry cannot fix', async () => {
    const outcome = await followTail({
      baseUrl: `${host.url}/api`,
      token: engineer,
      sessionId: `ds_${'0'.repeat(8)}-0000-0000-0000-${'0'.repeat(12)}`,
      onItem: () => undefined,
    });
    expect(outcome).toMatchObject({ ended: false, reason: expect.stringContaining('404') });
  });
});

describe('diagnostics tail', () => {
  it('prints items as they arrive, filtered by level, and exits 0 when the session ends', async () => {
    const session = await openDeviceSession(host, admin);
    const written: string[] = [];
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: any, ...rest: any[]) => {
      written.push(String(chunk));
      const callback = rest.find((arg) => typeof arg === 'function');
      if (callback) callback();
      return true;
    });
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const running = runCli(['tail', session.sessionId, '--level', 'error,warn', '--url', `${host.url}/api`, '--token', engineer]);
      await sleep(300);
      await send(session, 'c1', 'info', 'not shown');
      await send(session, 'c2', 'error', 'payment declined');
      await sleep(1500);
      await endSession(session);
      expect(await running).toBe(0);
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
    }
    const lines = written.join('').split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/ERROR log {8}payment declined$/);
  }, 30_000);

  it('colours by level on a terminal only', () => {
    const item: TailedItem = { docType: 'log', itemId: 'x', timestamp: '2026-12-05T08:00:00.000Z', level: 'error', message: 'boom', module: 'pay' };
    expect(formatItem(item, true)).toBe('2026-12-05T08:00:00.000Z \x1b[31mERROR\x1b[0m log        pay: boom');
    expect(formatItem(item, false)).toBe('2026-12-05T08:00:00.000Z ERROR log        pay: boom');
    expect(formatItem({ docType: 'network', itemId: 'n', timestamp: 't', method: 'GET', url: 'https://x', status: 503, durationMs: 12 }, false)).toBe(
      't ERROR network    GET https://x 503 12ms',
    );
  });
});
