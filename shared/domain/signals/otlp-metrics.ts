// OTLP/HTTP metrics (ExportMetricsServiceRequest) mapped onto signal points. The mapping takes the decoded
// request object, so the JSON route feeds it today and a protobuf decoder can feed it the same shape later
// (protobufjs `toObject` with `longs: String`: lowerCamelCase fields, int64 as strings, enums as numbers).
import { z } from 'zod';
import { attributesToRecord } from '../telemetry/otlp';
import { withoutUndefined } from './intake';
import { appVersionSchema, fingerprintSchema, floorToMinute, routeTemplateSchema, type Dimensions, type SignalPoint, type StoredSeries } from './series';
import { MAX_SIGNAL_AGE_IN_MS, MAX_SIGNAL_AHEAD_IN_MS } from './intake';

/** Data points per request; a collector batches far fewer for the handful of metrics we read. */
export const MAX_OTLP_DATA_POINTS = 10_000;

const int64Schema = z.union([z.string().regex(/^\d{1,20}$/, 'an unsigned integer'), z.number().nonnegative()]);
const signedNumberSchema = z.union([z.number(), z.string().regex(/^-?\d{1,20}$/, 'an integer')]);
const attributeListSchema = z
  .array(z.object({ key: z.string().max(256), value: z.unknown().optional() }))
  .max(128)
  .optional();

const numberDataPointSchema = z.object({
  attributes: attributeListSchema,
  startTimeUnixNano: int64Schema.optional(),
  timeUnixNano: int64Schema.optional(),
  asDouble: z.union([z.number(), z.string()]).optional(),
  asInt: signedNumberSchema.optional(),
});
const histogramDataPointSchema = z.object({
  attributes: attributeListSchema,
  startTimeUnixNano: int64Schema.optional(),
  timeUnixNano: int64Schema.optional(),
  count: int64Schema.optional(),
  sum: z.union([z.number(), z.string()]).optional(),
  bucketCounts: z.array(int64Schema).max(512).optional(),
  explicitBounds: z.array(z.number()).max(511).optional(),
});
const temporalitySchema = z.union([z.number().int(), z.string()]).optional();

const metricSchema = z.object({
  name: z.string().max(256),
  unit: z.string().max(64).optional(),
  description: z.string().max(2048).optional(),
  sum: z
    .object({ dataPoints: z.array(numberDataPointSchema).optional(), aggregationTemporality: temporalitySchema, isMonotonic: z.boolean().optional() })
    .optional(),
  gauge: z.object({ dataPoints: z.array(numberDataPointSchema).optional() }).optional(),
  histogram: z.object({ dataPoints: z.array(histogramDataPointSchema).optional(), aggregationTemporality: temporalitySchema }).optional(),
});

export const otlpMetricsRequestSchema = z.object({
  resourceMetrics: z
    .array(
      z.object({
        resource: z.object({ attributes: attributeListSchema }).optional(),
        scopeMetrics: z.array(z.object({ scope: z.unknown().optional(), metrics: z.array(metricSchema).optional() })).optional(),
      }),
    )
    .optional(),
});
export type OtlpMetricsRequest = z.infer<typeof otlpMetricsRequestSchema>;

/** Counter metrics by name: OpenTelemetry conventions where they exist, our own `diagnostics.*` names otherwise. */
const counterNames: Record<string, StoredSeries> = {
  'diagnostics.errors': 'errors',
  'app.errors': 'errors',
  exceptions: 'errors',
  'diagnostics.crashes': 'crashes',
  'app.crashes': 'crashes',
  'diagnostics.requests': 'requests',
  'http.server.request.count': 'requests',
  'diagnostics.http_5xx': 'http_5xx',
};
/** Server request duration histograms (current and pre-1.20 semantic conventions). */
const durationNames = new Set(['http.server.request.duration', 'http.server.duration']);

export interface MappedMetrics {
  points: SignalPoint[];
  /** Data points refused, and why (counted per reason for the partialSuccess message). */
  rejected: Map<string, number>;
  /** Data points of metrics we do not read: accepted and dropped. */
  ignored: number;
  dataPoints: number;
}

function isDelta(temporality: number | string | undefined): boolean {
  return temporality === 1 || temporality === 'AGGREGATION_TEMPORALITY_DELTA';
}

function numberOf(value: number | string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(number) ? number : undefined;
}

function minuteOf(nanos: string | number | undefined, now: Date): number | { problem: string } {
  const milliseconds = nanos === undefined ? now.getTime() : typeof nanos === 'number' ? nanos / 1e6 : Number(BigInt(nanos) / 1_000_000n);
  if (milliseconds <= 0) return floorToMinute(now.getTime());
  const minute = floorToMinute(milliseconds);
  if (minute < now.getTime() - MAX_SIGNAL_AGE_IN_MS) return { problem: 'older than 24 hours' };
  if (minute > now.getTime() + MAX_SIGNAL_AHEAD_IN_MS) return { problem: 'in the future' };
  return minute;
}

/** A dimension value when it passes its schema; anything else (a raw URL as route, free text) is left out. */
function checked(schema: z.ZodType<string>, value: unknown): string | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const result = schema.safeParse(String(value));
  return result.success ? result.data : undefined;
}

