// Ingest's per-instance cache of session state, through HTTP on the local host with the manual clock:
// storage is read once per session per window, not per batch; this instance's own changes count at once;
// expiry is compared exactly; a change written elsewhere (directly with the SDK, as another instance
// would) is seen once the window has passed, and a cached refusal is always checked against storage.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { LOCAL_DEV_SECRETS } from '../../local-host/local-settings';
import { containerDefinitions } from '../../shared/adapters/cosmos/containers';
import { issueIngestToken } from '../../shared/domain/devices/credentials';
import { openDeviceSession, type DeviceSession } from '../support/device-session';
import { startTestHost, type TestHost } from '../support/test-host';

const WINDOW_IN_MS = 60_000;

let host: TestHost;
let admin: string;
let storageReads: MockInstance;

beforeAll(async () => {
  host = await startTestHost({ INGEST_SESSION_CACHE_MS: String(WINDOW_IN_MS) });
  admin = await host.token({ roles: ['admin'], products: ['demo'] });
});
afterAll(() => host.close());
beforeEach(() => {
  storageReads?.mockRestore();
  // Counts the Cosmos point reads of the session store the cache sits in front of.
  storageReads = vi.spyOn(host.deps.sessions, 'get');
});

function readsOf(session: DeviceSession): number {
  return storageReads.mock.calls.filter(([sessionId]) => sessionId === session.sessionId).length;
}

function post(session: DeviceSession, headers: Record<string, string> = session.deviceHeaders) {
  const item = { kind: 'log', id: `l-${randomUUID()}`, timestamp: host.clock.now().toISOString(), level: 'info', message: 'hello' };
  return host.call('POST', '/api/diagnostics/ingest', { body: { sessionId: session.sessionId, device: { deviceId: session.deviceId }, items: [item] }, headers });
}

async function statuses(session: DeviceSession, count: number, headers?: Record<string, string>): Promise<number[]> {
  const answers: number[] = [];
  for (let index = 0; index < count; index++) answers.push((await post(session, headers)).status);
  return answers;
}

/** Another instance's write: straight to the document, so this instance learns of it only by reading. */
async function writeElsewhere(session: DeviceSession, changes: Record<string, unknown>): Promise<void> {
  const item = host.deps.database.container(containerDefinitions.sessions.id).item(session.sessionId, session.sessionId);
  await item.patch(Object.entries(changes).map(([field, value]) => ({ op: 'set' as const, path: `/${field}`, value })));
}

describe('ingest reads a session from storage once per window, not per batch', () => {
  it('serves batches from memory within the window and reads again once it has passed', async () => {
    const session = await openDeviceSession(host, admin);
    // Created through this instance: the cache already holds it.
    expect(await statuses(session, 5)).toEqual([202, 202, 202, 202, 202]);
    expect(readsOf(session)).toBe(0);

    host.clock.advance(WINDOW_IN_MS);
    const before = host.telemetry.total('ingest.session_state_reads_total', { reason: 'stale' });
    expect(await statuses(session, 4)).toEqual([202, 202, 202, 202]);
    expect(readsOf(session)).toBe(1);
    expect(host.telemetry.total('ingest.session_state_reads_total', { reason: 'stale' }) - before).toBe(1);
  });

  it('shares one storage read among concurrent batches of a session it has not seen', async () => {
    const session = await openDeviceSession(host, admin);
    host.clock.advance(WINDOW_IN_MS);
    const answers = await Promise.all(Array.from({ length: 6 }, () => post(session)));
    expect(answers.map((answer) => answer.status)).toEqual([202, 202, 202, 202, 202, 202]);
    expect(readsOf(session)).toBe(1);
  });
});

