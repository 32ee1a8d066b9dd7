// OTLP/HTTP JSON (ExportTraceServiceRequest, ExportLogsServiceRequest) mapped onto our wire items, so the
// rest of ingest (validation, masking, storage, stats) is one path. The JSON encoding is the protobuf one:
// lowerCamelCase fields, hex trace/span ids, int64 nanos as strings (numbers accepted), enums as integers.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { DeviceContext, LogLevel } from './items';
import { MAX_MESSAGE_LENGTH } from './items';

/** The resource attribute that may carry the ingest token when an exporter cannot set headers. */
export const OTLP_TOKEN_ATTRIBUTE = 'diagnostics.ingest_token';
/** Exporters batch up to 512 by default; a request beyond this is refused whole with 400. */
export const MAX_OTLP_ITEMS = 2000;
/** Nesting past this (arrays and kvlists in AnyValue) maps to null; the protobuf reader skips it unread. */
export const MAX_ANY_VALUE_DEPTH = 8;

const int64Schema = z.union([z.string().regex(/^\d{1,20}$/, 'an unsigned integer'), z.number().int().nonnegative()]);

export type AnyValueJson = {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number | string;
  bytesValue?: string;
  arrayValue?: { values?: AnyValueJson[] };
  kvlistValue?: { values?: Array<{ key: string; value?: AnyValueJson }> };
};

const isRecord = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);
const optionalOf = (check: (value: unknown) => boolean) => (value: unknown) => value === undefined || check(value);
const scalarChecks: Record<string, (value: unknown) => boolean> = {
  stringValue: optionalOf((value) => typeof value === 'string'),
  boolValue: optionalOf((value) => typeof value === 'boolean'),
  intValue: optionalOf((value) => typeof value === 'string' || typeof value === 'number'),
  doubleValue: optionalOf((value) => typeof value === 'string' || typeof value === 'number'),
  bytesValue: optionalOf((value) => typeof value === 'string'),
};

/**
 * The shape of an OTLP AnyValue, checked with an explicit stack rather than a recursive schema, so a value nested
 * thousands of levels deep costs a loop, not a stack overflow. How deep a value may be is decided per item when it
 * is mapped (a too-deep one rejects its item with partial success), not here.
 */
function isAnyValue(root: unknown): boolean {
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const value = pending.pop();
    if (!isRecord(value)) return false;
    for (const [field, check] of Object.entries(scalarChecks)) if (!check(value[field])) return false;
    const { arrayValue, kvlistValue } = value;
    if (arrayValue !== undefined) {
      if (!isRecord(arrayValue) || (arrayValue.values !== undefined && !Array.isArray(arrayValue.values))) return false;
      for (const item of (arrayValue.values as unknown[] | undefined) ?? []) pending.push(item);
    }
    if (kvlistValue !== undefined) {
      if (!isRecord(kvlistValue) || (kvlistValue.values !== undefined && !Array.isArray(kvlistValue.values))) return false;
      for (const entry of (kvlistValue.values as unknown[] | undefined) ?? []) {
        if (!isRecord(entry) || typeof entry.key !== 'string') return false;
        if (entry.value !== undefined) pending.push(entry.value);
      }
    }
  }
  return true;
}

const anyValueSchema = z.custom<AnyValueJson>(isAnyValue, 'an OTLP AnyValue');
const keyValueSchema = z.object({ key: z.string(), value: anyValueSchema.optional() });
const attributesSchema = z.array(keyValueSchema).optional();
const resourceSchema = z.object({ attributes: attributesSchema }).optional();
const scopeSchema = z.object({ name: z.string().optional(), version: z.string().optional(), attributes: attributesSchema }).optional();
const idSchema = z.string().optional();

