// GET /api/diagnostics/sessions: sessions the caller may see, filtered and paged by continuation token.
import { z } from 'zod';
import { httpFunction, json } from '../shared/http/endpoint';
import { continuationTokenSchema, isoTimeSchema, pageSizeSchema, queryList } from '../shared/http/query-schemas';
import { productIdSchema, sessionStatusSchema, targetIdentifierSchema } from '../shared/domain/sessions/session';
import { listSessions } from '../shared/services/session-service';

const listQuerySchema = z.object({
  status: queryList(sessionStatusSchema),
  productId: productIdSchema.optional(),
  from: isoTimeSchema.optional(),
  to: isoTimeSchema.optional(),
  /** A session id, or an id one of its targets equals exactly. */
  target: targetIdentifierSchema.optional(),
  pageSize: pageSizeSchema,
  continuationToken: continuationTokenSchema,
});

httpFunction({
  name: 'sessions-list',
  route: 'diagnostics/sessions',
  methods: ['GET'],
  auth: { bearer: 'required' },
  summary: 'list, filtered and paged (readers, target user)',
  query: listQuerySchema,
  handler: async ({ query, services, principal }) => {
    const page = await listSessions(services.sessions, principal, { ...query, status: query.status });
    return json(200, page);
  },
});
