// DELETE /api/diagnostics/products/{productId}/hooks/{hookId}: remove a pattern hook (audited; repeating it is a no-op).
import { httpFunction } from '../shared/http/endpoint';
import { hookParamsSchema } from '../shared/http/hook-routes';
import { deleteHook } from '../shared/services/pattern-hook-service';

httpFunction({
  name: 'hooks-delete',
  route: 'diagnostics/products/{productId}/hooks/{hookId}',
  methods: ['DELETE'],
  auth: { bearer: 'required' },
  params: hookParamsSchema,
  handler: async ({ params, services, principal, correlationId }) => {
    await deleteHook(services.watch.hooks, { principal: principal, correlationId }, params.productId, params.hookId);
    return { status: 204 };
  },
});
