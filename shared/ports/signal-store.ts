// Where signal buckets live: per product, per series and period, merged by increments, with the totals beside them.
import { isAppError } from '../errors';
import type { Bucket, Dimensions, SignalPoint, StoredSeries } from '../domain/signals/series';

export type Resolution = 'minute' | 'hour';

export interface BucketQuery {
  series: StoredSeries[];
  resolution: Resolution;
  /** Epoch ms, inclusive. */
  from: number;
  /** Epoch ms, exclusive. */
  to: number;
  /** Narrows the read where the store can (app version, route, fingerprint); callers still apply the whole filter. */
  filter?: Dimensions;
  /**
   * `series` (default): the buckets as reported, one per fingerprint, version and route. `totals`: one bucket per
   * period holding every series of the filter's total (`totalOfFilter`: its app version and route; the fingerprint
   * is ignored), so the read's size does not grow with the number of series in the product.
   */
  view?: 'series' | 'totals';
  /** A read that would return more buckets fails instead (`isBucketLimitError`; the caller narrows the range or the filter). */
  maxBuckets: number;
}

/** The reason a read holds more than `maxBuckets`: an `invalid_input` naming `from`. */
export const BUCKET_LIMIT_ISSUE = 'range too large';

export function isBucketLimitError(error: unknown): boolean {
  return isAppError(error) && error.kind === 'invalid_input' && error.issues.some((issue) => issue.message === BUCKET_LIMIT_ISSUE);
}

export interface SignalStore {
  /**
   * Adds each point to its minute bucket and its hourly rollup, and to the totals it counts toward (`totalPoints`);
   * safe to run concurrently for the same buckets.
   */
  add(productId: string, points: SignalPoint[]): Promise<void>;
  read(productId: string, query: BucketQuery): Promise<Bucket[]>;
}
