// PUT /api/diagnostics/products/{productId}/triggers/{ruleId}: an admin replaces one of the trigger rules, guarded by If-Match (audited).
import { httpFunction } from '../shared/http/endpoint';
import { ifMatchOf } from '../shared/http/session-routes';
import { ruleParamsSchema, ruleResponse } from '../shared/http/signal-routes';
import { triggerRuleInputSchema } from '../shared/domain/signals/triggers';
import { replaceRule } from '../shared/services/signal-rule-service';

httpFunction({
  name: 'triggers-update',
  route: 'diagnostics/products/{productId}/triggers/{ruleId}',
  methods: ['PUT'],
  auth: { bearer: 'required' },
  params: ruleParamsSchema,
  body: triggerRuleInputSchema,
  handler: async ({ params, body, request, services, principal, correlationId }) => {
    const call = { principal: principal, correlationId };
    return ruleResponse(
      200,
      await replaceRule(services.signals.rules, call, 'triggerRule', params.productId, params.ruleId, body, ifMatchOf(request.headers.get('if-match'))),
    );
  },
});
