// GET /api/diagnostics/erasures/{id}: an erasure's state and its progress per store (admin of its product).
import { httpFunction } from '../shared/http/endpoint';
import { erasureParamsSchema, erasureResponse } from '../shared/http/erasure-routes';
import { getErasure } from '../shared/services/erasure-service';

httpFunction({
  name: 'erasures-get',
  route: 'diagnostics/erasures/{id}',
  methods: ['GET'],
  auth: { bearer: 'required' },
  summary: 'an erasure: pending, deleting, verifying, completed or failed, with per-store progress (admin)',
  params: erasureParamsSchema,
  handler: async ({ params, services, principal }) => erasureResponse(200, await getErasure(services.erasures, principal, params.id)),
});
