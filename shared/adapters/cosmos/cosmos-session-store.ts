// Debug sessions in Cosmos (`debug_sessions`, pk /id): point reads, If-Match replaces, paged queries.
import type { Container, OperationInput, PatchOperation, SqlParameter } from '@azure/cosmos';
import { debugSessionSchema, type DebugSession, type SessionStats, type VersionedSession } from '../../domain/sessions/session';
import { indexedSessionSchema, type IndexedSession } from '../../domain/sessions/targeting';
import type {
  Page,
  RecentSessionUpdates,
  SessionListFilter,
  SessionStore,
  SessionWriteOptions,
  StatsIncrement,
  StatsIncrementOutcome,
} from '../../ports/session-store';
import { decodeContinuation, encodeContinuation, isCosmosStatus, toAppError } from './cosmos-errors';

interface StoredSession extends DebugSession {
  _etag?: string;
  /** The outbox's proof of recent writes (see SessionWriteOptions); never part of the domain session. */
  outboxEventIds?: string[];
  /** Counts configuration writes (create, replace); stats increments leave it alone. Absent on old documents. */
  revision?: number;
}

/**
 * The session's ETag as callers see it: its configuration revision, not Cosmos's `_etag`. The stats written
 * by ingest patch the document every flush, which changes `_etag`; an admin's If-Match must not fail for that.
 */
function configurationTag(resource: StoredSession): string {
  return `r${resource.revision ?? 0}`;
}

/** Replaces retried when only a stats increment slipped in between the read and the write. */
const REPLACE_ATTEMPTS = 5;

/** The SDK's bulk call takes at most this many operations. */
const BULK_CHUNK = 100;

function incrementOperations(delta: Partial<SessionStats>): PatchOperation[] {
  return Object.entries(delta)
    .filter(([, value]) => typeof value === 'number' && value !== 0)
    .map(([field, value]) => ({ op: 'incr', path: `/stats/${field}`, value: value as number }));
}

/** An increment is not idempotent: only these answers certainly left the document unchanged. */
const certainlyNotApplied = (statusCode: number) => statusCode === 429 || statusCode === 449;

/** Enough history that a write's proof survives the relay's grace period, even on a busy session. */
const MAX_RECORDED_EVENT_IDS = 64;

function fromStored(resource: StoredSession | undefined): VersionedSession {
  if (!resource) throw new Error('Cosmos returned no resource');
  return { session: debugSessionSchema.parse(resource), etag: configurationTag(resource) };
}

export class CosmosSessionStore implements SessionStore {
  constructor(private readonly container: Container) {}

  async create(session: DebugSession, options: SessionWriteOptions = {}): Promise<VersionedSession> {
    try {
      const document: StoredSession = { ...session, outboxEventIds: (options.eventIds ?? []).slice(-MAX_RECORDED_EVENT_IDS), revision: 1 };
      const response = await this.container.items.create<StoredSession>(document);
      return fromStored(response.resource);
    } catch (error) {
      throw toAppError(error, `Session ${session.id}`);
    }
  }

  async get(sessionId: string): Promise<VersionedSession | undefined> {
    try {
      const response = await this.container.item(sessionId, sessionId).read<StoredSession>();
      return response.resource ? fromStored(response.resource) : undefined;
    } catch (error) {
      if (isCosmosStatus(error, 404)) return undefined;
      throw toAppError(error, `Session ${sessionId}`);
    }
  }

