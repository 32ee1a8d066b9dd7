// GET /api/diagnostics/sessions/{id}/tail: a session's stored, masked items as they arrive (Server-Sent Events).
import { httpFunction } from '../shared/http/endpoint';
import { sessionParamsSchema } from '../shared/http/session-routes';
import { tailQuerySchema } from '../shared/http/telemetry-query-routes';
import { openLiveTail, SSE_HEADERS } from '../shared/services/live-tail-service';

httpFunction({
  name: 'sessions-tail',
  route: 'diagnostics/sessions/{id}/tail',
  methods: ['GET'],
  auth: { bearer: 'required' },
  params: sessionParamsSchema,
  query: tailQuerySchema,
  handler: async ({ params, query, request, services, principal }) => {
    const filter = { levels: query.level, types: query.type, text: query.text };
    const body = await openLiveTail(services.watch.liveTail, principal, params.id, { filter, lastEventId: request.headers.get('last-event-id') });
    return { status: 200, headers: SSE_HEADERS, body };
  },
});
