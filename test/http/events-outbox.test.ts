// The outbox through the local host: a bus outage after the session write loses nothing once the drain runs,
// a write that never happened is never announced, and the expiry timer ends exactly the due sessions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventEnvelopeSchema, type EventEnvelope } from '../../shared/domain/events/event-envelope';
import { registerTopicFunction } from '../../shared/runtime/registry';
import { startTestHost, type TestHost } from '../support/test-host';

// A probe subscription on the same topic: sees every delivery, as any real subscriber would.
const delivered: EventEnvelope[] = [];
registerTopicFunction({
  name: 'test-probe',
  connection: 'SERVICEBUS',
  topicName: 'diagnostics-events',
  subscriptionName: 'test-probe',
  handler: async (message) => {
    delivered.push(eventEnvelopeSchema.parse(message));
  },
});

let host: TestHost;
let admin: string;

beforeAll(async () => {
  host = await startTestHost();
  admin = await host.token({ roles: ['admin'], products: ['demo'] });
});
afterAll(() => host.close());

function auth(token = admin): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

async function createSession(body: Record<string, unknown> = {}) {
  // A fresh admin each time: one admin may create only 10 sessions an hour.
  const creator = await host.token({ roles: ['admin'], products: ['demo'] });
  const response = await host.call('POST', '/api/diagnostics/sessions', {
    body: { productId: 'demo', targetDeviceId: `dev-${Math.random()}`, ...body },
    headers: auth(creator),
  });
  expect(response.status).toBe(201);
  return (await response.json()) as { id: string; etag: string; status: string };
}

function eventsFor(sessionId: string): string[] {
  return delivered.filter((event) => event.sessionId === sessionId).map((event) => event.type);
}

describe('outbox', () => {
  it('publishes at once when the bus is up, with the audit record in the payload', async () => {
    const session = await createSession();
    await host.deps.infra.localBus!.whenIdle();
    expect(eventsFor(session.id)).toEqual(['diagnostics.session.created', 'diagnostics.session.started']);
    const created = delivered.find((event) => event.sessionId === session.id)!;
    expect(created.payload).toMatchObject({ status: 'active', actor: { kind: 'user' }, audit: { action: 'session.created' } });
    expect((await host.deps.services.relay.outbox.get(created.id))?.state).toBe('sent');
  });

  it('loses nothing when the bus is down after the session write, and sends each event once the drain runs', async () => {
    const bus = host.deps.infra.localBus!;
    bus.unavailable = true;
    let session: { id: string; etag: string };
    try {
      session = await createSession();
      const cancelled = await host.call('DELETE', `/api/diagnostics/sessions/${session.id}`, { headers: auth() });
      expect(cancelled.status).toBe(200);
      await bus.whenIdle();
      expect(eventsFor(session.id)).toEqual([]);
      expect(host.telemetry.total('event.publish_failure_total')).toBeGreaterThanOrEqual(4);
      // Still down: the drain keeps everything for its next run.
      const stillDown = await fetch(`${host.url}/admin/functions/events-outbox-drain`, { method: 'POST' });
      expect(stillDown.status).toBe(202);
      expect(eventsFor(session.id)).toEqual([]);
    } finally {
      bus.unavailable = false;
    }
    const drained = await fetch(`${host.url}/admin/functions/events-outbox-drain`, { method: 'POST' });
    expect(drained.status).toBe(202);
    await bus.whenIdle();
    expect(eventsFor(session.id).sort()).toEqual(
      ['diagnostics.session.cancelled', 'diagnostics.session.created', 'diagnostics.session.started', 'diagnostics.session.updated'].sort(),
    );
    // A second drain finds nothing left to send.
    await host.runFunction('events-outbox-drain');
    await bus.whenIdle();
    expect(eventsFor(session.id)).toHaveLength(4);
  });

  it('never announces a write that failed (412), and abandons prepared records whose write never landed', async () => {
    const session = await createSession();
    await host.deps.infra.localBus!.whenIdle();
    const stale = await host.call('PATCH', `/api/diagnostics/sessions/${session.id}`, {
      body: { status: 'paused' },
      headers: { ...auth(), 'if-match': '"not-the-etag"' },
    });
    expect(stale.status).toBe(412);
    // A crash between the outbox write and the session write leaves a prepared record with no proof.
    const orphan = {
      ...delivered.find((event) => event.sessionId === session.id)!,
      id: `ev_orphan-${Math.random()}`,
      type: 'diagnostics.session.updated' as const,
    };
    const at = host.clock.now().toISOString();
    await host.deps.services.relay.outbox.add([
      { id: orphan.id, state: 'prepared', event: orphan, guardSessionId: session.id, createdAt: at, updatedAt: at, publishAttempts: 0 },
    ]);
    await host.runFunction('events-outbox-drain');
    expect((await host.deps.services.relay.outbox.get(orphan.id))?.state).toBe('prepared');
    host.clock.advance(host.deps.settings.OUTBOX_PREPARED_GRACE_SECONDS * 1000 + 1);
    await host.runFunction('events-outbox-drain');
    await host.deps.infra.localBus!.whenIdle();
    expect((await host.deps.services.relay.outbox.get(orphan.id))?.state).toBe('abandoned');
    expect(delivered.some((event) => event.id === orphan.id)).toBe(false);
    expect(eventsFor(session.id)).toEqual(['diagnostics.session.created', 'diagnostics.session.started']);
  });

  it('lets other areas publish losslessly through deps.services.events', async () => {
    const bus = host.deps.infra.localBus!;
    bus.unavailable = true;
    const event = eventEnvelopeSchema.parse({
      id: `ev_fatal-${Math.random()}`,
      specVersion: 1,
      type: 'diagnostics.ingest.fatal',
      time: new Date().toISOString(),
      productId: 'demo',
      payload: { errorType: 'TypeError', fingerprint: 'fp-1' },
    });
    await host.deps.services.events.publish([event]);
    bus.unavailable = false;
    expect(delivered.some((item) => item.id === event.id)).toBe(false);
    await host.runFunction('events-outbox-drain');
    await bus.whenIdle();
    expect(delivered.filter((item) => item.id === event.id)).toHaveLength(1);
  });
});

