// GET /api/diagnostics/products/{productId}/hooks: the product's pattern hooks (admins).
import { httpFunction, json } from '../shared/http/endpoint';
import { productParamsSchema } from '../shared/http/hook-routes';
import { listHooks } from '../shared/services/pattern-hook-service';

httpFunction({
  name: 'hooks-list',
  route: 'diagnostics/products/{productId}/hooks',
  methods: ['GET'],
  auth: { bearer: 'required' },
  params: productParamsSchema,
  handler: async ({ params, services, principal }) => json(200, { items: await listHooks(services.watch.hooks, principal, params.productId) }),
});
