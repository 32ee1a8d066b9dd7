// Query-string schemas of the session read endpoints (logs, traces, trace tree, timeline).
import { z } from 'zod';
import { logLevelSchema, traceIdSchema } from '../domain/telemetry/items';
import { tailItemTypeSchema } from '../domain/telemetry/tail';
import { sessionIdSchema } from '../domain/sessions/session';
import { continuationTokenSchema, isoTimeSchema, pageSizeSchema, queryList } from './query-schemas';

const orderSchema = z.enum(['newest', 'oldest']);

const timeRange = {
  from: isoTimeSchema.optional(),
  to: isoTimeSchema.optional(),
  pageSize: pageSizeSchema,
  continuationToken: continuationTokenSchema,
};

export const logsQuerySchema = z
  .object({
    ...timeRange,
    level: queryList(logLevelSchema, 6),
    /** Which documents: logs (default), breadcrumbs, network captures. */
    type: queryList(z.enum(['log', 'breadcrumb', 'network']), 3),
    module: z.string().min(1).max(256).optional(),
    text: z.string().min(1).max(256).optional(),
    correlationId: z.string().min(1).max(128).optional(),
    order: orderSchema.default('newest'),
  })
  .strict();

export const tracesQuerySchema = z.object({ ...timeRange, traceId: traceIdSchema.optional(), order: orderSchema.default('newest') }).strict();

export const timelineQuerySchema = z.object({ ...timeRange, order: orderSchema.default('oldest') }).strict();

export const traceParamsSchema = z.object({ id: sessionIdSchema, traceId: traceIdSchema });

/** `GET /sessions/{id}/tail`: filters only (the position comes from Last-Event-ID). */
export const tailQuerySchema = z
  .object({
    level: queryList(logLevelSchema, 6),
    type: queryList(tailItemTypeSchema, 4),
    text: z.string().min(1).max(256).optional(),
  })
  .strict();
