// Limits on what a client controls; per instance (see docs/deploy.md for limits across instances).
export interface RateLimit {
  /** How many calls are allowed per window. */
  limit: number;
  windowInMs: number;
  /**
   * A namespace for the keys, from a small set (one per product and kind of device id, say): a key counts within its
   * scope as a key of its own, as `take(scope + key)` would without scopes; but a caller holding the scope as a ready
   * string and the key as it came (a device id) makes no new string per call, and the limiter hashes only the key.
   */
  scope?: string;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export interface RateLimiter {
  take(key: string, rule: RateLimit): RateDecision;
}
