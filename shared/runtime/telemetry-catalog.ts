// The one catalog of custom metrics and events: name, unit, description and allowed dimensions.
export const metricCatalog = {
  'http.request.duration_ms': { unit: 'ms', description: 'Handler time per HTTP function', dimensions: ['function', 'status'] },
  'http.client_error_total': { unit: 'count', description: 'Requests answered 4xx, by problem kind', dimensions: ['function', 'kind'] },
  'http.rate_limited_total': { unit: 'count', description: 'Requests refused with 429', dimensions: ['function'] },
  'config.poll_total': { unit: 'count', description: 'Config polls, by outcome (not_modified, changed)', dimensions: ['outcome'] },
  'config.index_refresh_ms': { unit: 'ms', description: 'Time to fold change-feed updates into the targeting index', dimensions: [] },
  'session.transition_total': { unit: 'count', description: 'Session status changes', dimensions: ['to'] },
  'event.publish_failure_total': { unit: 'count', description: 'Events that could not be published at once', dimensions: ['type'] },
  'event.published_total': { unit: 'count', description: 'Events sent to the topic, right after the write (direct) or by the outbox drain', dimensions: ['via'] },
  'event.outbox_abandoned_total': { unit: 'count', description: 'Outbox records dropped because their guarded session write never happened', dimensions: [] },
  'event.subscriber_total': { unit: 'count', description: 'Messages handled per subscriber, by outcome (processed, duplicate, dead_lettered, retried)', dimensions: ['subscriber', 'outcome'] },
  'notification.delivery_total': { unit: 'count', description: 'Notification deliveries per channel, by outcome (sent, skipped, failed)', dimensions: ['channel', 'outcome'] },
  'notification.throttled_total': { unit: 'count', description: 'Alerts folded into a count because their key was sent within the window', dimensions: ['type'] },
  'ticket.operation_total': { unit: 'count', description: 'Ticket operations per provider (created, commented, closed, reopened)', dimensions: ['provider', 'operation'] },
  'session.expired_total': { unit: 'count', description: 'Sessions ended by the expiry timer, by the status they had', dimensions: ['from'] },
  'debug.report.generate_ms': { unit: 'ms', description: 'Report generation time', dimensions: ['format'] },
  'debug.report.failure_total': { unit: 'count', description: 'Report generations that failed', dimensions: ['reason'] },
  'debug.export.fallback_total': { unit: 'count', description: 'Exports streamed in the response because Blob storage or signing failed', dimensions: ['reason'] },
  'debug.masking.violation_total': { unit: 'count', description: 'Outgoing content in which the final masking pass still found something', dimensions: ['channel'] },
  'debug.ticket.autoclose_rate': { unit: 'ratio', description: 'Share of regression-linked tickets closed automatically', dimensions: ['provider'] },
  'ingest.items_total': {
    unit: 'count',
    description: 'Every ingested item, by exactly one outcome: accepted, filtered (kind/level not collected), discarded (opted out), invalid, refused (auth/session state), rate_limited, duplicate (Idempotency-Key replay), failed (storage)',
    dimensions: ['kind', 'outcome'],
  },
  'ingest.stats_update_failure_total': { unit: 'count', description: 'Batches stored whose session counters could not be incremented (counters run low, never high)', dimensions: [] },
  'ingest.otlp_requests_total': { unit: 'count', description: 'OTLP/HTTP export requests, by signal and outcome', dimensions: ['signal', 'outcome'] },
} as const;

export const eventCatalog = {
  'session.created': { description: 'A debug session was created', dimensions: ['productId', 'collectionLevel'] },
  'settings.loaded': { description: 'Configuration parsed at cold start', dimensions: ['mode'] },
} as const;

export type MetricName = keyof typeof metricCatalog;
export type TelemetryEventName = keyof typeof eventCatalog;
