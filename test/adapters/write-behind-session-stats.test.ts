// The write-behind stats writer over the real Cosmos session store (embedded Cosmos): a flush the store
// refused without applying it is merged into the next one and counted once; a flush that may have been
// applied is never sent again (counted lost instead), so counters run low after a fault, never high.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import type { Database } from '@azure/cosmos';
import { COSMOS_EMULATOR_KEY } from '../../local-host/backends';
import { WriteBehindSessionStats } from '../../shared/adapters/caching/write-behind-session-stats';
import { createCosmosDatabase, ensureContainers } from '../../shared/adapters/cosmos/cosmos-client';
import { CosmosSessionStore } from '../../shared/adapters/cosmos/cosmos-session-store';
import { InMemoryTelemetry } from '../../shared/adapters/memory/in-memory-telemetry';
import { createSessionRequestSchema, newSession, type SessionStats } from '../../shared/domain/sessions/session';
import type { SessionStore, StatsIncrement, StatsIncrementOutcome } from '../../shared/ports/session-store';

let database: Database;
let store: CosmosSessionStore;

beforeAll(async () => {
  database = createCosmosDatabase({
    endpoint: inject('cosmosEndpoint'),
    key: COSMOS_EMULATOR_KEY,
    database: `stats-${randomUUID().slice(0, 8)}`,
    allowSelfSignedCertificate: true,
  });
  await ensureContainers(database);
  store = new CosmosSessionStore(database.container('debug_sessions'));
});
afterAll(async () => {
  await database.delete();
});

async function storedSession(): Promise<string> {
  const session = newSession(createSessionRequestSchema.parse({ productId: 'demo', targetDeviceId: `d-${randomUUID()}` }), 'admin', new Date());
  await store.create(session);
  return session.id;
}

async function statsOf(sessionId: string): Promise<SessionStats> {
  return (await store.get(sessionId))!.session.stats;
}

type Fault = 'refused' | 'applied_then_failed';

/**
 * The real store, with the next flushes failing as told: refused unapplied (a 429), or applied and then
 * lost on the way back (a timeout), for every session of that flush.
 */
function faultyStore(faults: Fault[]): Pick<SessionStore, 'incrementStatsOfMany'> & { calls: number } {
  const wrapper = {
    calls: 0,
    async incrementStatsOfMany(increments: ReadonlyArray<StatsIncrement>): Promise<StatsIncrementOutcome[]> {
      wrapper.calls++;
      const fault = faults.shift();
      if (fault === 'refused') return increments.map(() => 'refused');
      const outcomes = await store.incrementStatsOfMany(increments);
      return fault === 'applied_then_failed' ? outcomes.map(() => 'unknown') : outcomes;
    },
  };
  return wrapper;
}

function writer(target: Pick<SessionStore, 'incrementStatsOfMany'>, telemetry = new InMemoryTelemetry({ strict: true }), maxFlushAttempts?: number) {
  return { stats: new WriteBehindSessionStats(target, telemetry, { flushIntervalInMs: 60_000, maxFlushAttempts }), telemetry };
}

describe('CosmosSessionStore.incrementStatsOfMany (bulk patch)', () => {
  it('answers per session, in order: applied, missing, and applied for an empty delta', async () => {
    const [first, second] = [await storedSession(), await storedSession()];
    const missing = `ds_${randomUUID()}`;
    const outcomes = await store.incrementStatsOfMany([
      { sessionId: first, delta: { logCount: 3, errorCount: 1 } },
      { sessionId: missing, delta: { logCount: 1 } },
      { sessionId: second, delta: {} },
      { sessionId: second, delta: { traceCount: 4 } },
    ]);
    expect(outcomes).toEqual(['applied', 'missing', 'applied', 'applied']);
    expect(await statsOf(first)).toMatchObject({ logCount: 3, errorCount: 1, traceCount: 0 });
    expect(await statsOf(second)).toMatchObject({ logCount: 0, traceCount: 4 });
  });

  it('covers more sessions than one bulk request takes', async () => {
    const sessionIds = await Promise.all(Array.from({ length: 130 }, () => storedSession()));
    const outcomes = await store.incrementStatsOfMany(sessionIds.map((sessionId, index) => ({ sessionId, delta: { logCount: index + 1 } })));
    expect(outcomes).toEqual(sessionIds.map(() => 'applied'));
    expect((await statsOf(sessionIds[0]!)).logCount).toBe(1);
    expect((await statsOf(sessionIds[129]!)).logCount).toBe(130);
  });
});

describe('CosmosSessionStore.replace beside stats increments', () => {
  it('retries when an increment lands between its read and its write, and keeps the increment', async () => {
    const sessionId = await storedSession();
    const before = (await store.get(sessionId))!;
    const container = database.container('debug_sessions');
    // The first replace is preceded by a real increment on the same document, as a concurrent flush would be.
    let interleaved = false;
    const racing = new Proxy(container, {
      get(target, property, receiver) {
        if (property !== 'item') return Reflect.get(target, property, receiver);
        return (id: string, partitionKey: string) => {
          const item = target.item(id, partitionKey);
          const replace = item.replace.bind(item);
          item.replace = (async (...args: Parameters<typeof item.replace>) => {
            if (!interleaved) {
              interleaved = true;
              await store.incrementStatsOfMany([{ sessionId, delta: { logCount: 4 } }]);
            }
            return replace(...args);
          }) as typeof item.replace;
          return item;
        };
      },
    });
    const written = await new CosmosSessionStore(racing).replace({ ...before.session, reason: 'racing a flush' }, before.etag);
    expect(interleaved).toBe(true);
    expect(written.session.reason).toBe('racing a flush');
    expect(written.session.stats.logCount).toBe(4);
    expect(written.etag).not.toBe(before.etag);
    expect(await statsOf(sessionId)).toMatchObject({ logCount: 4 });
  });
});

