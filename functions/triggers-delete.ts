// DELETE /api/diagnostics/products/{productId}/triggers/{ruleId}: an admin removes one of the trigger rules (idempotent, audited).
import { httpFunction } from '../shared/http/endpoint';
import { ruleParamsSchema } from '../shared/http/signal-routes';
import { deleteRule } from '../shared/services/signal-rule-service';

httpFunction({
  name: 'triggers-delete',
  route: 'diagnostics/products/{productId}/triggers/{ruleId}',
  methods: ['DELETE'],
  auth: { bearer: 'required' },
  params: ruleParamsSchema,
  handler: async ({ params, services, principal, correlationId }) => {
    await deleteRule(services.signals.rules, { principal: principal, correlationId }, 'triggerRule', params.productId, params.ruleId);
    return { status: 204 };
  },
});