/**
 * Quantile `q` of a histogram data point by linear interpolation inside the bucket that holds it (the
 * Prometheus `histogram_quantile` method); the open last bucket answers its lower bound.
 */
export function histogramQuantile(q: number, bounds: number[], counts: number[]): number | undefined {
  const total = counts.reduce((sum, count) => sum + count, 0);
  if (total <= 0) return undefined;
  const rank = q * total;
  let seen = 0;
  for (let index = 0; index < counts.length; index++) {
    const count = counts[index]!;
    if (seen + count >= rank && count > 0) {
      const lower = index === 0 ? 0 : bounds[index - 1]!;
      const upper = bounds[index];
      if (upper === undefined) return lower;
      return lower + (upper - lower) * ((rank - seen) / count);
    }
    seen += count;
  }
  return bounds[bounds.length - 1];
}

/** Maps every data point it understands; refuses cumulative sums and histograms (delta only), ignores other metrics. */
export function mapMetricsRequest(request: OtlpMetricsRequest, now: Date): MappedMetrics {
  const result: MappedMetrics = { points: [], rejected: new Map(), ignored: 0, dataPoints: 0 };
  const reject = (reason: string, count = 1) => result.rejected.set(reason, (result.rejected.get(reason) ?? 0) + count);
  for (const resourceMetrics of request.resourceMetrics ?? []) {
    const resource = attributesToRecord(resourceMetrics.resource?.attributes as never);
    const appVersion = checked(appVersionSchema, resource['service.version']);
    for (const scopeMetrics of resourceMetrics.scopeMetrics ?? []) {
      for (const metric of scopeMetrics.metrics ?? []) {
        const counter = counterNames[metric.name];
        const numberPoints = metric.sum?.dataPoints ?? metric.gauge?.dataPoints ?? [];
        const histogramPoints = metric.histogram?.dataPoints ?? [];
        result.dataPoints += numberPoints.length + histogramPoints.length;
        if (counter && numberPoints.length > 0) {
          if (metric.sum && !isDelta(metric.sum.aggregationTemporality)) {
            reject('cumulative temporality: configure the exporter for delta temporality', numberPoints.length);
            continue;
          }
          for (const point of numberPoints) {
            const value = numberOf(point.asInt ?? point.asDouble);
            const minute = minuteOf(point.timeUnixNano, now);
            if (value === undefined || value < 0) {
              reject('a counter value must be a non-negative number');
              continue;
            }
            if (typeof minute !== 'number') {
              reject(minute.problem);
              continue;
            }
            if (value === 0) continue;
            const attributes = attributesToRecord(point.attributes as never);
            const byFingerprint = counter === 'errors' || counter === 'crashes';
            const dimensions: Dimensions = byFingerprint
              ? {
                  appVersion,
                  fingerprint: checked(fingerprintSchema, attributes['error.fingerprint'] ?? attributes['exception.type'] ?? attributes['error.type']),
                }
              : { appVersion, route: checked(routeTemplateSchema, attributes['http.route']) };
            result.points.push({ series: counter, dimensions: withoutUndefined(dimensions), minute, sum: Math.round(value), count: 1 });
          }
          continue;
        }
        if (durationNames.has(metric.name) && histogramPoints.length > 0) {
          if (!isDelta(metric.histogram?.aggregationTemporality)) {
            reject('cumulative temporality: configure the exporter for delta temporality', histogramPoints.length);
            continue;
          }
          // Seconds in the current conventions, milliseconds in the old ones; we store milliseconds.
          const scale = metric.unit === 's' || (metric.unit === undefined && metric.name === 'http.server.request.duration') ? 1000 : 1;
          for (const point of histogramPoints) {
            const minute = minuteOf(point.timeUnixNano, now);
            if (typeof minute !== 'number') {
              reject(minute.problem);
              continue;
            }
            const counts = (point.bucketCounts ?? []).map((count) => Number(count));
            const total = point.count !== undefined ? Number(point.count) : counts.reduce((sum, count) => sum + count, 0);
            if (!Number.isFinite(total) || total <= 0) continue;
            const attributes = attributesToRecord(point.attributes as never);
            const route = checked(routeTemplateSchema, attributes['http.route']);
            const dimensions = withoutUndefined({ appVersion, route });
            const status = Number(attributes['http.response.status_code'] ?? attributes['http.status_code']);
            result.points.push({ series: 'requests', dimensions, minute, sum: total, count: 1 });
            if (status >= 500 && status <= 599) result.points.push({ series: 'http_5xx', dimensions, minute, sum: total, count: 1 });
            const bounds = point.explicitBounds ?? [];
            const quantile = (q: number) => (histogramQuantile(q, bounds, counts) ?? 0) * scale;
            const p50 = quantile(0.5);
            const sum = numberOf(point.sum);
            result.points.push({
              series: 'latency',
              dimensions,
              minute,
              sum: sum !== undefined ? sum * scale : p50 * total,
              count: total,
              weightedQuantiles: { p50: p50 * total, p95: quantile(0.95) * total, p99: quantile(0.99) * total },
            });
          }
          continue;
        }
        result.ignored += numberPoints.length + histogramPoints.length;
      }
    }
  }
  return result;
}
