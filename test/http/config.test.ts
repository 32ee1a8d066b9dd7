// The device config poll: ETag/304, targeting, consent flag, user targets, rate limit, and no storage read on the hot path.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entityTagOfText } from '../../shared/domain/sessions/device-config';
import { startTestHost, type TestHost } from '../support/test-host';

let host: TestHost;
let admin: string;

beforeAll(async () => {
  host = await startTestHost();
  admin = await host.token();
});
afterAll(() => host.close());

let deviceCounter = 0;
function newDevice(): string {
  return `device-${Date.now()}-${deviceCounter++}`;
}

async function createSession(body: Record<string, unknown>) {
  const response = await host.call('POST', '/api/diagnostics/sessions', {
    body: { productId: 'demo', ...body },
    headers: { authorization: `Bearer ${admin}` },
  });
  expect(response.status).toBe(201);
  return response.json();
}

function poll(query: Record<string, string>, headers: Record<string, string> = {}) {
  return host.call('GET', `/api/diagnostics/config?${new URLSearchParams(query)}`, { headers: { 'x-diagnostics-key': host.productKey(), ...headers } });
}

describe('GET /api/diagnostics/config', () => {
  it('hands a targeted device its session with an ingest token and an ETag, then 304 while nothing changes', async () => {
    const deviceId = newDevice();
    const session = await createSession({ targetDeviceId: deviceId, collectionLevel: 'trace', userConsent: 'auto' });
    const first = await poll({ deviceId });
    expect(first.status).toBe(200);
    const config = await first.json();
    expect(config).toMatchObject({ active: true, session: { id: session.id, status: 'active', collectionLevel: 'trace', consentRequired: false } });
    expect(config.session.ingestToken).toMatch(/^it1\./);
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^".+"$/);

    host.clock.advance(5_000);
    const second = await poll({ deviceId }, { 'if-none-match': etag });
    expect(second.status).toBe(304);
    expect(second.headers.get('etag')).toBe(etag);
    expect(await second.text()).toBe('');
  });

  it('gives a new ETag when the session changes, and inactive once it ends', async () => {
    const deviceId = newDevice();
    const session = await createSession({ targetDeviceId: deviceId });
    const first = await poll({ deviceId });
    const etag = first.headers.get('etag')!;
    await host.call('PATCH', `/api/diagnostics/sessions/${session.id}`, { body: { status: 'paused' }, headers: { authorization: `Bearer ${admin}` } });
    host.clock.advance(5_000);
    const paused = await poll({ deviceId }, { 'if-none-match': etag });
    expect(paused.status).toBe(200);
    expect((await paused.json()).session.status).toBe('paused');
    await host.call('DELETE', `/api/diagnostics/sessions/${session.id}`, { headers: { authorization: `Bearer ${admin}` } });
    host.clock.advance(5_000);
    const ended = await poll({ deviceId }, { 'if-none-match': paused.headers.get('etag')! });
    expect(ended.status).toBe(200);
    expect(await ended.json()).toEqual({ active: false, pollIntervalSeconds: 5 });
  });

  it('gives every idle device the same ETag, a new one while a session targets it, and the idle one again after it ends', async () => {
    const deviceId = newDevice();
    const idle = await poll({ deviceId });
    const idleText = await idle.text();
    expect(JSON.parse(idleText)).toEqual({ active: false, pollIntervalSeconds: 5 });
    expect(idle.headers.get('content-type')).toBe('application/json');
    const idleTag = idle.headers.get('etag')!;
    // The ETag is the hash of exactly the bytes sent.
    expect(idleTag).toBe(entityTagOfText(idleText));
    const otherIdle = await poll({ deviceId: newDevice() });
    expect(otherIdle.headers.get('etag')).toBe(idleTag);
    const session = await createSession({ targetDeviceId: deviceId });
    host.clock.advance(5_000);
    const targeted = await poll({ deviceId }, { 'if-none-match': idleTag });
    expect(targeted.status).toBe(200);
    const targetedText = await targeted.text();
    expect(JSON.parse(targetedText).session.id).toBe(session.id);
    expect(targeted.headers.get('etag')).toBe(entityTagOfText(targetedText));
    expect(targeted.headers.get('etag')).not.toBe(idleTag);
    await host.call('DELETE', `/api/diagnostics/sessions/${session.id}`, { headers: { authorization: `Bearer ${admin}` } });
    host.clock.advance(5_000);
    const ended = await poll({ deviceId }, { 'if-none-match': targeted.headers.get('etag')! });
    expect(ended.status).toBe(200);
    expect(ended.headers.get('etag')).toBe(idleTag);
    host.clock.advance(5_000);
    expect((await poll({ deviceId }, { 'if-none-match': idleTag })).status).toBe(304);
  });

  it('sees sessions written by another instance through the index refresh', async () => {
    const deviceId = newDevice();
    // Written straight to Cosmos, as another Functions instance would.
    const { newSession, createSessionRequestSchema } = await import('../../shared/domain/sessions/session');
    const session = newSession(createSessionRequestSchema.parse({ productId: 'demo', targetDeviceId: deviceId }), 'elsewhere', host.clock.now());
    await host.deps.stores.sessions.create(session);
    const response = await poll({ deviceId });
    expect((await response.json()).session?.id).toBe(session.id);
  });

  it('says when the device must ask its user first', async () => {
    const deviceId = newDevice();
    await createSession({ targetDeviceId: deviceId, userConsent: 'prompt' });
    const config = await (await poll({ deviceId })).json();
    expect(config.session).toMatchObject({ consentRequired: true, consentStatus: 'pending' });
  });

  it("hands a user-targeted session only to a poll carrying that user's bearer token", async () => {
    const session = await createSession({ targetUserId: 'user-7' });
    const anonymous = await poll({ userId: 'user-7', deviceId: newDevice() });
    expect((await anonymous.json()).active).toBe(false);
    const userToken = await host.token({ subject: 'user-7', roles: [], products: [] });
    const signedIn = await poll({ userId: 'user-7', deviceId: newDevice() }, { authorization: `Bearer ${userToken}` });
    expect((await signedIn.json()).session?.id).toBe(session.id);
    const otherUser = await host.token({ subject: 'user-8', roles: [], products: [] });
    const wrongUser = await poll({ userId: 'user-7', deviceId: newDevice() }, { authorization: `Bearer ${otherUser}` });
    expect((await wrongUser.json()).active).toBe(false);
  });

  it('limits each device to one poll per 5 s with 429 and Retry-After', async () => {
    const deviceId = newDevice();
    expect((await poll({ deviceId })).status).toBe(200);
    const limited = await poll({ deviceId });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await poll({ deviceId: newDevice() })).status).toBe(200);
    host.clock.advance(5_000);
    expect((await poll({ deviceId })).status).toBe(200);
  });

  it('refuses a missing or forged product key, and a poll with no identity', async () => {
    expect((await host.call('GET', '/api/diagnostics/config?deviceId=x')).status).toBe(401);
    expect(
      (await host.call('GET', '/api/diagnostics/config?deviceId=x', { headers: { 'x-diagnostics-key': 'dk_demo_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' } })).status,
    ).toBe(401);
    expect((await host.call('GET', '/api/diagnostics/config?deviceId=x', { headers: { 'x-diagnostics-key': host.productKey('other') } })).status).toBe(200);
    const noIdentity = await poll({});
    expect(noIdentity.status).toBe(400);
    expect((await noIdentity.json()).errors[0].field).toBe('query.deviceId');
    expect((await poll({ deviceId: 'x'.repeat(200) })).status).toBe(400);
  });

  it('answers repeated polls from memory: the index refresh is one query per interval, not one per poll', async () => {
    const busy = await startTestHost({ CONFIG_INDEX_REFRESH_MS: '60000' });
    try {
      const reads: string[] = [];
      const container = busy.deps.infra.database.container('debug_sessions');
      const originalQuery = container.items.query.bind(container.items);
      (container.items as { query: unknown }).query = (...args: Parameters<typeof originalQuery>) => {
        reads.push('query');
        return originalQuery(...args);
      };
      for (let index = 0; index < 20; index++) {
        const response = await busy.call('GET', `/api/diagnostics/config?deviceId=hot-${index}`, { headers: { 'x-diagnostics-key': busy.productKey() } });
        expect(response.status).toBe(200);
      }
      expect(reads.length).toBeLessThanOrEqual(1);
    } finally {
      await busy.close();
    }
  });
});
