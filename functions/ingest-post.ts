// POST /api/diagnostics/ingest: a mixed batch (logs, spans, breadcrumbs, network captures) for one session.
import { httpFunction } from '../shared/http/endpoint';
import { deviceCall, ingestEnvelopeSchema, ingestResponse, INGEST_MAX_BODY_BYTES } from '../shared/http/ingest-routes';
import { ingest } from '../shared/services/ingest-service';

httpFunction({
  name: 'ingest-post',
  route: 'diagnostics/ingest',
  methods: ['POST'],
  auth: { device: 'required' },
  summary: 'a mixed batch of up to 50 items (device)',
  body: ingestEnvelopeSchema,
  maxBodyBytes: INGEST_MAX_BODY_BYTES,
  handler: async ({ body, request, services, device, correlationId }) =>
    ingestResponse(await ingest(services.ingest, deviceCall(request, services.ingest, device, correlationId, 'ingest'), body)),
});