  async replace(session: DebugSession, ifMatch: string, options: SessionWriteOptions = {}): Promise<VersionedSession> {
    try {
      for (let attempt = 1; ; attempt++) {
        const current = await this.container.item(session.id, session.id).read<StoredSession>();
        if (!current.resource) throw Object.assign(new Error('not found'), { code: 404 });
        if (ifMatch !== '*' && ifMatch !== configurationTag(current.resource)) throw Object.assign(new Error('etag mismatch'), { code: 412 });
        // The stats belong to ingest's increments and the proof list to the outbox, so both are carried over from
        // the version being replaced; Cosmos's own If-Match guarantees nothing was written in between.
        const document: StoredSession = {
          ...session,
          stats: current.resource.stats,
          outboxEventIds: [...(current.resource.outboxEventIds ?? []), ...(options.eventIds ?? [])].slice(-MAX_RECORDED_EVENT_IDS),
          revision: (current.resource.revision ?? 0) + 1,
        };
        try {
          const response = await this.container
            .item(session.id, session.id)
            .replace<StoredSession>(document, { accessCondition: { type: 'IfMatch', condition: current.etag ?? current.resource._etag ?? '' } });
          return fromStored(response.resource);
        } catch (error) {
          // Something was written in between: a stats increment (read again and retry) or a configuration
          // write (the next read's revision check answers 412).
          if (!isCosmosStatus(error, 412) || attempt >= REPLACE_ATTEMPTS) throw error;
        }
      }
    } catch (error) {
      throw toAppError(error, `Session ${session.id}`);
    }
  }

  async recordedEventIds(sessionId: string): Promise<string[] | undefined> {
    try {
      const response = await this.container.item(sessionId, sessionId).read<StoredSession>();
      return response.resource ? (response.resource.outboxEventIds ?? []) : undefined;
    } catch (error) {
      if (isCosmosStatus(error, 404)) return undefined;
      throw toAppError(error, `Session ${sessionId}`);
    }
  }

  async incrementStat(sessionId: string, stat: keyof SessionStats, by: number): Promise<void> {
    try {
      await this.container.item(sessionId, sessionId).patch([{ op: 'incr', path: `/stats/${stat}`, value: by }]);
    } catch (error) {
      throw toAppError(error, `Session ${sessionId}`);
    }
  }

  async incrementStatsOfMany(increments: ReadonlyArray<StatsIncrement>): Promise<StatsIncrementOutcome[]> {
    const outcomes: StatsIncrementOutcome[] = [];
    for (let start = 0; start < increments.length; start += BULK_CHUNK) {
      const chunk = increments.slice(start, start + BULK_CHUNK);
      const writes = chunk.map(({ sessionId, delta }) => ({ sessionId, operations: incrementOperations(delta) }));
      const bulk: OperationInput[] = writes
        .filter((write) => write.operations.length > 0)
        .map(({ sessionId, operations }) => ({ operationType: 'Patch', id: sessionId, partitionKey: sessionId, resourceBody: { operations } }));
      let statusCodes: number[];
      try {
        statusCodes = bulk.length > 0 ? (await this.container.items.bulk(bulk, { continueOnError: true })).map((response) => response?.statusCode ?? 500) : [];
      } catch (error) {
        // The request as a whole failed: refused outright only if throttled, otherwise it may have run.
        const outcome: StatsIncrementOutcome = isCosmosStatus(error, 429) || isCosmosStatus(error, 449) ? 'refused' : 'unknown';
        for (const write of writes) outcomes.push(write.operations.length === 0 ? 'applied' : outcome);
        continue;
      }
      let next = 0;
      for (const write of writes) {
        if (write.operations.length === 0) {
          outcomes.push('applied');
          continue;
        }
        const statusCode = statusCodes[next++] ?? 500;
        outcomes.push(statusCode < 300 ? 'applied' : statusCode === 404 ? 'missing' : certainlyNotApplied(statusCode) ? 'refused' : 'unknown');
      }
    }
    return outcomes;
  }

