// GET /api/diagnostics/sessions/{id}/logs: a session's logs (or breadcrumbs/network captures), filtered and paged.
import { httpFunction, json } from '../shared/http/endpoint';
import { sessionParamsSchema } from '../shared/http/session-routes';
import { logsQuerySchema } from '../shared/http/telemetry-query-routes';
import { listSessionLogs } from '../shared/services/telemetry-query-service';

httpFunction({
  name: 'logs-list',
  route: 'diagnostics/sessions/{id}/logs',
  methods: ['GET'],
  auth: { bearer: 'required' },
  summary: 'logs, breadcrumbs, network captures, filtered and paged (viewer, engineer, admin)',
  params: sessionParamsSchema,
  query: logsQuerySchema,
  handler: async ({ params, query, services, principal, correlationId }) =>
    json(
      200,
      await listSessionLogs(services.telemetryQuery, principal, params.id, { ...query, types: query.type ?? ['log'], levels: query.level }, correlationId),
    ),
});
