// Signals: the device and OTLP intakes (accept fast: rate limit, map, one merge per bucket) and the series
// read for the dashboard, with the detector's expected band alongside when asked.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { AppError } from '../errors';
import { requireReader, type Principal } from '../domain/access/principal';
import { scoreSeries, thresholdOf } from '../domain/signals/detector';
import { mapSignalBatch, type SignalBatch } from '../domain/signals/intake';
import { mapMetricsRequest, MAX_OTLP_DATA_POINTS, type OtlpMetricsRequest } from '../domain/signals/otlp-metrics';
import {
  appVersionSchema,
  dimensionsSchema,
  fingerprintSchema,
  HOUR_IN_MS,
  mergePoints,
  metricNameSchema,
  metricValue,
  MINUTE_IN_MS,
  routeTemplateSchema,
  totalsByPeriod,
  type MetricName,
} from '../domain/signals/series';
import type { Clock } from '../ports/clock';
import type { IdempotencyStore } from '../ports/idempotency-store';
import type { RateLimiter } from '../ports/rate-limiter';
import type { SignalStore } from '../ports/signal-store';
import type { Telemetry } from '../ports/telemetry';
import { readMetricBuckets } from './signal-reads';
import type { CrashReport } from './trigger-service';

export interface SignalServiceDependencies {
  store: SignalStore;
  clock: Clock;
  telemetry: Telemetry;
  rateLimiter: RateLimiter;
  limits: { batchesPerMinutePerDevice: number };
  /** First answers to batches that carried an Idempotency-Key: a retried batch is counted once. */
  idempotency: IdempotencyStore;
  /** Called for batches that carry errors or crashes: who reports what, and crash-triggered sessions. */
  onReports?: (productId: string, deviceId: string, reports: CrashReport) => Promise<void>;
}

export interface SignalIntakeResult {
  accepted: number;
  rejected: Array<{ field: string; message: string }>;
}

const IDEMPOTENCY_WINDOW_IN_MS = 86_400_000;
const idempotencyKeyPattern = /^[\w.:-]{1,128}$/;

export async function ingestSignals(
  deps: SignalServiceDependencies,
  productId: string,
  batch: SignalBatch,
  call: { correlationId: string; idempotencyKey?: string | null },
): Promise<SignalIntakeResult> {
  if (call.idempotencyKey != null && !idempotencyKeyPattern.test(call.idempotencyKey)) {
    throw new AppError('invalid_input', 'Idempotency-Key must be 1-128 letters, digits or . : - _', {
      issues: [{ field: 'Idempotency-Key', message: 'invalid' }],
    });
  }
  const decision = deps.rateLimiter.take(`signals:${productId}:${batch.deviceId}`, { limit: deps.limits.batchesPerMinutePerDevice, windowInMs: MINUTE_IN_MS });
  if (!decision.allowed) {
    deps.telemetry.metric('signals.batch_total', 1, { outcome: 'rate_limited' });
    throw new AppError('rate_limited', `At most ${deps.limits.batchesPerMinutePerDevice} signal batches per minute per device`, {
      retryAfterSeconds: decision.retryAfterSeconds,
    });
  }
  const now = deps.clock.now();
  // Counters are increments: a batch resent after a lost answer must not count twice.
  const idempotencyKey = call.idempotencyKey
    ? createHash('sha256').update(['signals', productId, batch.deviceId, call.idempotencyKey].join('\n')).digest('hex')
    : undefined;
  if (idempotencyKey) {
    const remembered = await deps.idempotency.get(idempotencyKey);
    if (remembered && now.getTime() - Date.parse(remembered.createdAt) < IDEMPOTENCY_WINDOW_IN_MS) {
      deps.telemetry.metric('signals.batch_total', 1, { outcome: 'duplicate' });
      return remembered.body as SignalIntakeResult;
    }
  }
  const mapped = mapSignalBatch(batch, now);
  if (mapped.points.length === 0 && mapped.issues.length > 0) {
    deps.telemetry.metric('signals.batch_total', 1, { outcome: 'invalid' });
    throw new AppError('invalid_input', `No entry is inside the accepted time window: ${mapped.issues[0]!.field}: ${mapped.issues[0]!.message}`, {
      issues: mapped.issues.slice(0, 20),
    });
  }
  const points = mergePoints(mapped.points);
  await deps.store.add(productId, points);
  deps.telemetry.metric('signals.batch_total', 1, { outcome: mapped.issues.length ? 'partial' : 'accepted' });
  deps.telemetry.metric('signals.points_total', points.length, { intake: 'sdk' });
  const result: SignalIntakeResult = { accepted: mapped.points.length, rejected: mapped.issues.slice(0, 20) };
  if (idempotencyKey) await deps.idempotency.remember({ key: idempotencyKey, status: 202, body: result, createdAt: now.toISOString() });
  if (deps.onReports && (mapped.errors.length > 0 || mapped.crashes.length > 0)) {
    try {
      await deps.onReports(productId, batch.deviceId, { errors: mapped.errors, crashes: mapped.crashes, correlationId: call.correlationId });
    } catch {
      // The counts are stored: failing the request now would make the device resend them. A crash session this
      // report would have opened is lost (counted); the device's next crash tries again.
      deps.telemetry.metric('signals.trigger_total', 1, { on: 'crash', outcome: 'failed' });
    }
  }
  return result;
}

