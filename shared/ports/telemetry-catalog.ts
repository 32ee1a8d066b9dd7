// The one catalog of custom metrics and events: name, unit, description and allowed dimensions.
// Every Telemetry adapter checks each item against it (`catalogProblem`), so a name or dimension
// outside the catalog, or a dimension value that is not a short token, never leaves the process.

export type MetricUnit = 'ms' | 'count' | 'ratio' | 'bytes';

export interface MetricDefinition {
  unit: MetricUnit;
  description: string;
  dimensions: readonly string[];
}

export interface EventDefinition {
  description: string;
  dimensions: readonly string[];
}

export const metricCatalog = {
  'http.request.duration_ms': { unit: 'ms', description: 'Handler time per HTTP function', dimensions: ['function', 'status'] },
  'http.client_error_total': { unit: 'count', description: 'Requests answered 4xx, by problem kind', dimensions: ['function', 'kind'] },
  'http.rate_limited_total': { unit: 'count', description: 'Requests refused with 429 by the in-process limiter, per function', dimensions: ['function'] },
  'config.poll_total': {
    unit: 'count',
    description:
      'Config polls by outcome (not_modified = answered 304, changed = 200) and whether a session targets the device (targeted, none); the 304 ratio is sum(not_modified) / sum(all)',
    dimensions: ['outcome', 'session'],
  },
  'config.index_refresh_ms': { unit: 'ms', description: 'Time to fold the recently updated sessions into the targeting index', dimensions: [] },
  'session.transition_total': { unit: 'count', description: 'Session status changes', dimensions: ['to'] },
  'event.publish_failure_total': { unit: 'count', description: 'Events that could not be published at once', dimensions: ['type'] },
  'event.published_total': {
    unit: 'count',
    description: 'Events sent to the topic, right after the write (direct) or by the outbox drain',
    dimensions: ['via'],
  },
  'event.outbox_abandoned_total': { unit: 'count', description: 'Outbox records dropped because their guarded session write never happened', dimensions: [] },
  'event.subscriber_total': {
    unit: 'count',
    description: 'Messages handled per subscriber, by outcome (processed, duplicate, dead_lettered, retried)',
    dimensions: ['subscriber', 'outcome'],
  },
  'notification.delivery_total': {
    unit: 'count',
    description: 'Notification deliveries per channel, by outcome (sent, skipped, failed)',
    dimensions: ['channel', 'outcome'],
  },
  'notification.throttled_total': {
    unit: 'count',
    description: 'Alerts folded into a count because their key was sent within the window',
    dimensions: ['type'],
  },
  'ticket.operation_total': {
    unit: 'count',
    description: 'Ticket operations per provider (created, found = opened by an earlier attempt whose link was not saved, commented, closed, reopened)',
    dimensions: ['provider', 'operation'],
  },
  'session.expired_total': { unit: 'count', description: 'Sessions ended by the expiry timer, by the status they had', dimensions: ['from'] },
  'debug.report.generate_ms': { unit: 'ms', description: 'Report generation time', dimensions: ['format'] },
  'debug.report.failure_total': { unit: 'count', description: 'Report generations that failed', dimensions: ['reason'] },
  'debug.export.fallback_total': {
    unit: 'count',
    description: 'Exports streamed in the response because Blob storage or signing failed',
    dimensions: ['reason'],
  },
  'debug.masking.violation_total': {
    unit: 'count',
    description: 'Outgoing content in which the final masking pass still found something',
    dimensions: ['channel'],
  },
  'debug.ticket.autoclose_rate': {
    unit: 'ratio',
    description: 'Share of regression-linked tickets closed automatically (0..1 per evaluation)',
    dimensions: ['provider'],
  },
  'tail.items_sent_total': { unit: 'count', description: 'Items sent on live tail streams', dimensions: [] },
  'tail.items_dropped_total': {
    unit: 'count',
    description: 'Items a live tail skipped because more than one message holds arrived in a second (announced in a dropped event)',
    dimensions: [],
  },
  'tail.refused_total': { unit: 'count', description: 'Live tails refused with 429 by the per-caller or per-product cap', dimensions: [] },
  'tail.reads_total': {
    unit: 'count',
    description:
      'Live tail reads of stored items, by whether another stream of the session on this instance had just made the same read (shared) or storage was asked',
    dimensions: ['shared'],
  },
  'tail.stream_failure_total': { unit: 'count', description: 'Live tail streams closed by a storage failure, by error kind', dimensions: ['kind'] },
  'hooks.matched_total': { unit: 'count', description: 'Stored items a pattern hook matched', dimensions: [] },
  'hooks.suppressed_total': {
    unit: 'count',
    description: 'Pattern matches not announced because the hook reached its max per window on this instance',
    dimensions: [],
  },
  'hooks.invalid_total': { unit: 'count', description: 'Stored pattern hooks skipped because their rule no longer compiles', dimensions: [] },
  'ingest.items_total': {
    unit: 'count',
    description:
      'Every ingested item, by exactly one outcome: accepted, filtered (kind/level not collected), discarded (opted out), invalid, refused (auth/session state), rate_limited, duplicate (Idempotency-Key replay), failed (storage)',
    dimensions: ['kind', 'outcome'],
  },
  'ingest.stats_update_failure_total': {
    unit: 'count',
    description:
      "Session counter writes given up (a batch when writing through, else one session's summed increments of a flush): counters run low, never high",
    dimensions: [],
  },
  'ingest.stats_flush_total': {
    unit: 'count',
    description: "Write-behind flushes of one session's summed counters, by outcome (written, retried = refused unapplied and merged into the next, lost)",
    dimensions: ['outcome'],
  },
  'ingest.session_state_reads_total': {
    unit: 'count',
    description:
      "Storage reads of a session's state by ingest (cold = not cached, stale = older than INGEST_SESSION_CACHE_MS, fresh = re-read before refusing a batch)",
    dimensions: ['reason'],
  },
  'ingest.session_index_failure_total': {
    unit: 'count',
    description: 'Ingest session checks for which the live-session index could not refresh, so the session was read from storage instead',
    dimensions: [],
  },
  'ingest.otlp_requests_total': { unit: 'count', description: 'OTLP/HTTP export requests, by signal and outcome', dimensions: ['signal', 'outcome'] },
  'telemetry.refused_total': {
    unit: 'count',
    description: 'Telemetry items refused because their name, dimensions or values are outside this catalog',
    dimensions: ['reason'],
  },
  // Signals (issue 17)
  'signals.batch_total': {
    unit: 'count',
    description: 'Device signal batches, by outcome (accepted, partial, duplicate, invalid, rate_limited)',
    dimensions: ['outcome'],
  },
  'signals.points_total': { unit: 'count', description: 'Signal buckets merged, by intake (sdk, otlp)', dimensions: ['intake'] },
  'signals.group_batches': {
    unit: 'count',
    description: 'Batches written together in one signal group (SIGNALS_GROUP_COMMIT_MS), per group write, by outcome (written, failed)',
    dimensions: ['outcome'],
  },
  'signals.otlp_requests_total': { unit: 'count', description: 'OTLP/HTTP metric export requests, by outcome', dimensions: ['outcome'] },
  'signals.alert_total': { unit: 'count', description: 'Alert episodes fired and recovered, by metric', dimensions: ['transition', 'metric'] },
  'signals.rule_failure_total': { unit: 'count', description: 'Alert rule evaluations that failed (retried the next minute)', dimensions: [] },
  'signals.rule_read_buckets': {
    unit: 'count',
    description:
      "Buckets one alert rule evaluation read (the metric's per-minute totals over its lookback: grows with the lookback, not with the series in the product)",
    dimensions: ['metric'],
  },
  'signals.rule_over_cap_total': {
    unit: 'count',
    description:
      'Alert rule reads refused for holding more buckets than the per-rule cap, by read (evaluation and seasonal: the rule was not evaluated; top_dimensions: the alert went out without its top fingerprints and versions)',
    dimensions: ['read'],
  },
  'signals.trigger_total': {
    unit: 'count',
    description: 'Trigger rule decisions per device (opened, joined, device_capped, rule_capped; failed when the intake could not run them)',
    dimensions: ['on', 'outcome'],
  },
  // Per-user erasure (issue 20).
  'erasure.items_erased_total': {
    unit: 'count',
    description: 'Items an erasure deleted (audit records: rewrote to the hashed subject), by store',
    dimensions: ['store'],
  },
  'erasure.step_total': { unit: 'count', description: 'Erasure steps run, by state and outcome (done, conflict, retried)', dimensions: ['state', 'outcome'] },
} as const satisfies Record<string, MetricDefinition>;

