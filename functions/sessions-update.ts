// PATCH /api/diagnostics/sessions/{id}: lifecycle moves, extensions and capture changes, guarded by If-Match.
import { httpFunction } from '../shared/http/endpoint';
import { ifMatchOf, sessionParamsSchema, sessionResponse } from '../shared/http/session-routes';
import { updateSessionRequestSchema } from '../shared/domain/sessions/session';
import { updateSession } from '../shared/services/session-service';

httpFunction({
  name: 'sessions-update',
  route: 'diagnostics/sessions/{id}',
  methods: ['PATCH'],
  auth: { bearer: 'required' },
  summary: 'pause, resume, extend, reconfigure (`If-Match`) (admin)',
  params: sessionParamsSchema,
  body: updateSessionRequestSchema,
  handler: async ({ params, body, request, services, principal, correlationId }) => {
    const call = { principal: principal, correlationId };
    return sessionResponse(200, await updateSession(services.sessions, call, params.id, body, ifMatchOf(request.headers.get('if-match'))), principal);
  },
});