describe('WriteBehindSessionStats', () => {
  it('merges a refused flush into the next one and writes the sum once', async () => {
    const sessionId = await storedSession();
    const target = faultyStore(['refused']);
    const { stats, telemetry } = writer(target);
    await stats.add(sessionId, { logCount: 3, errorCount: 1 });
    await stats.add(sessionId, { logCount: 2 });
    await stats.flush();
    expect(await statsOf(sessionId)).toMatchObject({ logCount: 0, errorCount: 0 });
    expect(telemetry.total('ingest.stats_flush_total', { outcome: 'retried' })).toBe(1);

    await stats.add(sessionId, { logCount: 4, traceCount: 2 });
    await stats.flush();
    expect(await statsOf(sessionId)).toMatchObject({ logCount: 9, errorCount: 1, traceCount: 2 });
    expect(target.calls).toBe(2);
    expect(telemetry.total('ingest.stats_flush_total', { outcome: 'written' })).toBe(1);
    await stats.close();
  });

  it('never sends again a flush that may have been applied: counted lost, never twice', async () => {
    const sessionId = await storedSession();
    const target = faultyStore(['applied_then_failed']);
    const { stats, telemetry } = writer(target);
    await stats.add(sessionId, { logCount: 5 });
    await stats.flush();
    expect(telemetry.total('ingest.stats_flush_total', { outcome: 'lost' })).toBe(1);
    expect(telemetry.total('ingest.stats_update_failure_total')).toBe(1);
    await stats.add(sessionId, { logCount: 1 });
    await stats.flush();
    // The failed write did land: had it been resent, this would read 11.
    expect((await statsOf(sessionId)).logCount).toBe(6);
    await stats.close();
  });

  it('gives a session up after repeated refusals, counted, and keeps the others flowing', async () => {
    const stuck = await storedSession();
    const flowing = await storedSession();
    const refusingOne: Pick<SessionStore, 'incrementStatsOfMany'> & { calls: number } = {
      calls: 0,
      async incrementStatsOfMany(increments) {
        this.calls++;
        const others = increments.filter(({ sessionId }) => sessionId !== stuck);
        const applied = await store.incrementStatsOfMany(others);
        return increments.map(({ sessionId }) => (sessionId === stuck ? 'refused' : applied[others.findIndex((other) => other.sessionId === sessionId)]!));
      },
    };
    const { stats, telemetry } = writer(refusingOne, undefined, 3);
    await stats.add(stuck, { logCount: 7 });
    for (let flush = 0; flush < 3; flush++) {
      await stats.add(flowing, { logCount: 1 });
      await stats.flush();
    }
    expect(telemetry.total('ingest.stats_flush_total', { outcome: 'retried' })).toBe(2);
    expect(telemetry.total('ingest.stats_flush_total', { outcome: 'lost' })).toBe(1);
    expect(telemetry.total('ingest.stats_flush_total', { outcome: 'written' })).toBe(3);
    await stats.flush();
    expect(refusingOne.calls).toBe(3);
    expect((await statsOf(stuck)).logCount).toBe(0);
    expect((await statsOf(flowing)).logCount).toBe(3);
    await stats.add(stuck, { logCount: 1 });
    await stats.close();
    expect((await statsOf(stuck)).logCount).toBe(0);
    expect(telemetry.total('ingest.stats_update_failure_total')).toBe(2);
  });

  it('writes through, awaited, when the interval is 0, and after close', async () => {
    const sessionId = await storedSession();
    const through = new WriteBehindSessionStats(store, new InMemoryTelemetry({ strict: true }), { flushIntervalInMs: 0 });
    await through.add(sessionId, { networkCount: 2 });
    expect((await statsOf(sessionId)).networkCount).toBe(2);
    const { stats } = writer(store);
    await stats.close();
    await stats.add(sessionId, { networkCount: 1 });
    expect((await statsOf(sessionId)).networkCount).toBe(3);
  });

  it('drops the increments of a session that no longer exists: the store says missing, not refused', async () => {
    const missing = `ds_${randomUUID()}`;
    expect(await store.incrementStatsOfMany([{ sessionId: missing, delta: { logCount: 1 } }])).toEqual(['missing']);
    const { stats, telemetry } = writer(store);
    await stats.add(missing, { logCount: 1 });
    await stats.flush();
    await stats.flush();
    expect(telemetry.total('ingest.stats_flush_total', { outcome: 'lost' })).toBe(1);
    expect(telemetry.total('ingest.stats_flush_total', { outcome: 'retried' })).toBe(0);
  });
});
