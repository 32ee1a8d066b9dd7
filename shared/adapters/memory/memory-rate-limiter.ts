// Sliding-window rate limiter in process memory: exact per instance, bounded in size.
import type { Clock } from '../../ports/clock';
import type { RateDecision, RateLimit, RateLimiter } from '../../ports/rate-limiter';

/** Above this many live keys, idle ones are swept, at most once per SWEEP_INTERVAL_IN_MS. */
const SWEEP_THRESHOLD = 50_000;
const SWEEP_INTERVAL_IN_MS = 1_000;

interface Window {
  times: number[];
  /** Each key keeps its own rule's window: keys of different rules share the map. */
  windowInMs: number;
}

/**
 * A key under a one-call rule keeps only when its call stops counting (a number): per-device polls are most keys,
 * and two objects per key that live a whole window each were steady garbage for the old generation.
 * A key's rule does not change (keys are named per rule), so an expiry stands for the hit it was made from.
 */
type Entry = number | Window;

export class MemoryRateLimiter implements RateLimiter {
  private readonly windows = new Map<string, Entry>();
  private lastSweepAt = 0;

  constructor(private readonly clock: Clock) {}

  take(key: string, rule: RateLimit): RateDecision {
    const now = this.clock.now().getTime();
    const known = this.windows.get(key);
    if (rule.limit === 1 && typeof known !== 'object') {
      if (known !== undefined && known > now) return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((known - now) / 1000)) };
      this.windows.set(key, now + rule.windowInMs);
      this.sweepIfDue(now);
      return { allowed: true };
    }
    const windowStart = now - rule.windowInMs;
    let window: Window;
    if (typeof known === 'object') {
      window = known;
      window.windowInMs = rule.windowInMs;
      // Copied only when something expired: a key called within its window keeps its array.
      if (window.times.some((time) => time <= windowStart)) window.times = window.times.filter((time) => time > windowStart);
    } else {
      window = { times: known !== undefined && known > now ? [known - rule.windowInMs] : [], windowInMs: rule.windowInMs };
      this.windows.set(key, window);
    }
    const times = window.times;
    if (times.length >= rule.limit) {
      const oldest = times[0] ?? now;
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((oldest + rule.windowInMs - now) / 1000)) };
    }
    times.push(now);
    this.sweepIfDue(now);
    return { allowed: true };
  }

  get size(): number {
    return this.windows.size;
  }

  private sweepIfDue(now: number): void {
    if (this.windows.size > SWEEP_THRESHOLD && now - this.lastSweepAt >= SWEEP_INTERVAL_IN_MS) this.sweep(now);
  }

  /** Drops keys whose last hit is older than their own window: they would allow the next call anyway. */
  private sweep(now: number): void {
    this.lastSweepAt = now;
    for (const [key, entry] of this.windows) {
      if (typeof entry === 'number') {
        if (entry <= now) this.windows.delete(key);
        continue;
      }
      const last = entry.times[entry.times.length - 1];
      if (last === undefined || last <= now - entry.windowInMs) this.windows.delete(key);
    }
  }
}
