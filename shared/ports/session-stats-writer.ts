// Adds ingest's counts to a session's stats. May write behind: increments are summed per session and
// stored later in one write, so a crash can lose the unflushed ones (counters run low, never high).
import type { SessionStats } from '../domain/sessions/session';

export interface SessionStatsWriter {
  /** Never fails the caller: a write that fails is retried or counted as lost (see the adapter). */
  add(sessionId: string, delta: Partial<SessionStats>): Promise<void>;
  /** Writes everything added so far (shutdown, tests). */
  flush(): Promise<void>;
  /** Stops the interval and flushes what is left. */
  close(): Promise<void>;
}
