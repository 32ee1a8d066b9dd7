// GET /api/diagnostics/sessions/{id}/traces/{traceId}: one trace as a span tree.
import { httpFunction, json } from '../shared/http/endpoint';
import { traceParamsSchema } from '../shared/http/telemetry-query-routes';
import { getTraceTree } from '../shared/services/telemetry-query-service';

httpFunction({
  name: 'traces-get',
  route: 'diagnostics/sessions/{id}/traces/{traceId}',
  methods: ['GET'],
  auth: { bearer: 'required' },
  summary: 'one trace as a span tree (viewer, engineer, admin)',
  params: traceParamsSchema,
  handler: async ({ params, services, principal, correlationId }) =>
    json(200, await getTraceTree(services.telemetryQuery, principal, params.id, params.traceId, correlationId)),
});
