// Signal series: the names, the dimensions a point may carry, per-minute buckets, and the metrics read from
// them (counters, rates and latency quantiles). Pure: the store keeps buckets, this module knows what they mean.
import { createHash } from 'node:crypto';
import { z } from 'zod';

/** What is stored: counters summed per minute, and latency with its count-weighted quantiles. */
export const storedSeriesNames = ['errors', 'crashes', 'requests', 'http_5xx', 'latency'] as const;
export const storedSeriesSchema = z.enum(storedSeriesNames);
export type StoredSeries = z.infer<typeof storedSeriesSchema>;

/** What can be read and alerted on: the stored counters, two rates and three latency quantiles. */
export const metricNames = [
  'errors',
  'crashes',
  'requests',
  'http_5xx',
  'error_rate',
  'http_5xx_rate',
  'latency_p50',
  'latency_p95',
  'latency_p99',
  'latency_mean',
] as const;
export const metricNameSchema = z.enum(metricNames);
export type MetricName = z.infer<typeof metricNameSchema>;

export const quantileNames = ['p50', 'p95', 'p99'] as const;
export type QuantileName = (typeof quantileNames)[number];

export const MINUTE_IN_MS = 60_000;
export const HOUR_IN_MS = 3_600_000;

/** An app version as apps write it (`1.4.2`, `2024.05.1-beta+7`); never free text. */
export const appVersionSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[\w.+-]+$/, 'letters, digits and . + - _ only');
/** A stable error fingerprint (the SDK's hash of type and top frames), never the message. */
export const fingerprintSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[\w.:-]+$/, 'letters, digits and . : - _ only');

/** Path segments that are identifiers, not template parts: numbers, UUIDs, long hex, e-mail addresses. */
const identifierSegment = /^(\d{2,}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{16,}|[^/]*@[^/]*)$/i;

/**
 * A route template such as `/users/{id}/orders`: a path, no host, query or fragment, and no segment that
 * looks like an identifier, so no URL a person could be recognised from is ever stored.
 */
export const routeTemplateSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^\/[\w\-./{}:*~]*$/, 'a path template such as /users/{id}: no host, query or fragment')
  .refine(
    (route) => !route.split('/').some((segment) => identifierSegment.test(segment)),
    'a segment looks like an identifier; send the template (/users/{id})',
  );

export const dimensionsSchema = z
  .object({
    appVersion: appVersionSchema.optional(),
    fingerprint: fingerprintSchema.optional(),
    route: routeTemplateSchema.optional(),
  })
  .strict();
export type Dimensions = z.infer<typeof dimensionsSchema>;
export const dimensionNames = ['appVersion', 'fingerprint', 'route'] as const;

/** One minute of one series, as the intake hands it to the store (several reports of a minute are summed). */
export interface SignalPoint {
  series: StoredSeries;
  dimensions: Dimensions;
  /** Start of the minute, epoch ms. */
  minute: number;
  /** Counters: the count. Latency: the sum of durations in ms. */
  sum: number;
  /** Counters: the number of reports. Latency: the number of requests measured. */
  count: number;
  /** Latency only: each quantile times the requests it was measured over, so buckets add up. */
  weightedQuantiles?: Partial<Record<QuantileName, number>>;
}

export function floorToMinute(time: number): number {
  return Math.floor(time / MINUTE_IN_MS) * MINUTE_IN_MS;
}

export function floorToHour(time: number): number {
  return Math.floor(time / HOUR_IN_MS) * HOUR_IN_MS;
}

/** `series|appVersion=…|fingerprint=…|route=…`, dimensions in a fixed order: one key per distinct series. */
export function seriesKey(series: StoredSeries, dimensions: Dimensions): string {
  const parts: string[] = [series];
  for (const name of dimensionNames) {
    const value = dimensions[name];
    if (value !== undefined) parts.push(`${name}=${value}`);
  }
  return parts.join('|');
}

