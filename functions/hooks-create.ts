// POST /api/diagnostics/products/{productId}/hooks: an admin adds a pattern hook (audited).
import { httpFunction } from '../shared/http/endpoint';
import { hookResponse, productParamsSchema } from '../shared/http/hook-routes';
import { createHookRequestSchema } from '../shared/domain/hooks/pattern-hook';
import { createHook } from '../shared/services/pattern-hook-service';

httpFunction({
  name: 'hooks-create',
  route: 'diagnostics/products/{productId}/hooks',
  methods: ['POST'],
  auth: { bearer: 'required' },
  params: productParamsSchema,
  body: createHookRequestSchema,
  maxBodyBytes: 16 * 1024,
  handler: async ({ params, body, services, principal, correlationId }) =>
    hookResponse(201, await createHook(services.watch.hooks, { principal: principal, correlationId }, params.productId, body)),
});
