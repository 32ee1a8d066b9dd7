// POST /api/diagnostics/sessions/{id}/screenshots/{screenshotId}/confirm: the device says the upload is done;
// the blob's real size, type, magic bytes and dimensions decide between confirmed and rejected.
import { httpFunction, json } from '../shared/http/endpoint';
import { requireSessionOf } from '../shared/services/device-credentials';
import { screenshotParamsSchema } from '../shared/http/screenshot-routes';
import { confirmScreenshot } from '../shared/services/screenshot-service';

httpFunction({
  name: 'screenshots-confirm',
  route: 'diagnostics/sessions/{id}/screenshots/{screenshotId}/confirm',
  methods: ['POST'],
  auth: { device: 'required' },
  summary: 'check the upload (device)',
  params: screenshotParamsSchema,
  handler: async ({ params, services, device, correlationId }) => {
    requireSessionOf(device, params.id);
    return json(200, await confirmScreenshot(services.screenshots, device, params.screenshotId, correlationId));
  },
});
