// POST /api/diagnostics/redaction/preview: an admin sees a pasted sample as the masking rules would store it.
import { httpFunction, json } from '../shared/http/endpoint';
import { previewRedaction, REDACTION_PREVIEW_MAX_BODY_BYTES, redactionPreviewRequestSchema } from '../shared/services/redaction-preview';

httpFunction({
  name: 'redaction-preview',
  route: 'diagnostics/redaction/preview',
  methods: ['POST'],
  auth: { bearer: 'required' },
  summary: 'mask a text or value as ingest would (admin)',
  body: redactionPreviewRequestSchema,
  maxBodyBytes: REDACTION_PREVIEW_MAX_BODY_BYTES,
  handler: async ({ body, services, principal }) => json(200, previewRedaction(services.masking, principal, body)),
});
