// GET /api/diagnostics/sessions/{id}/timeline: breadcrumbs, logs, network captures and spans in time order, paged.
import { httpFunction, json } from '../shared/http/endpoint';
import { sessionParamsSchema } from '../shared/http/session-routes';
import { timelineQuerySchema } from '../shared/http/telemetry-query-routes';
import { listSessionTimeline } from '../shared/services/telemetry-query-service';

httpFunction({
  name: 'timeline-get',
  route: 'diagnostics/sessions/{id}/timeline',
  methods: ['GET'],
  auth: { bearer: 'required' },
  summary: 'everything merged by time (viewer, engineer, admin)',
  params: sessionParamsSchema,
  query: timelineQuerySchema,
  handler: async ({ params, query, services, principal, correlationId }) =>
    json(200, await listSessionTimeline(services.telemetryQuery, principal, params.id, query, correlationId)),
});
