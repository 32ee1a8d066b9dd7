// How a metric is read from the signal store, for rules and the dashboard alike: the totals of the filter's app
// version and route, except errors and crashes of one fingerprint, which come from that fingerprint's own buckets.
import { seriesOfMetric, type Bucket, type Dimensions, type MetricName, type StoredSeries } from '../domain/signals/series';
import type { Resolution, SignalStore } from '../ports/signal-store';

const FINGERPRINT_SERIES = new Set<StoredSeries>(['errors', 'crashes']);

export interface MetricRead {
  metric: MetricName;
  filter: Dimensions;
  resolution: Resolution;
  /** Epoch ms, inclusive. */
  from: number;
  /** Epoch ms, exclusive. */
  to: number;
  maxBuckets: number;
}

/**
 * The buckets a metric is computed from over [from, to): without a fingerprint, one bucket per period and series
 * whatever the number of series in the product. A rate's denominator (requests) ignores the fingerprint.
 */
export async function readMetricBuckets(store: SignalStore, productId: string, read: MetricRead): Promise<Bucket[]> {
  const series = seriesOfMetric(read.metric);
  const perFingerprint = read.filter.fingerprint === undefined ? [] : series.filter((name) => FINGERPRINT_SERIES.has(name));
  const totals = series.filter((name) => !perFingerprint.includes(name));
  const range = { resolution: read.resolution, from: read.from, to: read.to, maxBuckets: read.maxBuckets };
  const reads = await Promise.all([
    totals.length > 0
      ? store.read(productId, { ...range, series: totals, filter: { appVersion: read.filter.appVersion, route: read.filter.route }, view: 'totals' })
      : [],
    perFingerprint.length > 0 ? store.read(productId, { ...range, series: perFingerprint, filter: read.filter, view: 'series' }) : [],
  ]);
  return reads.flat();
}
