// POST /api/v1/metrics: OTLP/HTTP JSON metric export (sums, gauges, histograms) onto the signal series.
import { httpFunction, json } from '../shared/http/endpoint';
import { OTLP_MAX_BODY_BYTES } from '../shared/http/ingest-routes';
import { otlpMetricsRequestSchema } from '../shared/domain/signals/otlp-metrics';
import { exportMetrics } from '../shared/services/signal-service';

httpFunction({
  name: 'otlp-metrics-post',
  route: 'v1/metrics',
  methods: ['POST'],
  auth: { ingestKey: true },
  body: otlpMetricsRequestSchema,
  maxBodyBytes: OTLP_MAX_BODY_BYTES,
  errorFormat: 'otlp',
  handler: async ({ body, services, productId }) => json(200, await exportMetrics(services.signals.intake, productId, body)),
});
