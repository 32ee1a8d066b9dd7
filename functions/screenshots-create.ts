// POST /api/diagnostics/sessions/{id}/screenshots: the targeted device declares a screenshot and gets a
// create-only upload link for exactly its blob.
import { httpFunction, json } from '../shared/http/endpoint';
import { requireSessionOf } from '../shared/services/device-credentials';
import { sessionParamsSchema } from '../shared/http/session-routes';
import { createScreenshotRequestSchema } from '../shared/domain/screenshots/screenshot';
import { requestScreenshotUpload } from '../shared/services/screenshot-service';

httpFunction({
  name: 'screenshots-create',
  route: 'diagnostics/sessions/{id}/screenshots',
  methods: ['POST'],
  auth: { device: 'required' },
  summary: 'declare a screenshot, get an upload link (device)',
  params: sessionParamsSchema,
  body: createScreenshotRequestSchema,
  handler: async ({ params, body, services, device }) => {
    requireSessionOf(device, params.id);
    return json(201, await requestScreenshotUpload(services.screenshots, device, body));
  },
});
