// PUT /api/diagnostics/products/{productId}/rules/{ruleId}: an admin replaces one of the alert rules, guarded by If-Match (audited).
import { httpFunction } from '../shared/http/endpoint';
import { ifMatchOf } from '../shared/http/session-routes';
import { ruleParamsSchema, ruleResponse } from '../shared/http/signal-routes';
import { alertRuleInputSchema } from '../shared/domain/signals/rules';
import { replaceRule } from '../shared/services/signal-rule-service';

httpFunction({
  name: 'rules-update',
  route: 'diagnostics/products/{productId}/rules/{ruleId}',
  methods: ['PUT'],
  auth: { bearer: 'required' },
  params: ruleParamsSchema,
  body: alertRuleInputSchema,
  handler: async ({ params, body, request, services, principal, correlationId }) => {
    const call = { principal: principal, correlationId };
    return ruleResponse(
      200,
      await replaceRule(services.signals.rules, call, 'alertRule', params.productId, params.ruleId, body, ifMatchOf(request.headers.get('if-match'))),
    );
  },
});
