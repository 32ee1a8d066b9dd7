// OTLP/HTTP JSON intake driven by the stock OpenTelemetry JS exporters (the exact bodies they send),
// plus raw requests for partial success, bad data, auth and retryable refusals per the OTLP spec.
import { gzipSync } from 'node:zlib';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { openDeviceSession, type DeviceSession } from '../support/device-session';
import { startTestHost, type TestHost } from '../support/test-host';
import { AppError } from '../../shared/errors';

/** The stats as stored, once what ingest writes behind has been flushed. */
async function storedStats(session: { sessionId: string }) {
  await host.deps.services.ingest.stats.flush();
  return (await host.deps.stores.sessions.get(session.sessionId))!.session.stats;
}

let host: TestHost;

beforeAll(async () => {
  host = await startTestHost();
});
afterAll(() => host.close());

async function openSession(body: Record<string, unknown> = {}): Promise<DeviceSession> {
  return openDeviceSession(host, await host.token({ roles: ['admin'], products: ['demo'] }), {
    capture: { logs: true, traces: true },
    collectionLevel: 'trace',
    ...body,
  });
}

/** Records spans in memory first, so the test can hand them to the real OTLP exporter and see its result. */
function recordSpans(session: DeviceSession, work: (tracer: ReturnType<BasicTracerProvider['getTracer']>) => void): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'shop-web', 'service.version': '4.2.0', 'device.id': session.deviceId }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  work(provider.getTracer('checkout', '1.0.0'));
  return memory.getFinishedSpans();
}

function exportSpans(exporter: OTLPTraceExporter, spans: ReadableSpan[]): Promise<{ code: number; error?: Error }> {
  return new Promise((resolve) => exporter.export(spans, resolve));
}

async function storedSpans(session: DeviceSession) {
  return (await host.deps.stores.telemetry.listSpans({ productId: 'demo', sessionId: session.sessionId }, { order: 'oldest' }, { maxItems: 100 })).items;
}

async function storedLogs(session: DeviceSession) {
  return (await host.deps.stores.telemetry.listLogs({ productId: 'demo', sessionId: session.sessionId }, { order: 'oldest' }, { maxItems: 100 })).items;
}

function otlpHeaders(session: DeviceSession): Record<string, string> {
  return { 'x-diagnostics-key': host.productKey(), authorization: `Bearer ${session.ingestToken}` };
}

describe('POST /api/v1/traces from the stock OTLPTraceExporter', () => {
  it('stores the spans with ids, parents, kinds, times, status and masked attributes', async () => {
    const session = await openSession();
    const spans = recordSpans(session, (tracer) => {
      const parent = tracer.startSpan('POST /checkout', {
        kind: SpanKind.SERVER,
        attributes: { 'http.method': 'POST', 'enduser.email': 'jane.doe@example.com', retries: 3 },
      });
      const child = tracer.startSpan('charge card', { kind: SpanKind.CLIENT }, trace.setSpan(context.active(), parent));
      child.addEvent('card declined', { 'card.brand': 'visa' });
      child.setStatus({ code: SpanStatusCode.ERROR, message: 'declined' });
      child.end();
      parent.end();
    });
    const exporter = new OTLPTraceExporter({ url: `${host.url}/api/v1/traces`, headers: otlpHeaders(session) });
    const result = await exportSpans(exporter, spans);
    expect(result.error).toBeUndefined();
    expect(result.code).toBe(0);
    await exporter.shutdown();

    const stored = await storedSpans(session);
    expect(stored).toHaveLength(2);
    const parent = stored.find((doc) => doc.name === 'POST /checkout')!;
    const child = stored.find((doc) => doc.name === 'charge card')!;
    const original = spans.find((span) => span.name === 'charge card')!;
    expect(child.traceId).toBe(original.spanContext().traceId);
    expect(child.spanId).toBe(original.spanContext().spanId);
    expect(child.parentSpanId).toBe(parent.spanId);
    expect(parent.parentSpanId).toBeUndefined();
    expect(parent.spanKind).toBe('server');
    expect(child.spanKind).toBe('client');
    expect(child.status).toEqual({ code: 'error', message: 'declined' });
    expect(child.events?.[0]).toMatchObject({ name: 'card declined', attributes: { 'card.brand': 'visa' } });
    expect(Date.parse(parent.endTime)).toBeGreaterThanOrEqual(Date.parse(parent.startTime));
    expect(parent.attributes).toMatchObject({ 'http.method': 'POST', retries: 3, 'otel.scope.name': 'checkout', 'resource.service.name': 'shop-web' });
    expect(JSON.stringify(stored)).not.toContain('jane.doe@example.com');
    expect(parent.redaction.patternsMatched).toContain('email');
    expect(parent.device).toMatchObject({ deviceId: session.deviceId, appVersion: '4.2.0' });
    expect(await storedStats(session)).toMatchObject({ traceCount: 2, errorCount: 1 });
  });

  it('accepts a gzip-compressed export, and a retry of the same spans stores nothing twice', async () => {
    const session = await openSession();
    const spans = recordSpans(session, (tracer) => tracer.startSpan('load').end());
    const exporter = new OTLPTraceExporter({ url: `${host.url}/api/v1/traces`, headers: otlpHeaders(session), compression: 'gzip' as never });
    expect((await exportSpans(exporter, spans)).code).toBe(0);
    expect((await exportSpans(exporter, spans)).code).toBe(0);
    await exporter.shutdown();
    expect(await storedSpans(session)).toHaveLength(1);
    expect((await storedStats(session)).traceCount).toBe(1);
  });

  it('finds the session from a resource attribute when the exporter cannot send the token header', async () => {
    const session = await openSession();
    const memory = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'kiosk', 'diagnostics.ingest_token': session.ingestToken }),
      spanProcessors: [new SimpleSpanProcessor(memory)],
    });
    provider.getTracer('kiosk').startSpan('boot').end();
    const exporter = new OTLPTraceExporter({ url: `${host.url}/api/v1/traces`, headers: { 'x-diagnostics-key': host.productKey() } });
    expect((await exportSpans(exporter, memory.getFinishedSpans())).code).toBe(0);
    await exporter.shutdown();
    const stored = await storedSpans(session);
    expect(stored).toHaveLength(1);
    expect(JSON.stringify(stored)).not.toContain(session.ingestToken);
  });
});

