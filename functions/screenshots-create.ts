// POST /api/diagnostics/sessions/{id}/screenshots: the targeted device declares a screenshot and gets a
// create-only upload link for exactly its blob.
import { httpFunction, json } from '../shared/http/endpoint';
import { requireIngestToken } from '../shared/http/device-auth';
import { sessionParamsSchema } from '../shared/http/session-routes';
import { createScreenshotRequestSchema } from '../shared/domain/screenshots/screenshot';
import { requestScreenshotUpload } from '../shared/services/screenshot-service';

httpFunction({
  name: 'screenshots-create',
  route: 'diagnostics/sessions/{id}/screenshots',
  methods: ['POST'],
  auth: { ingestKey: true },
  params: sessionParamsSchema,
  body: createScreenshotRequestSchema,
  handler: async ({ params, body, request, deps, productId }) => {
    const device = requireIngestToken(request, deps.settings.INGEST_KEY_SECRET, deps.clock.now(), { productId: productId!, sessionId: params.id });
    return json(201, await requestScreenshotUpload(deps.screenshotService, device, body));
  },
});
