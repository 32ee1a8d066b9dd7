// OTLP/HTTP protobuf: ExportTraceServiceRequest and ExportLogsServiceRequest decoded straight into the typed
// requests the JSON form yields once zod has checked it (ids as lowercase hex, fixed64 nanoseconds as exact
// decimal strings, bytes values as base64), so the one mapping in otlp.ts serves both encodings. Also the
// protobuf answers: Export*ServiceResponse with its partial success, and google.rpc.Status for failures.
// Field numbers are opentelemetry-proto's (collector/*/v1/*_service.proto, trace/v1, logs/v1, common/v1). Tags are
// literals, `(field << 3) | wire type` with the field and type in a comment, so each switch is a jump table.
import type { AnyValueJson, OtlpLogsRequest, OtlpTraceRequest } from './otlp';
import { MAX_ANY_VALUE_DEPTH } from './otlp';
import { fieldSet, WireReader, WireWriter } from './protobuf-wire';

type ResourceSpansJson = NonNullable<OtlpTraceRequest['resourceSpans']>[number];
type ScopeSpansJson = NonNullable<ResourceSpansJson['scopeSpans']>[number];
type SpanJson = NonNullable<ScopeSpansJson['spans']>[number];
type SpanEventJson = NonNullable<SpanJson['events']>[number];
type ResourceLogsJson = NonNullable<OtlpLogsRequest['resourceLogs']>[number];
type ScopeLogsJson = NonNullable<ResourceLogsJson['scopeLogs']>[number];
type LogRecordJson = NonNullable<ScopeLogsJson['logRecords']>[number];
type ResourceJson = NonNullable<ResourceSpansJson['resource']>;
type ScopeJson = NonNullable<ScopeSpansJson['scope']>;
export interface KeyValueJson {
  key: string;
  value?: AnyValueJson;
}

// --- common/v1 ---------------------------------------------------------------------------------------------

const anyValueFields = fieldSet(1, 2, 3, 4, 5, 6, 7);
/** AnyValue; nesting past MAX_ANY_VALUE_DEPTH is skipped unread (the mapping makes it null), so depth is bounded. */
export function readAnyValue(reader: WireReader, end: number, depth: number): AnyValueJson {
  if (depth > MAX_ANY_VALUE_DEPTH) {
    reader.pos = end;
    return {};
  }
  let value: AnyValueJson = {};
  while (reader.pos < end) {
    const tag = reader.tag(end);
    // A oneof: the last member on the wire wins.
    switch (tag) {
      case 0x0a /* 1 len */:
        value = { stringValue: reader.string(end) };
        break;
      case 0x10 /* 2 varint */:
        value = { boolValue: reader.bool(end) };
        break;
      case 0x18 /* 3 varint */:
        value = { intValue: reader.int64(end) };
        break;
      case 0x21 /* 4 i64 */:
        value = { doubleValue: reader.double(end) };
        break;
      case 0x2a /* 5 len */: {
        const valuesEnd = reader.lengthEnd(end);
        const values: AnyValueJson[] = [];
        while (reader.pos < valuesEnd) {
          const inner = reader.tag(valuesEnd);
          if (inner === 0x0a /* 1 len */) values.push(readAnyValue(reader, reader.lengthEnd(valuesEnd), depth + 1));
          else reader.skip(inner, valuesEnd, fieldSet(1), 'ArrayValue');
        }
        value = { arrayValue: { values } };
        break;
      }
      case 0x32 /* 6 len */: {
        const valuesEnd = reader.lengthEnd(end);
        const values: KeyValueJson[] = [];
        while (reader.pos < valuesEnd) {
          const inner = reader.tag(valuesEnd);
          if (inner === 0x0a /* 1 len */) values.push(readKeyValue(reader, reader.lengthEnd(valuesEnd), depth + 1));
          else reader.skip(inner, valuesEnd, fieldSet(1), 'KeyValueList');
        }
        value = { kvlistValue: { values } };
        break;
      }
      case 0x3a /* 7 len */:
        value = { bytesValue: reader.base64(end) };
        break;
      default:
        reader.skip(tag, end, anyValueFields, 'AnyValue');
    }
  }
  return value;
}

