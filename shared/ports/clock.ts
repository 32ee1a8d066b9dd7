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

/**
 * The system clock read at most once per synchronous stretch: the first read takes the time and later reads return it
 * until the microtasks queued so far have run. Reading the clock is a system call on the VMs this runs on (~0.5 µs
 * each, measured), and a device poll read it twice (the rate limiter, then the index) for one instant. Only for code
 * that never waits for the time to move within one stretch (no loop on a deadline without an await).
 */
export function systemClockReadOncePerTurn(): Clock {
  let cachedInMs = 0;
  const forget = () => {
    cachedInMs = 0;
  };
  // `settled.then(forget)` queues `forget` as `queueMicrotask(forget)` would, behind the microtasks queued so far, but
  // as a plain promise reaction: Node's queueMicrotask wraps each callback in an AsyncResource and a bound function
  // (~150 ns against ~55 ns, measured; once per poll).
  const settled = Promise.resolve();
  const read = (): number => {
    if (cachedInMs === 0) {
      cachedInMs = Date.now();
      void settled.then(forget);
    }
    return cachedInMs;
  };
  return { now: () => new Date(read()), nowInMs: read };
}
