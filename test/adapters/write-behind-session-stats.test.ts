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
import { InMemoryTelemetry } from '../../shared/adapters/local/quiet-telemetry';
import { createSessionRequestSchema, newSession, type SessionStats } from '../../shared/domain/sessions/session';
import { AppError } from '../../shared/errors';
import type { SessionStore } from '../../shared/ports/session-store';

let database: Database;
let store: CosmosSessionStore;

beforeAll(async () => {
  database = createCosmosDatabase({ endpoint: inject('cosmosEndpoint'), key: COSMOS_EMULATOR_KEY, database: `stats-${randomUUID().slice(0, 8)}`, allowSelfSignedCertificate: true });
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

/** The real store, with the next increments failing as told: refused unapplied (a 429), or applied and then lost on the way back (a timeout). */
function faultyStore(faults: Fault[]): Pick<SessionStore, 'incrementStats'> & { calls: number } {
  const wrapper = {
    calls: 0,
    async incrementStats(sessionId: string, delta: Partial<SessionStats>): Promise<void> {
      wrapper.calls++;
      const fault = faults.shift();
      if (fault === 'refused') throw new AppError('unavailable', 'Storage is busy; retry shortly', { retryable: true });
      await store.incrementStats(sessionId, delta);
      if (fault === 'applied_then_failed') throw new AppError('unavailable', 'Storage is unavailable; retry shortly', { retryable: false });
    },
  };
  return wrapper;
}

function writer(target: Pick<SessionStore, 'incrementStats'>, telemetry = new InMemoryTelemetry({ strict: true }), maxFlushAttempts?: number) {
  return { stats: new WriteBehindSessionStats(target, telemetry, { flushIntervalInMs: 60_000, maxFlushAttempts }), telemetry };
}

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
    const target = faultyStore(['refused', 'refused', 'refused']);
    const { stats, telemetry } = writer(target, undefined, 3);
    await stats.add(stuck, { logCount: 7 });
    for (let flush = 0; flush < 3; flush++) await stats.flush();
    expect(telemetry.total('ingest.stats_flush_total', { outcome: 'retried' })).toBe(2);
    expect(telemetry.total('ingest.stats_flush_total', { outcome: 'lost' })).toBe(1);
    await stats.flush();
    expect(target.calls).toBe(3);
    expect((await statsOf(stuck)).logCount).toBe(0);
    await stats.add(stuck, { logCount: 1 });
    await stats.close();
    expect((await statsOf(stuck)).logCount).toBe(1);
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

  it('drops the increments of a session that no longer exists: the store says not found, not retryable', async () => {
    const missing = `ds_${randomUUID()}`;
    const failure = await store.incrementStats(missing, { logCount: 1 }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(AppError);
    expect(failure).toMatchObject({ kind: 'not_found', retryable: false });
    const { stats, telemetry } = writer(store);
    await stats.add(missing, { logCount: 1 });
    await stats.flush();
    await stats.flush();
    expect(telemetry.total('ingest.stats_flush_total', { outcome: 'lost' })).toBe(1);
    expect(telemetry.total('ingest.stats_flush_total', { outcome: 'retried' })).toBe(0);
  });
});