/** A bucket document id: short and fixed-length whatever the dimensions (Cosmos ids stop at 255 characters). */
export function bucketId(resolution: 'minute' | 'hour', key: string, start: number): string {
  return `${resolution === 'minute' ? 'm' : 'h'}_${start}_${createHash('sha256').update(key).digest('base64url').slice(0, 22)}`;
}

/** Sums points of the same series, dimensions and minute, so a batch writes each bucket once. */
export function mergePoints(points: SignalPoint[]): SignalPoint[] {
  const merged = new Map<string, SignalPoint>();
  for (const point of points) {
    const key = `${seriesKey(point.series, point.dimensions)}@${point.minute}`;
    const known = merged.get(key);
    if (!known) {
      merged.set(key, { ...point, weightedQuantiles: point.weightedQuantiles ? { ...point.weightedQuantiles } : undefined });
      continue;
    }
    known.sum += point.sum;
    known.count += point.count;
    if (point.weightedQuantiles) {
      known.weightedQuantiles ??= {};
      for (const name of quantileNames) {
        const value = point.weightedQuantiles[name];
        if (value !== undefined) known.weightedQuantiles[name] = (known.weightedQuantiles[name] ?? 0) + value;
      }
    }
  }
  return [...merged.values()];
}

/**
 * The totals rules and the dashboard read, kept beside the per-series buckets so a read costs the same whatever
 * the number of fingerprints, versions and routes in the product: one per product, per app version, per route,
 * and per app version and route (the filters a rule can have besides a fingerprint).
 */
export const totalNames = ['product', 'appVersion', 'route', 'appVersion+route'] as const;
export type TotalName = (typeof totalNames)[number];
type TotalDimension = 'appVersion' | 'route';

const dimensionsOfTotal: Record<TotalName, TotalDimension[]> = {
  product: [],
  appVersion: ['appVersion'],
  route: ['route'],
  'appVersion+route': ['appVersion', 'route'],
};

/** The total a filter reads (its app version and route; a fingerprint is not a total). */
export function totalOfFilter(filter: Dimensions): TotalName {
  if (filter.appVersion !== undefined) return filter.route !== undefined ? 'appVersion+route' : 'appVersion';
  return filter.route !== undefined ? 'route' : 'product';
}

/**
 * The total a per-series bucket is already, or undefined: a bucket without a fingerprint, keyed by nothing but
 * app version and route, holds exactly what that total would (a route series of one version, say), so no
 * separate total is written for the points it holds and a read of that total reads it too.
 */
export function totalHeldBy(dimensions: Dimensions): TotalName | undefined {
  return dimensions.fingerprint === undefined ? totalOfFilter(dimensions) : undefined;
}

/**
 * What a batch adds to the totals, merged per (series, total, minute): each point counts toward every total
 * whose dimensions it carries (a point without a route is in no route's total), except the one its own bucket
 * already is. The points' dimensions are those the total keeps.
 */
export function totalPoints(points: SignalPoint[]): SignalPoint[] {
  const projected: SignalPoint[] = [];
  for (const point of points) {
    const held = totalHeldBy(point.dimensions);
    for (const name of totalNames) {
      if (name === held) continue;
      const kept = dimensionsOfTotal[name];
      if (!kept.every((dimension) => point.dimensions[dimension] !== undefined)) continue;
      const dimensions: Dimensions = {};
      for (const dimension of kept) dimensions[dimension] = point.dimensions[dimension];
      projected.push({ ...point, dimensions });
    }
  }
  return mergePoints(projected);
}

/** A bucket read back: what one (series, dimensions, period) holds. */
export interface Bucket {
  series: StoredSeries;
  dimensions: Dimensions;
  /** Period start, epoch ms. */
  start: number;
  sum: number;
  count: number;
  weightedQuantiles?: Partial<Record<QuantileName, number>>;
}

/** Which stored series a metric is computed from. */
export function seriesOfMetric(metric: MetricName): StoredSeries[] {
  switch (metric) {
    case 'error_rate':
      return ['errors', 'requests'];
    case 'http_5xx_rate':
      return ['http_5xx', 'requests'];
    case 'latency_p50':
    case 'latency_p95':
    case 'latency_p99':
    case 'latency_mean':
      return ['latency'];
    default:
      return [metric];
  }
}

