// GET /api/diagnostics/users/{userId}/timeline?productId=: one merged, paged timeline across a user's sessions (readers).
import { httpFunction, json } from '../shared/http/endpoint';
import { userParamsSchema, userTimelineQuerySchema } from '../shared/http/user-routes';
import { userTimeline } from '../shared/services/user-grouping-service';

httpFunction({
  name: 'users-timeline-get',
  route: 'diagnostics/users/{userId}/timeline',
  methods: ['GET'],
  auth: { bearer: 'required' },
  params: userParamsSchema,
  query: userTimelineQuerySchema,
  handler: async ({ params, query, services, principal }) => json(200, await userTimeline(services.watch.users, principal, params.userId, query)),
});
