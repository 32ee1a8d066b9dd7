// Ingest's per-batch session check served from the config poll's live-session index, which every instance
// already keeps fresh with one change-feed read per interval for all sessions together. A session the
// index does not hold (untargeted, not yet seen) goes to the fallback reader, and so does every `fresh`
// read, so a refusal is never decided on the index's copy alone (see collectingSession). A session the
// index has seen end is read fresh: the fallback's copy may still show it live.
import type { DebugSession } from '../../domain/sessions/session';
import type { IngestSessionState, SessionStateRead, SessionStateReader } from '../../ports/session-state-reader';
import type { Telemetry } from '../../ports/telemetry';
import { ingestStateOf } from './cached-session-state';

export interface LiveSessionIndex {
  liveSession(sessionId: string): Promise<IngestSessionState | 'ended' | undefined>;
}

export class IndexedSessionStateReader implements SessionStateReader {
  constructor(
    private readonly index: LiveSessionIndex,
    private readonly fallback: SessionStateReader,
    private readonly telemetry: Telemetry,
  ) {}

  async get(sessionId: string, options: { fresh?: boolean } = {}): Promise<SessionStateRead | undefined> {
    if (options.fresh) return this.fallback.get(sessionId, options);
    let known: IngestSessionState | 'ended' | undefined;
    try {
      known = await this.index.liveSession(sessionId);
    } catch {
      // The index could not refresh; the fallback reads the session itself and fails on its own terms.
      this.telemetry.metric('ingest.session_index_failure_total', 1);
    }
    if (known === 'ended') return this.fallback.get(sessionId, { fresh: true });
    return known ? { state: ingestStateOf(known), cached: true } : this.fallback.get(sessionId);
  }

  noteSessionWritten(session: DebugSession): void {
    // The index learns this instance's writes through the same composition hook.
    this.fallback.noteSessionWritten(session);
  }
}
