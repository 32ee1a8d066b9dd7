// What a device sends without a session: a small batch of per-minute counters. No message text and no URL
// beyond a route template; every object is strict, so nothing else can ride along. Mapped to signal points.
import { z } from 'zod';
import { targetIdentifierSchema } from '../sessions/session';
import type { FieldIssue } from '../../errors';
import { appVersionSchema, fingerprintSchema, floorToMinute, MINUTE_IN_MS, routeTemplateSchema, type SignalPoint } from './series';

export const MAX_COUNTERS_PER_BATCH = 200;
export const MAX_LATENCIES_PER_BATCH = 50;
/** Devices buffer while offline; older minutes would land after their rules were evaluated and rolled up. */
export const MAX_SIGNAL_AGE_IN_MS = 24 * 3_600_000;
export const MAX_SIGNAL_AHEAD_IN_MS = 5 * MINUTE_IN_MS;
const MAX_COUNT = 1_000_000;

const identifier = targetIdentifierSchema;
const minuteSchema = z.iso.datetime({ offset: true });
const count = z.number().int().min(0).max(MAX_COUNT);
const milliseconds = z.number().nonnegative().max(3_600_000);

export const counterSchema = z
  .object({
    minute: minuteSchema,
    series: z.enum(['errors', 'crashes', 'requests', 'http_5xx']),
    count,
    fingerprint: fingerprintSchema.optional(),
    route: routeTemplateSchema.optional(),
    /** Overrides the batch's app version (a device that updated within the batch). */
    appVersion: appVersionSchema.optional(),
  })
  .strict();

export const latencySchema = z
  .object({
    minute: minuteSchema,
    route: routeTemplateSchema.optional(),
    /** Requests measured. */
    count: count.min(1),
    p50: milliseconds,
    p95: milliseconds,
    p99: milliseconds,
    /** Sum of the durations, for the mean; estimated from p50 when absent. */
    sumMs: z
      .number()
      .nonnegative()
      .max(MAX_COUNT * 3_600_000)
      .optional(),
    appVersion: appVersionSchema.optional(),
  })
  .strict()
  .refine((entry) => entry.p50 <= entry.p95 && entry.p95 <= entry.p99, { message: 'quantiles must satisfy p50 <= p95 <= p99', path: ['p95'] });

/** `POST /api/diagnostics/signals`. */
export const signalBatchSchema = z
  .object({
    /** The reporting device: the rate limit, crash-triggered sessions and trigger targeting key on it. */
    deviceId: identifier,
    appVersion: appVersionSchema.optional(),
    platform: z
      .string()
      .max(32)
      .regex(/^[\w.\- ]*$/)
      .optional(),
    counters: z.array(counterSchema).max(MAX_COUNTERS_PER_BATCH).default([]),
    latency: z.array(latencySchema).max(MAX_LATENCIES_PER_BATCH).default([]),
  })
  .strict()
  .refine((batch) => batch.counters.length + batch.latency.length > 0, { message: 'send at least one counter or latency entry', path: ['counters'] });
export type SignalBatch = z.infer<typeof signalBatchSchema>;

export interface MappedSignals {
  points: SignalPoint[];
  /** Entries outside the accepted time window, named by field. */
  issues: FieldIssue[];
  /** Crashes reported in this batch, by fingerprint: what crash-triggered rules look at. */
  crashes: Array<{ fingerprint?: string; appVersion?: string; minute: number; count: number }>;
  /** Errors reported in this batch, by fingerprint and version: who reports what, for trigger targeting. */
  errors: Array<{ fingerprint?: string; appVersion?: string; count: number }>;
}

function timeIssue(minute: number, now: Date): string | undefined {
  if (minute < now.getTime() - MAX_SIGNAL_AGE_IN_MS) return 'older than 24 hours';
  if (minute > now.getTime() + MAX_SIGNAL_AHEAD_IN_MS) return 'in the future';
  return undefined;
}

/** The batch as points; entries outside the time window are left out and named, the rest are kept. */
export function mapSignalBatch(batch: SignalBatch, now: Date): MappedSignals {
  const result: MappedSignals = { points: [], issues: [], crashes: [], errors: [] };
  batch.counters.forEach((counter, index) => {
    const minute = floorToMinute(Date.parse(counter.minute));
    const problem = timeIssue(minute, now);
    if (problem) return void result.issues.push({ field: `counters.${index}.minute`, message: problem });
    if (counter.count === 0) return;
    const appVersion = counter.appVersion ?? batch.appVersion;
    // Errors and crashes group by fingerprint; requests and 5xx by route. A field of the other kind is dropped.
    const byFingerprint = counter.series === 'errors' || counter.series === 'crashes';
    const dimensions = byFingerprint ? { appVersion, fingerprint: counter.fingerprint } : { appVersion, route: counter.route };
    result.points.push({ series: counter.series, dimensions: withoutUndefined(dimensions), minute, sum: counter.count, count: 1 });
    if (counter.series === 'crashes') result.crashes.push({ fingerprint: counter.fingerprint, appVersion, minute, count: counter.count });
    if (byFingerprint) result.errors.push({ fingerprint: counter.fingerprint, appVersion, count: counter.count });
  });
  batch.latency.forEach((entry, index) => {
    const minute = floorToMinute(Date.parse(entry.minute));
    const problem = timeIssue(minute, now);
    if (problem) return void result.issues.push({ field: `latency.${index}.minute`, message: problem });
    result.points.push({
      series: 'latency',
      dimensions: withoutUndefined({ appVersion: entry.appVersion ?? batch.appVersion, route: entry.route }),
      minute,
      sum: entry.sumMs ?? entry.p50 * entry.count,
      count: entry.count,
      weightedQuantiles: { p50: entry.p50 * entry.count, p95: entry.p95 * entry.count, p99: entry.p99 * entry.count },
    });
  });
  return result;
}

export function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as T;
}