const otlpSpanSchema = z.object({
  traceId: idSchema,
  spanId: idSchema,
  parentSpanId: idSchema,
  name: z.string().optional(),
  kind: z.union([z.number().int(), z.string()]).optional(),
  startTimeUnixNano: int64Schema.optional(),
  endTimeUnixNano: int64Schema.optional(),
  attributes: attributesSchema,
  events: z.array(z.object({ timeUnixNano: int64Schema.optional(), name: z.string().optional(), attributes: attributesSchema })).optional(),
  status: z.object({ code: z.union([z.number().int(), z.string()]).optional(), message: z.string().optional() }).optional(),
});

export const otlpTraceRequestSchema = z.object({
  resourceSpans: z
    .array(z.object({ resource: resourceSchema, scopeSpans: z.array(z.object({ scope: scopeSchema, spans: z.array(otlpSpanSchema).optional() })).optional() }))
    .optional(),
});
export type OtlpTraceRequest = z.infer<typeof otlpTraceRequestSchema>;

const otlpLogRecordSchema = z.object({
  timeUnixNano: int64Schema.optional(),
  observedTimeUnixNano: int64Schema.optional(),
  severityNumber: z.union([z.number().int(), z.string()]).optional(),
  severityText: z.string().optional(),
  body: anyValueSchema.optional(),
  attributes: attributesSchema,
  traceId: idSchema,
  spanId: idSchema,
  eventName: z.string().optional(),
});

export const otlpLogsRequestSchema = z.object({
  resourceLogs: z
    .array(
      z.object({
        resource: resourceSchema,
        scopeLogs: z.array(z.object({ scope: scopeSchema, logRecords: z.array(otlpLogRecordSchema).optional() })).optional(),
      }),
    )
    .optional(),
});
export type OtlpLogsRequest = z.infer<typeof otlpLogsRequestSchema>;

type KeyValueJson = z.infer<typeof keyValueSchema>;

export function anyValueToJs(value: AnyValueJson | undefined, depth = 0): unknown {
  if (!value || depth > MAX_ANY_VALUE_DEPTH) return null;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) {
    const number = Number(value.intValue);
    return Number.isSafeInteger(number) ? number : String(value.intValue);
  }
  if (value.doubleValue !== undefined) return typeof value.doubleValue === 'number' ? value.doubleValue : Number(value.doubleValue);
  if (value.bytesValue !== undefined) return value.bytesValue;
  if (value.arrayValue !== undefined) return (value.arrayValue.values ?? []).map((item) => anyValueToJs(item, depth + 1));
  if (value.kvlistValue !== undefined) return attributesToRecord(value.kvlistValue.values, depth + 1);
  return null;
}

export function attributesToRecord(attributes: KeyValueJson[] | undefined, depth = 0): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const attribute of attributes ?? []) {
    const value = anyValueToJs(attribute.value, depth);
    // A key is client-chosen text: `record['__proto__'] = …` would set the record's prototype instead of a field.
    if (attribute.key === '__proto__') Object.defineProperty(record, attribute.key, { value, enumerable: true, writable: true, configurable: true });
    else record[attribute.key] = value;
  }
  return record;
}

