// Sliding-window rate limiter in process memory: exact per instance, bounded in size.
import type { Clock } from '../../ports/clock';
import type { RateDecision, RateLimit, RateLimiter } from '../../ports/rate-limiter';

const SWEEP_THRESHOLD = 50_000;

export class MemoryRateLimiter implements RateLimiter {
  private readonly hits = new Map<string, number[]>();

  constructor(private readonly clock: Clock) {}

  take(key: string, rule: RateLimit): RateDecision {
    const now = this.clock.now().getTime();
    const windowStart = now - rule.windowInMs;
    const recent = (this.hits.get(key) ?? []).filter((time) => time > windowStart);
    if (recent.length >= rule.limit) {
      const oldest = recent[0] ?? now;
      this.hits.set(key, recent);
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((oldest + rule.windowInMs - now) / 1000)) };
    }
    recent.push(now);
    this.hits.set(key, recent);
    if (this.hits.size > SWEEP_THRESHOLD) this.sweep(now, rule.windowInMs);
    return { allowed: true };
  }

  /** Drops keys idle for longer than the window that triggered the sweep. */
  private sweep(now: number, windowInMs: number): void {
    for (const [key, times] of this.hits) {
      const last = times[times.length - 1];
      if (last === undefined || last <= now - windowInMs) this.hits.delete(key);
    }
  }
}
