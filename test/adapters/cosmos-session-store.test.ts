// The Cosmos session adapters against the embedded Cosmos through the real SDK.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import type { Database } from '@azure/cosmos';
import { COSMOS_EMULATOR_KEY } from '../../local-host/backends';
import { createCosmosDatabase, ensureContainers } from '../../shared/adapters/cosmos/cosmos-client';
import { containerDefinitions } from '../../shared/adapters/cosmos/containers';
import { CosmosRecentSessionUpdates, CosmosSessionStore } from '../../shared/adapters/cosmos/cosmos-session-store';
import { AppError } from '../../shared/errors';
import { deviceConfigFor } from '../../shared/domain/sessions/device-config';
import { createSessionRequestSchema, newSession, type DebugSession } from '../../shared/domain/sessions/session';
import { SessionTargetIndex } from '../../shared/domain/sessions/targeting';

let database: Database;
let store: CosmosSessionStore;

beforeAll(async () => {
  database = createCosmosDatabase({
    endpoint: inject('cosmosEndpoint'),
    key: COSMOS_EMULATOR_KEY,
    database: `adapters-${randomUUID().slice(0, 8)}`,
    allowSelfSignedCertificate: true,
  });
  await ensureContainers(database);
  store = new CosmosSessionStore(database.container('debug_sessions'));
});
afterAll(async () => {
  await database.delete();
});

function session(productId = 'demo', extra: Partial<DebugSession> = {}): DebugSession {
  return { ...newSession(createSessionRequestSchema.parse({ productId, targetDeviceId: `d-${randomUUID()}` }), 'admin', new Date()), ...extra };
}

async function kindOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return error instanceof AppError ? error.kind : 'not-an-AppError';
  }
}

describe('the local containers', () => {
  it('hash their partition keys as the Bicep declares (version 2), as every SDK call then does', async () => {
    for (const definition of Object.values(containerDefinitions)) {
      const { resource } = await database.container(definition.id).read();
      expect(resource?.partitionKey, definition.id).toMatchObject({ paths: [definition.partitionKeyPath], kind: 'Hash', version: 2 });
    }
  });
});

describe('CosmosSessionStore', () => {
  it('creates once, reads back what it wrote, and returns undefined for a missing id', async () => {
    const original = session();
    const stored = await store.create(original);
    expect(stored.session).toEqual(JSON.parse(JSON.stringify(original)));
    expect(stored.etag).not.toBe('');
    expect(await kindOf(store.create(original))).toBe('conflict');
    expect((await store.get(original.id))?.session.id).toBe(original.id);
    expect(await store.get(`ds_${randomUUID()}`)).toBeUndefined();
  });

  it('replaces only with the current etag', async () => {
    const stored = await store.create(session());
    const replaced = await store.replace({ ...stored.session, reason: 'changed' }, stored.etag);
    expect(replaced.etag).not.toBe(stored.etag);
    expect(await kindOf(store.replace({ ...stored.session, reason: 'stale' }, stored.etag))).toBe('precondition_failed');
  });

  it('lists by product and status, newest first, across pages without repeats', async () => {
    const productId = `p-${randomUUID().slice(0, 8)}`;
    const ids: string[] = [];
    for (let index = 0; index < 5; index++) {
      const created = session(productId, { createdAt: new Date(Date.UTC(2026, 0, 1, 0, index)).toISOString() });
      ids.push(created.id);
      await store.create(created);
    }
    await store.create(session('elsewhere'));
    const seen: string[] = [];
    let continuationToken: string | undefined;
    do {
      const page = await store.list({ productIds: [productId], statuses: ['active'] }, { maxItems: 2, continuationToken });
      seen.push(...page.items.map((item) => item.id));
      continuationToken = page.continuationToken;
    } while (continuationToken);
    expect(seen).toEqual([...ids].reverse());
  });
});

describe('CosmosRecentSessionUpdates', () => {
  it('loads live sessions, then returns only what changed since', async () => {
    let now = new Date();
    const feed = new CosmosRecentSessionUpdates(database.container('debug_sessions'), () => now);
    // Last written well before the refresh's overlap window (5 s), so it is not "changed" again.
    const live = session('feed', { updatedAt: new Date(now.getTime() - 600_000).toISOString() });
    await store.create(live);
    const loaded = await feed.loadLive();
    expect(loaded.map((item) => item.id)).toContain(live.id);

    now = new Date(now.getTime() + 60_000);
    const changedLater = session('feed', { updatedAt: now.toISOString() });
    await store.create(changedLater);
    const firstChanges = await feed.readChanges();
    expect(firstChanges.map((item) => item.id)).toContain(changedLater.id);
    expect(firstChanges.map((item) => item.id)).not.toContain(live.id);
  });

  it('reads only the fields the index keeps, and leaves out a document of another schema version', async () => {
    const now = new Date();
    // The real container, with what its queries return kept aside: the adapter's parse would hide extra fields.
    const container = database.container('debug_sessions');
    const returned: Array<Record<string, unknown>> = [];
    const observed = {
      items: {
        query: (...args: Parameters<typeof container.items.query>) => {
          const iterator = container.items.query<Record<string, unknown>>(...args);
          return {
            fetchAll: async () => {
              const response = await iterator.fetchAll();
              returned.push(...response.resources);
              return response;
            },
          };
        },
      },
    } as unknown as typeof container;
    const feed = new CosmosRecentSessionUpdates(observed, () => now);
    const triggered = session('projected', {
      reason: 'checkout crash',
      tags: ['vip'],
      trigger: { ruleId: 'tr_1', ruleName: 'crashes', on: 'crash', signal: { kind: 'crash', fingerprint: 'fp_1', at: now.toISOString() } },
    });
    const plain = session('projected');
    const future = session('projected', { schemaVersion: 2 as never });
    for (const written of [triggered, plain]) await store.create(written);
    // Written as a newer release would: the store here refuses it.
    await database.container('debug_sessions').items.create(future);

    const loaded = await feed.loadLive();
    const byId = new Map(loaded.map((item) => [item.id, item]));
    expect(byId.has(future.id)).toBe(false);
    const read = byId.get(triggered.id)!;
    expect(read).toEqual({
      id: triggered.id,
      schemaVersion: triggered.schemaVersion,
      productId: 'projected',
      status: triggered.status,
      collectionLevel: triggered.collectionLevel,
      capture: triggered.capture,
      consent: triggered.consent,
      createdAt: triggered.createdAt,
      updatedAt: triggered.updatedAt,
      expiresAt: triggered.expiresAt,
      targetDeviceId: triggered.targetDeviceId,
      trigger: { on: 'crash' },
    });
    expect(Object.keys(byId.get(plain.id)!)).not.toContain('trigger');
    // Storage sent only those fields: no reason, tags, stats, creator or system properties.
    const sent = returned.find((document) => document.id === triggered.id)!;
    expect(Object.keys(sent).sort()).toEqual(Object.keys(read).sort());
    expect(sent.trigger).toEqual(triggered.trigger);
    // What a poll and ingest read of it is what they read of the whole session.
    const index = new SessionTargetIndex();
    index.apply(read);
    expect(deviceConfigFor(index.get(triggered.id), 'tok', 5)).toEqual(deviceConfigFor(triggered, 'tok', 5));
  });
});
