// Sliding-window rate limiter in process memory: exact per instance, bounded in size.
import type { Clock } from '../../ports/clock';
import type { RateDecision, RateLimit, RateLimiter } from '../../ports/rate-limiter';

/** Above this many keys of many-call rules, idle ones are swept, at most once per SWEEP_INTERVAL_IN_MS. */
const SWEEP_THRESHOLD = 50_000;
const SWEEP_INTERVAL_IN_MS = 1_000;

/** Expired one-call keys are dropped at most this often (they stop counting at once either way). */
const DROP_INTERVAL_IN_MS = 1_000;

const ALLOWED: RateDecision = Object.freeze({ allowed: true });

function refused(until: number, now: number): RateDecision {
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((until - now) / 1000)) };
}

/**
 * The keys of one-call rules with one window length, each kept only until its call stops counting. Every key was set
 * `windowInMs` before its expiry, so the map's insertion order is expiry order: expired keys leave from the front,
 * and a call looks at the front only once the earliest expiry has passed. (Most keys are per-device polls: a scan of
 * every live key each second cost the poll ~1 µs at 100k devices.)
 */
class OneCallKeys {
  readonly expiries = new Map<string, number>();
  /** Nothing is dropped before this: no key expires earlier, or the last drop was under DROP_INTERVAL_IN_MS ago. */
  private nextExpiry = Infinity;

  constructor(private readonly windowInMs: number) {}

  take(key: string, now: number): RateDecision {
    if (now >= this.nextExpiry) this.dropExpired(now);
    const expiry = this.expiries.get(key);
    if (expiry !== undefined) {
      if (expiry > now) return refused(expiry, now);
      // Expired but still here (the clock stepped back): set again at the end, in order.
      this.expiries.delete(key);
    }
    const until = now + this.windowInMs;
    this.expiries.set(key, until);
    if (until < this.nextExpiry) this.nextExpiry = until;
    return ALLOWED;
  }

  /** The key's expiry, if it still counts; the key is forgotten either way (it moves to a many-call window). */
  forget(key: string): number | undefined {
    const expiry = this.expiries.get(key);
    this.expiries.delete(key);
    return expiry;
  }

  /**
   * In batches at most once per DROP_INTERVAL_IN_MS: a Map keeps the slots of deleted keys until it rehashes, and
   * each walk from the front steps over them, so dropping on every call would cost a walk over the recent deletes.
   */
  private dropExpired(now: number): void {
    this.nextExpiry = Infinity;
    for (const [key, expiry] of this.expiries) {
      if (expiry > now) {
        this.nextExpiry = Math.max(expiry, now + DROP_INTERVAL_IN_MS);
        return;
      }
      this.expiries.delete(key);
    }
  }
}

interface Window {
  times: number[];
  windowInMs: number;
}

/** Keys are named per rule (`config-poll:…`, `report:…`), so a key comes with the same rule each time. */
export class MemoryRateLimiter implements RateLimiter {
  private readonly oneCallKeys = new Map<number, OneCallKeys>();
  private readonly windows = new Map<string, Window>();
  private lastSweepAt = 0;

  constructor(private readonly clock: Clock) {}

  take(key: string, rule: RateLimit): RateDecision {
    const now = this.clock.now().getTime();
    if (rule.limit === 1 && !this.windows.has(key)) {
      let keys = this.oneCallKeys.get(rule.windowInMs);
      if (!keys) this.oneCallKeys.set(rule.windowInMs, (keys = new OneCallKeys(rule.windowInMs)));
      return keys.take(key, now);
    }
    const windowStart = now - rule.windowInMs;
    let window = this.windows.get(key);
    if (window) {
      window.windowInMs = rule.windowInMs;
      // Copied only when something expired: a key called within its window keeps its array.
      if (window.times.some((time) => time <= windowStart)) window.times = window.times.filter((time) => time > windowStart);
    } else {
      const expiry = this.forgetOneCall(key);
      window = { times: expiry !== undefined && expiry > now ? [expiry - rule.windowInMs] : [], windowInMs: rule.windowInMs };
      this.windows.set(key, window);
    }
    const times = window.times;
    if (times.length >= rule.limit) return refused((times[0] ?? now) + rule.windowInMs, now);
    times.push(now);
    this.sweepIfDue(now);
    return ALLOWED;
  }

  get size(): number {
    let size = this.windows.size;
    for (const keys of this.oneCallKeys.values()) size += keys.expiries.size;
    return size;
  }

  private forgetOneCall(key: string): number | undefined {
    for (const keys of this.oneCallKeys.values()) {
      const expiry = keys.forget(key);
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
