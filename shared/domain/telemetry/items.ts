// What a device sends (wire items) and what is stored (documents): logs, OpenTelemetry-style spans,
// breadcrumbs and network captures. The single source of these types for ingest, query, reports and the SDK.
import { z } from 'zod';
import { targetIdentifierSchema } from '../sessions/session';

export const MAX_ITEMS_PER_BATCH = 50;
export const MAX_MESSAGE_LENGTH = 8 * 1024;
export const MAX_STACK_LENGTH = 32 * 1024;
export const MAX_URL_LENGTH = 4 * 1024;
export const MAX_BODY_CAPTURE_LENGTH = 16 * 1024;
export const MAX_ATTRIBUTE_DEPTH = 6;
export const MAX_ATTRIBUTE_KEYS = 128;

/** Client-chosen item id: retries resend the same id, so storing by it never duplicates. */
export const itemIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[\w.:-]+$/, 'letters, digits and . : - _ only');
export const isoTimestampSchema = z.iso.datetime({ offset: true });
export const traceIdSchema = z.string().regex(/^[0-9a-f]{32}$/, '32 lowercase hex characters');
export const spanIdSchema = z.string().regex(/^[0-9a-f]{16}$/, '16 lowercase hex characters');

export const logLevels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export const logLevelSchema = z.enum(logLevels);
export type LogLevel = z.infer<typeof logLevelSchema>;

/**
 * Whether objects and arrays nest deeper than `max` levels. The recursion stops at the limit, so a hostile value
 * nested thousands of levels deep is refused, not a stack overflow; nothing is allocated per node (every item's
 * attributes pass here).
 */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (max < 1) return true;
  if (Array.isArray(value)) {
    for (const child of value) if (nestsDeeperThan(child, max - 1)) return true;
    return false;
  }
  for (const key in value) {
    if (Object.hasOwn(value, key) && nestsDeeperThan((value as Record<string, unknown>)[key], max - 1)) return true;
  }
  return false;
}

/** Whether an object has more than `max` own enumerable keys, counted without making the list of them. */
function hasMoreKeysThan(value: object, max: number): boolean {
  let count = 0;
  for (const key in value) if (Object.hasOwn(value, key) && ++count > max) return true;
  return false;
}

/** Free-form context/attributes: bounded in nesting depth and key count. */
export const attributesSchema = z
  .record(z.string().max(256), z.unknown())
  .refine((value) => !hasMoreKeysThan(value, MAX_ATTRIBUTE_KEYS), `at most ${MAX_ATTRIBUTE_KEYS} keys`)
  .refine((value) => !nestsDeeperThan(value, MAX_ATTRIBUTE_DEPTH), `nested at most ${MAX_ATTRIBUTE_DEPTH} levels deep`);
export type Attributes = z.infer<typeof attributesSchema>;

export const errorInfoSchema = z.object({
  type: z.string().max(256).optional(),
  message: z.string().max(MAX_MESSAGE_LENGTH).optional(),
  stack: z.string().max(MAX_STACK_LENGTH).optional(),
});

export const logItemSchema = z.object({
  /** Captured before the session existed (the SDK's pre-crash buffer), sent once a crash opened one. */
  preSession: z.boolean().optional(),
  kind: z.literal('log'),
  id: itemIdSchema,
  timestamp: isoTimestampSchema,
  level: logLevelSchema,
  message: z.string().max(MAX_MESSAGE_LENGTH),
  module: z.string().max(256).optional(),
  correlationId: z.string().max(128).optional(),
  traceId: traceIdSchema.optional(),
  spanId: spanIdSchema.optional(),
  context: attributesSchema.optional(),
  error: errorInfoSchema.optional(),
});

export const spanKindSchema = z.enum(['internal', 'server', 'client', 'producer', 'consumer']);

export const spanItemSchema = z.object({
  kind: z.literal('span'),
  /** Defaults to the span id when omitted. */
  id: itemIdSchema.optional(),
  traceId: traceIdSchema,
  spanId: spanIdSchema,
  parentSpanId: spanIdSchema.optional(),
  name: z.string().min(1).max(512),
  spanKind: spanKindSchema.default('internal'),
  startTime: isoTimestampSchema,
  endTime: isoTimestampSchema,
  status: z.object({ code: z.enum(['unset', 'ok', 'error']), message: z.string().max(MAX_MESSAGE_LENGTH).optional() }).default({ code: 'unset' }),
  attributes: attributesSchema.optional(),
  events: z
    .array(z.object({ name: z.string().max(512), time: isoTimestampSchema, attributes: attributesSchema.optional() }))
    .max(128)
    .optional(),
});

export const breadcrumbItemSchema = z.object({
  /** Captured before the session existed (the SDK's pre-crash buffer), sent once a crash opened one. */
  preSession: z.boolean().optional(),
  kind: z.literal('breadcrumb'),
  id: itemIdSchema,
  timestamp: isoTimestampSchema,
  category: z.string().min(1).max(128),
  message: z.string().max(MAX_MESSAGE_LENGTH),
  level: logLevelSchema.optional(),
  data: attributesSchema.optional(),
});