describe("this instance's own changes count at once", () => {
  it('refuses the very next batch after a cancel, and after a pause, on this instance', async () => {
    const cancelled = await openDeviceSession(host, admin);
    expect((await post(cancelled)).status).toBe(202);
    expect((await host.call('DELETE', `/api/diagnostics/sessions/${cancelled.sessionId}`, { headers: { authorization: `Bearer ${admin}` } })).status).toBe(200);
    expect((await post(cancelled)).status).toBe(409);

    const paused = await openDeviceSession(host, admin);
    expect((await post(paused)).status).toBe(202);
    const patch = await host.call('PATCH', `/api/diagnostics/sessions/${paused.sessionId}`, { body: { status: 'paused' }, headers: { authorization: `Bearer ${admin}` } });
    expect(patch.status).toBe(200);
    expect((await post(paused)).status).toBe(409);
    const resumed = await host.call('PATCH', `/api/diagnostics/sessions/${paused.sessionId}`, { body: { status: 'active' }, headers: { authorization: `Bearer ${admin}` } });
    expect(resumed.status).toBe(200);
    expect((await post(paused)).status).toBe(202);
  });

  it('applies a consent answer recorded on this instance to the next batch', async () => {
    const session = await openDeviceSession(host, admin, { userConsent: 'prompt' });
    expect((await post(session)).status).toBe(403);
    const consent = await host.call('POST', `/api/diagnostics/sessions/${session.sessionId}/consent`, {
      body: { granted: true, device: { deviceId: session.deviceId } },
      headers: session.deviceHeaders,
    });
    expect(consent.status).toBe(200);
    storageReads.mockClear();
    expect((await post(session)).status).toBe(202);
    expect(readsOf(session)).toBe(0);
  });
});

describe('expiry is exact whatever the cache holds', () => {
  it('accepts a cached session until the millisecond before it expires and refuses it from then on', async () => {
    const session = await openDeviceSession(host, admin, { maxDurationMinutes: 1 });
    const expiresAt = Date.parse(((await (await host.call('GET', `/api/diagnostics/sessions/${session.sessionId}`, { headers: { authorization: `Bearer ${admin}` } })).json()) as { expiresAt: string }).expiresAt);
    // A token that outlives the session, so the session's own expiry is what refuses.
    const token = issueIngestToken(LOCAL_DEV_SECRETS.INGEST_KEY_SECRET, { sid: session.sessionId, pid: 'demo', dev: `device:${session.deviceId}`, exp: Math.floor(expiresAt / 1000) + 3600 });
    const headers = { ...session.deviceHeaders, authorization: `Bearer ${token}` };
    // Refresh the entry half-way, so it is still fresh when the session expires.
    host.clock.advance(30_000);
    await host.call('PATCH', `/api/diagnostics/sessions/${session.sessionId}`, { body: { reason: 'still looking' }, headers: { authorization: `Bearer ${admin}` } });
    storageReads.mockClear();

    host.clock.freeze();
    try {
      host.clock.advance(expiresAt - host.clock.now().getTime() - 1);
      expect(await statuses(session, 1, headers)).toEqual([202]);
      expect(readsOf(session)).toBe(0);
      host.clock.advance(1);
      expect(await statuses(session, 1, headers)).toEqual([409]);
    } finally {
      host.clock.thaw();
    }
  });
});

describe('changes made on another instance', () => {
  it('are seen once the window has passed', async () => {
    const session = await openDeviceSession(host, admin);
    expect((await post(session)).status).toBe(202);
    await writeElsewhere(session, { status: 'cancelled', endedAt: host.clock.now().toISOString() });
    // The documented bound: within the window this instance still accepts.
    expect((await post(session)).status).toBe(202);
    host.clock.advance(WINDOW_IN_MS);
    expect((await post(session)).status).toBe(409);
  });

  it('never refuse on a cached copy: a session resumed elsewhere is accepted at once', async () => {
    const session = await openDeviceSession(host, admin);
    const patch = await host.call('PATCH', `/api/diagnostics/sessions/${session.sessionId}`, { body: { status: 'paused' }, headers: { authorization: `Bearer ${admin}` } });
    expect(patch.status).toBe(200);
    await writeElsewhere(session, { status: 'active' });
    storageReads.mockClear();
    const before = host.telemetry.total('ingest.session_state_reads_total', { reason: 'fresh' });
    expect((await post(session)).status).toBe(202);
    expect(readsOf(session)).toBe(1);
    expect(host.telemetry.total('ingest.session_state_reads_total', { reason: 'fresh' }) - before).toBe(1);
  });
});
