// POST /api/v1/traces: OTLP/HTTP JSON trace export (stock exporters: url `<base>/api/v1/traces`).
import { httpFunction, json } from '../shared/http/endpoint';
import { deviceCall, OTLP_MAX_BODY_BYTES } from '../shared/http/ingest-routes';
import { otlpTraceRequestSchema } from '../shared/domain/telemetry/otlp';
import { exportOtlp } from '../shared/services/otlp-service';

httpFunction({
  name: 'otlp-traces-post',
  route: 'v1/traces',
  methods: ['POST'],
  auth: { device: 'optional' },
  summary: 'OTLP/HTTP JSON spans (device (OTLP exporter))',
  body: otlpTraceRequestSchema,
  maxBodyBytes: OTLP_MAX_BODY_BYTES,
  errorFormat: 'otlp',
  handler: async ({ body, request, services, productId, device, correlationId }) =>
    json(200, await exportOtlp(services.otlp, { ...deviceCall(request, services.ingest, device, correlationId, 'otlp-traces'), productId }, 'traces', body)),
});