const keyValueFields = fieldSet(1, 2);
function readKeyValue(reader: WireReader, end: number, depth: number): KeyValueJson {
  const keyValue: KeyValueJson = { key: '' };
  while (reader.pos < end) {
    const tag = reader.tag(end);
    if (tag === 0x0a /* 1 len */) keyValue.key = reader.string(end);
    else if (tag === 0x12 /* 2 len */) keyValue.value = readAnyValue(reader, reader.lengthEnd(end), depth);
    else reader.skip(tag, end, keyValueFields, 'KeyValue');
  }
  return keyValue;
}

/** Appends one repeated `KeyValue attributes` entry to the list, creating it on the first. */
export function pushAttribute(reader: WireReader, end: number, list: KeyValueJson[] | undefined): KeyValueJson[] {
  const attributes = list ?? [];
  attributes.push(readKeyValue(reader, reader.lengthEnd(end), 0));
  return attributes;
}

const resourceFields = fieldSet(1);
export function readResource(reader: WireReader, end: number, into: ResourceJson = {}): ResourceJson {
  while (reader.pos < end) {
    const tag = reader.tag(end);
    if (tag === 0x0a /* 1 len */) into.attributes = pushAttribute(reader, end, into.attributes);
    else reader.skip(tag, end, resourceFields, 'Resource');
  }
  return into;
}

const scopeFields = fieldSet(1, 2);
/** InstrumentationScope: name and version (its attributes are not mapped, so they are skipped). */
export function readScope(reader: WireReader, end: number, into: ScopeJson = {}): ScopeJson {
  while (reader.pos < end) {
    const tag = reader.tag(end);
    if (tag === 0x0a /* 1 len */) into.name = reader.string(end);
    else if (tag === 0x12 /* 2 len */) into.version = reader.string(end);
    else reader.skip(tag, end, scopeFields, 'InstrumentationScope');
  }
  return into;
}

// --- trace/v1 ------------------------------------------------------------------------------------------------

const statusFields = fieldSet(2, 3);
function readStatus(reader: WireReader, end: number, into: NonNullable<SpanJson['status']> = {}): NonNullable<SpanJson['status']> {
  while (reader.pos < end) {
    const tag = reader.tag(end);
    if (tag === 0x12 /* 2 len */) into.message = reader.string(end);
    else if (tag === 0x18 /* 3 varint */) into.code = reader.int32(end);
    else reader.skip(tag, end, statusFields, 'Status');
  }
  return into;
}

const eventFields = fieldSet(1, 2, 3);
function readSpanEvent(reader: WireReader, end: number): SpanEventJson {
  const event: SpanEventJson = {};
  while (reader.pos < end) {
    const tag = reader.tag(end);
    if (tag === 0x09 /* 1 i64 */) event.timeUnixNano = reader.fixed64Decimal(end);
    else if (tag === 0x12 /* 2 len */) event.name = reader.string(end);
    else if (tag === 0x1a /* 3 len */) event.attributes = pushAttribute(reader, end, event.attributes);
    else reader.skip(tag, end, eventFields, 'Span.Event');
  }
  return event;
}

