// GET /api/diagnostics/sessions/{id}: for readers of its product, or the user it targets.
import { httpFunction } from '../shared/http/endpoint';
import { sessionParamsSchema, sessionResponse } from '../shared/http/session-routes';
import { getSession } from '../shared/services/session-service';

httpFunction({
  name: 'sessions-get',
  route: 'diagnostics/sessions/{id}',
  methods: ['GET'],
  auth: { bearer: 'required' },
  summary: 'one session with its `ETag` (readers, target user)',
  params: sessionParamsSchema,
  handler: async ({ params, services, principal }) => sessionResponse(200, await getSession(services.sessions, principal, params.id), principal),
});
