// The audit trail: who did what to which session, when, with what configuration.
import { z } from 'zod';

export const auditRecordSchema = z.object({
  id: z.string(),
  productId: z.string(),
  at: z.string(),
  actor: z.object({ kind: z.enum(['user', 'device', 'system']), id: z.string() }),
  action: z.string(),
  sessionId: z.string().optional(),
  target: z.record(z.string(), z.string()).optional(),
  /** Configuration or change details; never customer content. */
  details: z.record(z.string(), z.unknown()).optional(),
  correlationId: z.string().optional(),
});
export type AuditRecord = z.infer<typeof auditRecordSchema>;

export interface AuditQuery {
  sessionId?: string;
  action?: string;
  /** The actor's id (a user's subject, a device id, a system job). */
  actor?: string;
  /** Inclusive, ISO UTC. */
  from?: string;
  /** Exclusive, ISO UTC. */
  to?: string;
}

export interface AuditLog {
  /** Idempotent by `id`: writing the same record twice stores it once. */
  record(entry: AuditRecord): Promise<void>;
  /** Newest first, within one product. */
  list(
    productId: string,
    filter: AuditQuery,
    page: { maxItems: number; continuationToken?: string },
  ): Promise<{ items: AuditRecord[]; continuationToken?: string }>;
}
