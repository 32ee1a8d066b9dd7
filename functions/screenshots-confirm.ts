// POST /api/diagnostics/sessions/{id}/screenshots/{screenshotId}/confirm: the device says the upload is done;
// the blob's real size, type, magic bytes and dimensions decide between confirmed and rejected.
import { httpFunction, json } from '../shared/http/endpoint';
import { requireIngestToken } from '../shared/http/device-auth';
import { screenshotParamsSchema } from '../shared/http/screenshot-routes';
import { confirmScreenshot } from '../shared/services/screenshot-service';

httpFunction({
  name: 'screenshots-confirm',
  route: 'diagnostics/sessions/{id}/screenshots/{screenshotId}/confirm',
  methods: ['POST'],
  auth: { ingestKey: true },
  params: screenshotParamsSchema,
  handler: async ({ params, request, deps, productId, correlationId }) => {
    const device = requireIngestToken(request, deps.settings.INGEST_KEY_SECRET, deps.clock.now(), { productId: productId!, sessionId: params.id });
    return json(200, await confirmScreenshot(deps.screenshotService, device, params.screenshotId, correlationId));
  },
});