const spanFields = fieldSet(1, 2, 4, 5, 6, 7, 8, 9, 11, 15);
function readSpan(reader: WireReader, end: number): SpanJson {
  const span: SpanJson = {};
  while (reader.pos < end) {
    const tag = reader.tag(end);
    switch (tag) {
      case 0x0a /* 1 len */:
        span.traceId = reader.hex(end);
        break;
      case 0x12 /* 2 len */:
        span.spanId = reader.hex(end);
        break;
      case 0x22 /* 4 len */:
        span.parentSpanId = reader.hex(end);
        break;
      case 0x2a /* 5 len */:
        span.name = reader.string(end);
        break;
      case 0x30 /* 6 varint */:
        span.kind = reader.int32(end);
        break;
      case 0x39 /* 7 i64 */:
        span.startTimeUnixNano = reader.fixed64Decimal(end);
        break;
      case 0x41 /* 8 i64 */:
        span.endTimeUnixNano = reader.fixed64Decimal(end);
        break;
      case 0x4a /* 9 len */:
        span.attributes = pushAttribute(reader, end, span.attributes);
        break;
      case 0x5a /* 11 len */:
        (span.events ??= []).push(readSpanEvent(reader, reader.lengthEnd(end)));
        break;
      case 0x7a /* 15 len */:
        span.status = readStatus(reader, reader.lengthEnd(end), span.status);
        break;
      default:
        reader.skip(tag, end, spanFields, 'Span');
    }
  }
  return span;
}

const scopeSpansFields = fieldSet(1, 2);
function readScopeSpans(reader: WireReader, end: number): ScopeSpansJson {
  const scopeSpans: ScopeSpansJson = {};
  while (reader.pos < end) {
    const tag = reader.tag(end);
    if (tag === 0x0a /* 1 len */) scopeSpans.scope = readScope(reader, reader.lengthEnd(end), scopeSpans.scope);
    else if (tag === 0x12 /* 2 len */) (scopeSpans.spans ??= []).push(readSpan(reader, reader.lengthEnd(end)));
    else reader.skip(tag, end, scopeSpansFields, 'ScopeSpans');
  }
  return scopeSpans;
}

const resourceSpansFields = fieldSet(1, 2);
function readResourceSpans(reader: WireReader, end: number): ResourceSpansJson {
  const resourceSpans: ResourceSpansJson = {};
  while (reader.pos < end) {
    const tag = reader.tag(end);
    if (tag === 0x0a /* 1 len */) resourceSpans.resource = readResource(reader, reader.lengthEnd(end), resourceSpans.resource);
    else if (tag === 0x12 /* 2 len */) (resourceSpans.scopeSpans ??= []).push(readScopeSpans(reader, reader.lengthEnd(end)));
    else reader.skip(tag, end, resourceSpansFields, 'ResourceSpans');
  }
  return resourceSpans;
}

const exportRequestFields = fieldSet(1);
/** ExportTraceServiceRequest; malformed bytes throw an `invalid_input` AppError naming the message and byte. */
export function decodeTraceRequest(bytes: Uint8Array): OtlpTraceRequest {
  const reader = new WireReader(bytes, 'ExportTraceServiceRequest');
  const end = bytes.length;
  const request: OtlpTraceRequest = {};
  while (reader.pos < end) {
    const tag = reader.tag(end);
    if (tag === 0x0a /* 1 len */) (request.resourceSpans ??= []).push(readResourceSpans(reader, reader.lengthEnd(end)));
    else reader.skip(tag, end, exportRequestFields, 'ExportTraceServiceRequest');
  }
  return request;
}

// --- logs/v1 -------------------------------------------------------------------------------------------------

const logRecordFields = fieldSet(1, 2, 3, 5, 6, 9, 10, 11, 12);
function readLogRecord(reader: WireReader, end: number): LogRecordJson {
  const record: LogRecordJson = {};
  while (reader.pos < end) {
    const tag = reader.tag(end);
    switch (tag) {
      case 0x09 /* 1 i64 */:
        record.timeUnixNano = reader.fixed64Decimal(end);
        break;
      case 0x10 /* 2 varint */:
        record.severityNumber = reader.int32(end);
        break;
      case 0x1a /* 3 len */:
        record.severityText = reader.string(end);
        break;
      case 0x2a /* 5 len */:
        record.body = readAnyValue(reader, reader.lengthEnd(end), 0);
        break;
      case 0x32 /* 6 len */:
        record.attributes = pushAttribute(reader, end, record.attributes);
        break;
      case 0x4a /* 9 len */:
        record.traceId = reader.hex(end);
        break;
      case 0x52 /* 10 len */:
        record.spanId = reader.hex(end);
        break;
      case 0x59 /* 11 i64 */:
        record.observedTimeUnixNano = reader.fixed64Decimal(end);
        break;
      case 0x62 /* 12 len */:
        record.eventName = reader.string(end);
        break;
      default:
        reader.skip(tag, end, logRecordFields, 'LogRecord');
    }
  }
  return record;
}

