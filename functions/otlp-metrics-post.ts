// POST /api/v1/metrics: OTLP/HTTP metric export (sums, gauges, histograms), JSON or protobuf, onto the signal series.
import { httpFunction, parseWith } from '../shared/http/endpoint';
import { OTLP_MAX_BODY_BYTES, otlpResponse } from '../shared/http/ingest-routes';
import { otlpMetricsRequestSchema } from '../shared/domain/signals/otlp-metrics';
import { decodeMetricsRequest } from '../shared/domain/telemetry/otlp-metrics-protobuf';
import { exportMetrics } from '../shared/services/signal-service';

httpFunction({
  name: 'otlp-metrics-post',
  route: 'v1/metrics',
  methods: ['POST'],
  auth: { ingestKey: true },
  summary: 'OTLP/HTTP metrics, JSON or protobuf (OpenTelemetry exporter or Collector)',
  body: otlpMetricsRequestSchema,
  // The decoder yields the JSON form; the JSON schema then holds protobuf requests to the very same limits.
  protobufBody: (bytes) => parseWith(otlpMetricsRequestSchema, decodeMetricsRequest(bytes), 'body'),
  maxBodyBytes: OTLP_MAX_BODY_BYTES,
  errorFormat: 'otlp',
  handler: async ({ body, request, services, productId }) => otlpResponse(request, await exportMetrics(services.signals.intake, productId, body)),
});
