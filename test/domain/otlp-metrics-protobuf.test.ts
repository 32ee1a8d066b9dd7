// The ExportMetricsServiceRequest reader against requests the OpenTelemetry JS SDK collects and its serializers
// encode: the decoded object equals the JSON encoding of the same metrics (less the defaults protobuf never
// sends). Malformed input is a 400, never a crash.
import { describe, expect, it } from 'vitest';
import { JsonMetricsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { AggregationTemporality, MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ValueType } from '@opentelemetry/api';
import { AppError } from '../../shared/errors';
import { decodeMetricsRequest } from '../../shared/domain/telemetry/otlp-metrics-protobuf';

class CollectingReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

async function sampleMetrics(temporality: AggregationTemporality): Promise<ResourceMetrics> {
  const reader = new CollectingReader({ aggregationTemporalitySelector: () => temporality });
  const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': 'shop-web', 'device.id': 'dev-1' }), readers: [reader] });
  const meter = provider.getMeter('checkout', '1.0.0');
  const errors = meter.createCounter('app.errors', { description: 'errors seen', unit: '{error}', valueType: ValueType.INT });
  errors.add(3, { 'error.type': 'timeout' });
  errors.add(2 ** 40, { 'error.type': 'huge' });
  meter.createUpDownCounter('queue.depth', { valueType: ValueType.INT }).add(-5);
  meter.createCounter('bytes.sent').add(1.5);
  const duration = meter.createHistogram('http.server.request.duration', {
    unit: 's',
    advice: { explicitBucketBoundaries: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1] },
  });
  for (const seconds of [0.004, 0.02, 0.02, 0.3, 2]) duration.record(seconds, { 'http.route': '/api/orders/{id}', 'http.response.status_code': 200 });
  meter.createGauge('battery.level').record(0.42);
  meter.createGauge('temperature', { valueType: ValueType.INT }).record(-7);
  const { resourceMetrics } = await reader.collect();
  return resourceMetrics;
}

/** The JSON encoding less what protobuf leaves out: empty strings and lists, zeros, false. */
function withoutDefaults(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutDefaults);
  if (value === null || typeof value !== 'object') return value;
  const result: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    if (field === '' || field === 0 || field === false || field === undefined || (Array.isArray(field) && field.length === 0)) continue;
    result[key] = withoutDefaults(field);
  }
  return result;
}

describe('ExportMetricsServiceRequest from the OpenTelemetry JS serializer', () => {
  it.each([
    ['delta', AggregationTemporality.DELTA],
    ['cumulative', AggregationTemporality.CUMULATIVE],
  ])('%s sums, gauges and histograms equal their JSON encoding', async (_, temporality) => {
    const metrics = await sampleMetrics(temporality);
    const decoded = decodeMetricsRequest(ProtobufMetricsSerializer.serializeRequest(metrics)!);
    const json = JSON.parse(new TextDecoder().decode(JsonMetricsSerializer.serializeRequest(metrics))) as unknown;
    expect(withoutDefaults(decoded)).toEqual(withoutDefaults(json));
    const byName = new Map(decoded.resourceMetrics![0]!.scopeMetrics![0]!.metrics!.map((metric) => [metric.name, metric]));
    expect(byName.get('app.errors')).toMatchObject({
      unit: '{error}',
      sum: { isMonotonic: true, aggregationTemporality: temporality === AggregationTemporality.DELTA ? 1 : 2 },
    });
    expect(
      byName
        .get('app.errors')!
        .sum!.dataPoints!.map((point) => point.asInt)
        .sort(),
    ).toEqual([3, 2 ** 40].sort());
    expect(byName.get('temperature')!.gauge!.dataPoints![0]!.asInt).toBe(-7);
    const histogram = byName.get('http.server.request.duration')!.histogram!.dataPoints![0]!;
    expect(histogram).toMatchObject({
      count: 5,
      bucketCounts: [1, 0, 2, 0, 0, 0, 1, 0, 1],
      explicitBounds: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      min: 0.004,
      max: 2,
    });
    expect(histogram.sum).toBeCloseTo(2.344);
    expect(histogram.timeUnixNano).toMatch(/^\d{19}$/);
  });

  it('every truncation and 2,000 random mutations decode or are refused with 400', async () => {
    const bytes = ProtobufMetricsSerializer.serializeRequest(await sampleMetrics(AggregationTemporality.DELTA))!;
    const outcomes = { decoded: 0, invalid: 0 };
    const attempt = (input: Uint8Array) => {
      try {
        decodeMetricsRequest(input);
        outcomes.decoded++;
      } catch (error) {
        if (!(error instanceof AppError && error.kind === 'invalid_input')) throw error;
        outcomes.invalid++;
      }
    };
    for (let length = 0; length < bytes.length; length++) attempt(bytes.subarray(0, length));
    let seed = 99;
    const random = (below: number) => (seed = (seed * 1103515245 + 12345) >>> 0) % below;
    for (let round = 0; round < 2000; round++) {
      const mutated = Uint8Array.from(bytes);
      for (let flips = 1 + random(4); flips > 0; flips--) mutated[random(mutated.length)] = random(256);
      attempt(mutated);
    }
    expect(outcomes.decoded).toBeGreaterThan(0);
    expect(outcomes.invalid).toBeGreaterThan(0);
  });

  it('a packed bucket_counts whose length is not a multiple of 8 is refused', () => {
    // ExportMetricsServiceRequest{resource_metrics{scope_metrics{metrics{histogram{data_points{bucket_counts: 3 bytes}}}}}}
    const point = [0x32, 0x03, 1, 2, 3];
    const histogram = [0x0a, point.length, ...point];
    const metric = [0x4a, histogram.length, ...histogram];
    const scope = [0x12, metric.length, ...metric];
    const resource = [0x12, scope.length, ...scope];
    const request = Uint8Array.from([0x0a, resource.length, ...resource]);
    expect(() => decodeMetricsRequest(request)).toThrow(/multiple of 8/);
  });
});
