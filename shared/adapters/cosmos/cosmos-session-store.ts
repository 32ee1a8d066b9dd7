// Debug sessions in Cosmos (`debug_sessions`, pk /id): point reads, If-Match replaces, paged queries.
import type { Container, OperationInput, PatchOperation, SqlParameter } from '@azure/cosmos';
import { AppError } from '../../errors';
import { debugSessionSchema, type DebugSession, type SessionStats, type VersionedSession } from '../../domain/sessions/session';
import type { Page, SessionChangeFeed, SessionListFilter, SessionStore, SessionWriteOptions, StatsIncrement, StatsIncrementOutcome } from '../../ports/session-store';
import { decodeContinuation, encodeContinuation, isCosmosStatus, toAppError } from './cosmos-errors';

interface StoredSession extends DebugSession {
  _etag?: string;
  /** The outbox's proof of recent writes (see SessionWriteOptions); never part of the domain session. */
  outboxEventIds?: string[];
}

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

function fromStored(resource: StoredSession | undefined, etag: string | undefined): VersionedSession {
  if (!resource) throw new Error('Cosmos returned no resource');
  return { session: debugSessionSchema.parse(resource), etag: etag ?? resource._etag ?? '' };
}

export class CosmosSessionStore implements SessionStore {
  constructor(private readonly container: Container) {}

  async create(session: DebugSession, options: SessionWriteOptions = {}): Promise<VersionedSession> {
    try {
      const document: StoredSession = { ...session, outboxEventIds: (options.eventIds ?? []).slice(-MAX_RECORDED_EVENT_IDS) };
      const response = await this.container.items.create<StoredSession>(document);
      return fromStored(response.resource, response.etag);
    } catch (error) {
      throw toAppError(error, `Session ${session.id}`);
    }
  }

  async get(sessionId: string): Promise<VersionedSession | undefined> {
    try {
      const response = await this.container.item(sessionId, sessionId).read<StoredSession>();
      return response.resource ? fromStored(response.resource, response.etag) : undefined;
    } catch (error) {
      if (isCosmosStatus(error, 404)) return undefined;
      throw toAppError(error, `Session ${sessionId}`);
    }
  }

  async replace(session: DebugSession, ifMatch: string, options: SessionWriteOptions = {}): Promise<VersionedSession> {
    try {
      // The proof list lives outside the domain type, so carry it over from the version being replaced;
      // the If-Match below guarantees that version is still the current one.
      const current = await this.container.item(session.id, session.id).read<StoredSession>();
      if (!current.resource) throw Object.assign(new Error('not found'), { code: 404 });
      const currentEtag = current.etag ?? current.resource._etag ?? '';
      const condition = ifMatch === '*' ? currentEtag : ifMatch;
      if (condition !== currentEtag) throw Object.assign(new Error('etag mismatch'), { code: 412 });
      const outboxEventIds = [...(current.resource.outboxEventIds ?? []), ...(options.eventIds ?? [])].slice(-MAX_RECORDED_EVENT_IDS);
      const response = await this.container
        .item(session.id, session.id)
        .replace<StoredSession>({ ...session, outboxEventIds }, { accessCondition: { type: 'IfMatch', condition } });
      return fromStored(response.resource, response.etag);
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

  async incrementStats(sessionId: string, delta: Partial<SessionStats>): Promise<void> {
    const operations = incrementOperations(delta);
    if (operations.length === 0) return;
    try {
      await this.container.item(sessionId, sessionId).patch(operations);
    } catch (error) {
      const failure = toAppError(error, `Session ${sessionId}`);
      // A timeout or a 5xx may have been applied, so only a certain refusal may be sent again.
      const retryable = isCosmosStatus(error, 429) || isCosmosStatus(error, 449);
      throw new AppError(failure.kind, failure.message, { cause: error, retryAfterSeconds: failure.retryAfterSeconds, retryable });
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

/**
 * One query of live sessions at start, then one `updatedAt >= since` query per refresh: its cost is per
 * instance per refresh interval, independent of how many devices poll. (The Cosmos change feed would do the
 * same; the embedded emulator does not report incremental changes, so this keeps one code path for both.)
 */
export class CosmosSessionChangeFeed implements SessionChangeFeed {
  private since = new Date(0).toISOString();

  constructor(private readonly container: Container, private readonly now: () => Date = () => new Date()) {}

  async loadLive(): Promise<DebugSession[]> {
    const startedAt = this.now();
    const sessions = await this.queryAll({
      query: "SELECT * FROM c WHERE ARRAY_CONTAINS(['pending', 'active', 'paused'], c.status)",
      parameters: [],
    });
    this.since = new Date(startedAt.getTime() - OVERLAP_IN_MS).toISOString();
    return sessions;
  }

  async readChanges(): Promise<DebugSession[]> {
    const startedAt = this.now();
    const sessions = await this.queryAll({ query: 'SELECT * FROM c WHERE c.updatedAt >= @since', parameters: [{ name: '@since', value: this.since }] });
    this.since = new Date(startedAt.getTime() - OVERLAP_IN_MS).toISOString();
    return sessions;
  }

  private async queryAll(query: { query: string; parameters: SqlParameter[] }): Promise<DebugSession[]> {
    try {
      const { resources } = await this.container.items.query<StoredSession>(query, { maxItemCount: 1000 }).fetchAll();
      return resources.flatMap((resource) => {
        const parsed = debugSessionSchema.safeParse(resource);
        return parsed.success ? [parsed.data] : [];
      });
    } catch (error) {
      throw toAppError(error, 'Session index refresh');
    }
  }
}
