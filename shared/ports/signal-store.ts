// Where signal buckets live: per product, per series and period, merged by increments.
import type { Bucket, Dimensions, SignalPoint, StoredSeries } from '../domain/signals/series';

export type Resolution = 'minute' | 'hour';

export interface BucketQuery {
  series: StoredSeries[];
  resolution: Resolution;
  /** Epoch ms, inclusive. */
  from: number;
  /** Epoch ms, exclusive. */
  to: number;
  /** Narrows the read where the store can (app version, route); callers still apply the whole filter. */
  filter?: Dimensions;
  /** A read that would return more buckets fails instead (the caller narrows the range or the filter). */
  maxBuckets: number;
}

export interface SignalStore {
  /** Adds each point to its minute bucket and its hourly rollup; safe to run concurrently for the same buckets. */
  add(productId: string, points: SignalPoint[]): Promise<void>;
  read(productId: string, query: BucketQuery): Promise<Bucket[]>;
}
