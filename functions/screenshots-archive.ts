// GET /api/diagnostics/sessions/{id}/screenshots/archive: every confirmed screenshot of the session as one ZIP.
import { httpFunction } from '../shared/http/endpoint';
import { sessionParamsSchema } from '../shared/http/session-routes';
import { buildScreenshotArchive } from '../shared/services/screenshot-archive';

httpFunction({
  name: 'screenshots-archive',
  route: 'diagnostics/sessions/{id}/screenshots/archive',
  methods: ['GET'],
  auth: { bearer: 'required' },
  params: sessionParamsSchema,
  handler: async ({ params, services, principal }) => {
    const archive = await buildScreenshotArchive(services.screenshots, principal, params.id);
    return {
      status: 200,
      body: archive.body,
      headers: {
        'content-type': 'application/zip',
        'content-disposition': `attachment; filename="${archive.fileName}"`,
        'x-screenshot-count': String(archive.count),
        'cache-control': 'no-store',
      },
    };
  },
});
