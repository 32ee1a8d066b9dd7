// Publishing lifecycle events to the one topic; the envelope schema is the wire type for every subscriber.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';

export const eventTypes = [
  'diagnostics.session.created',
  'diagnostics.session.started',
  'diagnostics.session.updated',
  'diagnostics.session.cancelled',
  'diagnostics.session.completed',
  'diagnostics.session.expired',
  'diagnostics.ingest.fatal',
  'diagnostics.screenshot.captured',
  'diagnostics.report.generated',
  'diagnostics.regression.reported',
] as const;
export const eventTypeSchema = z.enum(eventTypes);
export type EventType = z.infer<typeof eventTypeSchema>;

export const EVENT_SCHEMA_VERSION = 1;

export const eventEnvelopeSchema = z.object({
  id: z.string().min(1),
  specVersion: z.literal(EVENT_SCHEMA_VERSION),
  type: eventTypeSchema,
  time: z.string(),
  productId: z.string(),
  sessionId: z.string().optional(),
  correlationId: z.string().optional(),
  payload: z.record(z.string(), z.unknown()),
});
export type EventEnvelope = z.infer<typeof eventEnvelopeSchema>;

export function newEvent(
  type: EventType,
  fields: { productId: string; sessionId?: string; correlationId?: string; payload: Record<string, unknown>; time: Date },
): EventEnvelope {
  return {
    id: `ev_${randomUUID()}`,
    specVersion: EVENT_SCHEMA_VERSION,
    type,
    time: fields.time.toISOString(),
    productId: fields.productId,
    sessionId: fields.sessionId,
    correlationId: fields.correlationId,
    payload: fields.payload,
  };
}

export interface EventPublisher {
  /** At-least-once: a retried publish may deliver an event twice; subscribers dedupe by `id`. */
  publish(events: EventEnvelope[]): Promise<void>;
}
