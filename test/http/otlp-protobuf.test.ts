// OTLP/HTTP protobuf intake through the local host: the stock OpenTelemetry JS proto exporters (their exact bytes,
// plain and gzip), then protobuf requests made by the JS serializer for partial success, malformed bodies, limits
// and auth, with the answers read back by the serializer's own response decoder.
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import protobuf from 'protobufjs';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { ProtobufLogsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor, type ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { SpanKind, SpanStatusCode, context, trace, type Tracer } from '@opentelemetry/api';
import { openDeviceSession, type DeviceSession } from '../support/device-session';
import { startTestHost, type TestHost } from '../support/test-host';

let host: TestHost;
beforeAll(async () => {
  host = await startTestHost();
});
afterAll(() => host.close());

const Status = protobuf.Root.fromJSON({ nested: { Status: { fields: { code: { type: 'int32', id: 1 }, message: { type: 'string', id: 2 } } } } }).lookupType(
  'Status',
);
function statusOf(bytes: ArrayBuffer): { code?: number; message?: string } {
  return Status.toObject(Status.decode(new Uint8Array(bytes))) as { code?: number; message?: string };
}

async function openSession(): Promise<DeviceSession> {
  return openDeviceSession(host, await host.token({ roles: ['admin'], products: ['demo'] }), {
    capture: { logs: true, traces: true },
    collectionLevel: 'trace',
  });
}

function recordSpans(session: DeviceSession, work: (tracer: Tracer) => void): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'shop-web', 'service.version': '4.2.0', 'device.id': session.deviceId }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  work(provider.getTracer('checkout', '1.0.0'));
  return memory.getFinishedSpans();
}

function recordLogs(session: DeviceSession, work: (logger: ReturnType<LoggerProvider['getLogger']>) => void): ReadableLogRecord[] {
  const memory = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'shop-web', 'device.id': session.deviceId }),
    processors: [new SimpleLogRecordProcessor({ exporter: memory })],
  });
  work(provider.getLogger('payments'));
  return memory.getFinishedLogRecords();
}

function headersOf(session: DeviceSession): Record<string, string> {
  return { 'x-diagnostics-key': host.productKey(), authorization: `Bearer ${session.ingestToken}` };
}

function protobufHeaders(session: DeviceSession): Record<string, string> {
  return { ...headersOf(session), 'content-type': 'application/x-protobuf' };
}

async function storedSpans(session: DeviceSession) {
  return (await host.deps.stores.telemetry.listSpans({ productId: 'demo', sessionId: session.sessionId }, { order: 'oldest' }, { maxItems: 100 })).items;
}

async function storedLogs(session: DeviceSession) {
  return (await host.deps.stores.telemetry.listLogs({ productId: 'demo', sessionId: session.sessionId }, { order: 'oldest' }, { maxItems: 100 })).items;
}