  async list(filter: SessionListFilter, page: { maxItems: number; continuationToken?: string }): Promise<Page<DebugSession>> {
    const conditions: string[] = [];
    const parameters: SqlParameter[] = [];
    if (filter.productIds !== undefined) {
      conditions.push('ARRAY_CONTAINS(@productIds, c.productId)');
      parameters.push({ name: '@productIds', value: filter.productIds });
    }
    if (filter.statuses?.length) {
      conditions.push('ARRAY_CONTAINS(@statuses, c.status)');
      parameters.push({ name: '@statuses', value: filter.statuses });
    }
    if (filter.createdFrom) {
      conditions.push('c.createdAt >= @createdFrom');
      parameters.push({ name: '@createdFrom', value: filter.createdFrom });
    }
    if (filter.createdTo) {
      conditions.push('c.createdAt < @createdTo');
      parameters.push({ name: '@createdTo', value: filter.createdTo });
    }
    if (filter.targetUserId) {
      conditions.push('c.targetUserId = @targetUserId');
      parameters.push({ name: '@targetUserId', value: filter.targetUserId });
    }
    if (filter.target) {
      conditions.push(
        '(c.id = @target OR c.targetDeviceId = @target OR c.targetUserId = @target OR c.targetAnonymousId = @target OR c.targetSessionId = @target)',
      );
      parameters.push({ name: '@target', value: filter.target });
    }
    if (filter.expiresBefore) {
      conditions.push('c.expiresAt <= @expiresBefore');
      parameters.push({ name: '@expiresBefore', value: filter.expiresBefore });
    }
    const where = conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
    try {
      const response = await this.container.items
        .query<StoredSession>(
          { query: `SELECT * FROM c ${where} ORDER BY c.createdAt DESC`, parameters },
          { maxItemCount: page.maxItems, continuationToken: decodeContinuation(page.continuationToken) },
        )
        .fetchNext();
      return {
        items: response.resources.map((resource) => debugSessionSchema.parse(resource)),
        continuationToken: encodeContinuation(response.continuationToken),
      };
    } catch (error) {
      throw toAppError(error, 'Session list');
    }
  }
}

/** Seconds of overlap between refreshes, so writers' small clock skew cannot hide an update. */
const OVERLAP_IN_MS = 5_000;

/** A session as the refresh reads it: the index's fields, and the schema version, so a document of another is left out. */
const refreshedSessionSchema = indexedSessionSchema.extend({ schemaVersion: debugSessionSchema.shape.schemaVersion });

/** Only those fields, as the query projects them: about half a session document, and a refresh returns many. */
export const SESSION_INDEX_PROJECTION = Object.keys(refreshedSessionSchema.shape)
  .map((field) => `c.${field}`)
  .join(', ');

/**
 * One query of live sessions at start, then one `updatedAt >= since` query per refresh: its cost is per
 * instance per refresh interval, independent of how many devices poll. (The Cosmos change feed would do the
 * same; the embedded emulator does not report incremental changes, so this keeps one code path for both.)
 */
export class CosmosRecentSessionUpdates implements RecentSessionUpdates {
  private since = new Date(0).toISOString();

  constructor(
    private readonly container: Container,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async loadLive(): Promise<IndexedSession[]> {
    const startedAt = this.now();
    const sessions = await this.queryAll({
      query: `SELECT ${SESSION_INDEX_PROJECTION} FROM c WHERE ARRAY_CONTAINS(['pending', 'active', 'paused'], c.status)`,
      parameters: [],
    });
    this.since = new Date(startedAt.getTime() - OVERLAP_IN_MS).toISOString();
    return sessions;
  }

  async readChanges(): Promise<IndexedSession[]> {
    const startedAt = this.now();
    const sessions = await this.queryAll({
      query: `SELECT ${SESSION_INDEX_PROJECTION} FROM c WHERE c.updatedAt >= @since`,
      parameters: [{ name: '@since', value: this.since }],
    });
    this.since = new Date(startedAt.getTime() - OVERLAP_IN_MS).toISOString();
    return sessions;
  }

  private async queryAll(query: { query: string; parameters: SqlParameter[] }): Promise<IndexedSession[]> {
    try {
      const { resources } = await this.container.items.query<unknown>(query, { maxItemCount: 1000 }).fetchAll();
      return resources.flatMap((resource) => {
        const parsed = refreshedSessionSchema.safeParse(resource);
        return parsed.success ? [parsed.data] : [];
      });
    } catch (error) {
      throw toAppError(error, 'Session index refresh');
    }
  }
}
