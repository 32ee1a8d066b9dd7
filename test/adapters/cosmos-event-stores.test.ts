// The event stores against the embedded Cosmos through the real SDK: outbox states and paging, the session
// write's proof of its events, the subscriber ledger, throttle windows and ticket links with If-Match.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import type { Database } from '@azure/cosmos';
import { COSMOS_EMULATOR_KEY } from '../../local-host/backends';
import { CosmosAlertThrottleStore } from '../../shared/adapters/cosmos/cosmos-alert-throttle';
import { createCosmosDatabase, ensureContainers } from '../../shared/adapters/cosmos/cosmos-client';
import { CosmosEventOutbox } from '../../shared/adapters/cosmos/cosmos-event-outbox';
import { CosmosSessionStore } from '../../shared/adapters/cosmos/cosmos-session-store';
import { CosmosSubscriberLedger } from '../../shared/adapters/cosmos/cosmos-subscriber-ledger';
import { CosmosTicketLinkStore } from '../../shared/adapters/cosmos/cosmos-ticket-links';
import { createSessionRequestSchema, newSession } from '../../shared/domain/sessions/session';
import type { OutboxRecord } from '../../shared/ports/event-outbox';
import { newEvent } from '../../shared/domain/events/event-envelope';

let database: Database;

beforeAll(async () => {
  database = createCosmosDatabase({
    endpoint: inject('cosmosEndpoint'),
    key: COSMOS_EMULATOR_KEY,
    database: `events-${randomUUID().slice(0, 8)}`,
    allowSelfSignedCertificate: true,
  });
  await ensureContainers(database);
});
afterAll(async () => {
  await database.delete();
});

function record(state: OutboxRecord['state'], createdAt: string): OutboxRecord {
  const event = newEvent('diagnostics.ingest.fatal', { productId: 'demo', payload: {}, time: new Date(createdAt) });
  return { id: event.id, state, event, createdAt, updatedAt: createdAt, publishAttempts: 0 };
}

describe('CosmosEventOutbox', () => {
  it('adds idempotently, lists unsent oldest first across pages, and moves records through their states', async () => {
    const outbox = new CosmosEventOutbox(database.container('event_outbox'));
    const records = Array.from({ length: 5 }, (_, index) => record(index === 4 ? 'prepared' : 'ready', `2026-11-22T05:0${index}:00.000Z`));
    await outbox.add(records);
    await outbox.add([{ ...records[0]!, state: 'sent' }]);
    expect((await outbox.get(records[0]!.id))?.state).toBe('ready');

    const seen: string[] = [];
    let continuationToken: string | undefined;
    do {
      const page = await outbox.listUnsent({ maxItems: 2, continuationToken });
      seen.push(...page.items.map((item) => item.id));
      continuationToken = page.continuationToken;
    } while (continuationToken);
    expect(seen).toEqual(records.map((item) => item.id));

    await outbox.setState([records[0]!.id, records[1]!.id], 'sent', new Date('2026-11-22T06:00:00Z'));
    await outbox.setState([records[2]!.id], 'ready', new Date(), { countAttempt: true });
    await outbox.setState(['ev_missing'], 'sent', new Date());
    const sent = await outbox.get(records[0]!.id);
    expect(sent).toMatchObject({ state: 'sent', sentAt: '2026-11-22T06:00:00.000Z', ttl: 7 * 86_400 });
    expect((await outbox.get(records[2]!.id))?.publishAttempts).toBe(1);
    expect((await outbox.get(records[2]!.id))?.ttl).toBeUndefined();
    const unsent = await outbox.listUnsent({ maxItems: 10 });
    expect(unsent.items.map((item) => item.id)).toEqual(records.slice(2).map((item) => item.id));
  });
});

