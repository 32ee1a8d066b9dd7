// DELETE /api/diagnostics/sessions/{id}: cancels (soft delete); repeating it changes nothing.
import { httpFunction } from '../shared/http/endpoint';
import { ifMatchOf, sessionParamsSchema, sessionResponse } from '../shared/http/session-routes';
import { cancelSession } from '../shared/services/session-service';

httpFunction({
  name: 'sessions-cancel',
  route: 'diagnostics/sessions/{id}',
  methods: ['DELETE'],
  auth: { bearer: 'required' },
  summary: 'cancel (admin)',
  params: sessionParamsSchema,
  handler: async ({ params, request, services, principal, correlationId }) => {
    const call = { principal: principal, correlationId };
    return sessionResponse(200, await cancelSession(services.sessions, call, params.id, ifMatchOf(request.headers.get('if-match'))), principal);
  },
});
