// Session API through HTTP on the local host, against the embedded Cosmos via the real SDK.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHost, type TestHost } from '../support/test-host';

let host: TestHost;
let admin: string;

beforeAll(async () => {
  host = await startTestHost();
  admin = await host.token({ roles: ['admin'], products: ['demo'] });
});
afterAll(() => host.close());

function auth(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

async function createSession(body: Record<string, unknown> = {}, token = admin) {
  return host.call('POST', '/api/diagnostics/sessions', { body: { productId: 'demo', targetDeviceId: `dev-${Math.random()}`, ...body }, headers: auth(token) });
}

describe('POST /api/diagnostics/sessions', () => {
  it('creates an active session with derived expiry, an ETag and an audit record', async () => {
    const response = await createSession({ maxDurationMinutes: 30, collectionLevel: 'trace' });
    expect(response.status).toBe(201);
    const session = await response.json();
    expect(session.id).toMatch(/^ds_[0-9a-f-]{36}$/);
    expect(session.status).toBe('active');
    expect(session.collectionLevel).toBe('trace');
    expect(Date.parse(session.expiresAt) - Date.parse(session.createdAt)).toBe(30 * 60_000);
    expect(response.headers.get('etag')).toBe(`"${session.etag}"`);
    const audit = await host.deps.stores.audit.list('demo', { sessionId: session.id }, { maxItems: 10 });
    expect(audit.items.map((record) => record.action)).toEqual(['session.created']);
    expect(audit.items[0]!.actor.kind).toBe('user');
  });

  it('refuses a session with no target, naming the field', async () => {
    const response = await host.call('POST', '/api/diagnostics/sessions', { body: { productId: 'demo' }, headers: auth(admin) });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    const problem = await response.json();
    expect(problem.errors[0].field).toBe('targetUserId');
  });

  it.each([
    [{ maxDurationMinutes: 0 }, 'maxDurationMinutes'],
    [{ maxDurationMinutes: 1441 }, 'maxDurationMinutes'],
    [{ collectionLevel: 'verbose' }, 'collectionLevel'],
    [{ capture: { screenshots: 'yes' } }, 'capture.screenshots'],
    [{ unknownField: 1 }, '(body)'],
  ])('refuses %j with 400 naming %s', async (body, field) => {
    const response = await createSession(body);
    expect(response.status).toBe(400);
    const problem = await response.json();
    expect(problem.errors.map((issue: { field: string }) => issue.field)).toContain(field);
  });

  it('answers malformed JSON and a wrong content type with 4xx problems, never 500', async () => {
    const malformed = await host.call('POST', '/api/diagnostics/sessions', {
      rawBody: '{"productId":',
      headers: { ...auth(admin), 'content-type': 'application/json' },
    });
    expect(malformed.status).toBe(400);
    const wrongType = await host.call('POST', '/api/diagnostics/sessions', { rawBody: 'x=1', headers: { ...auth(admin), 'content-type': 'text/plain' } });
    expect(wrongType.status).toBe(415);
  });

  it('refuses engineers, other products, expired tokens and missing tokens', async () => {
    const engineer = await host.token({ roles: ['engineer'] });
    expect((await createSession({}, engineer)).status).toBe(403);
    const otherProduct = await host.token({ roles: ['admin'], products: ['other'] });
    expect((await createSession({}, otherProduct)).status).toBe(403);
    const expired = await host.token({ expiresInSeconds: -120 });
    const expiredResponse = await createSession({}, expired);
    expect(expiredResponse.status).toBe(401);
    expect((await expiredResponse.json()).detail).toMatch(/expired/);
    const none = await host.call('POST', '/api/diagnostics/sessions', { body: { productId: 'demo', targetDeviceId: 'x' } });
    expect(none.status).toBe(401);
    const forged = await createSession({}, `${admin.slice(0, -4)}AAAA`);
    expect(forged.status).toBe(401);
  });

  it('limits an admin to 10 creates per hour with 429 and Retry-After', async () => {
    const busyAdmin = await host.token({ subject: 'busy-admin' });
    for (let index = 0; index < 10; index++) expect((await createSession({}, busyAdmin)).status).toBe(201);
    const limited = await createSession({}, busyAdmin);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    host.clock.advance(3_600_001);
    expect((await createSession({}, busyAdmin)).status).toBe(201);
  });
});

describe('GET /api/diagnostics/sessions and /{id}', () => {
  it("lists only sessions of the caller's products, filtered by status and paged by continuation token", async () => {
    const lister = await host.token({ subject: 'lister' });
    const created: string[] = [];
    // Five pending sessions (odd indexes are active), so pages of two need three round trips.
    for (let index = 0; index < 7; index++) created.push((await (await createSession({ startImmediately: index === 1 || index === 3 }, lister)).json()).id);
    const otherAdmin = await host.token({ products: ['other'] });
    await host.call('POST', '/api/diagnostics/sessions', { body: { productId: 'other', targetDeviceId: 'o1' }, headers: auth(otherAdmin) });

    const seen: string[] = [];
    let continuationToken: string | undefined;
    let pages = 0;
    do {
      const query = new URLSearchParams({ pageSize: '2', status: 'pending', ...(continuationToken ? { continuationToken } : {}) });
      const response = await host.call('GET', `/api/diagnostics/sessions?${query}`, { headers: auth(lister) });
      expect(response.status).toBe(200);
      const page = await response.json();
      expect(page.items.length).toBeLessThanOrEqual(2);
      for (const item of page.items) {
        expect(item.productId).toBe('demo');
        expect(item.status).toBe('pending');
        seen.push(item.id);
      }
      continuationToken = page.continuationToken;
      pages++;
    } while (continuationToken && pages < 20);
    expect(seen).toEqual(expect.arrayContaining([created[0], created[2], created[4], created[5], created[6]]));
    expect(seen).not.toContain(created[1]);
    expect(new Set(seen).size).toBe(seen.length);
    expect(pages).toBeGreaterThan(1);
  });

  it('filters by date range and refuses a product the caller cannot see', async () => {
    const before = new Date(host.clock.now().getTime() - 1000).toISOString();
    const id = (await (await createSession()).json()).id;
    const inRange = await (
      await host.call('GET', `/api/diagnostics/sessions?from=${encodeURIComponent(before)}&pageSize=100`, { headers: auth(admin) })
    ).json();
    expect(inRange.items.map((item: { id: string }) => item.id)).toContain(id);
    const future = new Date(host.clock.now().getTime() + 3_600_000).toISOString();
    const none = await (await host.call('GET', `/api/diagnostics/sessions?from=${encodeURIComponent(future)}`, { headers: auth(admin) })).json();
    expect(none.items).toEqual([]);
    expect((await host.call('GET', '/api/diagnostics/sessions?productId=other', { headers: auth(admin) })).status).toBe(403);
    expect((await host.call('GET', '/api/diagnostics/sessions?from=yesterday', { headers: auth(admin) })).status).toBe(400);
    expect((await host.call('GET', '/api/diagnostics/sessions?continuationToken=garbage', { headers: auth(admin) })).status).toBe(400);
  });

  it("finds sessions by an exact target or session id across every page, within the caller's products", async () => {
    // An admin of its own, so these creates do not count against the shared admin's hourly limit.
    const finder = await host.token({ subject: 'finder' });
    const device = `find-me-${host.clock.now().getTime()}`;
    const byDevice = (await (await createSession({ targetDeviceId: device }, finder)).json()).id;
    const byUser = (await (await createSession({ targetDeviceId: undefined, targetUserId: `${device}-user` }, finder)).json()).id;
    const otherAdmin = await host.token({ products: ['other'] });
    expect(
      (await host.call('POST', '/api/diagnostics/sessions', { body: { productId: 'other', targetDeviceId: device }, headers: auth(otherAdmin) })).status,
    ).toBe(201);
    // Sessions made after them push them off the first page: the search still finds them.
    for (let index = 0; index < 3; index++) expect((await createSession({}, finder)).status).toBe(201);
    const find = async (target: string) =>
      (await (await host.call('GET', `/api/diagnostics/sessions?pageSize=2&target=${encodeURIComponent(target)}`, { headers: auth(finder) })).json()).items.map(
        (item: { id: string }) => item.id,
      );
    expect(await find(device)).toEqual([byDevice]);
    expect(await find(`${device}-user`)).toEqual([byUser]);
    expect(await find(byUser)).toEqual([byUser]);
    // Exact, not a prefix or substring.
    expect(await find(device.slice(0, -1))).toEqual([]);
    const bad = await host.call('GET', '/api/diagnostics/sessions?target=%3Cscript%3E', { headers: auth(finder) });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain('target');
  });

  it('shows a session to readers of its product and to the user it targets, and to no one else', async () => {
    const session = await (await createSession({ targetUserId: 'user-42' })).json();
    const path = `/api/diagnostics/sessions/${session.id}`;
    expect((await host.call('GET', path, { headers: auth(await host.token({ roles: ['engineer'] })) })).status).toBe(200);
    expect((await host.call('GET', path, { headers: auth(await host.token({ subject: 'user-42', roles: [], products: [] })) })).status).toBe(200);
    expect((await host.call('GET', path, { headers: auth(await host.token({ subject: 'user-43', roles: [], products: [] })) })).status).toBe(404);
    expect((await host.call('GET', path, { headers: auth(await host.token({ products: ['other'] })) })).status).toBe(404);
    expect((await host.call('GET', '/api/diagnostics/sessions/not-an-id', { headers: auth(admin) })).status).toBe(400);
    expect((await host.call('GET', `/api/diagnostics/sessions/ds_00000000-0000-0000-0000-000000000000`, { headers: auth(admin) })).status).toBe(404);
  });

  it("gives the targeted user a reduced view: what is collected and until when, not the admin's reason, tags or stats", async () => {
    const session = await (await createSession({ targetUserId: 'user-77', reason: 'ticket 4711: checkout hangs for VIP', tags: ['vip'] })).json();
    const user = auth(await host.token({ subject: 'user-77', roles: [], products: [] }));
    const viewed = await (await host.call('GET', `/api/diagnostics/sessions/${session.id}`, { headers: user })).json();
    expect(Object.keys(viewed).sort()).toEqual(
      ['capture', 'collectionLevel', 'consent', 'createdAt', 'etag', 'expiresAt', 'id', 'productId', 'startedAt', 'status', 'targetUserId'].sort(),
    );
    const listed = await (await host.call('GET', '/api/diagnostics/sessions', { headers: user })).json();
    expect(listed.items.map((item: { id: string }) => item.id)).toContain(session.id);
    for (const item of listed.items) for (const hidden of ['reason', 'tags', 'createdBy', 'stats']) expect(item).not.toHaveProperty(hidden);
    const full = await (await host.call('GET', `/api/diagnostics/sessions/${session.id}`, { headers: auth(admin) })).json();
    expect(full).toMatchObject({ reason: 'ticket 4711: checkout hangs for VIP', tags: ['vip'], createdBy: expect.any(String) });
  });
});

describe('PATCH and DELETE /api/diagnostics/sessions/{id}', () => {
  it('moves along the lifecycle, audits each change and refuses illegal moves with 409', async () => {
    const created = await (await createSession({ startImmediately: false })).json();
    const path = `/api/diagnostics/sessions/${created.id}`;
    const steps: Array<[string, number]> = [
      ['paused', 409],
      ['active', 200],
      ['paused', 200],
      ['active', 200],
      ['completed', 200],
      ['active', 409],
    ];
    for (const [status, expected] of steps) {
      const response = await host.call('PATCH', path, { body: { status }, headers: auth(admin) });
      expect(response.status, `to ${status}`).toBe(expected);
      if (expected === 409) expect((await response.json()).errors[0].field).toBe('status');
    }
    const audit = await host.deps.stores.audit.list('demo', { sessionId: created.id }, { maxItems: 50 });
    expect(audit.items.filter((record) => record.action === 'session.updated')).toHaveLength(4);
  });

  it('extends the duration and changes capture flags', async () => {
    const created = await (await createSession({ maxDurationMinutes: 60 })).json();
    const response = await host.call('PATCH', `/api/diagnostics/sessions/${created.id}`, {
      body: { extendMinutes: 30, capture: { screenshots: true } },
      headers: auth(admin),
    });
    expect(response.status).toBe(200);
    const updated = await response.json();
    expect(Date.parse(updated.expiresAt) - Date.parse(created.expiresAt)).toBe(30 * 60_000);
    expect(updated.capture.screenshots).toBe(true);
    const empty = await host.call('PATCH', `/api/diagnostics/sessions/${created.id}`, { body: {}, headers: auth(admin) });
    expect(empty.status).toBe(400);
  });

  it('answers 412 to a write with a stale If-Match, and accepts the current one', async () => {
    const created = await createSession();
    const etag = created.headers.get('etag')!;
    const { id } = await created.json();
    const first = await host.call('PATCH', `/api/diagnostics/sessions/${id}`, { body: { reason: 'first' }, headers: { ...auth(admin), 'if-match': etag } });
    expect(first.status).toBe(200);
    const stale = await host.call('PATCH', `/api/diagnostics/sessions/${id}`, { body: { reason: 'second' }, headers: { ...auth(admin), 'if-match': etag } });
    expect(stale.status).toBe(412);
    expect(stale.headers.get('content-type')).toBe('application/problem+json');
    const fresh = await host.call('PATCH', `/api/diagnostics/sessions/${id}`, {
      body: { reason: 'second' },
      headers: { ...auth(admin), 'if-match': first.headers.get('etag')! },
    });
    expect(fresh.status).toBe(200);
  });

  it('never fails a precondition the caller did not send: concurrent PATCHes without If-Match, and with *, all apply', async () => {
    const { id } = await (await createSession()).json();
    const path = `/api/diagnostics/sessions/${id}`;
    const writes = await Promise.all(
      Array.from({ length: 12 }, (_, index) =>
        host.call('PATCH', path, { body: { reason: `writer ${index}` }, headers: index % 2 ? { ...auth(admin), 'if-match': '*' } : auth(admin) }),
      ),
    );
    expect(writes.map((response) => response.status)).toEqual(Array(12).fill(200));
    const audit = await host.deps.stores.audit.list('demo', { sessionId: id, action: 'session.updated' }, { maxItems: 50 });
    expect(audit.items).toHaveLength(12);
  });

  it('lets engineers read but not write', async () => {
    const { id } = await (await createSession()).json();
    const engineer = await host.token({ roles: ['engineer'] });
    expect((await host.call('PATCH', `/api/diagnostics/sessions/${id}`, { body: { status: 'paused' }, headers: auth(engineer) })).status).toBe(403);
    expect((await host.call('DELETE', `/api/diagnostics/sessions/${id}`, { headers: auth(engineer) })).status).toBe(403);
  });

  it('cancels with DELETE as a soft delete, and repeating it changes nothing', async () => {
    const { id } = await (await createSession()).json();
    const first = await host.call('DELETE', `/api/diagnostics/sessions/${id}`, { headers: auth(admin) });
    expect(first.status).toBe(200);
    expect((await first.json()).status).toBe('cancelled');
    const again = await host.call('DELETE', `/api/diagnostics/sessions/${id}`, { headers: auth(admin) });
    expect(again.status).toBe(200);
    const read = await (await host.call('GET', `/api/diagnostics/sessions/${id}`, { headers: auth(admin) })).json();
    expect(read.status).toBe('cancelled');
    expect(read.endedAt).toBeDefined();
    const audit = await host.deps.stores.audit.list('demo', { sessionId: id, action: 'session.cancelled' }, { maxItems: 10 });
    expect(audit.items).toHaveLength(1);
  });
});

describe('host plumbing', () => {
  it('answers health with each backend checked', async () => {
    const response = await host.call('GET', '/api/health');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', checks: { cosmos: 'ok', blob: 'ok' } });
  });

  it('answers unknown routes 404 and wrong methods 405 as problems', async () => {
    expect((await host.call('GET', '/api/nothing-here')).status).toBe(404);
    expect((await host.call('PUT', '/api/diagnostics/sessions')).status).toBe(405);
    expect((await host.call('POST', '/admin/functions/no-such-function', { body: { input: '' } })).status).toBe(404);
  });

  it('answers 400, not 500, to a route parameter whose percent-encoding cannot be decoded', async () => {
    const response = await host.call('GET', '/api/diagnostics/sessions/ds_%E0%A4%A', { headers: auth(admin) });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('problem+json');
  });

  it('echoes a valid correlation id and never leaks internals in a problem', async () => {
    const response = await host.call('GET', '/api/diagnostics/sessions/ds_bad', { headers: { ...auth(admin), 'x-correlation-id': 'abc-123' } });
    expect(response.headers.get('x-correlation-id')).toBe('abc-123');
    const problem = await response.json();
    expect(problem.correlationId).toBe('abc-123');
    expect(JSON.stringify(problem)).not.toMatch(/at .*\.ts:\d+/);
  });
});