/** Unix nanoseconds (string or number) to an ISO time; 0 or absent gives undefined. */
export function nanosToIso(nanos: string | number | undefined): string | undefined {
  if (nanos === undefined) return undefined;
  // A decimal string less its last six digits is the exact floor in milliseconds (14 digits at most, a safe integer).
  const milliseconds = typeof nanos === 'number' ? Math.floor(nanos / 1e6) : nanos.length > 6 ? Number(nanos.slice(0, -6)) : 0;
  if (milliseconds <= 0) return undefined;
  const date = new Date(milliseconds);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

function hexId(value: string | undefined): string | undefined {
  return value ? value.toLowerCase() : undefined;
}

const spanKinds = ['internal', 'internal', 'server', 'client', 'producer', 'consumer'] as const;
function spanKindOf(kind: number | string | undefined): (typeof spanKinds)[number] {
  if (typeof kind === 'string') {
    const named = kind.replace(/^SPAN_KIND_/, '').toLowerCase();
    return (spanKinds as readonly string[]).includes(named) ? (named as (typeof spanKinds)[number]) : 'internal';
  }
  return spanKinds[kind ?? 0] ?? 'internal';
}

function statusCodeOf(code: number | string | undefined): 'unset' | 'ok' | 'error' {
  if (code === 1 || code === 'STATUS_CODE_OK') return 'ok';
  if (code === 2 || code === 'STATUS_CODE_ERROR') return 'error';
  return 'unset';
}

const severityNames: Record<string, number> = {
  SEVERITY_NUMBER_TRACE: 1,
  SEVERITY_NUMBER_DEBUG: 5,
  SEVERITY_NUMBER_INFO: 9,
  SEVERITY_NUMBER_WARN: 13,
  SEVERITY_NUMBER_ERROR: 17,
  SEVERITY_NUMBER_FATAL: 21,
};

/** SeverityNumber ranges 1-4 trace, 5-8 debug, 9-12 info, 13-16 warn, 17-20 error, 21-24 fatal; else severityText. */
export function levelOf(severityNumber: number | string | undefined, severityText: string | undefined): LogLevel {
  const number = typeof severityNumber === 'string' ? (severityNames[severityNumber.replace(/\d+$/, '')] ?? 0) : (severityNumber ?? 0);
  if (number >= 21) return 'fatal';
  if (number >= 17) return 'error';
  if (number >= 13) return 'warn';
  if (number >= 9) return 'info';
  if (number >= 5) return 'debug';
  if (number >= 1) return 'trace';
  const text = severityText?.toLowerCase() ?? '';
  if (text.startsWith('fatal') || text === 'critical') return 'fatal';
  if (text.startsWith('err')) return 'error';
  if (text.startsWith('warn')) return 'warn';
  if (text.startsWith('debug')) return 'debug';
  if (text.startsWith('trace')) return 'trace';
  return 'info';
}

/** What the resource says about the device and app; the token attribute is never kept. */
export function deviceFromResource(resource: Record<string, unknown>): DeviceContext {
  const text = (key: string, max: number) => (typeof resource[key] === 'string' ? (resource[key] as string).slice(0, max) : undefined);
  const device: DeviceContext = {
    deviceId: text('device.id', 128),
    platform: text('os.type', 64) ?? text('telemetry.sdk.language', 64),
    osVersion: text('os.version', 64),
    appVersion: text('service.version', 64),
    sdkVersion: text('telemetry.sdk.version', 64),
  };
  return Object.fromEntries(Object.entries(device).filter(([, value]) => value !== undefined)) as DeviceContext;
}

function resourceAttributes(resource: Record<string, unknown>): Record<string, unknown> {
  const prefixed: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(resource)) if (key !== OTLP_TOKEN_ATTRIBUTE) prefixed[`resource.${key}`] = value;
  return prefixed;
}

export interface MappedExport {
  /** Wire items, one per span or log record, in request order (validated later, item by item). */
  items: unknown[];
  device: DeviceContext;
  /** Ingest tokens found in resource attributes. */
  tokens: Set<string>;
}

