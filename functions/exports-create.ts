// POST /api/diagnostics/sessions/{id}/export: the session's logs and spans as gzip NDJSON: a time-limited
// download link, or (when storage fails) the file itself in this response, marked and audited.
import { httpFunction, json } from '../shared/http/endpoint';
import { sessionParamsSchema } from '../shared/http/session-routes';
import { exportSession } from '../shared/services/export-service';

httpFunction({
  name: 'exports-create',
  route: 'diagnostics/sessions/{id}/export',
  methods: ['POST'],
  auth: { bearer: 'required' },
  summary: 'gzip NDJSON of the session (engineer, admin)',
  params: sessionParamsSchema,
  handler: async ({ params, services, principal, correlationId }) => {
    const result = await exportSession(services.exports, principal, params.id, correlationId);
    if (result.channel === 'blob') return json(201, result, { 'x-export-channel': 'blob' });
    return {
      status: 200,
      body: result.body,
      headers: {
        'content-type': 'application/gzip',
        'content-disposition': `attachment; filename="${result.fileName}"`,
        'x-export-channel': 'fallback-stream',
        'x-export-fallback-reason': result.reason,
        'x-export-id': result.exportId,
        'x-export-notice': result.notice,
      },
    };
  },
});