describe('session expiry timer', () => {
  it('completes due active and paused sessions, expires due pending ones, leaves the rest, and is idempotent', async () => {
    const active = await createSession({ maxDurationMinutes: 5 });
    const pending = await createSession({ maxDurationMinutes: 5, startImmediately: false });
    const paused = await createSession({ maxDurationMinutes: 5 });
    const pausedResponse = await host.call('PATCH', `/api/diagnostics/sessions/${paused.id}`, { body: { status: 'paused' }, headers: auth() });
    expect(pausedResponse.status).toBe(200);
    const later = await createSession({ maxDurationMinutes: 60 });
    await host.deps.infra.localBus!.whenIdle();
    host.clock.advance(6 * 60_000);

    const run = await fetch(`${host.url}/admin/functions/sessions-expire`, { method: 'POST' });
    expect(run.status).toBe(202);
    await host.deps.infra.localBus!.whenIdle();
    const statusOf = async (id: string) =>
      ((await (await host.call('GET', `/api/diagnostics/sessions/${id}`, { headers: auth() })).json()) as { status: string; endedAt?: string }).status;
    expect(await statusOf(active.id)).toBe('completed');
    expect(await statusOf(paused.id)).toBe('completed');
    expect(await statusOf(pending.id)).toBe('expired');
    expect(await statusOf(later.id)).toBe('active');
    expect(eventsFor(active.id).slice(2)).toEqual(['diagnostics.session.expired', 'diagnostics.session.completed']);
    const completed = delivered.find((event) => event.sessionId === active.id && event.type === 'diagnostics.session.completed')!;
    expect(completed.payload).toMatchObject({ status: 'completed', stats: { logCount: 0 }, actor: { kind: 'system' } });
    expect(eventsFor(pending.id)).toEqual(['diagnostics.session.created', 'diagnostics.session.expired']);
    const audit = await host.deps.stores.audit.list('demo', { sessionId: active.id, action: 'session.expired' }, { maxItems: 10 });
    expect(audit.items).toHaveLength(1);

    // Overlapping and repeated runs end nothing twice.
    await Promise.all([host.runFunction('sessions-expire'), host.runFunction('sessions-expire')]);
    await host.deps.infra.localBus!.whenIdle();
    expect(eventsFor(active.id)).toHaveLength(4);
    expect(eventsFor(pending.id)).toHaveLength(2);
  });

  it('works through a backlog larger than one page', async () => {
    const ids: string[] = [];
    for (let index = 0; index < 7; index++) ids.push((await createSession({ maxDurationMinutes: 1 })).id);
    host.clock.advance(2 * 60_000);
    const { expireDueSessions } = await import('../../shared/services/session-expiry-service');
    const result = await expireDueSessions(host.deps.services.sessions, { pageSize: 2, budgetInMs: 30_000 });
    expect(result.ended).toBeGreaterThanOrEqual(7);
    for (const id of ids) expect((await host.deps.stores.sessions.get(id))?.session.status).toBe('completed');
  });
});

describe('events announced after a state change that is already stored', () => {
  it('fail the request while the outbox is down, and the retry announces the same event once', async () => {
    const { startTestHost } = await import('../support/test-host');
    const host = await startTestHost();
    try {
      const admin = await host.token();
      const deviceId = `dev-${Date.now()}`;
      const created = await host.call('POST', '/api/diagnostics/sessions', {
        body: { productId: 'demo', targetDeviceId: deviceId, userConsent: 'auto' },
        headers: { authorization: `Bearer ${admin}` },
      });
      const { id: sessionId } = await created.json();
      const config = await (
        await host.call('GET', `/api/diagnostics/config?deviceId=${deviceId}`, { headers: { 'x-diagnostics-key': host.productKey() } })
      ).json();
      const headers = { 'x-diagnostics-key': host.productKey(), authorization: `Bearer ${config.session.ingestToken}` };
      const batch = {
        sessionId,
        device: { deviceId },
        items: [{ kind: 'log', id: 'fatal-x', timestamp: new Date().toISOString(), level: 'fatal', message: 'boom' }],
      };

      // The outbox container is gone: storing the event fails, so the batch must not be acknowledged.
      const outbox = host.deps.infra.database.container('event_outbox');
      const definition = (await outbox.read()).resource!;
      await outbox.delete();
      const refused = await host.call('POST', '/api/diagnostics/ingest', { body: batch, headers });
      expect(refused.status).toBeGreaterThanOrEqual(500);
      expect(refused.headers.get('content-type')).toBe('application/problem+json');

      await host.deps.infra.database.containers.createIfNotExists({ id: definition.id, partitionKey: definition.partitionKey });
      const retried = await host.call('POST', '/api/diagnostics/ingest', { body: batch, headers });
      expect(retried.status).toBe(202);
      await host.deps.infra.localBus!.whenIdle();
      const stored = await outbox.items
        .query({
          query: "SELECT * FROM c WHERE c.event.type = 'diagnostics.ingest.fatal' AND c.event.sessionId = @s",
          parameters: [{ name: '@s', value: sessionId }],
        })
        .fetchAll();
      expect(stored.resources).toHaveLength(1);
    } finally {
      await host.close();
    }
  });
});
