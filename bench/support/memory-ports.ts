// In-memory stand-ins for the ports the ingest pipeline and the config index use, for the benchmarks that time
// our own code without the Cosmos SDK: each keeps what it is given in a Map or counts it, and any port method
// the timed path is not expected to reach throws, so a benchmark that strays into storage fails loudly.
import type { DebugSession } from '../../shared/domain/sessions/session';
import type { EventEnvelope } from '../../shared/domain/events/event-envelope';
import type { EventPublisher } from '../../shared/ports/event-publisher';
import type { IdempotencyStore, RememberedAnswer } from '../../shared/ports/idempotency-store';
import type { VersionedSession } from '../../shared/domain/sessions/session';
import type { RecentSessionUpdates, SessionStore, StatsIncrement, StatsIncrementOutcome } from '../../shared/ports/session-store';

/** A port whose methods must not be called on the timed path. */
export function unreachable<Port extends object>(name: string): Port {
  return new Proxy({} as Port, {
    get: (_target, property) => () => Promise.reject(new Error(`${name}.${String(property)} is not expected on the benchmark's path`)),
  });
}

/** Feeds the targeting index: one load of live sessions (then forgotten here), then whatever was queued as changed. */
export class MemorySessionUpdates implements RecentSessionUpdates {
  private live: DebugSession[];
  private changes: DebugSession[] = [];

  constructor(live: DebugSession[]) {
    this.live = live;
  }

  loadLive(): Promise<DebugSession[]> {
    const loaded = this.live;
    // The index holds the sessions now; keeping a second reference here would hide what the index costs.
    this.live = [];
    return Promise.resolve(loaded);
  }

  queueChanges(sessions: DebugSession[]): void {
    this.changes.push(...sessions);
  }

  readChanges(): Promise<DebugSession[]> {
    const changed = this.changes;
    this.changes = [];
    return Promise.resolve(changed);
  }
}

export class MemoryIdempotencyStore implements IdempotencyStore {
  readonly answers = new Map<string, RememberedAnswer>();

  get(key: string): Promise<RememberedAnswer | undefined> {
    return Promise.resolve(this.answers.get(key));
  }

  remember(answer: RememberedAnswer): Promise<void> {
    if (!this.answers.has(answer.key)) this.answers.set(answer.key, answer);
    return Promise.resolve();
  }
}

/** The stats half of a session store: every increment applied, counted. */
export class CountingStatsStore implements Pick<SessionStore, 'incrementStatsOfMany'> {
  increments = 0;

  incrementStatsOfMany(increments: ReadonlyArray<StatsIncrement>): Promise<StatsIncrementOutcome[]> {
    this.increments += increments.length;
    return Promise.resolve(increments.map((): StatsIncrementOutcome => 'applied'));
  }
}

/** Session reads by id from a Map (the per-user index's look-up). */
export class MemorySessionReader implements Pick<SessionStore, 'get'> {
  constructor(private readonly sessions: Map<string, DebugSession>) {}

  get(sessionId: string): Promise<VersionedSession | undefined> {
    const session = this.sessions.get(sessionId);
    return Promise.resolve(session ? { session, etag: '"bench"' } : undefined);
  }
}

export class CountingEventPublisher implements EventPublisher {
  published = 0;

  publish(events: EventEnvelope[]): Promise<void> {
    this.published += events.length;
    return Promise.resolve();
  }
}
