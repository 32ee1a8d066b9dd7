// Sliding-window rate limiter in process memory: exact per instance, bounded in size.
import { nowInMs, type Clock } from '../../ports/clock';
import type { RateDecision, RateLimit, RateLimiter } from '../../ports/rate-limiter';
import { ALLOWED, OneCallKeys, refused } from './one-call-keys';

/** Above this many keys of many-call rules, idle ones are swept, at most once per SWEEP_INTERVAL_IN_MS. */
const SWEEP_THRESHOLD = 50_000;
const SWEEP_INTERVAL_IN_MS = 1_000;

interface Window {
  times: number[];
  windowInMs: number;
}

/**
 * Keys are named per rule (`config-poll:…`, `report:…`), so a key comes with the same rule each time.
 *
 * Times are kept as milliseconds since the limiter was made, not since the epoch: V8 stores a number that small
 * (below 2^30, about 12 days) in place, where an epoch time is a heap object of its own, one per key held for the
 * whole window (tens of thousands of polling devices at once, each promoted by the collector before it expires).
 * Past those 12 days the figures stay exact and only take the slower form.
 */
export class MemoryRateLimiter implements RateLimiter {
  /** One-call keys by window length, then by scope (`''` for keys without one). */
  private readonly oneCallKeys = new Map<number, Map<string, OneCallKeys>>();
  /** Many-call keys, a scoped one as `scope NUL key`. */
  private readonly windows = new Map<string, Window>();
  /** Scopes that have had a many-call key: only their one-call takes need to look for a window first. */
  private readonly scopesWithWindows = new Set<string>();
  private readonly originInMs: number;
  private lastSweepAt = -Infinity;

  constructor(private readonly clock: Clock) {
    this.originInMs = nowInMs(clock);
  }

  take(key: string, rule: RateLimit): RateDecision {
    const now = nowInMs(this.clock) - this.originInMs;
    const scope = rule.scope ?? '';
    if (rule.limit === 1 && !this.hasWindow(scope, key)) return this.oneCallKeysOf(rule.windowInMs, scope, now).take(key, now);
    if (scope !== '') this.scopesWithWindows.add(scope);
    const id = scope === '' ? key : `${scope}\u0000${key}`;
    const windowStart = now - rule.windowInMs;
    let window = this.windows.get(id);
    if (window) {
      window.windowInMs = rule.windowInMs;
      // Copied only when something expired: a key called within its window keeps its array.
      if (window.times.some((time) => time <= windowStart)) window.times = window.times.filter((time) => time > windowStart);
    } else {
      const expiry = this.forgetOneCall(scope, key);
      window = { times: expiry !== undefined && expiry > now ? [expiry - rule.windowInMs] : [], windowInMs: rule.windowInMs };
      this.windows.set(id, window);
    }
    const times = window.times;
    if (times.length >= rule.limit) return refused((times[0] ?? now) + rule.windowInMs, now);
    times.push(now);
    this.sweepIfDue(now);
    return ALLOWED;
  }

  get size(): number {
    let size = this.windows.size;
    for (const byScope of this.oneCallKeys.values()) for (const keys of byScope.values()) size += keys.size;
    return size;
  }

  private hasWindow(scope: string, key: string): boolean {
    if (scope === '') return this.windows.has(key);
    return this.scopesWithWindows.has(scope) && this.windows.has(`${scope}\u0000${key}`);
  }

  private oneCallKeysOf(windowInMs: number, scope: string, now: number): OneCallKeys {
    let byScope = this.oneCallKeys.get(windowInMs);
    if (!byScope) this.oneCallKeys.set(windowInMs, (byScope = new Map()));
    let keys = byScope.get(scope);
    if (!keys) byScope.set(scope, (keys = new OneCallKeys(windowInMs, now)));
    return keys;
  }

  private forgetOneCall(scope: string, key: string): number | undefined {
    for (const byScope of this.oneCallKeys.values()) {
      const expiry = byScope.get(scope)?.forget(key);
      if (expiry !== undefined) return expiry;
    }
    return undefined;
  }

  private sweepIfDue(now: number): void {
    if (this.windows.size > SWEEP_THRESHOLD && now - this.lastSweepAt >= SWEEP_INTERVAL_IN_MS) this.sweep(now);
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
