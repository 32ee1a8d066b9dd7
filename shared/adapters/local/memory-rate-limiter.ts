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

export class MemoryRateLimiter implements RateLimiter {
  private readonly windows = new Map<string, Window>();
  private lastSweepAt = 0;

  constructor(private readonly clock: Clock) {}

  take(key: string, rule: RateLimit): RateDecision {
    const now = this.clock.now().getTime();
    const windowStart = now - rule.windowInMs;
    let window = this.windows.get(key);
    if (!window) {
      window = { times: [], windowInMs: rule.windowInMs };
      this.windows.set(key, window);
    } else {
      window.windowInMs = rule.windowInMs;
      // Copied only when something expired: a key polled within its window keeps its array.
      if (window.times.some((time) => time <= windowStart)) window.times = window.times.filter((time) => time > windowStart);
    }
    const times = window.times;
    if (times.length >= rule.limit) {
      const oldest = times[0] ?? now;
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((oldest + rule.windowInMs - now) / 1000)) };
    }
    times.push(now);
    if (this.windows.size > SWEEP_THRESHOLD && now - this.lastSweepAt >= SWEEP_INTERVAL_IN_MS) this.sweep(now);
    return { allowed: true };
  }

  get size(): number {
    return this.windows.size;
  }

  /** Drops keys whose last hit is older than their own window: they would allow the next call anyway. */
  private sweep(now: number): void {
    this.lastSweepAt = now;
    for (const [key, window] of this.windows) {
      const last = window.times[window.times.length - 1];
      if (last === undefined || last <= now - window.windowInMs) this.windows.delete(key);
    }
  }
}