const scopeLogsFields = fieldSet(1, 2);
function readScopeLogs(reader: WireReader, end: number): ScopeLogsJson {
  const scopeLogs: ScopeLogsJson = {};
  while (reader.pos < end) {
    const tag = reader.tag(end);
    if (tag === 0x0a /* 1 len */) scopeLogs.scope = readScope(reader, reader.lengthEnd(end), scopeLogs.scope);
    else if (tag === 0x12 /* 2 len */) (scopeLogs.logRecords ??= []).push(readLogRecord(reader, reader.lengthEnd(end)));
    else reader.skip(tag, end, scopeLogsFields, 'ScopeLogs');
  }
  return scopeLogs;
}

const resourceLogsFields = fieldSet(1, 2);
function readResourceLogs(reader: WireReader, end: number): ResourceLogsJson {
  const resourceLogs: ResourceLogsJson = {};
  while (reader.pos < end) {
    const tag = reader.tag(end);
    if (tag === 0x0a /* 1 len */) resourceLogs.resource = readResource(reader, reader.lengthEnd(end), resourceLogs.resource);
    else if (tag === 0x12 /* 2 len */) (resourceLogs.scopeLogs ??= []).push(readScopeLogs(reader, reader.lengthEnd(end)));
    else reader.skip(tag, end, resourceLogsFields, 'ResourceLogs');
  }
  return resourceLogs;
}

/** ExportLogsServiceRequest; malformed bytes throw an `invalid_input` AppError naming the message and byte. */
export function decodeLogsRequest(bytes: Uint8Array): OtlpLogsRequest {
  const reader = new WireReader(bytes, 'ExportLogsServiceRequest');
  const end = bytes.length;
  const request: OtlpLogsRequest = {};
  while (reader.pos < end) {
    const tag = reader.tag(end);
    if (tag === 0x0a /* 1 len */) (request.resourceLogs ??= []).push(readResourceLogs(reader, reader.lengthEnd(end)));
    else reader.skip(tag, end, exportRequestFields, 'ExportLogsServiceRequest');
  }
  return request;
}

// --- answers -------------------------------------------------------------------------------------------------

export interface OtlpPartialSuccess {
  rejectedSpans?: number;
  rejectedLogRecords?: number;
  rejectedDataPoints?: number;
  errorMessage?: string;
}

/**
 * ExportTraceServiceResponse, ExportLogsServiceResponse and ExportMetricsServiceResponse share one shape:
 * `partial_success` (1) holding the rejected count (1, int64) and `error_message` (2). Everything accepted is
 * an empty message, zero bytes.
 */
export function encodeExportResponse(answer: { partialSuccess?: OtlpPartialSuccess }): Uint8Array {
  const partial = answer.partialSuccess;
  if (!partial) return new Uint8Array(0);
  const rejected = partial.rejectedSpans ?? partial.rejectedLogRecords ?? partial.rejectedDataPoints ?? 0;
  const inner = new WireWriter().uint64Field(1, rejected).stringField(2, partial.errorMessage ?? '');
  return new WireWriter().messageField(1, inner).finish();
}

/** google.rpc.Status: code (1), message (2); no details. */
export function encodeStatus(code: number, message: string): Uint8Array {
  return new WireWriter().int32Field(1, code).stringField(2, message).finish();
}
