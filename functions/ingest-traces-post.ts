// POST /api/diagnostics/sessions/{id}/traces: a batch of spans only (`kind` may be omitted).
import { httpFunction } from '../shared/http/endpoint';
import { deviceCall, ingestResponse, INGEST_MAX_BODY_BYTES, singleKindEnvelopeSchema } from '../shared/http/ingest-routes';
import { sessionParamsSchema } from '../shared/http/session-routes';
import { ingest } from '../shared/services/ingest-service';

httpFunction({
  name: 'ingest-traces-post',
  route: 'diagnostics/sessions/{id}/traces',
  methods: ['POST'],
  auth: { ingestKey: true },
  params: sessionParamsSchema,
  body: singleKindEnvelopeSchema,
  maxBodyBytes: INGEST_MAX_BODY_BYTES,
  handler: async ({ params, body, request, deps, productId, correlationId }) =>
    ingestResponse(await ingest(deps.ingestService, deviceCall(request, deps, productId!, correlationId, 'traces'), { ...body, sessionId: params.id, forcedKind: 'span' })),
});
