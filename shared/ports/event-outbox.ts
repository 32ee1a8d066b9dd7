// The transactional outbox: every event is stored here before (or with) the state change it announces,
// and a relay publishes what is stored, so a bus outage delays events but never loses them.
import { z } from 'zod';
import { eventEnvelopeSchema, type EventEnvelope } from '../domain/events/event-envelope';
import type { EventPublisher } from './event-publisher';

/**
 * - `prepared`: written before a session write; publishable only once the session document proves the write happened.
 * - `ready`: the state change is certain; publish it.
 * - `sent`: on the bus (kept until TTL for diagnosis).
 * - `abandoned`: the guarded write never happened; never published.
 */
export const outboxStateSchema = z.enum(['prepared', 'ready', 'sent', 'abandoned']);
export type OutboxState = z.infer<typeof outboxStateSchema>;

export const outboxRecordSchema = z.object({
  /** The event id: one record per event, so a repeated add is a conflict, not a second event. */
  id: z.string(),
  state: outboxStateSchema,
  event: eventEnvelopeSchema,
  /** For `prepared` records: the session whose stored document must list this event id. */
  guardSessionId: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  publishAttempts: z.number().int().nonnegative(),
  sentAt: z.string().optional(),
  /** Seconds; set once the record is settled (sent or abandoned) so unsent records never expire. */
  ttl: z.number().int().optional(),
});
export type OutboxRecord = z.infer<typeof outboxRecordSchema>;

export interface OutboxPage {
  items: OutboxRecord[];
  continuationToken?: string;
}

export interface EventOutbox {
  /** Creates the records; a record that already exists (a retried add) is left as it is. */
  add(records: OutboxRecord[]): Promise<void>;
  /** Moves records to a new state; a record that is gone is ignored. */
  setState(ids: string[], state: OutboxState, at: Date, options?: { countAttempt?: boolean }): Promise<void>;
  /** Records still to publish (`ready`, and `prepared` ones to resolve), oldest first, one page at a time. */
  listUnsent(page: { maxItems: number; continuationToken?: string }): Promise<OutboxPage>;
  get(id: string): Promise<OutboxRecord | undefined>;
}

/**
 * What the session use cases publish through: the event goes to the outbox before the state write,
 * and the write records the event ids as its own proof (see shared/services/event-relay.ts).
 */
export interface GuardedEventPublisher extends EventPublisher {
  publishWithWrite<T>(events: EventEnvelope[], guard: { sessionId: string }, write: (eventIds: string[]) => Promise<T>): Promise<T>;
}
