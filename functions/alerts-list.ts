// GET /api/diagnostics/products/{productId}/alerts: every alert rule with its state (firing first) and recent episodes.
import { httpFunction, json } from '../shared/http/endpoint';
import { productParamsSchema } from '../shared/http/signal-routes';
import { listAlerts } from '../shared/services/signal-rule-service';

httpFunction({
  name: 'alerts-list',
  route: 'diagnostics/products/{productId}/alerts',
  methods: ['GET'],
  auth: { bearer: 'required' },
  params: productParamsSchema,
  handler: async ({ params, services, principal }) => json(200, { items: await listAlerts(services.signals.rules, principal, params.productId) }),
});
