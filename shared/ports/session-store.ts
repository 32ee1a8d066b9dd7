// Persistence of debug sessions. Verbs follow the Azure SDK guidelines: get → undefined, list pages.
import type { DebugSession, SessionStats, SessionStatus, VersionedSession } from '../domain/sessions/session';
import type { IndexedSession } from '../domain/sessions/targeting';

export interface SessionListFilter {
  /** Products the caller may see, so nothing crosses products; omitted only when listing by targetUserId (a user's own sessions). */
  productIds?: string[];
  statuses?: SessionStatus[];
  createdFrom?: string;
  createdTo?: string;
  targetUserId?: string;
  /** A session id, or a user, device, anonymous or app-session id any of its targets equals (the dashboard's search). */
  target?: string;
  /** Only sessions whose time box ended before this instant (the expiry timer's query). */
  expiresBefore?: string;
}

export interface Page<T> {
  items: T[];
  continuationToken?: string;
}

export interface SessionWriteOptions {
  /**
   * Ids of the events this write announces. They are kept (the most recent few) on the stored document
   * itself, so the outbox relay can prove the write happened without a transactional batch.
   */
  eventIds?: string[];
}

export interface SessionStore {
  /** Fails with `conflict` if the id exists. */
  create(session: DebugSession, options?: SessionWriteOptions): Promise<VersionedSession>;
  get(sessionId: string): Promise<VersionedSession | undefined>;
  /** Replaces only if the stored etag still equals `ifMatch`; otherwise `precondition_failed`. */
  replace(session: DebugSession, ifMatch: string, options?: SessionWriteOptions): Promise<VersionedSession>;
  /** The event ids recorded by the session's recent writes; undefined when the session does not exist. */
  recordedEventIds(sessionId: string): Promise<string[] | undefined>;
  list(filter: SessionListFilter, page: { maxItems: number; continuationToken?: string }): Promise<Page<DebugSession>>;
  /** Atomic server-side increment of one counter (a Cosmos patch `incr`): concurrent writers never lose a count. */
  incrementStat(sessionId: string, stat: keyof SessionStats, by: number): Promise<void>;
  /**
   * Adds to the counters of many sessions atomically on the server (no read-modify-write, so concurrent
   * writers never lose an increment), in as few requests as the store allows (Cosmos: one bulk request per
   * 100 sessions). Leaves `updatedAt` alone: counters are not a configuration change. An increment is not
   * idempotent, so it answers, in order, what became of each: `applied`; `missing` (no such session);
   * `refused` (certainly not applied, so it may be sent again); `unknown` (may have been applied: never
   * send it again). Never rejects.
   */
  incrementStatsOfMany(increments: ReadonlyArray<StatsIncrement>): Promise<StatsIncrementOutcome[]>;
}

export interface StatsIncrement {
  sessionId: string;
  delta: Partial<SessionStats>;
}

export type StatsIncrementOutcome = 'applied' | 'missing' | 'refused' | 'unknown';

/**
 * Feeds the config poll's in-memory index: one load of live sessions, then only what changed since the
 * last read (a query on `updatedAt`; the Cosmos change feed could serve the same port), each session with only the
 * fields the index keeps.
 */
export interface RecentSessionUpdates {
  loadLive(): Promise<IndexedSession[]>;
  readChanges(): Promise<IndexedSession[]>;
}
