// POST /api/diagnostics/erasures: an admin asks to erase one subject's data (202); the same requestId answers the same erasure.
import { httpFunction } from '../shared/http/endpoint';
import { erasureLocation, erasureResponse } from '../shared/http/erasure-routes';
import { createErasureRequestSchema } from '../shared/domain/privacy/erasure';
import { requestErasure } from '../shared/services/erasure-service';

httpFunction({
  name: 'erasures-create',
  route: 'diagnostics/erasures',
  methods: ['POST'],
  auth: { bearer: 'required' },
  summary: 'erase one user, anonymous id or device: sessions, telemetry, files, indexes (admin of the product)',
  body: createErasureRequestSchema,
  maxBodyBytes: 4 * 1024,
  handler: async ({ body, services, principal, correlationId }) => {
    const { erasure } = await requestErasure(services.erasures, { principal, correlationId }, body);
    return erasureResponse(202, erasure, { location: erasureLocation(erasure.id) });
  },
});
