// GET /api/diagnostics/sessions/{id}/reports/{reportId}: a stored report's record with fresh read links;
// the stable address tickets and notifications point at, since the links themselves expire.
import { httpFunction, json } from '../shared/http/endpoint';
import { reportParamsSchema } from '../shared/http/report-routes';
import { getReport } from '../shared/services/report-service';

httpFunction({
  name: 'reports-get',
  route: 'diagnostics/sessions/{id}/reports/{reportId}',
  methods: ['GET'],
  auth: { bearer: 'required' },
  summary: 'a report with fresh links (viewer, engineer, admin)',
  params: reportParamsSchema,
  handler: async ({ params, services, principal, correlationId }) =>
    json(200, await getReport(services.reports, principal, params.id, params.reportId, correlationId)),
});
