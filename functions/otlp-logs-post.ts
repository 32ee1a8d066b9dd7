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
  auth: { ingestKey: true },
  body: otlpLogsRequestSchema,
  protobufBody: decodeLogsRequest,
  maxBodyBytes: OTLP_MAX_BODY_BYTES,
  errorFormat: 'otlp',
  handler: async ({ body, request, deps, productId, correlationId }) =>
    otlpResponse(request, await exportOtlp(deps.ingestService, deviceCall(request, deps, productId!, correlationId, 'otlp-logs'), 'logs', body)),
});
