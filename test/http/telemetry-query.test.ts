// Reading a session back through HTTP: log filters and paging, span lists and trees, the merged timeline,
// and who may read. Data goes in through the device ingest route, as in production.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDeviceSession, type DeviceSession } from '../support/device-session';
import { startTestHost, type TestHost } from '../support/test-host';

let host: TestHost;
let engineer: string;
let session: DeviceSession;
const base = Date.now() - 3_600_000;
const at = (second: number) => new Date(base + second * 1000).toISOString();
const traceA = 'a'.repeat(31) + '1';
const traceB = 'b'.repeat(31) + '2';
const spanId = (n: number) => n.toString(16).padStart(16, '0');

beforeAll(async () => {
  host = await startTestHost();
  engineer = await host.token({ roles: ['engineer'], products: ['demo'] });
  const admin = await host.token({ roles: ['admin'], products: ['demo'] });
  session = await openDeviceSession(host, admin, { capture: { logs: true, traces: true, breadcrumbs: true, network: true }, collectionLevel: 'trace' });
  const items = [
    { kind: 'log', id: 'l1', timestamp: at(1), level: 'debug', module: 'net', message: 'connecting to api' },
    { kind: 'log', id: 'l2', timestamp: at(2), level: 'error', module: 'net', message: 'timeout talking to api', correlationId: 'corr-1' },
    { kind: 'log', id: 'l3', timestamp: at(3), level: 'warn', module: 'ui', message: 'slow frame' },
    { kind: 'log', id: 'l4', timestamp: at(4), level: 'fatal', module: 'ui', message: 'crash in api view', correlationId: 'corr-1' },
    { kind: 'log', id: 'l5', timestamp: at(5), level: 'info', module: 'ui', message: 'recovered' },
    { kind: 'breadcrumb', id: 'b1', timestamp: at(0), category: 'nav', message: 'opened checkout' },
    { kind: 'network', id: 'n1', timestamp: at(2), method: 'GET', url: 'https://api.example.com/cart', status: 504, durationMs: 3000 },
    { kind: 'span', traceId: traceA, spanId: spanId(1), name: 'checkout', startTime: at(1), endTime: at(6) },
    { kind: 'span', traceId: traceA, spanId: spanId(2), parentSpanId: spanId(1), name: 'load cart', startTime: at(2), endTime: at(3) },
    { kind: 'span', traceId: traceA, spanId: spanId(3), parentSpanId: spanId(1), name: 'pay', startTime: at(3), endTime: at(5) },
    { kind: 'span', traceId: traceA, spanId: spanId(4), parentSpanId: spanId(3), name: 'charge', startTime: at(4), endTime: at(5) },
    { kind: 'span', traceId: traceA, spanId: spanId(5), parentSpanId: spanId(99), name: 'late child', startTime: at(5), endTime: at(5) },
    { kind: 'span', traceId: traceB, spanId: spanId(6), name: 'background sync', startTime: at(7), endTime: at(8) },
  ];
  const response = await host.call('POST', '/api/diagnostics/ingest', { body: { sessionId: session.sessionId, items }, headers: session.deviceHeaders });
  if (response.status !== 202) throw new Error(`ingest answered ${response.status}: ${await response.text()}`);
});
afterAll(() => host.close());

