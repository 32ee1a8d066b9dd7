// The OTLP protobuf reader against requests encoded by the OpenTelemetry JS serializers (the bytes the stock proto
// exporters send): each maps exactly as the same records in the JSON encoding do. Malformed input (truncation,
// wrong wire types, lengths past the end, random mutations, hostile nesting) is always a 400 AppError.
import { describe, expect, it } from 'vitest';
import protobuf from 'protobufjs';
import { JsonLogsSerializer, JsonTraceSerializer, ProtobufLogsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor, type ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { AppError } from '../../shared/errors';
import { mapLogsRequest, mapTraceRequest, otlpLogsRequestSchema, otlpTraceRequestSchema } from '../../shared/domain/telemetry/otlp';
import { decodeLogsRequest, decodeTraceRequest, encodeExportResponse, encodeStatus } from '../../shared/domain/telemetry/otlp-protobuf';
import { unsignedDecimal } from '../../shared/domain/telemetry/protobuf-wire';

const now = new Date('2026-03-01T12:00:00.000Z');
const resource = resourceFromAttributes({ 'service.name': 'shop-web', 'service.version': '4.2.0', 'device.id': 'dev-1', 'os.type': 'linux' });

function sampleSpans(): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor(memory)] });
  const tracer = provider.getTracer('checkout', '1.0.0');
  const parent = tracer.startSpan('POST /checkout', {
    kind: SpanKind.SERVER,
    attributes: {
      'http.method': 'POST',
      'enduser.email': 'jane.doe@example.com',
      retries: 3,
      ratio: 0.25,
      cached: false,
      negative: -42,
      tags: ['a', 'ü', '漢字'],
      counts: [1, 2, 3],
    },
  });
  const child = tracer.startSpan('charge card', { kind: SpanKind.CLIENT }, trace.setSpan(context.active(), parent));
  child.addEvent('card declined', { 'card.brand': 'visa', 'card.number': '4111 1111 1111 1111' });
  child.addEvent('retry');
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'declined' });
  child.end();
  for (const kind of [SpanKind.INTERNAL, SpanKind.PRODUCER, SpanKind.CONSUMER]) tracer.startSpan(`kind ${kind}`, { kind }).end();
  tracer.startSpan('long name '.repeat(40)).end();
  parent.setStatus({ code: SpanStatusCode.OK });
  parent.end();
  return memory.getFinishedSpans();
}

function sampleLogs(): ReadableLogRecord[] {
  const memory = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({ resource, processors: [new SimpleLogRecordProcessor({ exporter: memory })] });
  const logger = provider.getLogger('payments', '2.0.0');
  const spanContext = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 };
  logger.emit({
    severityNumber: 17,
    severityText: 'ERROR',
    body: 'payment failed for jane.doe@example.com',
    attributes: { 'order.id': 'ord_123', amount: 12.5 },
    context: trace.setSpanContext(context.active(), spanContext),
  });
  logger.emit({ severityNumber: 21, body: 'process crashed', timestamp: 1772366400123 });
  logger.emit({ severityNumber: 5, severityText: 'DEBUG', body: { step: 'retry', attempt: 2, nested: { list: [1, 'two', { three: true }] } } });
  logger.emit({ severityNumber: 9, body: new Uint8Array([0, 1, 2, 253, 254, 255]), eventName: 'device.boot' });
  logger.emit({ severityText: 'warning', body: ['x', 1.5, false], attributes: { meta: { user: { email: 'a@b.example' } } } });
  let deep: unknown = 'bottom';
  for (let level = 0; level < 14; level++) deep = level % 2 ? { level: deep } : [deep];
  logger.emit({ severityNumber: 13, body: deep as string, attributes: { deep: deep as string } });
  return memory.getFinishedLogRecords();
}

function jsonTrace(spans: ReadableSpan[]) {
  return otlpTraceRequestSchema.parse(JSON.parse(new TextDecoder().decode(JsonTraceSerializer.serializeRequest(spans))));
}
function jsonLogs(records: ReadableLogRecord[]) {
  return otlpLogsRequestSchema.parse(JSON.parse(new TextDecoder().decode(JsonLogsSerializer.serializeRequest(records))));
}

/** Whether decoding threw our 400, or succeeded; anything else (a TypeError, a RangeError) fails the test. */
function outcomeOf(decode: () => unknown): 'decoded' | 'invalid' {
  try {
    decode();
    return 'decoded';
  } catch (error) {
    if (error instanceof AppError && error.kind === 'invalid_input') return 'invalid';
    throw error;
  }
}

