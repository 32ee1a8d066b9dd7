// Signals without a session: the SDK counts errors and crashes by fingerprint, requests, 5xx answers and
// latency by route template, per minute, and sends small batches to POST /api/diagnostics/signals. Never a
// message or a URL: a route is a template (ids replaced), an error is a fingerprint of its type and top frame.
import type { FetchFunction, SdkClock } from './runtime.js';
import type { SignalBatch, SignalCounter, SignalLatency } from './wire.js';

const MINUTE_IN_MS = 60_000;
const MAX_KEYS_PER_MINUTE = 100;
const MAX_DURATIONS_PER_ROUTE = 2_000;
/** Routes with latency per minute: a batch carries at most 50 latency entries. */
const MAX_LATENCY_ROUTES_PER_MINUTE = 50;
/** The server refuses a duration over an hour (and with it the whole batch): longer ones count as an hour. */
const MAX_DURATION_IN_MS = 3_600_000;
/**
 * Minutes held unsent. Without an interval only a crash sends them, so without this bound an app that never crashes
 * would count into new minutes for its whole life; the oldest go first.
 */
const MAX_MINUTES_KEPT = 60;

/** FNV-1a, 32 bits: a short, stable fingerprint without a crypto dependency. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

/** The error's type and its first stack frame without line and column numbers: the same bug, the same fingerprint. */
export function errorFingerprint(type: string, stack: string | undefined): string {
  const frame =
    (stack ?? '')
      .split('\n')
      .map((line) => line.trim())
      .find((line) => line.startsWith('at ') || line.includes('@')) ?? '';
  const place = frame.replace(/:\d+(:\d+)?\)?$/, '').replace(/\?.*$/, '');
  return `fp-${fnv1a(`${type}|${place}`)}`;
}

const identifierSegment = /^(\d{2,}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{16,}|[^/]*@[^/]*)$/i;

/** A URL's path with identifiers replaced by `{id}`; the host, query and fragment dropped. */
export function routeTemplate(url: string): string {
  let path: string;
  try {
    path = new URL(url, 'http://relative.invalid').pathname;
  } catch {
    return '/unknown';
  }
  const template = path
    .split('/')
    .map((segment) => (identifierSegment.test(decodedOrRaw(segment)) ? '{id}' : segment.replace(/[^\w\-.~:]/g, '')))
    .join('/');
  return (template.startsWith('/') ? template : `/${template}`).slice(0, 128);
}

/** A path segment with its escapes decoded; a broken escape (`%ZZ`) leaves it as it came, as the Kotlin SDK does. */
function decodedOrRaw(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

interface MinuteBucket {
  counters: Map<string, SignalCounter>;
  durations: Map<string, number[]>;
}

export class SignalAggregator {
  private readonly minutes = new Map<number, MinuteBucket>();

  constructor(private readonly clock: SdkClock) {}

  private bucket(time: number): MinuteBucket {
    const minute = Math.floor(time / MINUTE_IN_MS) * MINUTE_IN_MS;
    let bucket = this.minutes.get(minute);
    if (!bucket) {
      if (this.minutes.size >= MAX_MINUTES_KEPT) this.minutes.delete(Math.min(...this.minutes.keys()));
      this.minutes.set(minute, (bucket = { counters: new Map(), durations: new Map() }));
    }
    return bucket;
  }

  count(series: SignalCounter['series'], fields: { fingerprint?: string; route?: string }, time = this.clock.now()): void {
    const bucket = this.bucket(time);
    const key = `${series}|${fields.fingerprint ?? ''}|${fields.route ?? ''}`;
    const known = bucket.counters.get(key);
    if (known) known.count += 1;
    else if (bucket.counters.size < MAX_KEYS_PER_MINUTE)
      bucket.counters.set(key, { minute: new Date(Math.floor(time / MINUTE_IN_MS) * MINUTE_IN_MS).toISOString(), series, count: 1, ...fields });
  }

  request(url: string, status: number | undefined, durationMs: number, time = this.clock.now()): void {
    const route = routeTemplate(url);
    this.count('requests', { route }, time);
    if (status !== undefined && status >= 500) this.count('http_5xx', { route }, time);
    const durations = this.bucket(time).durations;
    let list = durations.get(route);
    if (!list) {
      if (durations.size >= MAX_LATENCY_ROUTES_PER_MINUTE) return;
      durations.set(route, (list = []));
    }
    if (list.length < MAX_DURATIONS_PER_ROUTE) list.push(Math.min(Math.max(0, durationMs), MAX_DURATION_IN_MS));
  }

  /** Drops every minute counted. */
  clear(): void {
    this.minutes.clear();
  }

  /** Finished minutes (all with `everything`, e.g. at a crash or exit) as one batch, or undefined when none. */
  take(deviceId: string, appVersion: string | undefined, everything = false): SignalBatch | undefined {
    const current = Math.floor(this.clock.now() / MINUTE_IN_MS) * MINUTE_IN_MS;
    const counters: SignalCounter[] = [];
    const latency: SignalLatency[] = [];
    for (const [minute, bucket] of [...this.minutes].sort((left, right) => left[0] - right[0])) {
      if (minute >= current && !everything) continue;
      if (counters.length + bucket.counters.size > 200 || latency.length + bucket.durations.size > 50) break;
      this.minutes.delete(minute);
      counters.push(...bucket.counters.values());
      for (const [route, durations] of bucket.durations) {
        const sorted = [...durations].sort((left, right) => left - right);
        latency.push({
          minute: new Date(minute).toISOString(),
          route,
          count: sorted.length,
          p50: quantile(sorted, 0.5),
          p95: quantile(sorted, 0.95),
          p99: quantile(sorted, 0.99),
          sumMs: sorted.reduce((sum, value) => sum + value, 0),
        });
      }
    }
    if (counters.length === 0 && latency.length === 0) return undefined;
    return { deviceId, ...(appVersion ? { appVersion } : {}), counters, latency };
  }
}

/** Sends one batch under its idempotency key (resending it after a lost answer counts it once); the answer's status. */
export async function sendSignals(
  fetchImpl: FetchFunction,
  baseUrl: string,
  productKey: string,
  batch: SignalBatch,
  idempotencyKey: string,
  keepalive = false,
): Promise<number> {
  const response = await fetchImpl(`${baseUrl}/api/diagnostics/signals`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-diagnostics-key': productKey, 'idempotency-key': idempotencyKey },
    body: JSON.stringify(batch),
    ...(keepalive ? { keepalive: true } : {}),
  });
  await response.body?.cancel().catch(() => undefined);
  return response.status;
}
