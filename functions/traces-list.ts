// GET /api/diagnostics/sessions/{id}/traces: a session's spans (all, or one trace with ?traceId=), paged.
import { httpFunction, json } from '../shared/http/endpoint';
import { sessionParamsSchema } from '../shared/http/session-routes';
import { tracesQuerySchema } from '../shared/http/telemetry-query-routes';
import { listSessionSpans } from '../shared/services/telemetry-query-service';

httpFunction({
  name: 'traces-list',
  route: 'diagnostics/sessions/{id}/traces',
  methods: ['GET'],
  auth: { bearer: 'required' },
  summary: 'spans, paged (viewer, engineer, admin)',
  params: sessionParamsSchema,
  query: tracesQuerySchema,
  handler: async ({ params, query, services, principal, correlationId }) =>
    json(200, await listSessionSpans(services.telemetryQuery, principal, params.id, query, correlationId)),
});