describe('protobuf requests from the OpenTelemetry JS serializer', () => {
  it('spans map exactly as the JSON encoding of the same spans does', () => {
    const spans = sampleSpans();
    const bytes = ProtobufTraceSerializer.serializeRequest(spans)!;
    const fromProtobuf = mapTraceRequest(decodeTraceRequest(bytes), now);
    const fromJson = mapTraceRequest(jsonTrace(spans), now);
    expect(fromProtobuf.items).toHaveLength(spans.length);
    expect(fromProtobuf).toEqual(fromJson);
    const child = fromProtobuf.items.find((item) => (item as { name: string }).name === 'charge card') as Record<string, unknown>;
    const original = spans.find((span) => span.name === 'charge card')!;
    expect(child).toMatchObject({
      traceId: original.spanContext().traceId,
      spanId: original.spanContext().spanId,
      spanKind: 'client',
      status: { code: 'error', message: 'declined' },
    });
    expect(fromProtobuf.device).toEqual({ deviceId: 'dev-1', platform: 'linux', appVersion: '4.2.0' });
  });

  it('log records map exactly as the JSON encoding does, ids included, nesting past the depth limit made null', () => {
    const records = sampleLogs();
    const bytes = ProtobufLogsSerializer.serializeRequest(records)!;
    const fromProtobuf = mapLogsRequest(decodeLogsRequest(bytes), now);
    expect(fromProtobuf.items).toHaveLength(records.length);
    expect(fromProtobuf).toEqual(mapLogsRequest(jsonLogs(records), now));
    const [error, fatal, debug, info, warn, deep] = fromProtobuf.items as Array<Record<string, unknown>>;
    expect(error).toMatchObject({ level: 'error', traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', module: 'payments' });
    expect(fatal).toMatchObject({ level: 'fatal', timestamp: '2026-03-01T12:00:00.123Z' });
    expect(JSON.parse(debug!.message as string)).toEqual({ step: 'retry', attempt: 2, nested: { list: [1, 'two', { three: true }] } });
    expect(info).toMatchObject({
      message: Buffer.from([0, 1, 2, 253, 254, 255]).toString('base64'),
      context: expect.objectContaining({ 'event.name': 'device.boot' }),
    });
    expect(warn).toMatchObject({ level: 'warn', message: '["x",1.5,false]' });
    expect(deep!.message).toContain('null');
  });

  it('64-bit values keep every digit: nanosecond times and int64 attributes past 2^53', () => {
    const memory = new InMemoryLogRecordExporter();
    const provider = new LoggerProvider({ resource, processors: [new SimpleLogRecordProcessor({ exporter: memory })] });
    // [seconds, nanoseconds]: a time whose nanoseconds a double cannot hold.
    provider.getLogger('t').emit({ body: 'x', timestamp: [1772366400, 123456789], observedTimestamp: [1772366400, 987654321] });
    const decoded = decodeLogsRequest(ProtobufLogsSerializer.serializeRequest(memory.getFinishedLogRecords())!);
    const record = decoded.resourceLogs![0]!.scopeLogs![0]!.logRecords![0]!;
    expect(record.timeUnixNano).toBe('1772366400123456789');
    expect(record.observedTimeUnixNano).toBe('1772366400987654321');
  });

  it('fixed64 decimal conversion is exact across the whole range', () => {
    const edges: Array<[number, number]> = [
      [0, 0],
      [1, 0],
      [0xffffffff, 0x1fffff],
      [0, 0x200000],
      [0xffffffff, 0xffffffff],
      [999999, 0x200000],
      [0, 0x80000000],
    ];
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) >>> 0);
    for (let index = 0; index < 2000; index++) edges.push([random(), random()]);
    for (const [lo, hi] of edges) expect(unsignedDecimal(lo, hi)).toBe(((BigInt(hi) << 32n) | BigInt(lo)).toString());
  });
});

describe('protobuf answers read back by real decoders', () => {
  it('Export*ServiceResponse with partial success, and an empty one when all was accepted', () => {
    const bytes = encodeExportResponse({ partialSuccess: { rejectedSpans: 2, errorMessage: '2 rejected: traceId: 32 lowercase hex characters' } });
    expect(ProtobufTraceSerializer.deserializeResponse(bytes)).toEqual({
      partialSuccess: { rejectedSpans: 2, errorMessage: '2 rejected: traceId: 32 lowercase hex characters' },
    });
    const logs = encodeExportResponse({ partialSuccess: { rejectedLogRecords: 300, errorMessage: 'é' } });
    expect(ProtobufLogsSerializer.deserializeResponse(logs)).toEqual({ partialSuccess: { rejectedLogRecords: 300, errorMessage: 'é' } });
    expect(encodeExportResponse({})).toHaveLength(0);
  });

  it('google.rpc.Status, decoded by protobufjs', () => {
    const Status = protobuf.Root.fromJSON({
      nested: { Status: { fields: { code: { type: 'int32', id: 1 }, message: { type: 'string', id: 2 } } } },
    }).lookupType('Status');
    expect(Status.toObject(Status.decode(encodeStatus(3, 'The body is not valid: ü')))).toEqual({ code: 3, message: 'The body is not valid: ü' });
    expect(Status.toObject(Status.decode(encodeStatus(-1, 'negative codes are ten bytes')))).toEqual({ code: -1, message: 'negative codes are ten bytes' });
  });
});

