// POST /api/v1/traces: OTLP/HTTP trace export, JSON or protobuf (stock exporters: url `<base>/api/v1/traces`).
import { httpFunction } from '../shared/http/endpoint';
import { deviceCall, OTLP_MAX_BODY_BYTES, otlpResponse } from '../shared/http/ingest-routes';
import { otlpTraceRequestSchema } from '../shared/domain/telemetry/otlp';
import { decodeTraceRequest } from '../shared/domain/telemetry/otlp-protobuf';
import { exportOtlp } from '../shared/services/otlp-service';

httpFunction({
  name: 'otlp-traces-post',
  route: 'v1/traces',
  methods: ['POST'],
  auth: { device: 'optional' },
  summary: 'OTLP/HTTP spans, JSON or protobuf (device (OTLP exporter))',
  body: otlpTraceRequestSchema,
  protobufBody: decodeTraceRequest,
  maxBodyBytes: OTLP_MAX_BODY_BYTES,
  errorFormat: 'otlp',
  handler: async ({ body, request, services, productId, device, correlationId }) =>
    otlpResponse(
      request,
      await exportOtlp(services.otlp, { ...deviceCall(request, services.ingest, device, correlationId, 'otlp-traces'), productId }, 'traces', body),
    ),
});
