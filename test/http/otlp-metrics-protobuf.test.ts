// OTLP/HTTP protobuf metrics through the local host: the stock OpenTelemetry JS proto metric exporter (plain and
// gzip) lands on the signal series as its JSON form does, and protobuf requests answer in protobuf: partial
// success as an ExportMetricsServiceResponse, malformed bodies and broken limits as a google.rpc.Status.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import protobuf from 'protobufjs';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { AggregationTemporalityPreference } from '@opentelemetry/exporter-metrics-otlp-http';
import { JsonMetricsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { AggregationTemporality, MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { Meter } from '@opentelemetry/api';
import { startTestHost, type TestHost } from '../support/test-host';

let host: TestHost;
let admin: string;
beforeAll(async () => {
  host = await startTestHost();
  admin = await host.token({ roles: ['admin'], products: ['demo'] });
});
afterAll(() => host.close());

const Status = protobuf.Root.fromJSON({ nested: { Status: { fields: { code: { type: 'int32', id: 1 }, message: { type: 'string', id: 2 } } } } }).lookupType(
  'Status',
);

class CollectingReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

/** What one collection of a meter provider holds after `work` recorded on it, for app version `appVersion`. */
async function collect(appVersion: string, temporality: AggregationTemporality, work: (meter: Meter) => void): Promise<ResourceMetrics> {
  const reader = new CollectingReader({ aggregationTemporalitySelector: () => temporality });
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': 'shop-android', 'service.version': appVersion }),
    readers: [reader],
  });
  work(provider.getMeter('shop', '1.0.0'));
  const { resourceMetrics } = await reader.collect();
  await provider.shutdown();
  return resourceMetrics;
}

const headers = (): Record<string, string> => ({ 'x-diagnostics-key': host.productKey() });

/** The series' values summed over the minutes around now (a collection may straddle a minute). */
async function seriesTotal(name: string, appVersion: string): Promise<number> {
  const minute = Math.floor(host.clock.now().getTime() / 60_000) * 60_000;
  const range = `from=${encodeURIComponent(new Date(minute - 60_000).toISOString())}&to=${encodeURIComponent(new Date(minute + 120_000).toISOString())}`;
  const response = await host.call('GET', `/api/diagnostics/products/demo/series?name=${name}&${range}&step=1m&appVersion=${appVersion}`, {
    headers: { authorization: `Bearer ${admin}` },
  });
  expect(response.status).toBe(200);
  const { points } = (await response.json()) as { points: Array<{ value: number | null }> };
  return points.reduce((sum, point) => sum + (point.value ?? 0), 0);
}

function recordCheckout(meter: Meter): void {
  meter.createCounter('diagnostics.errors').add(4, { 'error.fingerprint': 'fp-proto-checkout' });
  const duration = meter.createHistogram('http.server.request.duration', { unit: 's', advice: { explicitBucketBoundaries: [0.05, 0.1, 0.5] } });
  for (const seconds of [0.02, 0.07, 0.07, 0.3, 0.9, 0.04]) duration.record(seconds, { 'http.route': '/api/cart/{id}', 'http.response.status_code': 200 });
}

