// Publishing lifecycle events to the one topic (Service Bus in Azure, in process locally).
import type { EventEnvelope } from '../domain/events/event-envelope';

export interface EventPublisher {
  /** At-least-once: a retried publish may deliver an event twice; subscribers dedupe by `id`. */
  publish(events: EventEnvelope[]): Promise<void>;
}
