// The lifecycle events the app announces on its one topic: the envelope schema is the wire type for every subscriber.
import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';

export const eventTypes = [
  'diagnostics.session.created',
  'diagnostics.session.started',
  'diagnostics.session.updated',
  'diagnostics.session.cancelled',
  'diagnostics.session.completed',
  'diagnostics.session.expired',
  'diagnostics.ingest.fatal',
  'diagnostics.screenshot.captured',
  'diagnostics.report.generated',
  'diagnostics.regression.reported',
  'diagnostics.report.downloaded',
  'diagnostics.export.downloaded',
  // Signals: alerts of signal rules, and sessions opened by trigger rules.
  'diagnostics.signal.alert_fired',
  'diagnostics.signal.alert_recovered',
  'diagnostics.session.auto_created',
  // Pattern hooks.
  'diagnostics.pattern.matched',
  // Per-user erasure: asks the erasure worker to run (or go on with) one erasure; carries only its id.
  'diagnostics.erasure.requested',
] as const;
export const eventTypeSchema = z.enum(eventTypes);
export type EventType = z.infer<typeof eventTypeSchema>;

export const EVENT_SCHEMA_VERSION = 1;

export const eventEnvelopeSchema = z.object({
  id: z.string().min(1),
  specVersion: z.literal(EVENT_SCHEMA_VERSION),
  type: eventTypeSchema,
  time: z.string(),
  productId: z.string(),
  sessionId: z.string().optional(),
  correlationId: z.string().optional(),
  payload: z.record(z.string(), z.unknown()),
});
export type EventEnvelope = z.infer<typeof eventEnvelopeSchema>;

/**
 * An event id derived from what the event announces, so a retried request announces the same event again
 * under the same id: the outbox keeps one record and subscribers drop the repeat.
 */
export function stableEventId(kind: string, ...parts: string[]): string {
  return `ev_${kind}_${createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 32)}`;
}

export function newEvent(
  type: EventType,
  fields: { id?: string; productId: string; sessionId?: string; correlationId?: string; payload: Record<string, unknown>; time: Date },
): EventEnvelope {
  return {
    id: fields.id ?? `ev_${randomUUID()}`,
    specVersion: EVENT_SCHEMA_VERSION,
    type,
    time: fields.time.toISOString(),
    productId: fields.productId,
    sessionId: fields.sessionId,
    correlationId: fields.correlationId,
    payload: fields.payload,
  };
}

/**
 * Payload fields the subscribers read. All optional and loose, so emitters may add fields; text fields
 * must already be masked by the emitter, and the subscribers mask again before anything leaves the app.
 */
const actorSchema = z.object({ kind: z.enum(['user', 'device', 'system']), id: z.string() });

export const eventPayloadFieldsSchema = z.looseObject({
  /** Groups repeats of one problem: throttling, PagerDuty dedup_key and the ticket mapping use it. */
  alertKey: z.string().min(1).max(256).optional(),
  /** The plugin or app the event is about (ticket label / field). */
  appId: z.string().max(128).optional(),
  /** Who caused it, for the audit record. */
  actor: actorSchema.optional(),
  /** The audit record the emitter already wrote synchronously; the audit subscriber upserts the same one. */
  audit: z.looseObject({ id: z.string(), action: z.string() }).optional(),
  createdBy: z.string().optional(),
  target: z.record(z.string(), z.string()).optional(),
  status: z.string().optional(),
  stats: z.record(z.string(), z.number()).optional(),
  expiresAt: z.string().optional(),
});

/** `diagnostics.ingest.fatal`: one fatal log or crash, already masked by the ingest path. */
export const fatalPayloadSchema = eventPayloadFieldsSchema.extend({
  message: z.string().max(4000).optional(),
  errorType: z.string().max(256).optional(),
  /** Stable fingerprint of the error (type + top frame); the default alert key is built from it. */
  fingerprint: z.string().max(256).optional(),
  release: z.string().max(128).optional(),
  deviceId: z.string().max(128).optional(),
});

/** `diagnostics.report.generated`, `diagnostics.report.downloaded`, `diagnostics.export.downloaded`. */
export const reportPayloadSchema = eventPayloadFieldsSchema.extend({
  reportId: z.string().max(128).optional(),
  format: z.string().max(32).optional(),
  /** Where an engineer opens the report; defaults to the session under PUBLIC_BASE_URL. */
  reportUrl: z.string().max(2048).optional(),
  title: z.string().max(512).optional(),
  summary: z.string().max(4000).optional(),
});

/** `diagnostics.regression.reported`: the re-run of a reported problem passed (closes its ticket) or failed (reopens it). */
export const regressionPayloadSchema = reportPayloadSchema.extend({
  result: z.enum(['passed', 'failed']),
});

/** `diagnostics.signal.alert_fired` and `…alert_recovered`: one per episode of a signal rule, keyed by rule. */
export const signalAlertPayloadSchema = eventPayloadFieldsSchema.extend({
  ruleId: z.string(),
  ruleName: z.string().max(120),
  episodeId: z.string(),
  severity: z.enum(['critical', 'error', 'warning']).optional(),
  metric: z.string(),
  filter: z.record(z.string(), z.string()).optional(),
  windowMinutes: z.number().optional(),
  value: z.string().optional(),
  /** The threshold or expected band, formatted for people (`> 5.0 %`, `expected 120-180 ms`). */
  bound: z.string().max(200).optional(),
  failing: z.string().max(200).optional(),
  topFingerprints: z
    .array(z.object({ value: z.string(), count: z.number() }))
    .max(10)
    .optional(),
  topAppVersions: z
    .array(z.object({ value: z.string(), count: z.number() }))
    .max(10)
    .optional(),
  dashboardUrl: z.string().max(2048).optional(),
  seriesUrl: z.string().max(2048).optional(),
});
export type SignalAlertPayload = z.infer<typeof signalAlertPayloadSchema>;

/** `diagnostics.erasure.requested`: the erasure to run; never the subject (the worker reads it sealed from the record). */
export const erasureRequestedPayloadSchema = eventPayloadFieldsSchema.extend({
  erasureId: z.string().max(64),
});

/** `diagnostics.pattern.matched`: a product's hook matched a stored (masked) item; the hook's action and throttle ride along. */
export const patternMatchedPayloadSchema = eventPayloadFieldsSchema.extend({
  hookId: z.string().max(64),
  hookName: z.string().max(100),
  itemId: z.string().max(128),
  docType: z.string().max(16).optional(),
  level: z.string().max(16).optional(),
  excerpt: z.string().max(1000),
  itemTime: z.string().max(64).optional(),
  /** The item in the dashboard: `${PUBLIC_BASE_URL}/sessions/{id}?tab=logs&item=…`. */
  link: z.string().max(4096),
  throttle: z.object({ max: z.number().int().min(1), windowSeconds: z.number().int().min(1) }),
  notify: z.array(z.string()).optional(),
  webhookUrl: z.string().max(2048).optional(),
  /** Matches this instance held back (over the hook's max) since the last one it announced. */
  suppressedBefore: z.number().int().nonnegative().default(0),
});
export type PatternMatchedPayload = z.infer<typeof patternMatchedPayloadSchema>;