describe('POST /api/v1/logs from the stock OTLPLogExporter', () => {
  it('maps severity, body, scope and trace context, masked', async () => {
    const session = await openSession();
    const exporter = new OTLPLogExporter({ url: `${host.url}/api/v1/logs`, headers: otlpHeaders(session) });
    const memory = new InMemoryLogRecordExporter();
    const provider = new LoggerProvider({
      resource: resourceFromAttributes({ 'service.name': 'shop-web', 'device.id': session.deviceId }),
      processors: [new SimpleLogRecordProcessor({ exporter: memory })],
    });
    const logger = provider.getLogger('payments');
    logger.emit({ severityNumber: 17, severityText: 'ERROR', body: 'payment failed for jane.doe@example.com', attributes: { 'order.id': 'ord_123' } });
    logger.emit({ severityNumber: 21, body: 'process crashed' });
    logger.emit({ severityNumber: 5, severityText: 'DEBUG', body: { step: 'retry', attempt: 2 } });
    await provider.forceFlush();
    const records = memory.getFinishedLogRecords();
    expect(records).toHaveLength(3);
    const result = await new Promise<{ code: number; error?: Error }>((resolve) => exporter.export(records, resolve));
    expect(result.error).toBeUndefined();
    expect(result.code).toBe(0);
    await exporter.shutdown();

    const stored = (await storedLogs(session)).filter((doc) => doc.docType === 'log');
    expect(stored.map((doc) => (doc.docType === 'log' ? doc.level : '')).sort()).toEqual(['debug', 'error', 'fatal']);
    const error = stored.find((doc) => doc.docType === 'log' && doc.level === 'error')!;
    expect(error).toMatchObject({ module: 'payments' });
    if (error.docType !== 'log') throw new Error('expected a log');
    expect(error.message).not.toContain('jane.doe@example.com');
    expect(error.context).toMatchObject({ 'order.id': 'ord_123', 'resource.service.name': 'shop-web' });
    const debug = stored.find((doc) => doc.docType === 'log' && doc.level === 'debug');
    expect(debug && debug.docType === 'log' ? JSON.parse(debug.message) : undefined).toEqual({ step: 'retry', attempt: 2 });
    expect(await storedStats(session)).toMatchObject({ logCount: 3, errorCount: 2 });
  });
});

