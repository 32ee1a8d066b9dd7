// Time as a dependency, so expiry and rate limits are testable without waiting.
export interface Clock {
  now(): Date;
  /**
   * The same instant as `now()`, in epoch milliseconds, without a `Date`: hot paths (the config poll, the rate
   * limiter) read the time on every call and would otherwise leave a short-lived object each time. Optional, so a
   * test clock may give `now()` alone; read it through `nowInMs(clock)`.
   */
  nowInMs?(): number;
}

export const systemClock: Clock = { now: () => new Date(), nowInMs: () => Date.now() };

/** The clock's time in epoch milliseconds: its `nowInMs()` when it has one, else `now()` read as a number. */
export function nowInMs(clock: Clock): number {
  return clock.nowInMs ? clock.nowInMs() : clock.now().getTime();
}