export interface OtlpMetricsResponse {
  partialSuccess?: { rejectedDataPoints?: number; errorMessage?: string };
}

/** OTLP/HTTP metrics: the decoded request (JSON today, protobuf later) onto the same buckets. */
export async function exportMetrics(deps: SignalServiceDependencies, productId: string, request: OtlpMetricsRequest): Promise<OtlpMetricsResponse> {
  const mapped = mapMetricsRequest(request, deps.clock.now());
  if (mapped.dataPoints > MAX_OTLP_DATA_POINTS) {
    throw new AppError('payload_too_large', `At most ${MAX_OTLP_DATA_POINTS} data points per export request`);
  }
  const points = mergePoints(mapped.points);
  if (points.length > 0) await deps.store.add(productId, points);
  deps.telemetry.metric('signals.points_total', points.length, { intake: 'otlp' });
  const rejected = [...mapped.rejected.values()].reduce((sum, count) => sum + count, 0);
  const messages = [...mapped.rejected].slice(0, 5).map(([reason, count]) => `${count} rejected: ${reason}`);
  if (mapped.ignored > 0) messages.push(`${mapped.ignored} data points of metrics this service does not read were ignored`);
  deps.telemetry.metric('signals.otlp_requests_total', 1, { outcome: rejected > 0 ? 'partial' : 'success' });
  if (messages.length === 0) return {};
  return { partialSuccess: { rejectedDataPoints: rejected, errorMessage: messages.join('; ') } };
}

const MAX_POINTS = 1500;
const MAX_BUCKETS = 200_000;

const stepSchema = z
  .string()
  .regex(/^[1-9]\d{0,3}[mh]$/, 'a step such as 1m, 5m, 1h')
  .default('1m')
  .transform((step) => Number(step.slice(0, -1)) * (step.endsWith('h') ? HOUR_IN_MS : MINUTE_IN_MS));

export const seriesQuerySchema = z
  .object({
    name: metricNameSchema,
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
    step: stepSchema,
    appVersion: appVersionSchema.optional(),
    fingerprint: fingerprintSchema.optional(),
    route: routeTemplateSchema.optional(),
    /** Adds the detector's expected band to each point. */
    band: z
      .enum(['true', 'false'])
      .default('false')
      .transform((value) => value === 'true'),
    sensitivity: z.union([z.enum(['low', 'medium', 'high']), z.coerce.number().min(1.5).max(20)]).default('medium'),
  })
  .strict();
