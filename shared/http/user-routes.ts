// Route and query schemas of the per-user endpoints (a user's sessions and merged timeline).
import { z } from 'zod';
import { productIdSchema, targetIdentifierSchema } from '../domain/sessions/session';
import { continuationTokenSchema, isoTimeSchema, pageSizeSchema } from './query-schemas';

export const userParamsSchema = z.object({
  userId: targetIdentifierSchema,
});

export const userSessionsQuerySchema = z.object({ productId: productIdSchema, pageSize: pageSizeSchema, continuationToken: continuationTokenSchema }).strict();

export const userTimelineQuerySchema = z
  .object({
    productId: productIdSchema,
    from: isoTimeSchema.optional(),
    to: isoTimeSchema.optional(),
    order: z.enum(['newest', 'oldest']).default('oldest'),
    pageSize: pageSizeSchema,
    continuationToken: continuationTokenSchema,
  })
  .strict();
