// POST /api/diagnostics/sessions/{id}/logs: a batch of log items only (`kind` may be omitted).
import { httpFunction } from '../shared/http/endpoint';
import { deviceCall, ingestResponse, INGEST_MAX_BODY_BYTES, singleKindEnvelopeSchema } from '../shared/http/ingest-routes';
import { sessionParamsSchema } from '../shared/http/session-routes';
import { ingest } from '../shared/services/ingest-service';

httpFunction({
  name: 'ingest-logs-post',
  route: 'diagnostics/sessions/{id}/logs',
  methods: ['POST'],
  auth: { ingestKey: true },
  params: sessionParamsSchema,
  body: singleKindEnvelopeSchema,
  maxBodyBytes: INGEST_MAX_BODY_BYTES,
  handler: async ({ params, body, request, deps, productId, correlationId }) =>
    ingestResponse(await ingest(deps.ingestService, deviceCall(request, deps, productId!, correlationId, 'logs'), { ...body, sessionId: params.id, forcedKind: 'log' })),
});
