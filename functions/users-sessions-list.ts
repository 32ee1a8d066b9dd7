// GET /api/diagnostics/users/{userId}/sessions?productId=: the sessions that targeted or observed a user (readers).
import { httpFunction, json } from '../shared/http/endpoint';
import { userParamsSchema, userSessionsQuerySchema } from '../shared/http/user-routes';
import { listUserSessions } from '../shared/services/user-grouping-service';

httpFunction({
  name: 'users-sessions-list',
  route: 'diagnostics/users/{userId}/sessions',
  methods: ['GET'],
  auth: { bearer: 'required' },
  params: userParamsSchema,
  query: userSessionsQuerySchema,
  handler: async ({ params, query, services, principal }) => json(200, await listUserSessions(services.watch.users, principal, params.userId, query)),
});