export const networkItemSchema = z.object({
  /** Captured before the session existed (the SDK's pre-crash buffer), sent once a crash opened one. */
  preSession: z.boolean().optional(),
  kind: z.literal('network'),
  id: itemIdSchema,
  timestamp: isoTimestampSchema,
  method: z.string().min(1).max(16),
  url: z.string().min(1).max(MAX_URL_LENGTH),
  status: z.number().int().min(0).max(999).optional(),
  durationMs: z.number().nonnegative().max(86_400_000),
  requestSize: z.number().int().nonnegative().optional(),
  responseSize: z.number().int().nonnegative().optional(),
  requestHeaders: z.record(z.string().max(256), z.string().max(8192)).optional(),
  responseHeaders: z.record(z.string().max(256), z.string().max(8192)).optional(),
  requestBody: z.string().max(MAX_BODY_CAPTURE_LENGTH).optional(),
  responseBody: z.string().max(MAX_BODY_CAPTURE_LENGTH).optional(),
  error: z.string().max(MAX_MESSAGE_LENGTH).optional(),
  traceId: traceIdSchema.optional(),
  spanId: spanIdSchema.optional(),
});

export const ingestItemSchema = z.discriminatedUnion('kind', [logItemSchema, spanItemSchema, breadcrumbItemSchema, networkItemSchema]);
export type IngestItem = z.infer<typeof ingestItemSchema>;
/**
 * The same schema with zod's ahead-of-time compiled fast path, for ingest's per-item parse: a valid item is parsed
 * by code generated from the schema, an invalid one falls back to zod's own parser, so the output and every issue
 * are those of `ingestItemSchema` (test/domain/compiled-schemas.test.ts holds them to it).
 */
export const compiledIngestItemSchema = z.compile(ingestItemSchema);
export type LogItem = z.infer<typeof logItemSchema>;
export type SpanItem = z.infer<typeof spanItemSchema>;
export type BreadcrumbItem = z.infer<typeof breadcrumbItemSchema>;
export type NetworkItem = z.infer<typeof networkItemSchema>;

/** Device and app context sent with each batch; stored coarse (never the raw IP). */
export const deviceContextSchema = z.object({
  deviceId: z.string().max(128).optional(),
  anonymousId: z.string().max(128).optional(),
  appSessionId: z.string().max(128).optional(),
  /** The app's signed-in user: files the session in the per-user index; dropped before items are stored. */
  userId: targetIdentifierSchema.optional(),
  platform: z.string().max(64).optional(),
  osVersion: z.string().max(64).optional(),
  appVersion: z.string().max(64).optional(),
  sdkVersion: z.string().max(64).optional(),
  locale: z.string().max(32).optional(),
  userAgent: z.string().max(1024).optional(),
  memoryMb: z.number().nonnegative().optional(),
  connectivity: z.string().max(32).optional(),
});
export type DeviceContext = z.infer<typeof deviceContextSchema>;

/** `POST /api/diagnostics/ingest`: one session, at most 50 mixed items. */
export const ingestBatchSchema = z.object({
  sessionId: z.string().regex(/^ds_[0-9a-f-]{36}$/),
  device: deviceContextSchema.default({}),
  /** The user opted out of telemetry: the batch is accepted, counted and discarded. */
  optedOut: z.boolean().default(false),
  items: z.array(ingestItemSchema).min(1).max(MAX_ITEMS_PER_BATCH),
});
export type IngestBatch = z.infer<typeof ingestBatchSchema>;

/** What masking recorded for one stored item: where and which rules, never the values. */
export const redactionRecordSchema = z.object({
  fieldsRedacted: z.array(z.string()),
  patternsMatched: z.array(z.string()),
  /** How many values were masked in all. */
  count: z.number().int().nonnegative().optional(),
});

/** Partition key of a session's logs and traces: every query of one session stays in one partition. */
export function sessionPartitionKey(productId: string, sessionId: string): string {
  return `${productId}:${sessionId}`;
}

const storedBase = {
  /** `${kind}:${item id}`: unique within the session's partition. */
  id: z.string(),
  pk: z.string(),
  productId: z.string(),
  sessionId: z.string(),
  itemId: z.string(),
  receivedAt: z.string(),
  device: deviceContextSchema.extend({ browser: z.string().optional(), os: z.string().optional(), region: z.string().optional() }).optional(),
  redaction: redactionRecordSchema,
};

/** `DebugLogEntryDoc` in `debug_logs` (pk `/pk`): logs, breadcrumbs and network captures, told apart by docType. */
export const logDocSchema = z.discriminatedUnion('docType', [
  logItemSchema.omit({ kind: true, id: true }).extend({ ...storedBase, docType: z.literal('log') }),
  breadcrumbItemSchema.omit({ kind: true, id: true }).extend({ ...storedBase, docType: z.literal('breadcrumb') }),
  networkItemSchema.omit({ kind: true, id: true }).extend({ ...storedBase, docType: z.literal('network') }),
]);
export type LogDoc = z.infer<typeof logDocSchema>;

/** `DebugTraceDoc` in `debug_traces` (pk `/pk`): one span per document. */
export const spanDocSchema = spanItemSchema
  .omit({ kind: true, id: true })
  .extend({ ...storedBase, docType: z.literal('span'), durationMs: z.number().nonnegative() });
export type SpanDoc = z.infer<typeof spanDocSchema>;