describe('the stock OpenTelemetry JS proto exporters', () => {
  it('OTLPTraceExporter (protobuf) delivers spans with ids, parents, kinds, status and masked attributes', async () => {
    const session = await openSession();
    const spans = recordSpans(session, (tracer) => {
      const parent = tracer.startSpan('POST /checkout', {
        kind: SpanKind.SERVER,
        attributes: { 'enduser.email': 'jane.doe@example.com', 'payment.card': '4111 1111 1111 1111', retries: 3 },
      });
      const child = tracer.startSpan('charge card', { kind: SpanKind.CLIENT }, trace.setSpan(context.active(), parent));
      child.addEvent('card declined', { 'card.brand': 'visa' });
      child.setStatus({ code: SpanStatusCode.ERROR, message: 'declined' });
      child.end();
      parent.end();
    });
    const exporter = new OTLPTraceExporter({ url: `${host.url}/api/v1/traces`, headers: headersOf(session) });
    const result = await new Promise<{ code: number; error?: Error }>((resolve) => exporter.export(spans, resolve));
    await exporter.shutdown();
    expect(result.error).toBeUndefined();
    expect(result.code).toBe(0);

    const stored = await storedSpans(session);
    expect(stored).toHaveLength(2);
    const parent = stored.find((doc) => doc.name === 'POST /checkout')!;
    const child = stored.find((doc) => doc.name === 'charge card')!;
    const original = spans.find((span) => span.name === 'charge card')!;
    expect(child).toMatchObject({
      traceId: original.spanContext().traceId,
      spanId: original.spanContext().spanId,
      parentSpanId: parent.spanId,
      spanKind: 'client',
      status: { code: 'error', message: 'declined' },
    });
    expect(child.events?.[0]).toMatchObject({ name: 'card declined', attributes: { 'card.brand': 'visa' } });
    // Millisecond precision, from the exact nanoseconds.
    expect(Date.parse(child.startTime)).toBe(Math.floor(original.startTime[0] * 1000 + original.startTime[1] / 1e6));
    expect(parent.attributes).toMatchObject({ retries: 3, 'otel.scope.name': 'checkout', 'resource.service.name': 'shop-web' });
    const text = JSON.stringify(stored);
    expect(text).not.toContain('jane.doe@example.com');
    expect(text).not.toContain('4111 1111 1111 1111');
    expect(parent.redaction.patternsMatched).toEqual(expect.arrayContaining(['email']));
  });

  it('OTLPTraceExporter (protobuf, gzip): a retry of the same spans stores nothing twice', async () => {
    const session = await openSession();
    const spans = recordSpans(session, (tracer) => tracer.startSpan('load').end());
    const exporter = new OTLPTraceExporter({ url: `${host.url}/api/v1/traces`, headers: headersOf(session), compression: 'gzip' as never });
    for (let attempt = 0; attempt < 2; attempt++) expect((await new Promise<{ code: number }>((resolve) => exporter.export(spans, resolve))).code).toBe(0);
    await exporter.shutdown();
    expect(await storedSpans(session)).toHaveLength(1);
  });

  it('OTLPLogExporter (protobuf) delivers severity, bodies, scope and trace context, masked; a retry lands on the same documents', async () => {
    const session = await openSession();
    const records = recordLogs(session, (logger) => {
      logger.emit({
        severityNumber: 17,
        severityText: 'ERROR',
        body: 'payment failed for jane.doe@example.com with 4111 1111 1111 1111',
        attributes: { 'order.id': 'ord_123' },
      });
      logger.emit({ severityNumber: 21, body: 'process crashed' });
      logger.emit({ severityNumber: 5, body: { step: 'retry', attempt: 2 } });
    });
    const exporter = new OTLPLogExporter({ url: `${host.url}/api/v1/logs`, headers: headersOf(session), compression: 'gzip' as never });
    for (let attempt = 0; attempt < 2; attempt++) {
      const result = await new Promise<{ code: number; error?: Error }>((resolve) => exporter.export(records, resolve));
      expect(result.error).toBeUndefined();
      expect(result.code).toBe(0);
    }
    await exporter.shutdown();

    const stored = (await storedLogs(session)).filter((doc) => doc.docType === 'log');
    expect(stored).toHaveLength(3);
    expect(stored.map((doc) => (doc.docType === 'log' ? doc.level : '')).sort()).toEqual(['debug', 'error', 'fatal']);
    const error = stored.find((doc) => doc.docType === 'log' && doc.level === 'error')!;
    if (error.docType !== 'log') throw new Error('expected a log');
    expect(error).toMatchObject({ module: 'payments', context: { 'order.id': 'ord_123', 'resource.service.name': 'shop-web' } });
    expect(error.message).not.toContain('jane.doe@example.com');
    expect(error.message).not.toContain('4111 1111 1111 1111');
    const debug = stored.find((doc) => doc.docType === 'log' && doc.level === 'debug');
    expect(debug && debug.docType === 'log' ? JSON.parse(debug.message) : undefined).toEqual({ step: 'retry', attempt: 2 });
  });
});

