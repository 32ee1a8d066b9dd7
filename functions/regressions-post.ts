// POST /api/diagnostics/regressions: CI reports a regression run for a session or report; a pass resolves
// the alert (and so closes the linked ticket), a fail reopens it. Repeating a run id changes nothing.
import { httpFunction, json } from '../shared/http/endpoint';
import { regressionRequestSchema } from '../shared/domain/reports/regression';
import { reportRegression } from '../shared/services/regression-service';

httpFunction({
  name: 'regressions-post',
  route: 'diagnostics/regressions',
  methods: ['POST'],
  auth: { bearer: 'required' },
  summary: "a CI run's result: resolves or reopens the alert (admin (CI))",
  body: regressionRequestSchema,
  handler: async ({ body, services, principal, correlationId }) => {
    const outcome = await reportRegression(services.regressions, principal, body, correlationId);
    return json(outcome.duplicate ? 200 : 201, outcome);
  },
});