/** Totals of one period, over every bucket that matched the filter. */
export interface PeriodTotals {
  errors: number;
  crashes: number;
  requests: number;
  http_5xx: number;
  latencyCount: number;
  latencySum: number;
  weightedQuantiles: Record<QuantileName, number>;
}

export function emptyTotals(): PeriodTotals {
  return { errors: 0, crashes: 0, requests: 0, http_5xx: 0, latencyCount: 0, latencySum: 0, weightedQuantiles: { p50: 0, p95: 0, p99: 0 } };
}

export function addBucket(totals: PeriodTotals, bucket: Bucket): void {
  if (bucket.series === 'latency') {
    totals.latencyCount += bucket.count;
    totals.latencySum += bucket.sum;
    for (const name of quantileNames) totals.weightedQuantiles[name] += bucket.weightedQuantiles?.[name] ?? 0;
  } else {
    totals[bucket.series] += bucket.sum;
  }
}

/**
 * The metric's value over a period, or undefined when it has no denominator (no requests, no latency):
 * such a period is missing data, not zero. Rates are fractions (0.05 = 5 %).
 */
export function metricValue(metric: MetricName, totals: PeriodTotals): number | undefined {
  switch (metric) {
    case 'error_rate':
      return totals.requests > 0 ? totals.errors / totals.requests : undefined;
    case 'http_5xx_rate':
      return totals.requests > 0 ? totals.http_5xx / totals.requests : undefined;
    case 'latency_p50':
    case 'latency_p95':
    case 'latency_p99':
      return totals.latencyCount > 0 ? totals.weightedQuantiles[metric.slice('latency_'.length) as QuantileName] / totals.latencyCount : undefined;
    case 'latency_mean':
      return totals.latencyCount > 0 ? totals.latencySum / totals.latencyCount : undefined;
    default:
      return totals[metric];
  }
}

/** Whether a bucket's dimensions satisfy a filter; a rate's denominator (requests) ignores the fingerprint. */
export function matchesFilter(bucket: Bucket, filter: Dimensions): boolean {
  if (filter.appVersion !== undefined && bucket.dimensions.appVersion !== filter.appVersion) return false;
  if (filter.route !== undefined && bucket.dimensions.route !== filter.route) return false;
  if (filter.fingerprint !== undefined && (bucket.series === 'errors' || bucket.series === 'crashes') && bucket.dimensions.fingerprint !== filter.fingerprint)
    return false;
  return true;
}

/** Totals per period start over [from, to), periods of `stepInMs` aligned to the epoch. */
export function totalsByPeriod(buckets: Bucket[], filter: Dimensions, from: number, to: number, stepInMs: number): Map<number, PeriodTotals> {
  const periods = new Map<number, PeriodTotals>();
  for (let start = from; start < to; start += stepInMs) periods.set(start, emptyTotals());
  for (const bucket of buckets) {
    if (bucket.start < from || bucket.start >= to || !matchesFilter(bucket, filter)) continue;
    const start = from + Math.floor((bucket.start - from) / stepInMs) * stepInMs;
    const totals = periods.get(start);
    if (totals) addBucket(totals, bucket);
  }
  return periods;
}

/** The largest contributors to a series over a window (top fingerprints, app versions), biggest first. */
export function topDimensions(
  buckets: Bucket[],
  series: StoredSeries[],
  dimension: 'fingerprint' | 'appVersion' | 'route',
  limit: number,
): Array<{ value: string; count: number }> {
  const counts = new Map<string, number>();
  for (const bucket of buckets) {
    if (!series.includes(bucket.series)) continue;
    const value = bucket.dimensions[dimension];
    if (value === undefined) continue;
    counts.set(value, (counts.get(value) ?? 0) + (bucket.series === 'latency' ? bucket.count : bucket.sum));
  }
  return [...counts]
    .map(([value, count]) => ({ value, count }))
    .sort((left, right) => right.count - left.count || left.value.localeCompare(right.value))
    .slice(0, limit);
}