describe('OTLP answers per the spec', () => {
  function span(fields: Record<string, unknown> = {}) {
    const nowNanos = BigInt(host.clock.now().getTime()) * 1_000_000n;
    return {
      traceId: randomUUID().replace(/-/g, ''),
      spanId: randomUUID().replace(/-/g, '').slice(0, 16),
      name: 'op',
      kind: 1,
      startTimeUnixNano: String(nowNanos - 5_000_000n),
      endTimeUnixNano: String(nowNanos),
      ...fields,
    };
  }
  function traceBody(spans: unknown[]) {
    return {
      resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'raw' } }] }, scopeSpans: [{ scope: { name: 'raw' }, spans }] }],
    };
  }

  it('200 with partialSuccess counting rejected spans and saying why, the rest stored', async () => {
    const session = await openSession();
    const eightDaysAgo = String(BigInt(host.clock.now().getTime() - 8 * 86_400_000) * 1_000_000n);
    const response = await host.call('POST', '/api/v1/traces', {
      body: traceBody([span(), span({ traceId: 'abc' }), span({ startTimeUnixNano: eightDaysAgo, endTimeUnixNano: eightDaysAgo })]),
      headers: otlpHeaders(session),
    });
    expect(response.status).toBe(200);
    const answer = await response.json();
    expect(answer.partialSuccess.rejectedSpans).toBe(2);
    expect(answer.partialSuccess.errorMessage).toMatch(/traceId/);
    expect(answer.partialSuccess.errorMessage).toMatch(/too old/);
    expect(await storedSpans(session)).toHaveLength(1);
  });

  it('200 with an empty body when everything was accepted', async () => {
    const session = await openSession();
    const response = await host.call('POST', '/api/v1/traces', { body: traceBody([span()]), headers: otlpHeaders(session) });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({});
  });

  it('400 with a Status body for data that is not an OTLP request', async () => {
    const session = await openSession();
    const wrongShape = await host.call('POST', '/api/v1/traces', { body: { resourceSpans: 'nope' }, headers: otlpHeaders(session) });
    expect(wrongShape.status).toBe(400);
    expect(await wrongShape.json()).toMatchObject({ code: 3, message: expect.stringContaining('resourceSpans') });
    const notJson = await host.call('POST', '/api/v1/logs', { rawBody: '{', headers: { ...otlpHeaders(session), 'content-type': 'application/json' } });
    expect(notJson.status).toBe(400);
    const badGzip = await host.call('POST', '/api/v1/logs', {
      rawBody: 'not gzip',
      headers: { ...otlpHeaders(session), 'content-type': 'application/json', 'content-encoding': 'gzip' },
    });
    expect(badGzip.status).toBe(400);
    const text = await host.call('POST', '/api/v1/traces', { rawBody: 'spans', headers: { ...otlpHeaders(session), 'content-type': 'text/plain' } });
    expect(text.status).toBe(415);
  });

  it('400 for more than 2000 spans in one request, counted as invalid', async () => {
    const session = await openSession();
    const before = host.telemetry.total('ingest.items_total', { outcome: 'invalid' });
    const response = await host.call('POST', '/api/v1/traces', { body: traceBody(Array.from({ length: 2001 }, () => span())), headers: otlpHeaders(session) });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 3 });
    expect(host.telemetry.total('ingest.items_total', { outcome: 'invalid' }) - before).toBe(2001);
  });

  it('413 for a gzip body that inflates past the limit', async () => {
    const session = await openSession();
    const bomb = gzipSync(Buffer.from(JSON.stringify({ resourceSpans: [], padding: 'x'.repeat(5 * 1024 * 1024) })));
    const response = await host.call('POST', '/api/v1/traces', {
      rawBody: bomb,
      headers: { ...otlpHeaders(session), 'content-type': 'application/json', 'content-encoding': 'gzip' },
    });
    expect(response.status).toBe(413);
  });

  it('401 without a token, 403 for a token bound to another device', async () => {
    const session = await openSession();
    const other = await openSession();
    const none = await host.call('POST', '/api/v1/traces', { body: traceBody([span()]), headers: { 'x-diagnostics-key': host.productKey() } });
    expect(none.status).toBe(401);
    expect((await none.json()).code).toBe(16);
    const body = {
      resourceSpans: [{ resource: { attributes: [{ key: 'device.id', value: { stringValue: other.deviceId } }] }, scopeSpans: [{ spans: [span()] }] }],
    };
    const wrongDevice = await host.call('POST', '/api/v1/traces', { body, headers: otlpHeaders(session) });
    expect(wrongDevice.status).toBe(403);
  });

  it('503 with Retry-After and a Status body when storage is unavailable, items counted as failed', async () => {
    const session = await openSession();
    const real = host.deps.services.ingest.telemetryStore;
    // A fake of our own port standing in for a Cosmos outage (the real adapter maps 429/5xx to this error).
    host.deps.services.ingest.telemetryStore = {
      ...real,
      upsertSpans: async () => {
        throw new AppError('unavailable', 'Storage is unavailable; retry shortly', { retryAfterSeconds: 2 });
      },
    };
    const before = host.telemetry.total('ingest.items_total', { outcome: 'failed' });
    try {
      const response = await host.call('POST', '/api/v1/traces', { body: traceBody([span(), span()]), headers: otlpHeaders(session) });
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('2');
      expect(await response.json()).toMatchObject({ code: 14 });
    } finally {
      host.deps.services.ingest.telemetryStore = real;
    }
    expect(host.telemetry.total('ingest.items_total', { outcome: 'failed' }) - before).toBe(2);
    const retried = await host.call('POST', '/api/v1/traces', { body: traceBody([span()]), headers: otlpHeaders(session) });
    expect(retried.status).toBe(200);
  });

  it('429 with Retry-After once the device exceeds its batches per minute', async () => {
    const session = await openSession();
    const requests = Array.from({ length: 100 }, () => host.call('POST', '/api/v1/logs', { body: { resourceLogs: [] }, headers: otlpHeaders(session) }));
    expect((await Promise.all(requests)).every((response) => response.status === 200)).toBe(true);
    const limited = await host.call('POST', '/api/v1/logs', { body: { resourceLogs: [] }, headers: otlpHeaders(session) });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await limited.json()).code).toBe(8);
  });
});
