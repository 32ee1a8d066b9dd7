// GET /api/diagnostics/products/{productId}/hooks/{hookId}: one pattern hook with its ETag (admins).
import { httpFunction } from '../shared/http/endpoint';
import { hookParamsSchema, hookResponse } from '../shared/http/hook-routes';
import { getHook } from '../shared/services/pattern-hook-service';

httpFunction({
  name: 'hooks-get',
  route: 'diagnostics/products/{productId}/hooks/{hookId}',
  methods: ['GET'],
  auth: { bearer: 'required' },
  params: hookParamsSchema,
  handler: async ({ params, services, principal }) => hookResponse(200, await getHook(services.watch.hooks, principal, params.productId, params.hookId)),
});
