// POST /api/diagnostics/sessions/{id}/report: an engineer or admin builds the session's masked report
// (JSON and HTML, stored in Blob storage) and gets it back with read links and when they expire.
import { httpFunction, json } from '../shared/http/endpoint';
import { sessionParamsSchema } from '../shared/http/session-routes';
import { generateReport } from '../shared/services/report-service';

httpFunction({
  name: 'reports-create',
  route: 'diagnostics/sessions/{id}/report',
  methods: ['POST'],
  auth: { bearer: 'required' },
  summary: 'build the masked report (JSON and HTML) (engineer, admin)',
  params: sessionParamsSchema,
  handler: async ({ params, services, principal, correlationId }) => {
    const generated = await generateReport(services.reports, principal, params.id, correlationId);
    return json(201, generated, { location: `/api/diagnostics/sessions/${params.id}/reports/${generated.record.id}` });
  },
});
