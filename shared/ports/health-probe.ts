// Reachability of the backing stores, for the health endpoint: each check is one cheap call.
export type Reachability = 'ok' | 'unreachable';

export interface HealthProbe {
  /** One entry per backing store, e.g. `{ cosmos: 'ok', blob: 'unreachable' }`; never throws. */
  check(): Promise<Record<string, Reachability>>;
}
