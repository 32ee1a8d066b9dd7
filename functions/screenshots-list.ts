// GET /api/diagnostics/sessions/{id}/screenshots: metadata for whoever may view the session; short-lived
// read links for the product's engineers and admins only.
import { z } from 'zod';
import { httpFunction, json } from '../shared/http/endpoint';
import { continuationTokenSchema, pageSizeSchema } from '../shared/http/query-schemas';
import { sessionParamsSchema } from '../shared/http/session-routes';
import { listScreenshots } from '../shared/services/screenshot-service';

httpFunction({
  name: 'screenshots-list',
  route: 'diagnostics/sessions/{id}/screenshots',
  methods: ['GET'],
  auth: { bearer: 'required' },
  summary: 'metadata and read links (readers, target user)',
  params: sessionParamsSchema,
  query: z.object({ pageSize: pageSizeSchema, continuationToken: continuationTokenSchema }),
  handler: async ({ params, query, services, principal }) =>
    json(200, await listScreenshots(services.screenshots, principal, params.id, { maxItems: query.pageSize, continuationToken: query.continuationToken })),
});
