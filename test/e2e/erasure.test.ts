// Per-user erasure end to end on the local host: a user with two sessions (one targeting them and still running, one
// a device session that observed them) with logs, breadcrumbs, network captures, spans, a screenshot, a report and an
// export is erased through HTTP; direct queries with @azure/cosmos against the embedded server and @azure/storage-blob
// against Azurite then prove nothing of theirs is left, and the certificate's counts are what was created. Another
// user's session and a session opened for the same user afterwards are untouched; a crash midway resumes.
import { randomUUID } from 'node:crypto';
import type { Container, SqlParameter } from '@azure/cosmos';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containerDefinitions } from '../../shared/adapters/cosmos/containers';
import type { ErasureCertificate } from '../../shared/domain/privacy/erasure';
import type { ErasableStore } from '../../shared/ports/erasure';
import { drainOutbox } from '../../shared/services/event-relay';
import { openDeviceSession, type DeviceSession } from '../support/device-session';
import { pngImage } from '../support/images';
import { startTestHost, type TestHost } from '../support/test-host';

let host: TestHost;
let admin: string;
const auth = (token: string) => ({ authorization: `Bearer ${token}` });

beforeAll(async () => {
  host = await startTestHost({ RATE_LIMIT_SESSION_CREATES_PER_HOUR: '1000', RATE_LIMIT_INGEST_BATCHES_PER_MINUTE: '1000' });
  admin = await host.token({ roles: ['admin'], products: ['demo'] });
});
afterAll(() => host.close());

function container(name: keyof typeof containerDefinitions): Container {
  return host.deps.infra.database.container(containerDefinitions[name].id);
}

async function countWhere(name: keyof typeof containerDefinitions, where: string, parameters: SqlParameter[]): Promise<number> {
  const { resources } = await container(name)
    .items.query<number>({ query: `SELECT VALUE COUNT(1) FROM c WHERE ${where}`, parameters })
    .fetchAll();
  return resources.reduce((sum, value) => sum + value, 0);
}

function ofSessions(field: string, sessionIds: string[]): [string, SqlParameter[]] {
  return [`ARRAY_CONTAINS(@ids, ${field})`, [{ name: '@ids', value: sessionIds }]];
}

async function blobsUnder(containerName: string, sessionIds: string[]): Promise<string[]> {
  const names: string[] = [];
  const client = host.deps.infra.blobService.getContainerClient(containerName);
  for (const sessionId of sessionIds) {
    for await (const item of client.listBlobsFlat({ prefix: `demo/${sessionId}/`, includeSnapshots: true, includeVersions: true })) names.push(item.name);
  }
  return names;
}

/** What every store holds for these sessions, by direct query: the same places the erasure must empty. */
async function storedFor(sessionIds: string[]) {
  const count = (name: keyof typeof containerDefinitions, field: string) => countWhere(name, ...ofSessions(field, sessionIds));
  return {
    sessions: await count('sessions', 'c.id'),
    logs: await count('logs', 'c.sessionId'),
    spans: await count('traces', 'c.sessionId'),
    screenshotRecords: await count('screenshots', 'c.sessionId'),
    reportRecords: await count('reports', 'c.sessionId'),
    idempotencyRecords: await count('idempotency', 'c.body.sessionId'),
    outboxRecords: await count('eventOutbox', 'c.event.sessionId'),
    userSessionIndex: await count('userSessions', 'c.sessionId'),
    screenshotBlobs: (await blobsUnder('screenshots', sessionIds)).length,
    reportBlobs: (await blobsUnder('reports', sessionIds)).length,
    exportBlobs: (await blobsUnder('exports', sessionIds)).length,
  };
}

/** Audit records of the product that carry this text anywhere (a subject in clear). */
async function auditMentioning(text: string): Promise<number> {
  const { resources } = await container('audit').items.query<Record<string, unknown>>('SELECT * FROM c').fetchAll();
  return resources.filter((record) => JSON.stringify(record).includes(text)).length;
}

