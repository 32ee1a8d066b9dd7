// What ingest checks about a session on every batch: read often, changed rarely, so it may be cached.
import type { DebugSession } from '../domain/sessions/session';

/**
 * The part of a session that decides whether a batch is accepted and what of it is collected (and, for the live
 * tail, when it ended).
 */
export type IngestSessionState = Pick<DebugSession, 'id' | 'productId' | 'status' | 'expiresAt' | 'endedAt' | 'capture' | 'collectionLevel' | 'consent'>;

export interface SessionStateRead {
  state: IngestSessionState;
  /** Served from memory rather than read from storage for this call. */
  cached: boolean;
}

export interface SessionStateReader {
  /** Undefined when the session does not exist. `fresh` bypasses any cache (and refreshes it). */
  get(sessionId: string, options?: { fresh?: boolean }): Promise<SessionStateRead | undefined>;
  /** Write-through from this instance's own session writes, so they count at once. */
  noteSessionWritten(session: DebugSession): void;
}
