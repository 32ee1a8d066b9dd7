// Grouping by user through the local host: a session that targets a user and one whose device reports that user
// are both filed under the user; their timelines merge into one, paged without repeats or gaps.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openDeviceSession, type DeviceSession } from '../support/device-session';
import { startTestHost, type TestHost } from '../support/test-host';

let host: TestHost;
let admin: string;
let engineer: string;
const userId = `user-${randomUUID().slice(0, 8)}`;
let targeted: DeviceSession;
let observed: DeviceSession;
const base = Date.now() - 600_000;
const at = (second: number) => new Date(base + second * 1000).toISOString();

async function ingest(session: DeviceSession, items: unknown[], device: Record<string, string> = {}) {
  const response = await host.call('POST', '/api/diagnostics/ingest', {
    body: { sessionId: session.sessionId, device, items },
    headers: session.deviceHeaders,
  });
  expect(response.status, await response.clone().text()).toBe(202);
}

beforeAll(async () => {
  host = await startTestHost({ RATE_LIMIT_SESSION_CREATES_PER_HOUR: '1000' });
  admin = await host.token({ roles: ['admin'], products: ['demo'] });
  engineer = await host.token({ roles: ['engineer'], products: ['demo'] });
  // One session opened for the user (their signed-in device polls with their token) …
  const userToken = await host.token({ subject: userId, roles: [], products: [] });
  targeted = await openDeviceSession(host, admin, { targetDeviceId: undefined, targetUserId: userId }, userToken);
  // … and one opened for a device, whose app reports that same user as signed in.
  observed = await openDeviceSession(host, admin);
  await ingest(targeted, [
    { kind: 'log', id: 'a1', timestamp: at(1), level: 'info', message: 'opened app' },
    { kind: 'log', id: 'a3', timestamp: at(3), level: 'warn', message: 'slow cart' },
    { kind: 'log', id: 'a5', timestamp: at(5), level: 'error', message: 'checkout failed' },
  ]);
  await ingest(
    observed,
    [
      { kind: 'breadcrumb', id: 'b2', timestamp: at(2), category: 'nav', message: 'cart' },
      { kind: 'log', id: 'b4', timestamp: at(4), level: 'info', message: 'retrying on tablet' },
      { kind: 'span', traceId: 'd'.repeat(32), spanId: '6'.repeat(16), name: 'pay', startTime: at(6), endTime: at(7) },
    ],
    { userId },
  );
});
afterAll(() => host.close());

async function get(path: string, token = engineer) {
  const response = await host.call('GET', path, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: await response.json() };
}

describe('GET /users/{userId}/sessions', () => {
  it('lists the session that targeted the user and the one that observed them, newest first', async () => {
    const { status, body } = await get(`/api/diagnostics/users/${userId}/sessions?productId=demo`);
    expect(status).toBe(200);
    expect(body.items.map((item: any) => [item.session.id, item.relation])).toEqual([
      [observed.sessionId, 'observed'],
      [targeted.sessionId, 'target'],
    ]);
  });

  it('reads the per-user index, not every session', async () => {
    const list = vi.spyOn(host.deps.stores.sessions, 'list');
    try {
      expect((await get(`/api/diagnostics/users/${userId}/sessions?productId=demo`)).status).toBe(200);
      expect((await get(`/api/diagnostics/users/${userId}/timeline?productId=demo`)).status).toBe(200);
      expect(list).not.toHaveBeenCalled();
    } finally {
      list.mockRestore();
    }
  });

  it('does not keep the user id on the stored items', async () => {
    const { body } = await get(`/api/diagnostics/sessions/${observed.sessionId}/logs?type=log`);
    expect(body.items[0].device?.userId).toBeUndefined();
  });

  it('is for readers of the product and needs the product', async () => {
    const outsider = await host.token({ roles: ['engineer'], products: ['other'] });
    expect((await get(`/api/diagnostics/users/${userId}/sessions?productId=demo`, outsider)).status).toBe(403);
    const missing = await get(`/api/diagnostics/users/${userId}/sessions`);
    expect(missing.status).toBe(400);
    expect(missing.body.errors[0].field).toBe('query.productId');
    expect((await get(`/api/diagnostics/users/${encodeURIComponent('a b')}/sessions?productId=demo`)).status).toBe(400);
  });
});

describe('GET /users/{userId}/timeline', () => {
  it('merges both sessions by time, paged without repeats or gaps, in either order', async () => {
    for (const [order, expected] of [
      ['oldest', ['a1', 'b2', 'a3', 'b4', 'a5', '6666666666666666']],
      ['newest', ['6666666666666666', 'a5', 'b4', 'a3', 'b2', 'a1']],
    ] as const) {
      const seen: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const { status, body } = await get(
          `/api/diagnostics/users/${userId}/timeline?productId=demo&order=${order}&pageSize=2${token ? `&continuationToken=${encodeURIComponent(token)}` : ''}`,
        );
        expect(status).toBe(200);
        expect(body.sessionIds.sort()).toEqual([targeted.sessionId, observed.sessionId].sort());
        seen.push(...body.items.map((item: { itemId: string }) => item.itemId));
        token = body.continuationToken;
        pages++;
      } while (token && pages < 10);
      expect(seen, order).toEqual(expected);
    }
  });

  it('narrows by time and is empty for a user nobody looked at', async () => {
    const { body } = await get(`/api/diagnostics/users/${userId}/timeline?productId=demo&from=${encodeURIComponent(at(3))}&to=${encodeURIComponent(at(5))}`);
    expect(body.items.map((item: { itemId: string }) => item.itemId)).toEqual(['a3', 'b4']);
    const nobody = await get('/api/diagnostics/users/nobody/timeline?productId=demo');
    expect(nobody.body).toMatchObject({ items: [], sessionIds: [], moreSessions: false });
  });
});
