// How ingest knows a session's state without a storage read per batch, through HTTP on the local host
// with the manual clock; "another instance" writes straight to Cosmos with the SDK, as one would:
// - a live session in this instance's config index is served from it: no read per batch, ever;
// - a session the index has not seen yet (created elsewhere since the last refresh) is read once per
//   cache window, and concurrent batches share that read;
// - this instance's own changes count at once, expiry is exact, another instance's changes are seen once
//   the index refreshes or the window passes, and a refusal is never decided on a held copy alone.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { LOCAL_DEV_SECRETS } from '../../local-host/local-settings';
import { issueIngestToken } from '../../shared/domain/devices/credentials';
import { createSessionRequestSchema, newSession, type DebugSession } from '../../shared/domain/sessions/session';
import { openDeviceSession, type DeviceSession } from '../support/device-session';
import { startTestHost, type TestHost } from '../support/test-host';

const WINDOW_IN_MS = 60_000;
/** Longer than the cache window, so the two can be passed one at a time. */
const INDEX_REFRESH_IN_MS = 3 * WINDOW_IN_MS;

let host: TestHost;
let admin: string;
let storageReads: MockInstance;

beforeAll(async () => {
  host = await startTestHost({ INGEST_SESSION_CACHE_MS: String(WINDOW_IN_MS), CONFIG_INDEX_REFRESH_MS: String(INDEX_REFRESH_IN_MS) });
  admin = await host.token({ roles: ['admin'], products: ['demo'] });
  // Loads the index now, so what is written elsewhere later stays unknown to it until it refreshes.
  const warm = await openDeviceSession(host, admin);
  expect((await post(warm)).status).toBe(202);
});
afterAll(() => host.close());
beforeEach(() => {
  storageReads?.mockRestore();
  // Counts this instance's Cosmos point reads of sessions.
  storageReads = vi.spyOn(host.deps.stores.sessions, 'get');
});

function readsOf(session: DeviceSession): number {
  return storageReads.mock.calls.filter(([sessionId]) => sessionId === session.sessionId).length;
}

function post(session: DeviceSession, headers: Record<string, string> = session.deviceHeaders) {
  const item = { kind: 'log', id: `l-${randomUUID()}`, timestamp: host.clock.now().toISOString(), level: 'info', message: 'hello' };
  return host.call('POST', '/api/diagnostics/ingest', {
    body: { sessionId: session.sessionId, device: { deviceId: session.deviceId }, items: [item] },
    headers,
  });
}

async function statuses(session: DeviceSession, count: number, headers?: Record<string, string>): Promise<number[]> {
  const answers: number[] = [];
  for (let index = 0; index < count; index++) answers.push((await post(session, headers)).status);
  return answers;
}

function asAdmin(method: string, sessionId: string, body?: unknown) {
  return host.call(method, `/api/diagnostics/sessions/${sessionId}`, { body, headers: { authorization: `Bearer ${admin}` } });
}

/** Starts a refresh interval now: the index refreshes on this poll and not again for INDEX_REFRESH_IN_MS. */
async function refreshIndexNow(): Promise<void> {
  host.clock.advance(INDEX_REFRESH_IN_MS);
  const poll = await host.call('GET', `/api/diagnostics/config?deviceId=refresh-${randomUUID().slice(0, 8)}`, {
    headers: { 'x-diagnostics-key': host.productKey() },
  });
  expect(poll.status).toBe(200);
}

/** A session created on another instance: stored with the SDK, and the device's token signed as its poll would. */
async function createdElsewhere(): Promise<DeviceSession> {
  const deviceId = `dev-${randomUUID().slice(0, 8)}`;
  const session = newSession(
    createSessionRequestSchema.parse({ productId: 'demo', targetDeviceId: deviceId, userConsent: 'pre_consent' }),
    'elsewhere',
    host.clock.now(),
  );
  await host.deps.stores.sessions.create(session);
  const ingestToken = issueIngestToken(LOCAL_DEV_SECRETS.INGEST_KEY_SECRET, {
    sid: session.id,
    pid: 'demo',
    dev: `device:${deviceId}`,
    exp: Math.floor(Date.parse(session.expiresAt) / 1000),
  });
  return { sessionId: session.id, deviceId, ingestToken, deviceHeaders: { 'x-diagnostics-key': host.productKey(), authorization: `Bearer ${ingestToken}` } };
}

/** Another instance's change: a replace with a new `updatedAt`, as its session service writes. */
async function changedElsewhere(session: DeviceSession, changes: Partial<DebugSession>): Promise<void> {
  const current = (await host.deps.stores.sessions.get(session.sessionId))!;
  await host.deps.stores.sessions.replace({ ...current.session, ...changes, updatedAt: host.clock.now().toISOString() }, current.etag);
}

describe('a live session in the config index costs no storage read per batch', () => {
  it('serves every batch from the index, however long the session runs', async () => {
    const session = await openDeviceSession(host, admin);
    expect(await statuses(session, 5)).toEqual([202, 202, 202, 202, 202]);
    host.clock.advance(WINDOW_IN_MS);
    expect(await statuses(session, 4)).toEqual([202, 202, 202, 202]);
    expect(readsOf(session)).toBe(0);
  });
});

