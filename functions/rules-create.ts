// POST /api/diagnostics/products/{productId}/rules: an admin adds one of the product's alert rules (audited).
import { httpFunction } from '../shared/http/endpoint';
import { productParamsSchema, ruleResponse } from '../shared/http/signal-routes';
import { alertRuleInputSchema } from '../shared/domain/signals/rules';
import { createRule } from '../shared/services/signal-rule-service';

httpFunction({
  name: 'rules-create',
  route: 'diagnostics/products/{productId}/rules',
  methods: ['POST'],
  auth: { bearer: 'required' },
  params: productParamsSchema,
  body: alertRuleInputSchema,
  handler: async ({ params, body, services, principal, correlationId }) =>
    ruleResponse(201, await createRule(services.signals.rules, { principal: principal, correlationId }, 'alertRule', params.productId, body)),
});