export const eventCatalog = {
  'session.created': { description: 'A debug session was created', dimensions: ['productId', 'collectionLevel'] },
  'settings.loaded': { description: 'Configuration parsed at cold start', dimensions: ['mode'] },
  'session.auto_created': { description: 'A trigger rule opened a debug session', dimensions: ['productId', 'on'] },
  'erasure.requested': { description: 'An admin asked to erase a subject (never named: the erasure id only)', dimensions: ['productId', 'erasureId'] },
  'erasure.completed': {
    description: 'An erasure verified that nothing of the subject is left, and stored its certificate',
    dimensions: ['productId', 'erasureId', 'deleted'],
  },
  'erasure.failed': {
    description: 'An erasure found items of the subject still there after its last pass (counts per store, no subject)',
    dimensions: ['productId', 'erasureId', 'remaining', 'stores'],
  },
} as const satisfies Record<string, EventDefinition>;

/** Exceptions carry only these dimensions; their message must be our own text (see shared/http/endpoint.ts). */
export const exceptionDimensions = ['function', 'correlationId', 'operation'] as const;

export type MetricName = keyof typeof metricCatalog;
export type TelemetryEventName = keyof typeof eventCatalog;

/**
 * Dimension values are identifiers we choose (function names, outcome codes, product ids, correlation
 * ids): short tokens. Anything else (an e-mail, a URL, a sentence) is customer content and is refused.
 */