export type SeriesQuery = z.infer<typeof seriesQuerySchema>;

export interface SeriesPointAnswer {
  time: string;
  value: number | null;
  /** Requests (rates), measured requests (latency) or the count itself (counters). */
  samples: number;
  expected?: number;
  lower?: number;
  upper?: number;
  anomalous?: boolean;
}

function unitOf(metric: MetricName): 'count' | 'ratio' | 'ms' {
  if (metric.endsWith('_rate')) return 'ratio';
  if (metric.startsWith('latency_')) return 'ms';
  return 'count';
}

/** One metric of one product over a range, at `step`: minute buckets, or hourly rollups for hour steps and old ranges. */
export async function readSeries(deps: Pick<SignalServiceDependencies, 'store' | 'clock'>, principal: Principal, productId: string, query: SeriesQuery) {
  requireReader(principal, productId);
  const now = deps.clock.now().getTime();
  const step = query.step;
  const to = query.to ? Date.parse(query.to) : Math.ceil(now / step) * step;
  const from = query.from ? Date.parse(query.from) : to - 60 * step;
  if (from >= to) throw new AppError('invalid_input', 'from must be before to', { issues: [{ field: 'from', message: 'not before to' }] });
  const alignedFrom = Math.floor(from / step) * step;
  if ((to - alignedFrom) / step > MAX_POINTS) {
    throw new AppError('invalid_input', `At most ${MAX_POINTS} points per read; widen the step or narrow the range`, {
      issues: [{ field: 'step', message: 'too many points' }],
    });
  }
  // Minute buckets live 8 days: older ranges, and steps of whole hours, read the hourly rollups.
  const hourly = step % HOUR_IN_MS === 0 || alignedFrom < now - 7 * 24 * HOUR_IN_MS;
  if (hourly && step % HOUR_IN_MS !== 0) {
    throw new AppError('invalid_input', 'Ranges older than 7 days are kept per hour: use a step of whole hours', {
      issues: [{ field: 'step', message: 'use 1h or more' }],
    });
  }
  const filter = dimensionsSchema.parse({ appVersion: query.appVersion, fingerprint: query.fingerprint, route: query.route });
  // The filter's totals: one bucket per step's minute or hour, however many series the product has.
  const buckets = await readMetricBuckets(deps.store, productId, {
    metric: query.name,
    filter,
    resolution: hourly ? 'hour' : 'minute',
    from: alignedFrom,
    to,
    maxBuckets: MAX_BUCKETS,
  });
  const periods = [...totalsByPeriod(buckets, filter, alignedFrom, to, step)];
  const points: SeriesPointAnswer[] = periods.map(([start, totals]) => {
    const value = metricValue(query.name, totals);
    const samples = query.name.endsWith('_rate') ? totals.requests : query.name.startsWith('latency_') ? totals.latencyCount : (value ?? 0);
    return { time: new Date(start).toISOString(), value: value ?? null, samples };
  });
  if (query.band) {
    const scored = scoreSeries(
      periods.map(([start], index) => ({ time: start, value: points[index]!.value ?? undefined })),
      {
        threshold: thresholdOf(query.sensitivity),
        direction: 'both',
        window: 30,
        minHistory: 10,
        seasonality: 'none',
        countData: unitOf(query.name) === 'count',
      },
    );
    scored.forEach((entry, index) => {
      if (entry.expected === undefined) return;
      Object.assign(points[index]!, { expected: entry.expected, lower: entry.lower, upper: entry.upper, anomalous: entry.anomalous });
    });
  }
  return {
    productId,
    name: query.name,
    unit: unitOf(query.name),
    step: `${step % HOUR_IN_MS === 0 ? `${step / HOUR_IN_MS}h` : `${step / MINUTE_IN_MS}m`}`,
    resolution: hourly ? 'hour' : 'minute',
    from: new Date(alignedFrom).toISOString(),
    to: new Date(to).toISOString(),
    filter,
    points,
  };
}
