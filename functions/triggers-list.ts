// GET /api/diagnostics/products/{productId}/triggers: the product's trigger rules, each with its ETag.
import { httpFunction } from '../shared/http/endpoint';
import { productParamsSchema, rulesResponse } from '../shared/http/signal-routes';
import { listRules } from '../shared/services/signal-rule-service';

httpFunction({
  name: 'triggers-list',
  route: 'diagnostics/products/{productId}/triggers',
  methods: ['GET'],
  auth: { bearer: 'required' },
  params: productParamsSchema,
  handler: async ({ params, services, principal }) => rulesResponse(await listRules(services.signals.rules, principal, 'triggerRule', params.productId)),
});