describe('a session the index has not seen yet is read once per window, not per batch', () => {
  it('reads it once, serves the window from memory, and reads again once the window has passed', async () => {
    await refreshIndexNow();
    const session = await createdElsewhere();
    const cold = host.telemetry.total('ingest.session_state_reads_total', { reason: 'cold' });
    expect(await statuses(session, 5)).toEqual([202, 202, 202, 202, 202]);
    expect(readsOf(session)).toBe(1);
    expect(host.telemetry.total('ingest.session_state_reads_total', { reason: 'cold' }) - cold).toBe(1);

    host.clock.advance(WINDOW_IN_MS);
    const stale = host.telemetry.total('ingest.session_state_reads_total', { reason: 'stale' });
    expect(await statuses(session, 4)).toEqual([202, 202, 202, 202]);
    expect(readsOf(session)).toBe(2);
    expect(host.telemetry.total('ingest.session_state_reads_total', { reason: 'stale' }) - stale).toBe(1);
  });

  it('shares one storage read among concurrent batches', async () => {
    await refreshIndexNow();
    const session = await createdElsewhere();
    const answers = await Promise.all(Array.from({ length: 6 }, () => post(session)));
    expect(answers.map((answer) => answer.status)).toEqual([202, 202, 202, 202, 202, 202]);
    expect(readsOf(session)).toBe(1);
  });
});

describe("this instance's own changes count at once", () => {
  it('refuses the very next batch after a cancel, and after a pause, on this instance', async () => {
    const cancelled = await openDeviceSession(host, admin);
    expect((await post(cancelled)).status).toBe(202);
    expect((await asAdmin('DELETE', cancelled.sessionId)).status).toBe(200);
    expect((await post(cancelled)).status).toBe(409);

    const paused = await openDeviceSession(host, admin);
    expect((await post(paused)).status).toBe(202);
    expect((await asAdmin('PATCH', paused.sessionId, { status: 'paused' })).status).toBe(200);
    expect((await post(paused)).status).toBe(409);
    expect((await asAdmin('PATCH', paused.sessionId, { status: 'active' })).status).toBe(200);
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

describe('expiry is exact whatever is held in memory', () => {
  it('accepts a held session until the millisecond before it expires and refuses it from then on', async () => {
    const session = await openDeviceSession(host, admin, { maxDurationMinutes: 1 });
    const expiresAt = Date.parse(((await (await asAdmin('GET', session.sessionId)).json()) as { expiresAt: string }).expiresAt);
    // A token that outlives the session, so the session's own expiry is what refuses.
    const token = issueIngestToken(LOCAL_DEV_SECRETS.INGEST_KEY_SECRET, {
      sid: session.sessionId,
      pid: 'demo',
      dev: `device:${session.deviceId}`,
      exp: Math.floor(expiresAt / 1000) + 3600,
    });
    const headers = { ...session.deviceHeaders, authorization: `Bearer ${token}` };
    host.clock.advance(30_000);
    await asAdmin('PATCH', session.sessionId, { reason: 'still looking' });
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
  it('are seen once the window has passed, for a session read from storage', async () => {
    await refreshIndexNow();
    const session = await createdElsewhere();
    expect((await post(session)).status).toBe(202);
    await changedElsewhere(session, { status: 'cancelled', endedAt: host.clock.now().toISOString() });
    // The documented bound: within the window this instance still accepts.
    expect((await post(session)).status).toBe(202);
    host.clock.advance(WINDOW_IN_MS);
    expect((await post(session)).status).toBe(409);
  });

  it('are seen once the index refreshes, for a session the index holds', async () => {
    await refreshIndexNow();
    const session = await openDeviceSession(host, admin);
    expect((await post(session)).status).toBe(202);
    await changedElsewhere(session, { status: 'cancelled', endedAt: host.clock.now().toISOString() });
    storageReads.mockClear();
    // Within the refresh interval the index still holds it live, past the cache window too.
    host.clock.advance(WINDOW_IN_MS);
    expect((await post(session)).status).toBe(202);
    expect(readsOf(session)).toBe(0);
    host.clock.advance(INDEX_REFRESH_IN_MS);
    expect((await post(session)).status).toBe(409);
    // The index told it ended; the refusal was checked against storage once.
    expect(readsOf(session)).toBe(1);
  });

  it('never refuse on a held copy: a session resumed elsewhere is accepted at once', async () => {
    const session = await openDeviceSession(host, admin);
    expect((await asAdmin('PATCH', session.sessionId, { status: 'paused' })).status).toBe(200);
    await changedElsewhere(session, { status: 'active' });
    storageReads.mockClear();
    const before = host.telemetry.total('ingest.session_state_reads_total', { reason: 'fresh' });
    expect((await post(session)).status).toBe(202);
    expect(readsOf(session)).toBe(1);
    expect(host.telemetry.total('ingest.session_state_reads_total', { reason: 'fresh' }) - before).toBe(1);
  });
});