async function get(path: string, token = engineer) {
  const response = await host.call('GET', `/api/diagnostics/sessions/${session.sessionId}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: await response.json() };
}

async function ids(path: string): Promise<string[]> {
  const { status, body } = await get(path);
  expect(status).toBe(200);
  return body.items.map((item: { itemId: string }) => item.itemId);
}

describe('GET /sessions/{id}/logs', () => {
  it.each([
    ['', ['l5', 'l4', 'l3', 'l2', 'l1']],
    ['?order=oldest', ['l1', 'l2', 'l3', 'l4', 'l5']],
    ['?level=error&level=fatal', ['l4', 'l2']],
    ['?level=error,fatal,warn', ['l4', 'l3', 'l2']],
    ['?module=ui', ['l5', 'l4', 'l3']],
    ['?text=api', ['l4', 'l2', 'l1']],
    ['?correlationId=corr-1', ['l4', 'l2']],
    [`?from=${encodeURIComponent(at(2))}&to=${encodeURIComponent(at(4))}`, ['l3', 'l2']],
    ['?type=breadcrumb,network&order=oldest', ['b1', 'n1']],
    ['?level=error&module=ui', []],
  ])('filters %s', async (query, expected) => {
    expect(await ids(`/logs${query}`)).toEqual(expected);
  });

  it('accepts a time range given with an offset', async () => {
    const from = new Date(Date.parse(at(3))).toISOString().replace('Z', '+00:00');
    expect(await ids(`/logs?order=oldest&from=${encodeURIComponent(from)}`)).toEqual(['l3', 'l4', 'l5']);
  });

  it('pages with continuation tokens until every log was returned once', async () => {
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const { status, body } = await get(`/logs?pageSize=2&order=oldest${token ? `&continuationToken=${encodeURIComponent(token)}` : ''}`);
      expect(status).toBe(200);
      expect(body.items.length).toBeLessThanOrEqual(2);
      seen.push(...body.items.map((item: { itemId: string }) => item.itemId));
      token = body.continuationToken;
      pages++;
    } while (token && pages < 10);
    expect(seen).toEqual(['l1', 'l2', 'l3', 'l4', 'l5']);
    expect(pages).toBe(3);
  });

  it.each([
    ['?level=loud', 'query.level.0'],
    ['?pageSize=0', 'query.pageSize'],
    ['?from=yesterday', 'query.from'],
    ['?order=random', 'query.order'],
    ['?continuationToken=garbage', 'continuationToken'],
    ['?unknown=1', 'query'],
  ])('400 naming the field for %s', async (query, field) => {
    const { status, body } = await get(`/logs${query}`);
    expect(status).toBe(400);
    expect(body.errors.map((issue: { field: string }) => issue.field)).toContain(field);
  });
});

describe('GET /sessions/{id}/traces and /traces/{traceId}', () => {
  it('lists all spans, or one trace with ?traceId=', async () => {
    expect(await ids('/traces?order=oldest')).toEqual([1, 2, 3, 4, 5, 6].map(spanId));
    expect(await ids(`/traces?traceId=${traceB}`)).toEqual([spanId(6)]);
  });

  it('returns a trace as a span tree, with an orphan kept as a root', async () => {
    const { status, body } = await get(`/traces/${traceA}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ traceId: traceA, spanCount: 5, truncated: false, durationMs: 5000 });
    const shape = (node: { name: string; orphan?: boolean; children: unknown[] }): unknown => ({
      name: node.name,
      ...(node.orphan ? { orphan: true } : {}),
      children: node.children.map((child) => shape(child as never)),
    });
    expect(body.roots.map(shape)).toEqual([
      {
        name: 'checkout',
        children: [
          { name: 'load cart', children: [] },
          { name: 'pay', children: [{ name: 'charge', children: [] }] },
        ],
      },
      { name: 'late child', orphan: true, children: [] },
    ]);
  });

  it('404 for a trace the session does not have, 400 for a malformed trace id', async () => {
    expect((await get(`/traces/${'c'.repeat(32)}`)).status).toBe(404);
    expect((await get('/traces/not-a-trace')).status).toBe(400);
  });
});

describe('GET /sessions/{id}/timeline', () => {
  it('merges breadcrumbs, logs, network captures and spans in time order across pages', async () => {
    const entries: Array<{ docType: string; itemId: string; time: string }> = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const { status, body } = await get(`/timeline?pageSize=3${token ? `&continuationToken=${encodeURIComponent(token)}` : ''}`);
      expect(status).toBe(200);
      entries.push(
        ...body.items.map((item: { docType: string; itemId: string; timestamp?: string; startTime?: string }) => ({
          docType: item.docType,
          itemId: item.itemId,
          time: item.timestamp ?? item.startTime!,
        })),
      );
      token = body.continuationToken;
      pages++;
    } while (token && pages < 20);
    expect(entries).toHaveLength(13);
    expect(new Set(entries.map((entry) => `${entry.docType}:${entry.itemId}`)).size).toBe(13);
    expect(entries.map((entry) => entry.time)).toEqual([...entries.map((entry) => entry.time)].sort());
    expect(entries[0]).toMatchObject({ docType: 'breadcrumb', itemId: 'b1' });
    expect(new Set(entries.map((entry) => entry.docType))).toEqual(new Set(['breadcrumb', 'log', 'network', 'span']));
  });

  it('newest first, within a time range', async () => {
    const { body } = await get(`/timeline?order=newest&from=${encodeURIComponent(at(5))}`);
    const itemIds = body.items.map((item: { itemId: string }) => item.itemId);
    // l5 and span 5 share a time, so either may come first.
    expect(itemIds[0]).toBe(spanId(6));
    expect(new Set(itemIds.slice(1))).toEqual(new Set(['l5', spanId(5)]));
    const times = body.items.map((item: { timestamp?: string; startTime?: string }) => item.timestamp ?? item.startTime);
    expect(times).toEqual([...times].sort().reverse());
    expect(body.items).toHaveLength(3);
  });
});

describe('who may read', () => {
  it('401 without a token, 404 for another product, 403 for the targeted user without a reader role', async () => {
    const none = await host.call('GET', `/api/diagnostics/sessions/${session.sessionId}/logs`);
    expect(none.status).toBe(401);
    const outsider = await host.token({ roles: ['engineer'], products: ['other'] });
    expect((await get('/logs', outsider)).status).toBe(404);
    expect((await get('/timeline', outsider)).status).toBe(404);
    const admin = await host.token({ roles: ['admin'], products: ['demo'] });
    const targeted = await openDeviceSession(host, admin, { targetUserId: 'user-42' }, await host.token({ subject: 'user-42', roles: [], products: [] }));
    const user = await host.token({ subject: 'user-42', roles: [], products: [] });
    const response = await host.call('GET', `/api/diagnostics/sessions/${targeted.sessionId}/logs`, { headers: { authorization: `Bearer ${user}` } });
    expect(response.status).toBe(403);
  });
});
