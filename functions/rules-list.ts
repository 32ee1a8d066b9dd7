// GET /api/diagnostics/products/{productId}/rules: the product's alert rules, each with its ETag.
import { httpFunction } from '../shared/http/endpoint';
import { productParamsSchema, rulesResponse } from '../shared/http/signal-routes';
import { listRules } from '../shared/services/signal-rule-service';

httpFunction({
  name: 'rules-list',
  route: 'diagnostics/products/{productId}/rules',
  methods: ['GET'],
  auth: { bearer: 'required' },
  params: productParamsSchema,
  handler: async ({ params, services, principal }) => rulesResponse(await listRules(services.signals.rules, principal, 'alertRule', params.productId)),
});