describe('the stock OpenTelemetry JS proto metric exporter', () => {
  it.each([
    ['plain', undefined, '5.1.0'],
    ['gzip', 'gzip', '5.1.1'],
  ])('OTLPMetricExporter (protobuf, %s) delivers delta counters and histograms onto the series', async (_, compression, appVersion) => {
    const metrics = await collect(appVersion, AggregationTemporality.DELTA, recordCheckout);
    const exporter = new OTLPMetricExporter({
      url: `${host.url}/api/v1/metrics`,
      headers: headers(),
      temporalityPreference: AggregationTemporalityPreference.DELTA,
      ...(compression ? { compression: compression as never } : {}),
    });
    const result = await new Promise<{ code: number; error?: Error }>((resolve) => exporter.export(metrics as never, resolve));
    await exporter.shutdown();
    expect(result.error).toBeUndefined();
    expect(result.code).toBe(0);

    expect(await seriesTotal('errors', appVersion)).toBe(4);
    expect(await seriesTotal('requests', appVersion)).toBe(6);
    expect(await seriesTotal('http_5xx', appVersion)).toBe(0);
  });

  it('the same metrics as protobuf and as JSON land on the same series figures', async () => {
    const viaProtobuf = await collect('5.2.0', AggregationTemporality.DELTA, recordCheckout);
    const viaJson = await collect('5.2.1', AggregationTemporality.DELTA, recordCheckout);
    const protobufAnswer = await host.call('POST', '/api/v1/metrics', {
      rawBody: ProtobufMetricsSerializer.serializeRequest(viaProtobuf)!,
      headers: { ...headers(), 'content-type': 'application/x-protobuf' },
    });
    expect(protobufAnswer.status).toBe(200);
    expect((await protobufAnswer.arrayBuffer()).byteLength).toBe(0);
    const jsonAnswer = await host.call('POST', '/api/v1/metrics', {
      rawBody: JsonMetricsSerializer.serializeRequest(viaJson)!,
      headers: { ...headers(), 'content-type': 'application/json' },
    });
    expect(jsonAnswer.status).toBe(200);
    for (const series of ['errors', 'requests', 'latency_p50', 'latency_mean']) {
      expect(await seriesTotal(series, '5.2.0')).toBeCloseTo(await seriesTotal(series, '5.2.1'), 9);
    }
    expect(await seriesTotal('latency_mean', '5.2.0')).toBeGreaterThan(0);
  });
});

describe('protobuf answers on /api/v1/metrics', () => {
  it('200 with a protobuf ExportMetricsServiceResponse counting the cumulative points it refuses', async () => {
    const metrics = await collect('5.3.0', AggregationTemporality.CUMULATIVE, (meter) =>
      meter.createCounter('diagnostics.errors').add(2, { 'error.fingerprint': 'fp-cumulative' }),
    );
    const response = await host.call('POST', '/api/v1/metrics', {
      rawBody: ProtobufMetricsSerializer.serializeRequest(metrics)!,
      headers: { ...headers(), 'content-type': 'application/x-protobuf' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/x-protobuf');
    const answer = ProtobufMetricsSerializer.deserializeResponse(new Uint8Array(await response.arrayBuffer()));
    expect(Number(answer.partialSuccess?.rejectedDataPoints)).toBe(1);
    expect(answer.partialSuccess?.errorMessage).toContain('delta');
    expect(await seriesTotal('errors', '5.3.0')).toBe(0);
  });

  it('400 with a protobuf google.rpc.Status for malformed bytes and for the limits the JSON form has', async () => {
    const truncated = ProtobufMetricsSerializer.serializeRequest(await collect('5.4.0', AggregationTemporality.DELTA, recordCheckout))!;
    const longName = await collect('5.4.1', AggregationTemporality.DELTA, (meter) => meter.createCounter(`diagnostics.${'x'.repeat(300)}`).add(1));
    for (const body of [truncated.subarray(0, truncated.length - 2), ProtobufMetricsSerializer.serializeRequest(longName)!]) {
      const response = await host.call('POST', '/api/v1/metrics', { rawBody: body, headers: { ...headers(), 'content-type': 'application/x-protobuf' } });
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toBe('application/x-protobuf');
      const status = Status.toObject(Status.decode(new Uint8Array(await response.arrayBuffer()))) as { code?: number; message?: string };
      expect(status.code).toBe(3);
      expect(status.message).toBeTruthy();
    }
    expect(await seriesTotal('errors', '5.4.0')).toBe(0);
  });

  it('401 with a protobuf Status without the product key', async () => {
    const body = ProtobufMetricsSerializer.serializeRequest(await collect('5.5.0', AggregationTemporality.DELTA, recordCheckout))!;
    const response = await host.call('POST', '/api/v1/metrics', { rawBody: body, headers: { 'content-type': 'application/x-protobuf' } });
    expect(response.status).toBe(401);
    expect((Status.toObject(Status.decode(new Uint8Array(await response.arrayBuffer()))) as { code?: number }).code).toBe(16);
  });
});
