// The Cosmos pieces ingest leans on, against the embedded Cosmos: server-side stat increments that stay
// exact under concurrency and leave updatedAt alone, and the Idempotency-Key store keeping the first answer.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import type { Database } from '@azure/cosmos';
import { COSMOS_EMULATOR_KEY } from '../../local-host/backends';
import { createCosmosDatabase, ensureContainers } from '../../shared/adapters/cosmos/cosmos-client';
import { containerDefinitions } from '../../shared/adapters/cosmos/containers';
import { CosmosIdempotencyStore } from '../../shared/adapters/cosmos/cosmos-idempotency-store';
import { CosmosSessionStore } from '../../shared/adapters/cosmos/cosmos-session-store';
import { createSessionRequestSchema, newSession } from '../../shared/domain/sessions/session';

let database: Database;

beforeAll(async () => {
  database = createCosmosDatabase({
    endpoint: inject('cosmosEndpoint'),
    key: COSMOS_EMULATOR_KEY,
    database: `ingest-${randomUUID().slice(0, 8)}`,
    allowSelfSignedCertificate: true,
  });
  await ensureContainers(database);
});
afterAll(async () => {
  await database.delete();
});

describe('CosmosSessionStore.incrementStatsOfMany', () => {
  it('adds concurrent deltas exactly, skips zeros, and does not touch updatedAt', async () => {
    const store = new CosmosSessionStore(database.container(containerDefinitions.sessions.id));
    const created = await store.create(newSession(createSessionRequestSchema.parse({ productId: 'demo', targetDeviceId: 'd' }), 'admin', new Date()));
    await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        store.incrementStatsOfMany([{ sessionId: created.session.id, delta: { logCount: 2, traceCount: index % 2, errorCount: 0 } }]),
      ),
    );
    const after = (await store.get(created.session.id))!;
    expect(after.session.stats).toMatchObject({ logCount: 40, traceCount: 10, errorCount: 0 });
    expect(after.session.updatedAt).toBe(created.session.updatedAt);
    expect(await store.incrementStatsOfMany([{ sessionId: `ds_${randomUUID()}`, delta: { logCount: 1 } }])).toEqual(['missing']);
  });
});

describe('CosmosIdempotencyStore', () => {
  it('returns undefined for an unknown key and keeps the first of two answers', async () => {
    const store = new CosmosIdempotencyStore(database.container(containerDefinitions.idempotency.id));
    const key = randomUUID();
    expect(await store.get(key)).toBeUndefined();
    await store.remember({ key, status: 202, body: { accepted: 1 }, createdAt: '2026-01-01T00:00:00.000Z' });
    await store.remember({ key, status: 202, body: { accepted: 2 }, createdAt: '2026-01-01T00:00:01.000Z' });
    expect(await store.get(key)).toEqual({ key, status: 202, body: { accepted: 1 }, createdAt: '2026-01-01T00:00:00.000Z' });
  });
});
