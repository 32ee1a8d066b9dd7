// GET /api/diagnostics/products/{productId}/series?name=&from=&to=&step=: one metric for the dashboard, optionally with its expected band.
import { httpFunction, json } from '../shared/http/endpoint';
import { productParamsSchema } from '../shared/http/signal-routes';
import { readSeries, seriesQuerySchema } from '../shared/services/signal-service';

httpFunction({
  name: 'series-get',
  route: 'diagnostics/products/{productId}/series',
  methods: ['GET'],
  auth: { bearer: 'required' },
  params: productParamsSchema,
  query: seriesQuerySchema,
  handler: async ({ params, query, services, principal }) => json(200, await readSeries(services.signals.intake, principal, params.productId, query)),
});
