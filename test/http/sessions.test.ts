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
    const audit = await host.deps.audit.list('demo', { sessionId: session.id }, { maxItems: 10 });
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
    const malformed = await host.call('POST', '/api/diagnostics/sessions', { rawBody: '{"productId":', headers: { ...auth(admin), 'content-type': 'application/json' } });
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
