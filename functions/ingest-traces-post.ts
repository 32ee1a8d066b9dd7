// POST /api/diagnostics/sessions/{id}/traces: a batch of spans only (`kind` may be omitted).
import { httpFunction } from '../shared/http/endpoint';
import { deviceCall, ingestResponse, INGEST_MAX_BODY_BYTES, singleKindEnvelopeSchema } from '../shared/http/ingest-routes';
import { sessionParamsSchema } from '../shared/http/session-routes';
import { ingest } from '../shared/services/ingest-service';

httpFunction({
  name: 'ingest-traces-post',
  route: 'diagnostics/sessions/{id}/traces',
  methods: ['POST'],
  auth: { device: 'required' },
  summary: 'a batch of spans (device)',
  params: sessionParamsSchema,
  body: singleKindEnvelopeSchema,
  maxBodyBytes: INGEST_MAX_BODY_BYTES,
  handler: async ({ params, body, request, services, device, correlationId }) =>
    ingestResponse(
      await ingest(services.ingest, deviceCall(request, services.ingest, device, correlationId, 'traces'), {
        ...body,
        sessionId: params.id,
        forcedKind: 'span',
      }),
    ),
});
