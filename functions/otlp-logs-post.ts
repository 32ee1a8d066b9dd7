// POST /api/v1/logs: OTLP/HTTP log export, JSON or protobuf (stock exporters: url `<base>/api/v1/logs`).
import { httpFunction } from '../shared/http/endpoint';
import { deviceCall, OTLP_MAX_BODY_BYTES, otlpResponse } from '../shared/http/ingest-routes';
import { otlpLogsRequestSchema } from '../shared/domain/telemetry/otlp';
import { decodeLogsRequest } from '../shared/domain/telemetry/otlp-protobuf';
import { exportOtlp } from '../shared/services/otlp-service';

httpFunction({
  name: 'otlp-logs-post',
  route: 'v1/logs',
  methods: ['POST'],
  auth: { device: 'optional' },
  summary: 'OTLP/HTTP log records, JSON or protobuf (device (OTLP exporter))',
  body: otlpLogsRequestSchema,
  protobufBody: decodeLogsRequest,
  maxBodyBytes: OTLP_MAX_BODY_BYTES,
  errorFormat: 'otlp',
  handler: async ({ body, request, services, productId, device, correlationId }) =>
    otlpResponse(
      request,
      await exportOtlp(services.otlp, { ...deviceCall(request, services.ingest, device, correlationId, 'otlp-logs'), productId }, 'logs', body),
    ),
});
