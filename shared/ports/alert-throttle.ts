// Stores the throttle state per alert key, with optimistic concurrency so two instances cannot both send.
import type { ThrottleState } from '../domain/events/throttle';

export interface VersionedThrottleState {
  state: ThrottleState;
  etag: string;
}

export interface AlertThrottleStore {
  get(alertKey: string): Promise<VersionedThrottleState | undefined>;
  /** False if another writer created it first. */
  create(state: ThrottleState): Promise<boolean>;
  /** False if it changed since `etag` was read. */
  replace(state: ThrottleState, etag: string): Promise<boolean>;
  /** Counts one folded repeat. */
  fold(alertKey: string): Promise<void>;
}
