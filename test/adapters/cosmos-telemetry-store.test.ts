// CosmosTelemetryStore against the embedded Cosmos through the real SDK: bulk upserts that tell created
// from replaced, filtered and paged log/span queries, and the merged timeline's keyset paging.
import type { LogQuery } from '../../shared/ports/telemetry-store';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import type { Database } from '@azure/cosmos';
import { COSMOS_EMULATOR_KEY } from '../../local-host/backends';
import { createCosmosDatabase, ensureContainers } from '../../shared/adapters/cosmos/cosmos-client';
import { containerDefinitions } from '../../shared/adapters/cosmos/containers';
import { CosmosTelemetryStore } from '../../shared/adapters/cosmos/cosmos-telemetry-store';
import { sessionPartitionKey, type LogDoc, type SpanDoc } from '../../shared/domain/telemetry/items';
import { timeOf, type SessionKey, type TimelineDoc } from '../../shared/ports/telemetry-store';

let database: Database;
let store: CosmosTelemetryStore;

beforeAll(async () => {
  database = createCosmosDatabase({
    endpoint: inject('cosmosEndpoint'),
    database: `adapter-${randomUUID().slice(0, 8)}`,
    key: COSMOS_EMULATOR_KEY,
    allowSelfSignedCertificate: true,
  });
  await ensureContainers(database);
  store = new CosmosTelemetryStore(database.container(containerDefinitions.logs.id), database.container(containerDefinitions.traces.id));
});
afterAll(async () => {
  await database.delete();
});

function newSession(): SessionKey {
  return { productId: 'demo', sessionId: `ds_${randomUUID()}` };
}

function at(second: number): string {
  return new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString();
}

function base(session: SessionKey, itemId: string) {
  return {
    pk: sessionPartitionKey(session.productId, session.sessionId),
    productId: session.productId,
    sessionId: session.sessionId,
    itemId,
    receivedAt: at(0),
    redaction: { fieldsRedacted: [], patternsMatched: [] },
  };
}

function logDoc(session: SessionKey, itemId: string, second: number, fields: Partial<Extract<LogDoc, { docType: 'log' }>> = {}): LogDoc {
  return { ...base(session, itemId), id: `log:${itemId}`, docType: 'log', timestamp: at(second), level: 'info', message: `message ${itemId}`, ...fields };
}

function breadcrumbDoc(session: SessionKey, itemId: string, second: number): LogDoc {
  return { ...base(session, itemId), id: `breadcrumb:${itemId}`, docType: 'breadcrumb', timestamp: at(second), category: 'ui.click', message: 'tap' };
}

function spanDoc(session: SessionKey, spanId: string, second: number, traceId = 'a'.repeat(32), parentSpanId?: string): SpanDoc {
  return {
    ...base(session, spanId),
    id: `span:${spanId}`,
    docType: 'span',
    traceId,
    spanId,
    parentSpanId,
    name: `span ${spanId}`,
    spanKind: 'internal',
    startTime: at(second),
    endTime: at(second + 1),
    durationMs: 1000,
    status: { code: 'unset' },
  };
}

describe('CosmosTelemetryStore writes', () => {
  it('reports created ids on the first write and none on a retry of the same documents', async () => {
    const session = newSession();
    const docs = [logDoc(session, 'a', 1), logDoc(session, 'b', 2), breadcrumbDoc(session, 'c', 3)];
    const first = await store.upsertLogs(session, docs);
    expect(first).toEqual({ written: 3, created: ['log:a', 'log:b', 'breadcrumb:c'], failed: [] });
    const retry = await store.upsertLogs(session, docs);
    expect(retry).toEqual({ written: 3, created: [], failed: [] });
    const all = await store.listLogs(session, { order: 'oldest' }, { maxItems: 10 });
    expect(all.items.map((doc) => doc.id)).toEqual(['log:a', 'log:b', 'breadcrumb:c']);
  });

  it('writes more than one bulk chunk of spans', async () => {
    const session = newSession();
    const spans = Array.from({ length: 130 }, (_, index) => spanDoc(session, index.toString(16).padStart(16, '0'), index));
    const outcome = await store.upsertSpans(session, spans);
    expect(outcome.written).toBe(130);
    expect(outcome.created).toHaveLength(130);
  });

  it('refuses documents addressed to another partition before writing any', async () => {
    const session = newSession();
    const other = newSession();
    await expect(store.upsertLogs(session, [logDoc(session, 'a', 1), logDoc(other, 'b', 1)])).rejects.toMatchObject({ kind: 'internal' });
    expect((await store.listLogs(session, { order: 'oldest' }, { maxItems: 10 })).items).toEqual([]);
  });
});

