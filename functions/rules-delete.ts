// DELETE /api/diagnostics/products/{productId}/rules/{ruleId}: an admin removes one of the alert rules (idempotent, audited).
import { httpFunction } from '../shared/http/endpoint';
import { ruleParamsSchema } from '../shared/http/signal-routes';
import { deleteRule } from '../shared/services/signal-rule-service';

httpFunction({
  name: 'rules-delete',
  route: 'diagnostics/products/{productId}/rules/{ruleId}',
  methods: ['DELETE'],
  auth: { bearer: 'required' },
  params: ruleParamsSchema,
  handler: async ({ params, services, principal, correlationId }) => {
    await deleteRule(services.signals.rules, { principal: principal, correlationId }, 'alertRule', params.productId, params.ruleId);
    return { status: 204 };
  },
});
