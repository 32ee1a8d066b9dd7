// Session stats written behind: ingest's increments are summed per session in memory and stored every
// `flushIntervalInMs` (and on close) as one atomic increment per session, all sessions together in as few
// requests as the store allows, instead of one write per batch. A crash loses at most the increments
// added since the last flush (the items themselves are stored), so counters may run low after a fault,
// never high. An increment the store refused without applying it is merged into the next flush; any other
// failure may have been applied, so it is dropped and counted rather than risk counting twice.
import type { SessionStats } from '../../domain/sessions/session';
import type { SessionStore, StatsIncrementOutcome } from '../../ports/session-store';
import type { SessionStatsWriter } from '../../ports/session-stats-writer';
import type { Telemetry } from '../../ports/telemetry';

export interface WriteBehindOptions {
  /** 0 writes through: one increment per call, awaited, as without this adapter. */
  flushIntervalInMs: number;
  /** A session whose flush was refused this many times in a row gives its increments up (counted). */
  maxFlushAttempts?: number;
}

type Delta = Partial<Record<keyof SessionStats, number>>;

function merge(into: Delta, delta: Delta): void {
  for (const [field, value] of Object.entries(delta) as Array<[keyof SessionStats, number | undefined]>) {
    if (value) into[field] = (into[field] ?? 0) + value;
  }
}

export class WriteBehindSessionStats implements SessionStatsWriter {
  private pending = new Map<string, Delta>();
  /** Consecutive refused flushes per session. */
  private readonly refusals = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private closed = false;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Pick<SessionStore, 'incrementStatsOfMany'>,
    private readonly telemetry: Telemetry,
    private readonly options: WriteBehindOptions,
  ) {}

  async add(sessionId: string, delta: Delta): Promise<void> {
    if (!Object.values(delta).some((value) => value)) return;
    // After close nothing would flush again, so late batches write through.
    if (this.options.flushIntervalInMs === 0 || this.closed) return this.writeThrough(sessionId, delta);
    const pending = this.pending.get(sessionId);
    if (pending) merge(pending, delta);
    else this.pending.set(sessionId, { ...delta });
    if (!this.timer) {
      this.timer = setInterval(() => {
        if (!this.running) void this.flush();
      }, this.options.flushIntervalInMs);
      // The interval must not keep a process alive that has nothing else to do.
      this.timer.unref();
    }
  }

  /** Flushes run one after another, so a caller's flush covers everything added before it was called. */
  flush(): Promise<void> {
    const run = this.chain.then(() => this.flushPending());
    this.chain = run;
    return run;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  /** Never rejects: every outcome is a retry or a counted loss. */
  private async flushPending(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = [...this.pending].map(([sessionId, delta]) => ({ sessionId, delta }));
    this.pending = new Map();
    this.running = true;
    try {
      const outcomes = await this.store.incrementStatsOfMany(batch);
      batch.forEach(({ sessionId, delta }, index) => this.settle(sessionId, delta, outcomes[index] ?? 'unknown'));
    } finally {
      this.running = false;
    }
  }

  private settle(sessionId: string, delta: Delta, outcome: StatsIncrementOutcome): void {
    if (outcome === 'applied') {
      this.refusals.delete(sessionId);
      this.telemetry.metric('ingest.stats_flush_total', 1, { outcome: 'written' });
      return;
    }
    const refusals = (this.refusals.get(sessionId) ?? 0) + 1;
    if (outcome === 'refused' && refusals < (this.options.maxFlushAttempts ?? 10) && !this.closed) {
      // Certainly not applied: fold it into what accrued since, for the next flush.
      this.refusals.set(sessionId, refusals);
      const pending = this.pending.get(sessionId);
      if (pending) merge(pending, delta);
      else this.pending.set(sessionId, delta);
      this.telemetry.metric('ingest.stats_flush_total', 1, { outcome: 'retried' });
      return;
    }
    this.refusals.delete(sessionId);
    this.telemetry.metric('ingest.stats_flush_total', 1, { outcome: 'lost' });
    this.telemetry.metric('ingest.stats_update_failure_total', 1);
  }

  private async writeThrough(sessionId: string, delta: Delta): Promise<void> {
    const [outcome] = await this.store.incrementStatsOfMany([{ sessionId, delta }]);
    if (outcome !== 'applied') this.telemetry.metric('ingest.stats_update_failure_total', 1);
  }
}
