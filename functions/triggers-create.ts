// POST /api/diagnostics/products/{productId}/triggers: an admin adds one of the product's trigger rules (audited).
import { httpFunction } from '../shared/http/endpoint';
import { productParamsSchema, ruleResponse } from '../shared/http/signal-routes';
import { triggerRuleInputSchema } from '../shared/domain/signals/triggers';
import { createRule } from '../shared/services/signal-rule-service';

httpFunction({
  name: 'triggers-create',
  route: 'diagnostics/products/{productId}/triggers',
  methods: ['POST'],
  auth: { bearer: 'required' },
  params: productParamsSchema,
  body: triggerRuleInputSchema,
  handler: async ({ params, body, services, principal, correlationId }) =>
    ruleResponse(201, await createRule(services.signals.rules, { principal: principal, correlationId }, 'triggerRule', params.productId, body)),
});