describe('protobuf answers per the OTLP spec', () => {
  it('200 with a protobuf ExportTraceServiceResponse counting rejected spans and saying why', async () => {
    const session = await openSession();
    const eightDaysAgo = new Date(host.clock.now().getTime() - 8 * 86_400_000);
    const spans = recordSpans(session, (tracer) => {
      tracer.startSpan('fine').end();
      tracer.startSpan('too old', { startTime: eightDaysAgo }).end(eightDaysAgo);
    });
    // A span whose trace id is two bytes, as a broken exporter might send.
    const broken = Object.assign(Object.create(Object.getPrototypeOf(spans[0])), spans[0], {
      spanContext: () => ({ ...spans[0]!.spanContext(), traceId: 'abcd' }),
    }) as ReadableSpan;
    const response = await host.call('POST', '/api/v1/traces', {
      rawBody: ProtobufTraceSerializer.serializeRequest([...spans, broken])!,
      headers: protobufHeaders(session),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/x-protobuf');
    const answer = ProtobufTraceSerializer.deserializeResponse(new Uint8Array(await response.arrayBuffer()));
    expect(answer.partialSuccess?.rejectedSpans).toBe(2);
    expect(answer.partialSuccess?.errorMessage).toMatch(/traceId/);
    expect(answer.partialSuccess?.errorMessage).toMatch(/too old/);
    expect(await storedSpans(session)).toHaveLength(1);
  });

  it('200 with an empty protobuf body when all was accepted; an empty request is a valid empty message', async () => {
    const session = await openSession();
    const records = recordLogs(session, (logger) => logger.emit({ body: 'hello' }));
    const accepted = await host.call('POST', '/api/v1/logs', { rawBody: ProtobufLogsSerializer.serializeRequest(records)!, headers: protobufHeaders(session) });
    expect(accepted.status).toBe(200);
    expect((await accepted.arrayBuffer()).byteLength).toBe(0);
    const empty = await host.call('POST', '/api/v1/logs', { rawBody: new Uint8Array(0), headers: protobufHeaders(session) });
    expect(empty.status).toBe(200);
    expect(await storedLogs(session)).toHaveLength(1);
  });

  it('400 with a protobuf google.rpc.Status for malformed protobuf, naming what is wrong', async () => {
    const session = await openSession();
    const good = ProtobufTraceSerializer.serializeRequest(recordSpans(session, (tracer) => tracer.startSpan('x').end()))!;
    const cases: Array<[string, Uint8Array]> = [
      ['length past the end', good.subarray(0, good.length - 3)],
      ['truncated varint', Uint8Array.from([0x0a, 0x80])],
      ['wrong wire type', Uint8Array.from([0x08, 0x01])],
    ];
    for (const [reason, body] of cases) {
      const response = await host.call('POST', '/api/v1/traces', { rawBody: body, headers: protobufHeaders(session) });
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toBe('application/x-protobuf');
      const status = statusOf(await response.arrayBuffer());
      expect(status.code).toBe(3);
      expect(status.message).toContain(reason);
    }
    const badGzip = await host.call('POST', '/api/v1/logs', { rawBody: 'not gzip', headers: { ...protobufHeaders(session), 'content-encoding': 'gzip' } });
    expect(badGzip.status).toBe(400);
    expect(statusOf(await badGzip.arrayBuffer()).code).toBe(3);
    expect(await storedSpans(session)).toHaveLength(0);
  });

  it('413 for a protobuf gzip body that inflates past 4 MiB; 415 for other media types', async () => {
    const session = await openSession();
    // One string attribute of 5 MiB: a valid message that is simply too large.
    const spans = recordSpans(session, (tracer) => tracer.startSpan('big', { attributes: { padding: 'x'.repeat(5 * 1024 * 1024) } }).end());
    const bomb = gzipSync(ProtobufTraceSerializer.serializeRequest(spans)!);
    const response = await host.call('POST', '/api/v1/traces', { rawBody: bomb, headers: { ...protobufHeaders(session), 'content-encoding': 'gzip' } });
    expect(response.status).toBe(413);
    expect(statusOf(await response.arrayBuffer()).code).toBe(3);
    const text = await host.call('POST', '/api/v1/traces', { rawBody: 'hello', headers: { ...headersOf(session), 'content-type': 'text/plain' } });
    expect(text.status).toBe(415);
    expect((await text.json()).message).toMatch(/application\/x-protobuf/);
  });

  it('401 with a protobuf Status without a token', async () => {
    const session = await openSession();
    const body = ProtobufTraceSerializer.serializeRequest(recordSpans(session, (tracer) => tracer.startSpan('x').end()))!;
    const response = await host.call('POST', '/api/v1/traces', {
      rawBody: body,
      headers: { 'x-diagnostics-key': host.productKey(), 'content-type': 'application/x-protobuf' },
    });
    expect(response.status).toBe(401);
    expect(statusOf(await response.arrayBuffer()).code).toBe(16);
  });

  it('400 for more than 2000 spans in one protobuf request, counted as invalid', async () => {
    const session = await openSession();
    const spans = recordSpans(session, (tracer) => {
      for (let index = 0; index < 2001; index++) tracer.startSpan('s').end();
    });
    const before = host.telemetry.total('ingest.items_total', { outcome: 'invalid' });
    const response = await host.call('POST', '/api/v1/traces', {
      rawBody: ProtobufTraceSerializer.serializeRequest(spans)!,
      headers: protobufHeaders(session),
    });
    expect(response.status).toBe(400);
    expect(statusOf(await response.arrayBuffer()).code).toBe(3);
    expect(host.telemetry.total('ingest.items_total', { outcome: 'invalid' }) - before).toBe(2001);
  });
});
