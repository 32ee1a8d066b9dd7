// GET /api/diagnostics/audit: the product's audit trail for its admins, newest first, filtered and paged.
import { z } from 'zod';
import { httpFunction, json } from '../shared/http/endpoint';
import { continuationTokenSchema, isoTimeSchema, pageSizeSchema } from '../shared/http/query-schemas';
import { sessionIdSchema } from '../shared/domain/sessions/session';
import { listAudit } from '../shared/services/audit-service';

const auditQuerySchema = z
  .object({
    productId: z.string().min(1).max(128).optional(),
    sessionId: sessionIdSchema.optional(),
    actor: z.string().min(1).max(256).optional(),
    action: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[\w.-]+$/, 'e.g. session.created, logs.read')
      .optional(),
    from: isoTimeSchema.optional(),
    to: isoTimeSchema.optional(),
    pageSize: pageSizeSchema,
    continuationToken: continuationTokenSchema,
  })
  .strict();

httpFunction({
  name: 'audit-list',
  route: 'diagnostics/audit',
  methods: ['GET'],
  auth: { bearer: 'required' },
  summary: 'the audit trail: who did or read what of which session (admin of the product)',
  query: auditQuerySchema,
  handler: async ({ query, services, principal }) => json(200, await listAudit(services.auditQuery, principal, query)),
});