export const DIMENSION_VALUE_PATTERN = /^[\w.:+-]{1,128}$/;

export type TelemetryKind = 'metric' | 'event' | 'exception';
export type RefusalReason = 'unknown_name' | 'unknown_dimension' | 'invalid_value';

export interface CatalogProblem {
  reason: RefusalReason;
  /** Names only (catalog keys and dimension keys), never a value. */
  detail: string;
}

function allowedDimensions(kind: TelemetryKind, name: string): readonly string[] | undefined {
  if (kind === 'exception') return exceptionDimensions;
  const catalog: Record<string, { dimensions: readonly string[] }> = kind === 'metric' ? metricCatalog : eventCatalog;
  return Object.hasOwn(catalog, name) ? catalog[name]?.dimensions : undefined;
}

/**
 * Frozen dimension objects found to fit a metric, with the metric's name: the hot paths (every request's duration,
 * every config poll) pass the same few frozen objects on each call, and a frozen object cannot come to fit otherwise.
 */
const fittingFrozenDimensions = new WeakMap<object, string>();

/** Why an item may not be sent, or undefined when it fits the catalog. */
export function catalogProblem(kind: TelemetryKind, name: string, dimensions: Record<string, string>): CatalogProblem | undefined {
  if (kind === 'metric' && fittingFrozenDimensions.get(dimensions) === name) return undefined;
  const allowed = allowedDimensions(kind, name);
  if (!allowed) return { reason: 'unknown_name', detail: `${kind} '${name}' is not in shared/runtime/telemetry-catalog.ts` };
  for (const key in dimensions) {
    if (!Object.hasOwn(dimensions, key)) continue;
    const value = dimensions[key];
    if (!allowed.includes(key)) {
      return { reason: 'unknown_dimension', detail: `dimension '${key}' is not listed for ${kind} '${name}' in shared/runtime/telemetry-catalog.ts` };
    }
    if (typeof value !== 'string' || !DIMENSION_VALUE_PATTERN.test(value)) {
      return { reason: 'invalid_value', detail: `dimension '${key}' of ${kind} '${name}' is not a short token (letters, digits, _ . : + -)` };
    }
  }
  if (kind === 'metric' && Object.isFrozen(dimensions)) fittingFrozenDimensions.set(dimensions, name);
  return undefined;
}

/** Thrown only where refusals must surface at once (tests); in production a refused item is dropped and counted. */
export class TelemetryCatalogError extends Error {
  constructor(readonly problem: CatalogProblem) {
    super(`Telemetry refused (${problem.reason}): ${problem.detail}`);
    this.name = 'TelemetryCatalogError';
  }
}
