// POST /api/v1/logs: OTLP/HTTP JSON log export (stock exporters: url `<base>/api/v1/logs`).
import { httpFunction, json } from '../shared/http/endpoint';
import { deviceCall, OTLP_MAX_BODY_BYTES } from '../shared/http/ingest-routes';
import { otlpLogsRequestSchema } from '../shared/domain/telemetry/otlp';
import { exportOtlp } from '../shared/services/otlp-service';

httpFunction({
  name: 'otlp-logs-post',
  route: 'v1/logs',
  methods: ['POST'],
  auth: { device: 'optional' },
  summary: 'OTLP/HTTP JSON log records (device (OTLP exporter))',
  body: otlpLogsRequestSchema,
  maxBodyBytes: OTLP_MAX_BODY_BYTES,
  errorFormat: 'otlp',
  handler: async ({ body, request, services, productId, device, correlationId }) =>
    json(200, await exportOtlp(services.otlp, { ...deviceCall(request, services.ingest, device, correlationId, 'otlp-logs'), productId }, 'logs', body)),
});