export function mapTraceRequest(request: OtlpTraceRequest, now: Date): MappedExport {
  const items: unknown[] = [];
  const tokens = new Set<string>();
  let device: DeviceContext = {};
  for (const resourceSpans of request.resourceSpans ?? []) {
    const resource = attributesToRecord(resourceSpans.resource?.attributes);
    if (typeof resource[OTLP_TOKEN_ATTRIBUTE] === 'string') tokens.add(resource[OTLP_TOKEN_ATTRIBUTE] as string);
    device = { ...deviceFromResource(resource), ...device };
    const prefixed = resourceAttributes(resource);
    for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
      const scope = scopeSpans.scope?.name
        ? { 'otel.scope.name': scopeSpans.scope.name, ...(scopeSpans.scope.version ? { 'otel.scope.version': scopeSpans.scope.version } : {}) }
        : {};
      for (const span of scopeSpans.spans ?? []) {
        const startTime = nanosToIso(span.startTimeUnixNano) ?? now.toISOString();
        items.push({
          kind: 'span',
          traceId: hexId(span.traceId),
          spanId: hexId(span.spanId),
          parentSpanId: hexId(span.parentSpanId),
          name: span.name,
          spanKind: spanKindOf(span.kind),
          startTime,
          endTime: nanosToIso(span.endTimeUnixNano) ?? startTime,
          status: { code: statusCodeOf(span.status?.code), ...(span.status?.message ? { message: span.status.message } : {}) },
          // Object.assign, not a literal of spreads: V8 takes a slow path for those (about 25 µs a span here).
          attributes: Object.assign({}, prefixed, scope, attributesToRecord(span.attributes)),
          events: span.events?.length
            ? span.events.map((event) => ({
                name: event.name ?? '',
                time: nanosToIso(event.timeUnixNano) ?? startTime,
                attributes: attributesToRecord(event.attributes),
              }))
            : undefined,
        });
      }
    }
  }
  return { items, device, tokens };
}

function messageOf(value: unknown): string {
  const text = value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  // A log body has no other home; cut, rather than refuse, one longer than our message limit.
  return text.length > MAX_MESSAGE_LENGTH ? `${text.slice(0, MAX_MESSAGE_LENGTH - 1)}…` : text;
}

/** Protobuf sends no default values, so absent, 0 and "0" read alike, and a time is its decimal string in both encodings. */
function nanosKey(nanos: string | number | undefined): string | null {
  return nanos === undefined || nanos === 0 || nanos === '0' || nanos === '' ? null : String(nanos);
}

export function mapLogsRequest(request: OtlpLogsRequest, now: Date): MappedExport {
  const items: unknown[] = [];
  const tokens = new Set<string>();
  let device: DeviceContext = {};
  for (const resourceLogs of request.resourceLogs ?? []) {
    const resource = attributesToRecord(resourceLogs.resource?.attributes);
    if (typeof resource[OTLP_TOKEN_ATTRIBUTE] === 'string') tokens.add(resource[OTLP_TOKEN_ATTRIBUTE] as string);
    device = { ...deviceFromResource(resource), ...device };
    const prefixed = resourceAttributes(resource);
    for (const scopeLogs of resourceLogs.scopeLogs ?? []) {
      for (const record of scopeLogs.logRecords ?? []) {
        const timestamp = nanosToIso(record.timeUnixNano) ?? nanosToIso(record.observedTimeUnixNano) ?? now.toISOString();
        const body = anyValueToJs(record.body);
        const attributes = attributesToRecord(record.attributes);
        const traceId = hexId(record.traceId) || undefined;
        const spanId = hexId(record.spanId) || undefined;
        // OTLP log records carry no id: one derived from the record's content makes an exporter's retry land on the
        // same document. It hashes the mapped values, so the JSON and protobuf encodings of a record agree.
        const id = createHash('sha256')
          .update(
            JSON.stringify([
              resource['service.name'] ?? null,
              scopeLogs.scope?.name || null,
              nanosKey(record.timeUnixNano),
              nanosKey(record.observedTimeUnixNano),
              record.severityNumber || null,
              body,
              attributes,
              traceId ?? null,
              spanId ?? null,
              record.eventName || null,
            ]),
          )
          .digest('hex')
          .slice(0, 32);
        items.push({
          kind: 'log',
          id: `otlp-${id}`,
          timestamp,
          level: levelOf(record.severityNumber, record.severityText),
          message: messageOf(body),
          module: scopeLogs.scope?.name || undefined,
          traceId,
          spanId,
          context: Object.assign({}, prefixed, record.eventName ? { 'event.name': record.eventName } : undefined, attributes),
        });
      }
    }
  }
  return { items, device, tokens };
}
