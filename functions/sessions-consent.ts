// POST /api/diagnostics/sessions/{id}/consent: the device records its user's answer ({granted}); the config poll then reflects it.
import { httpFunction, json } from '../shared/http/endpoint';
import { consentBodySchema, deviceCall } from '../shared/http/ingest-routes';
import { sessionParamsSchema } from '../shared/http/session-routes';
import { recordConsent } from '../shared/services/ingest-service';

httpFunction({
  name: 'sessions-consent',
  route: 'diagnostics/sessions/{id}/consent',
  methods: ['POST'],
  auth: { device: 'required' },
  summary: "record the user's answer (device)",
  params: sessionParamsSchema,
  body: consentBodySchema,
  handler: async ({ params, body, request, services, device, correlationId }) =>
    json(
      200,
      await recordConsent(services.ingest, deviceCall(request, services.ingest, device, correlationId, 'consent'), params.id, body.device, body.granted),
    ),
});
