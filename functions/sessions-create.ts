// POST /api/diagnostics/sessions: an admin opens a time-boxed debug session for one target.
import { httpFunction } from '../shared/http/endpoint';
import { sessionResponse } from '../shared/http/session-routes';
import { createSessionRequestSchema } from '../shared/domain/sessions/session';
import { createSession } from '../shared/services/session-service';

httpFunction({
  name: 'sessions-create',
  route: 'diagnostics/sessions',
  methods: ['POST'],
  auth: { bearer: 'required' },
  summary: 'open a session (admin)',
  body: createSessionRequestSchema,
  handler: async ({ body, services, principal, correlationId }) => {
    const stored = await createSession(services.sessions, { principal: principal, correlationId }, body);
    return sessionResponse(201, stored, principal);
  },
});