async function ingest(session: DeviceSession, device: Record<string, unknown>, items: unknown[], headers: Record<string, string> = {}): Promise<void> {
  const response = await host.call('POST', '/api/diagnostics/ingest', {
    body: { sessionId: session.sessionId, device, items },
    headers: { ...session.deviceHeaders, ...headers },
  });
  if (response.status !== 202) throw new Error(`ingest answered ${response.status}: ${await response.text()}`);
}

function items(prefix: string, counts: { logs: number; breadcrumbs: number; network: number; spans: number }): unknown[] {
  const now = Date.now();
  const at = (offset: number) => new Date(now - 60_000 + offset).toISOString();
  const list: unknown[] = [];
  for (let index = 0; index < counts.logs; index++)
    list.push({ kind: 'log', id: `${prefix}-log-${index}`, timestamp: at(index), level: 'info', message: `step ${index}` });
  for (let index = 0; index < counts.breadcrumbs; index++)
    list.push({ kind: 'breadcrumb', id: `${prefix}-crumb-${index}`, timestamp: at(index), category: 'ui', message: 'tap' });
  for (let index = 0; index < counts.network; index++) {
    list.push({
      kind: 'network',
      id: `${prefix}-net-${index}`,
      timestamp: at(index),
      method: 'GET',
      url: 'https://api.example.com/cart',
      status: 200,
      durationMs: 12,
    });
  }
  for (let index = 0; index < counts.spans; index++) {
    const spanId = (index + 1).toString(16).padStart(16, '0');
    list.push({ kind: 'span', traceId: 'a'.repeat(32), spanId, name: `span ${index}`, startTime: at(index), endTime: at(index + 5) });
  }
  return list;
}

async function uploadScreenshot(session: DeviceSession): Promise<void> {
  const image = pngImage(32, 16);
  const declared = await host.call('POST', `/api/diagnostics/sessions/${session.sessionId}/screenshots`, {
    body: { format: 'png', sizeBytes: image.length, width: 32, height: 16, capturedAt: new Date().toISOString() },
    headers: session.deviceHeaders,
  });
  const instructions = (await declared.json()) as { screenshot: { id: string }; upload: { url: string } };
  const put = await fetch(instructions.upload.url, {
    method: 'PUT',
    body: new Uint8Array(image),
    headers: { 'x-ms-blob-type': 'BlockBlob', 'content-type': 'image/png' },
  });
  expect(put.status).toBe(201);
  const confirmed = await host.call('POST', `/api/diagnostics/sessions/${session.sessionId}/screenshots/${instructions.screenshot.id}/confirm`, {
    headers: session.deviceHeaders,
  });
  expect(confirmed.status).toBe(200);
}

async function requestErasure(body: Record<string, unknown>, token = admin): Promise<Response> {
  return host.call('POST', '/api/diagnostics/erasures', { body: { productId: 'demo', ...body }, headers: auth(token) });
}

async function settled(): Promise<void> {
  await host.deps.infra.localBus?.whenIdle();
}

