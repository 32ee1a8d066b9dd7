// PATCH /api/diagnostics/products/{productId}/hooks/{hookId}: change a pattern hook (audited); If-Match → 412 when stale.
import { httpFunction } from '../shared/http/endpoint';
import { hookParamsSchema, hookResponse } from '../shared/http/hook-routes';
import { ifMatchOf } from '../shared/http/session-routes';
import { updateHookRequestSchema } from '../shared/domain/hooks/pattern-hook';
import { updateHook } from '../shared/services/pattern-hook-service';

httpFunction({
  name: 'hooks-update',
  route: 'diagnostics/products/{productId}/hooks/{hookId}',
  methods: ['PATCH'],
  auth: { bearer: 'required' },
  params: hookParamsSchema,
  body: updateHookRequestSchema,
  maxBodyBytes: 16 * 1024,
  handler: async ({ params, body, request, services, principal, correlationId }) =>
    hookResponse(
      200,
      await updateHook(
        services.watch.hooks,
        { principal: principal, correlationId },
        params.productId,
        params.hookId,
        body,
        ifMatchOf(request.headers.get('if-match')),
      ),
    ),
});