describe('CosmosTelemetryStore log and span queries', () => {
  const session = newSession();
  beforeAll(async () => {
    await store.upsertLogs(session, [
      logDoc(session, 'l1', 1, { level: 'debug', module: 'net', message: 'connecting to api' }),
      logDoc(session, 'l2', 2, { level: 'error', module: 'net', message: 'timeout talking to api', correlationId: 'corr-1' }),
      logDoc(session, 'l3', 3, { level: 'warn', module: 'ui', message: 'slow frame' }),
      logDoc(session, 'l4', 4, { level: 'fatal', module: 'ui', message: 'crash in api view', correlationId: 'corr-1' }),
      breadcrumbDoc(session, 'b1', 5),
    ]);
    await store.upsertSpans(session, [
      spanDoc(session, '1'.repeat(16), 1),
      spanDoc(session, '2'.repeat(16), 2, 'b'.repeat(32)),
      spanDoc(session, '3'.repeat(16), 3),
    ]);
    // Another session's documents never show up.
    const other = newSession();
    await store.upsertLogs(other, [logDoc(other, 'x', 2, { level: 'error' })]);
  });

  it.each<[Omit<LogQuery, 'order'>, string[]]>([
    [{ levels: ['error', 'fatal'] }, ['log:l4', 'log:l2']],
    [{ module: 'net' }, ['log:l2', 'log:l1']],
    [{ textContains: 'api' }, ['log:l4', 'log:l2', 'log:l1']],
    [{ correlationId: 'corr-1' }, ['log:l4', 'log:l2']],
    [{ from: at(2), to: at(4) }, ['log:l3', 'log:l2']],
    [{ docTypes: ['breadcrumb'] }, ['breadcrumb:b1']],
  ])('filters logs by %j', async (filter, expected) => {
    const page = await store.listLogs(session, { order: 'newest', ...filter }, { maxItems: 10 });
    expect(page.items.map((doc) => doc.id)).toEqual(expected);
  });

  it('pages logs with continuation tokens, oldest first', async () => {
    const ids: string[] = [];
    let token: string | undefined;
    do {
      const page = await store.listLogs(session, { order: 'oldest' }, { maxItems: 2, continuationToken: token });
      expect(page.items.length).toBeLessThanOrEqual(2);
      ids.push(...page.items.map((doc) => doc.id));
      token = page.continuationToken;
    } while (token);
    expect(ids).toEqual(['log:l1', 'log:l2', 'log:l3', 'log:l4', 'breadcrumb:b1']);
  });

  it('lists spans of one trace', async () => {
    const page = await store.listSpans(session, { traceId: 'a'.repeat(32), order: 'oldest' }, { maxItems: 10 });
    expect(page.items.map((doc) => doc.spanId)).toEqual(['1'.repeat(16), '3'.repeat(16)]);
  });
});

describe('CosmosTelemetryStore timeline', () => {
  const session = newSession();
  const expectedOldest: string[] = [];
  const timeById = new Map<string, string>();
  beforeAll(async () => {
    // Two sources interleaved in time, with ties inside and across containers.
    const logs: LogDoc[] = [];
    const spans: SpanDoc[] = [];
    for (let second = 0; second < 12; second++) {
      logs.push(logDoc(session, `l${second}`, second));
      if (second % 3 === 0) logs.push(breadcrumbDoc(session, `b${second}`, second));
      if (second % 2 === 0) spans.push(spanDoc(session, second.toString(16).padStart(16, '0'), second));
    }
    await store.upsertLogs(session, logs);
    await store.upsertSpans(session, spans);
    const all: TimelineDoc[] = [...logs, ...spans];
    all.sort((left, right) => (timeOf(left) < timeOf(right) ? -1 : timeOf(left) > timeOf(right) ? 1 : left.id < right.id ? -1 : 1));
    expectedOldest.push(...all.map((doc) => doc.id));
    for (const doc of all) timeById.set(doc.id, timeOf(doc));
  });

  async function walk(order: 'newest' | 'oldest', pageSize: number): Promise<{ ids: string[]; pages: number }> {
    const ids: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await store.listTimeline(session, { order }, { maxItems: pageSize, continuationToken: token });
      pages++;
      ids.push(...page.items.map((doc) => doc.id));
      token = page.continuationToken;
    } while (token && pages < 100);
    return { ids, pages };
  }

  // Entries with equal times may come in either order; times must not go backwards and nothing repeats or goes missing.
  it.each([1, 2, 5, 7, 50])('returns every entry once, in time order, with page size %i', async (pageSize) => {
    const oldest = await walk('oldest', pageSize);
    expect([...oldest.ids].sort()).toEqual([...expectedOldest].sort());
    expect(oldest.ids.map((id) => timeById.get(id))).toEqual(expectedOldest.map((id) => timeById.get(id)));
    const newest = await walk('newest', pageSize);
    expect([...newest.ids].sort()).toEqual([...expectedOldest].sort());
    expect(newest.ids.map((id) => timeById.get(id))).toEqual(expectedOldest.map((id) => timeById.get(id)).reverse());
    if (pageSize === 50) expect(oldest.pages).toBe(1);
  });

  it('refuses a cursor issued for the other order', async () => {
    const page = await store.listTimeline(session, { order: 'oldest' }, { maxItems: 2 });
    await expect(store.listTimeline(session, { order: 'newest' }, { maxItems: 2, continuationToken: page.continuationToken })).rejects.toMatchObject({
      kind: 'invalid_input',
    });
  });
});