async function erasureOf(id: string, token = admin): Promise<{ status: number; body: Record<string, unknown> & { state: string } }> {
  const response = await host.call('GET', `/api/diagnostics/erasures/${id}`, { headers: auth(token) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> & { state: string } };
}

describe('erasing a user with two sessions', () => {
  const userId = `user-${randomUUID().slice(0, 8)}`;
  const otherUserId = `user-${randomUUID().slice(0, 8)}`;
  const perSession = { logs: 5, breadcrumbs: 3, network: 2, spans: 4 };
  let targeted: DeviceSession;
  let observed: DeviceSession;
  let bystander: DeviceSession;
  let before: Awaited<ReturnType<typeof storedFor>>;
  let auditInClearBefore: number;
  let erasureId: string;

  beforeAll(async () => {
    const userToken = await host.token({ subject: userId, roles: [], products: [] });
    // One session targets the user (and is still running at erasure time); one targets a device that reports the user.
    const capture = { capture: { screenshots: true, network: true } };
    targeted = await openDeviceSession(host, admin, { targetDeviceId: undefined, targetUserId: userId, ...capture }, userToken);
    observed = await openDeviceSession(host, admin, capture);
    bystander = await openDeviceSession(host, admin, capture);
    await ingest(targeted, { deviceId: targeted.deviceId, userId }, items('t', perSession), { 'idempotency-key': 'batch-1' });
    await ingest(observed, { deviceId: observed.deviceId, userId }, items('o', perSession));
    await ingest(bystander, { deviceId: bystander.deviceId, userId: otherUserId }, items('b', perSession));
    await uploadScreenshot(targeted);
    expect((await host.call('POST', `/api/diagnostics/sessions/${targeted.sessionId}/report`, { headers: auth(admin) })).status).toBe(201);
    expect((await host.call('POST', `/api/diagnostics/sessions/${observed.sessionId}/export`, { headers: auth(admin) })).status).toBe(201);
    // The observed session has ended; the targeted one is running when the erasure starts.
    expect((await host.call('DELETE', `/api/diagnostics/sessions/${observed.sessionId}`, { headers: auth(admin) })).status).toBe(200);
    await settled();
    before = await storedFor([targeted.sessionId, observed.sessionId]);
    auditInClearBefore = await auditMentioning(userId);
  });

  it('had stored everything the test created, in every store', () => {
    const itemsPerSession = perSession.logs + perSession.breadcrumbs + perSession.network;
    expect(before).toMatchObject({
      sessions: 2,
      logs: 2 * itemsPerSession,
      spans: 2 * perSession.spans,
      screenshotRecords: 1,
      screenshotBlobs: 1,
      reportBlobs: 2,
      exportBlobs: 1,
      idempotencyRecords: 1,
      userSessionIndex: 2,
    });
    // The report record, and the session's alert the report opened.
    expect(before.reportRecords).toBeGreaterThanOrEqual(1);
    expect(before.outboxRecords).toBeGreaterThan(0);
    expect(auditInClearBefore).toBeGreaterThan(0);
  });

  it('answers 202 with a Location, and the same erasure for the same requestId', async () => {
    const response = await requestErasure({ userId, requestId: 'TICKET-4711' });
    expect(response.status).toBe(202);
    const body = (await response.json()) as { id: string; state: string; subject: Record<string, string> };
    erasureId = body.id;
    expect(response.headers.get('location')).toBe(`/api/diagnostics/erasures/${erasureId}`);
    expect(body.subject.userId).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    expect(JSON.stringify(body)).not.toContain(userId);

    const again = await requestErasure({ userId, requestId: 'TICKET-4711' });
    expect(again.status).toBe(202);
    expect(((await again.json()) as { id: string }).id).toBe(erasureId);

    const different = await requestErasure({ userId: otherUserId, requestId: 'TICKET-4711' });
    expect(different.status).toBe(409);
    expect(different.headers.get('content-type')).toMatch(/application\/problem\+json/);
  });

  it('completes, having cancelled the running session first', async () => {
    await settled();
    const { status, body } = await erasureOf(erasureId);
    expect(status).toBe(200);
    expect(body).toMatchObject({ state: 'completed', sessions: 2, cancelledSessions: 1 });
    // The cancellation went through the session use case: its audit record exists (with the subject hashed now).
    const { resources } = await container('audit')
      .items.query({
        query: "SELECT * FROM c WHERE c.sessionId = @id AND c.action = 'session.cancelled'",
        parameters: [{ name: '@id', value: targeted.sessionId }],
      })
      .fetchAll();
    expect(resources).toHaveLength(1);
    expect(JSON.stringify(resources[0])).not.toContain(userId);
  });

  it('leaves nothing of the user in any store, by direct query', async () => {
    const after = await storedFor([targeted.sessionId, observed.sessionId]);
    expect(after).toEqual({
      sessions: 0,
      logs: 0,
      spans: 0,
      screenshotRecords: 0,
      reportRecords: 0,
      idempotencyRecords: 0,
      outboxRecords: 0,
      userSessionIndex: 0,
      screenshotBlobs: 0,
      reportBlobs: 0,
      exportBlobs: 0,
    });
    expect(await countWhere('userSessions', 'c.userId = @userId', [{ name: '@userId', value: userId }])).toBe(0);
    // No document anywhere in the audit trail, the erasure records, the outbox or the dead letters names the user in clear.
    expect(await auditMentioning(userId)).toBe(0);
    for (const name of ['erasures', 'eventOutbox', 'deadLetters'] as const) {
      const { resources } = await container(name).items.query('SELECT * FROM c').fetchAll();
      expect(JSON.stringify(resources), name).not.toContain(userId);
    }
    expect(JSON.stringify(host.telemetry.events) + JSON.stringify(host.telemetry.exceptions)).not.toContain(userId);
  });

  it('certifies counts that match what was created', async () => {
    const response = await host.call('GET', `/api/diagnostics/erasures/${erasureId}/certificate`, { headers: auth(admin) });
    expect(response.status).toBe(200);
    const certificate = (await response.json()) as ErasureCertificate;
    expect(certificate.deleted).toMatchObject({
      sessions: before.sessions,
      logs: before.logs,
      spans: before.spans,
      screenshotRecords: before.screenshotRecords,
      screenshotBlobs: before.screenshotBlobs,
      reportRecords: before.reportRecords,
      reportBlobs: before.reportBlobs,
      exportBlobs: before.exportBlobs,
      idempotencyRecords: before.idempotencyRecords,
      userSessionIndex: before.userSessionIndex,
      deviceSignals: 0,
    });
    // The cancellation added its own events and audit record after `before` was taken.
    expect(certificate.deleted.outboxRecords).toBeGreaterThanOrEqual(before.outboxRecords);
    expect(certificate.deleted.auditRecords).toBeGreaterThanOrEqual(auditInClearBefore);
    expect(certificate).toMatchObject({
      erasureId,
      productId: 'demo',
      requestId: 'TICKET-4711',
      subjectHashAlgorithm: 'HMAC-SHA256',
      sessions: 2,
      remaining: {},
    });
    expect(certificate.requestedBy).toMatch(/^admin-/);
    expect(certificate.performedBy.service).toBe('remote-diagnostics');
    expect(certificate.retainedByDesign.map((entry) => entry.what)).toEqual(
      expect.arrayContaining(['audit records', 'Cosmos DB continuous backup', 'Blob Storage soft delete']),
    );
    expect(JSON.stringify(certificate)).not.toContain(userId);
    // The audit trail records the request and the completion, with the hashed subject only.
    const audit = await host.call('GET', '/api/diagnostics/audit?productId=demo&action=erasure.completed', { headers: auth(admin) });
    const records = ((await audit.json()) as { items: Array<{ target: Record<string, string>; details: { erasureId: string } }> }).items.filter(
      (record) => record.details.erasureId === erasureId,
    );
    expect(records).toHaveLength(1);
    expect(records[0]!.target.userId).toBe(certificate.subject.userId);
  });

  it("leaves another user's session alone, and sessions opened for the user afterwards work", async () => {
    const kept = await storedFor([bystander.sessionId]);
    expect(kept).toMatchObject({
      sessions: 1,
      logs: perSession.logs + perSession.breadcrumbs + perSession.network,
      spans: perSession.spans,
      userSessionIndex: 1,
    });
    const userToken = await host.token({ subject: userId, roles: [], products: [] });
    const later = await openDeviceSession(host, admin, { targetDeviceId: undefined, targetUserId: userId }, userToken);
    await ingest(later, { deviceId: later.deviceId, userId }, items('l', { logs: 2, breadcrumbs: 0, network: 0, spans: 0 }));
    const listed = await host.call('GET', `/api/diagnostics/users/${userId}/sessions?productId=demo`, { headers: auth(admin) });
    const sessions = ((await listed.json()) as { items: Array<{ session: { id: string } }> }).items.map((entry) => entry.session.id);
    expect(sessions).toEqual([later.sessionId]);
  });
});

describe('a crash midway', () => {
  it('resumes on redelivery and completes with exact totals', async () => {
    const session = await openDeviceSession(host, admin);
    const { deviceId } = session;
    // 250 items: three delete batches of at most 100 in the logs store.
    for (let batch = 0; batch < 5; batch++) await ingest(session, { deviceId }, items(`c${batch}`, { logs: 50, breadcrumbs: 0, network: 0, spans: 0 }));
    expect(await countWhere('logs', ...ofSessions('c.sessionId', [session.sessionId]))).toBe(250);

    const stores = host.deps.services.erasures.stores;
    const index = stores.findIndex((store) => store.name === 'logs');
    const real = stores[index]!;
    let erased = 0;
    let crashed = false;
    // Deletes, then dies before the count is persisted: the worst moment for the totals.
    const crashing: ErasableStore = {
      name: real.name,
      scope: real.scope,
      count: (target) => real.count(target),
      list: (target, maxItems) => real.list(target, maxItems),
      erase: async (target, refs) => {
        await real.erase(target, refs);
        erased += refs.length;
        if (!crashed && erased > 100) {
          crashed = true;
          throw new Error('injected crash after deleting');
        }
      },
    };
    stores[index] = crashing;
    try {
      const response = await requestErasure({ deviceId, requestId: `crash-${deviceId}` });
      expect(response.status).toBe(202);
      const { id } = (await response.json()) as { id: string };
      await settled();
      expect(crashed).toBe(true);
      expect(host.telemetry.total('event.subscriber_total', { subscriber: 'erasures', outcome: 'retried' })).toBeGreaterThanOrEqual(1);
      const { body } = await erasureOf(id);
      expect(body.state).toBe('completed');
      const certificate = (await (
        await host.call('GET', `/api/diagnostics/erasures/${id}/certificate`, { headers: auth(admin) })
      ).json()) as ErasureCertificate;
      expect(certificate.deleted.logs).toBe(250);
      expect(certificate.deleted.sessions).toBe(1);
      expect(await countWhere('logs', ...ofSessions('c.sessionId', [session.sessionId]))).toBe(0);
    } finally {
      stores[index] = real;
    }
  });

  it('after its messages were dead-lettered (a long outage), the resume timer picks the erasure up again', async () => {
    const session = await openDeviceSession(host, admin);
    await ingest(session, { deviceId: session.deviceId }, items('r', { logs: 2, breadcrumbs: 0, network: 0, spans: 3 }));
    const stores = host.deps.services.erasures.stores;
    const index = stores.findIndex((store) => store.name === 'spans');
    const real = stores[index]!;
    stores[index] = {
      ...real,
      name: real.name,
      scope: real.scope,
      count: (target) => real.count(target),
      erase: (target, refs) => real.erase(target, refs),
      list: () => Promise.reject(new Error('storage outage')),
    };
    let id: string;
    try {
      const response = await requestErasure({ deviceId: session.deviceId, requestId: `resume-${session.deviceId}` });
      id = ((await response.json()) as { id: string }).id;
      await settled();
      expect(host.deps.infra.localBus!.deadLetters.some((letter) => letter.subscription === 'erasures')).toBe(true);
      const stuck = await erasureOf(id);
      expect(stuck.body).toMatchObject({ state: 'deleting' });
      // The logs, before the failing store, are gone already, and counted.
      expect((stuck.body.progress as Array<{ store: string; deleted: number }>).find((entry) => entry.store === 'logs')?.deleted).toBe(2);
    } finally {
      stores[index] = real;
    }
    // Too recent to count as stalled: nothing happens.
    expect((await fetch(`${host.url}/admin/functions/erasures-resume`, { method: 'POST' })).status).toBeLessThan(300);
    await settled();
    expect((await erasureOf(id)).body.state).toBe('deleting');
    host.clock.advance(11 * 60_000);
    expect((await fetch(`${host.url}/admin/functions/erasures-resume`, { method: 'POST' })).status).toBeLessThan(300);
    await settled();
    expect((await erasureOf(id)).body.state).toBe('completed');
    const certificate = (await (await host.call('GET', `/api/diagnostics/erasures/${id}/certificate`, { headers: auth(admin) })).json()) as ErasureCertificate;
    expect(certificate.deleted).toMatchObject({ logs: 2, spans: 3, sessions: 1 });
  });

  it('waits in the outbox while the bus is down, and resumes once it is back', async () => {
    const session = await openDeviceSession(host, admin);
    const { deviceId } = session;
    await ingest(session, { deviceId }, items('w', { logs: 3, breadcrumbs: 0, network: 0, spans: 2 }));
    // What signals keep per device: the crash reporter entry and the day's auto-session claim (signal_rules).
    const rules = host.deps.stores.signalRules;
    await rules.noteReporter('demo', { deviceId, lastSeen: Date.now(), fingerprints: ['fp-1'], appVersions: ['1.0.0'] });
    expect(await rules.claimDeviceDay('demo', deviceId, new Date().toISOString().slice(0, 10))).toBe(true);
    const deviceDocs = () =>
      countWhere('signalRules', 'c.deviceId = @deviceId OR ENDSWITH(c.id, @suffix)', [
        { name: '@deviceId', value: deviceId },
        { name: '@suffix', value: `:${deviceId}` },
      ]);
    expect(await deviceDocs()).toBe(2);
    const bus = host.deps.infra.localBus!;
    bus.unavailable = true;
    let id: string;
    try {
      const response = await requestErasure({ deviceId, requestId: `outage-${deviceId}` });
      expect(response.status).toBe(202);
      id = ((await response.json()) as { id: string }).id;
      expect((await erasureOf(id)).body.state).toBe('pending');
      const early = await host.call('GET', `/api/diagnostics/erasures/${id}/certificate`, { headers: auth(admin) });
      expect(early.status).toBe(409);
      expect(early.headers.get('content-type')).toMatch(/application\/problem\+json/);
    } finally {
      bus.unavailable = false;
    }
    const drained = await drainOutbox(host.deps.services.relay, { pageSize: 100, budgetInMs: 10_000 });
    expect(drained.published).toBeGreaterThanOrEqual(1);
    await settled();
    const { body } = await erasureOf(id);
    expect(body.state).toBe('completed');
    expect(await countWhere('traces', ...ofSessions('c.sessionId', [session.sessionId]))).toBe(0);
    expect(await deviceDocs()).toBe(0);
    expect((body.progress as Array<{ store: string; deleted: number }>).find((entry) => entry.store === 'deviceSignals')?.deleted).toBe(2);
  });
});

describe('a time range', () => {
  it('erases only the sessions created in [from, to)', async () => {
    const userId = `user-${randomUUID().slice(0, 8)}`;
    const early = await openDeviceSession(host, admin);
    await ingest(early, { deviceId: early.deviceId, userId }, items('e', { logs: 2, breadcrumbs: 0, network: 0, spans: 0 }));
    const cut = new Date(host.clock.now().getTime() + 60_000).toISOString();
    host.clock.advance(2 * 60_000);
    const late = await openDeviceSession(host, admin);
    await ingest(late, { deviceId: late.deviceId, userId }, items('l', { logs: 3, breadcrumbs: 0, network: 0, spans: 0 }));
    const response = await requestErasure({ userId, requestId: `range-${randomUUID().slice(0, 8)}`, to: cut });
    expect(response.status).toBe(202);
    const { id } = (await response.json()) as { id: string };
    await settled();
    const { body } = await erasureOf(id);
    expect(body).toMatchObject({ state: 'completed', sessions: 1 });
    expect(await countWhere('logs', ...ofSessions('c.sessionId', [early.sessionId]))).toBe(0);
    expect(await countWhere('logs', ...ofSessions('c.sessionId', [late.sessionId]))).toBe(3);
    expect(await countWhere('sessions', ...ofSessions('c.id', [late.sessionId]))).toBe(1);
  });
});

describe('a device subject', () => {
  it('finds a session that targeted someone else through the device id its telemetry carries', async () => {
    const userId = `user-${randomUUID().slice(0, 8)}`;
    const userToken = await host.token({ subject: userId, roles: [], products: [] });
    const session = await openDeviceSession(host, admin, { targetDeviceId: undefined, targetUserId: userId }, userToken);
    await ingest(session, { deviceId: session.deviceId }, items('d', { logs: 4, breadcrumbs: 0, network: 0, spans: 1 }));
    const response = await requestErasure({ deviceId: session.deviceId, requestId: `device-${randomUUID().slice(0, 8)}` });
    const { id } = (await response.json()) as { id: string };
    await settled();
    const { body } = await erasureOf(id);
    expect(body).toMatchObject({ state: 'completed', sessions: 1, cancelledSessions: 1 });
    expect(await countWhere('logs', ...ofSessions('c.sessionId', [session.sessionId]))).toBe(0);
    expect(await countWhere('sessions', ...ofSessions('c.id', [session.sessionId]))).toBe(0);
  });
});

describe('a store that keeps what it was told to delete', () => {
  it('fails loudly after its passes, with the remaining counts and no subject anywhere', async () => {
    const session = await openDeviceSession(host, admin);
    await ingest(session, { deviceId: session.deviceId }, items('f', { logs: 0, breadcrumbs: 0, network: 0, spans: 3 }));
    const stores = host.deps.services.erasures.stores;
    const index = stores.findIndex((store) => store.name === 'spans');
    const real = stores[index]!;
    // Answers as if it deleted, and deletes nothing.
    stores[index] = {
      name: real.name,
      scope: real.scope,
      count: (target) => real.count(target),
      list: (target, maxItems) => real.list(target, maxItems),
      erase: () => Promise.resolve(),
    };
    try {
      const response = await requestErasure({ deviceId: session.deviceId, requestId: `fail-${randomUUID().slice(0, 8)}` });
      const { id } = (await response.json()) as { id: string };
      await settled();
      const { body } = await erasureOf(id);
      expect(body).toMatchObject({ state: 'failed', pass: 3, failure: '3 items remained after 3 passes' });
      expect((body.progress as Array<{ store: string; remaining?: number }>).find((entry) => entry.store === 'spans')?.remaining).toBe(3);
      expect((await host.call('GET', `/api/diagnostics/erasures/${id}/certificate`, { headers: auth(admin) })).status).toBe(409);
      expect(host.telemetry.events).toContainEqual({
        name: 'erasure.failed',
        dimensions: { productId: 'demo', erasureId: id, remaining: '3', stores: 'spans' },
      });
      const logged = host.telemetry.exceptions.filter((exception) => exception.message.includes(id));
      expect(logged).toHaveLength(1);
      expect(JSON.stringify(logged)).not.toContain(session.deviceId);
      // The seal is gone with the run: the record keeps the hashed subject only.
      const { resource } = await container('erasures').item(id, id).read<Record<string, unknown>>();
      expect(resource?.sealedSubject).toBeUndefined();
      expect(JSON.stringify(resource)).not.toContain(session.deviceId);
    } finally {
      stores[index] = real;
    }
  });
});

describe('bad input and other products', () => {
  it.each([
    ['no subject', { requestId: 'r-1' }, 'userId'],
    ['no requestId', { userId: 'someone' }, 'requestId'],
    ['a malformed from', { userId: 'someone', requestId: 'r-2', from: 'yesterday' }, 'from'],
    ['from after to', { userId: 'someone', requestId: 'r-3', from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }, 'from'],
    ['an unknown field', { userId: 'someone', requestId: 'r-4', email: 'x@example.com' }, '(body)'],
  ])('%s → 400 naming %s', async (_name, body, field) => {
    const response = await requestErasure(body);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/application\/problem\+json/);
    const problem = (await response.json()) as { errors: Array<{ field: string }> };
    expect(problem.errors.map((issue) => issue.field).join(' ')).toContain(field);
  });

  it('refuses engineers, and answers 404 for another product’s erasure or an unknown id', async () => {
    const engineer = await host.token({ roles: ['engineer'], products: ['demo'] });
    expect((await requestErasure({ userId: 'someone', requestId: 'r-5' }, engineer)).status).toBe(403);
    const created = await requestErasure({ userId: `u-${randomUUID().slice(0, 6)}`, requestId: `r-${randomUUID().slice(0, 6)}` });
    const { id } = (await created.json()) as { id: string };
    await settled();
    const outsider = await host.token({ roles: ['admin'], products: ['other'] });
    const foreign = await erasureOf(id, outsider);
    expect(foreign.status).toBe(404);
    expect((await host.call('GET', `/api/diagnostics/erasures/${id}/certificate`, { headers: auth(outsider) })).status).toBe(404);
    expect((await erasureOf(`er_${'0'.repeat(32)}`)).status).toBe(404);
    expect((await erasureOf('not-an-id')).status).toBe(400);
  });
});