describe('CosmosSessionStore event proof', () => {
  it('keeps the event ids of every write on the stored document, outside the domain session', async () => {
    const store = new CosmosSessionStore(database.container('debug_sessions'));
    const session = newSession(createSessionRequestSchema.parse({ productId: 'demo', targetDeviceId: 'd-proof' }), 'admin', new Date());
    const created = await store.create(session, { eventIds: ['ev_a', 'ev_b'] });
    expect(created.session).not.toHaveProperty('outboxEventIds');
    const replaced = await store.replace({ ...created.session, reason: 'x' }, created.etag, { eventIds: ['ev_c'] });
    await store.replace({ ...replaced.session, reason: 'y' }, replaced.etag);
    expect(await store.recordedEventIds(session.id)).toEqual(['ev_a', 'ev_b', 'ev_c']);
    expect(await store.recordedEventIds('ds_00000000-0000-4000-8000-000000000000')).toBeUndefined();
    await expect(store.replace(created.session, created.etag, { eventIds: ['ev_never'] })).rejects.toMatchObject({ kind: 'precondition_failed' });
    expect(await store.recordedEventIds(session.id)).not.toContain('ev_never');
  });
});

describe('CosmosSubscriberLedger', () => {
  it('marks keys done idempotently and keeps dead letters per subscription', async () => {
    const ledger = new CosmosSubscriberLedger(database.container('processed_events'), database.container('dead_letters'));
    const key = 'notifications:ev_1:0:slack/with?odd#chars';
    expect(await ledger.isDone(key)).toBe(false);
    await ledger.markDone(key, new Date());
    await ledger.markDone(key, new Date());
    expect(await ledger.isDone(key)).toBe(true);
    const letter = {
      id: 'audit:msg-1',
      subscription: 'audit',
      messageId: 'msg-1',
      reason: 'InvalidEnvelope',
      description: 'type: invalid_value',
      deliveryCount: 1,
      at: '2026-11-22T05:00:00.000Z',
      body: { a: 1 },
    };
    await ledger.deadLetter(letter);
    await ledger.deadLetter(letter);
    const page = await ledger.listDeadLetters('audit', { maxItems: 10 });
    expect(page.items).toEqual([letter]);
    expect((await ledger.listDeadLetters('tickets', { maxItems: 10 })).items).toEqual([]);
  });
});

describe('CosmosAlertThrottleStore and CosmosTicketLinkStore', () => {
  it('lets exactly one writer create or replace, and folds with incr', async () => {
    const throttle = new CosmosAlertThrottleStore(database.container('notification_throttle'));
    const state = { alertKey: 'fatal:demo:a/b', windowStartedAt: '2026-11-22T05:00:00.000Z', sentEventId: 'ev_1', folded: 0, foldedBeforeWindow: 0 };
    expect(await Promise.all([throttle.create(state), throttle.create(state)])).toEqual(expect.arrayContaining([true, false]));
    await Promise.all([throttle.fold(state.alertKey), throttle.fold(state.alertKey), throttle.fold(state.alertKey)]);
    const current = (await throttle.get(state.alertKey))!;
    expect(current.state.folded).toBe(3);
    expect(await throttle.replace({ ...current.state, sentEventId: 'ev_2' }, current.etag)).toBe(true);
    expect(await throttle.replace({ ...current.state, sentEventId: 'ev_3' }, current.etag)).toBe(false);

    const links = new CosmosTicketLinkStore(database.container('ticket_links'));
    const link = { alertKey: 'fatal:demo:x', state: 'creating' as const, createdAt: 'a', updatedAt: 'a', lastEventId: 'ev_1', occurrences: 1 };
    expect(await links.create(link)).toBe(true);
    expect(await links.create(link)).toBe(false);
    const read = (await links.get(link.alertKey))!;
    const ticket = { provider: 'github' as const, id: '7', url: 'https://github.com/acme/app/issues/7' };
    expect(await links.replace({ ...read.link, ticket, state: 'open' }, read.etag)).toBe(true);
    expect(await links.replace({ ...read.link, state: 'closed' }, read.etag)).toBe(false);
    expect((await links.get(link.alertKey))!.link).toMatchObject({ state: 'open', ticket });
  });
});
