// Limits on what a client controls; per instance (see docs/deploy.md for limits across instances).
export interface RateLimit {
  /** How many calls are allowed per window. */
  limit: number;
  windowInMs: number;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export interface RateLimiter {
  take(key: string, rule: RateLimit): RateDecision;
}
