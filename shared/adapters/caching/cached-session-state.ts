// A per-instance cache of the session state ingest checks on every batch, in front of the SessionStore:
// one storage read per session per `maxAgeInMs` instead of one per batch. This instance's own writes
// replace their entry at once; writes made on other instances are seen once the entry is older than
// `maxAgeInMs`. Expiry is not cached as a decision: the caller compares `expiresAt` with its clock.
import type { DebugSession } from '../../domain/sessions/session';
import type { Clock } from '../../ports/clock';
import type { SessionStore } from '../../ports/session-store';
import type { IngestSessionState, SessionStateRead, SessionStateReader } from '../../ports/session-state-reader';
import type { Telemetry } from '../../ports/telemetry';

export interface SessionStateCacheOptions {
  /** 0 turns the cache off: every call reads storage. */
  maxAgeInMs: number;
  /** Bounds memory: the least recently stored entries go first. */
  maxEntries: number;
}

interface Entry {
  state: IngestSessionState;
  storedAtInMs: number;
  /** Orders stores, so a read that started before a write-through cannot overwrite it. */
  sequence: number;
}

export function ingestStateOf(session: IngestSessionState): IngestSessionState {
  const { id, productId, status, expiresAt, endedAt, capture, collectionLevel, consent } = session;
  return { id, productId, status, expiresAt, endedAt, capture, collectionLevel, consent };
}

export class CachedSessionStateReader implements SessionStateReader {
  private readonly entries = new Map<string, Entry>();
  /** Single flight: concurrent batches of one session share one storage read. */
  private readonly reads = new Map<string, Promise<IngestSessionState | undefined>>();
  private sequence = 0;

  constructor(
    private readonly store: Pick<SessionStore, 'get'>,
    private readonly clock: Clock,
    private readonly telemetry: Telemetry,
    private readonly options: SessionStateCacheOptions,
  ) {}

  async get(sessionId: string, options: { fresh?: boolean } = {}): Promise<SessionStateRead | undefined> {
    const caching = this.options.maxAgeInMs > 0;
    if (caching && !options.fresh) {
      const entry = this.entries.get(sessionId);
      if (entry && this.clock.now().getTime() - entry.storedAtInMs < this.options.maxAgeInMs) return { state: entry.state, cached: true };
      const inFlight = this.reads.get(sessionId);
      if (inFlight) return this.answer(await inFlight);
    }
    const reason = options.fresh ? 'fresh' : this.entries.has(sessionId) ? 'stale' : 'cold';
    const read = this.read(sessionId, reason);
    if (caching && !options.fresh) {
      this.reads.set(sessionId, read);
      void read.then(
        () => this.reads.delete(sessionId),
        () => this.reads.delete(sessionId),
      );
    }
    return this.answer(await read);
  }

  noteSessionWritten(session: DebugSession): void {
    if (this.options.maxAgeInMs > 0) this.remember(ingestStateOf(session));
  }

  private answer(state: IngestSessionState | undefined): SessionStateRead | undefined {
    return state ? { state, cached: false } : undefined;
  }

  private async read(sessionId: string, reason: 'cold' | 'stale' | 'fresh'): Promise<IngestSessionState | undefined> {
    const startedAt = this.sequence;
    this.telemetry.metric('ingest.session_state_reads_total', 1, { reason });
    const found = await this.store.get(sessionId);
    const current = this.entries.get(sessionId);
    // A write-through that landed while this read was in flight is at least as new as what was read.
    if (current && current.sequence > startedAt) return found ? ingestStateOf(found.session) : undefined;
    if (!found) {
      this.entries.delete(sessionId);
      return undefined;
    }
    const state = ingestStateOf(found.session);
    if (this.options.maxAgeInMs > 0) this.remember(state);
    return state;
  }

  private remember(state: IngestSessionState): void {
    // Re-inserting moves the entry to the end, so the first key is always the least recently stored.
    this.entries.delete(state.id);
    this.entries.set(state.id, { state, storedAtInMs: this.clock.now().getTime(), sequence: ++this.sequence });
    if (this.entries.size > this.options.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }
}