describe('malformed protobuf is a 400, never a crash', () => {
  const traceBytes = ProtobufTraceSerializer.serializeRequest(sampleSpans())!;
  const logBytes = ProtobufLogsSerializer.serializeRequest(sampleLogs())!;

  it.each([
    ['a truncated varint', [0x0a, 0x80], /truncated varint/],
    ['a length past the end', [0x0a, 0x05, 0x0a, 0x00], /length past the end/],
    ['field number 0', [0x02, 0x00], /field number 0/],
    ['a group (wire type 3)', [0x0b], /wire type 3/],
    ['an unknown wire type 7', [0x0f], /wire type 7/],
    ['resource_spans sent as a varint', [0x08, 0x01], /ExportTraceServiceRequest field 1 has the wrong wire type 0/],
    ['a span trace_id sent as a varint', [0x0a, 0x06, 0x12, 0x04, 0x12, 0x02, 0x08, 0x01], /Span field 1 has the wrong wire type 0/],
    ['a varint longer than ten bytes', [0x18, ...Array(11).fill(0xff), 0x01], /longer than 10 bytes|too long/],
    ['a truncated fixed64 time', [0x0a, 0x0a, 0x12, 0x08, 0x12, 0x06, 0x39, 1, 2, 3, 4, 5], /truncated fixed64/],
  ])('%s', (_, bytes, message) => {
    const attempt = () => decodeTraceRequest(Uint8Array.from(bytes));
    expect(attempt).toThrow(AppError);
    expect(attempt).toThrow(message);
  });

  it('every truncation of a real request decodes or is refused with 400', () => {
    const outcomes = new Set<string>();
    for (let length = 0; length < traceBytes.length; length++)
      outcomes.add(outcomeOf(() => mapTraceRequest(decodeTraceRequest(traceBytes.subarray(0, length)), now)));
    for (let length = 0; length < logBytes.length; length++)
      outcomes.add(outcomeOf(() => mapLogsRequest(decodeLogsRequest(logBytes.subarray(0, length)), now)));
    expect(outcomes).toEqual(new Set(['decoded', 'invalid']));
  });

  it('5,000 random mutations of real requests decode or are refused with 400', () => {
    let seed = 12345;
    const random = (below: number) => (seed = (seed * 1103515245 + 12345) >>> 0) % below;
    const counts = { decoded: 0, invalid: 0 };
    for (let round = 0; round < 5000; round++) {
      const logs = round % 2 === 1;
      const bytes = Uint8Array.from(logs ? logBytes : traceBytes);
      for (let flips = 1 + random(4); flips > 0; flips--) bytes[random(bytes.length)] = random(256);
      counts[outcomeOf(() => (logs ? mapLogsRequest(decodeLogsRequest(bytes), now) : mapTraceRequest(decodeTraceRequest(bytes), now)))]++;
    }
    expect(counts.decoded).toBeGreaterThan(0);
    expect(counts.invalid).toBeGreaterThan(0);
  });

  it('AnyValue nested 200,000 deep does not recurse past the depth limit', () => {
    // Hostile input no encoder produces: arrayValue inside arrayValue, built from the inside out.
    let value: Uint8Array = Uint8Array.from([0x0a, 0x01, 0x61]);
    const chunks: Uint8Array[] = [];
    const prefixes: number[][] = [];
    let length = value.length;
    for (let level = 0; level < 200_000; level++) {
      // AnyValue{array_value(5): ArrayValue{values(1): <inner AnyValue>}}
      const inner = [0x0a, ...varint(length)];
      const outer = [0x2a, ...varint(length + inner.length)];
      prefixes.push([...outer, ...inner]);
      length += inner.length + outer.length;
    }
    for (let level = prefixes.length - 1; level >= 0; level--) chunks.push(Uint8Array.from(prefixes[level]!));
    chunks.push(value);
    value = Buffer.concat(chunks);
    // LogRecord{body(5): value} in ScopeLogs{log_records(2)} in ResourceLogs{scope_logs(2)} in the request.
    const record = Buffer.concat([Uint8Array.from([0x2a, ...varint(value.length)]), value]);
    const scopeLogs = Buffer.concat([Uint8Array.from([0x12, ...varint(record.length)]), record]);
    const resourceLogs = Buffer.concat([Uint8Array.from([0x12, ...varint(scopeLogs.length)]), scopeLogs]);
    const request = Buffer.concat([Uint8Array.from([0x0a, ...varint(resourceLogs.length)]), resourceLogs]);
    const mapped = mapLogsRequest(decodeLogsRequest(request), now);
    expect((mapped.items[0] as { message: string }).message).toBe('[[[[[[[[[null]]]]]]]]]');
  });
});

function varint(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
  return bytes;
}
