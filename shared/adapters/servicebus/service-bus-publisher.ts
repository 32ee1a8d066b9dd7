// Publishes event envelopes to the Service Bus topic; messageId = event id so duplicate detection drops resends.
import { ServiceBusClient, type ServiceBusSender } from '@azure/service-bus';
import type { TokenCredential } from '@azure/identity';
import { AppError } from '../../errors';
import type { EventEnvelope } from '../../domain/events/event-envelope';
import type { EventPublisher } from '../../ports/event-publisher';

export class ServiceBusEventPublisher implements EventPublisher {
  private readonly sender: ServiceBusSender;

  constructor(fullyQualifiedNamespace: string, topic: string, credential: TokenCredential) {
    this.sender = new ServiceBusClient(fullyQualifiedNamespace, credential).createSender(topic);
  }

  async publish(events: EventEnvelope[]): Promise<void> {
    if (events.length === 0) return;
    try {
      await this.sender.sendMessages(
        events.map((event) => ({
          body: event,
          messageId: event.id,
          contentType: 'application/json',
          subject: event.type,
          correlationId: event.correlationId,
          applicationProperties: { type: event.type, productId: event.productId },
        })),
      );
    } catch (error) {
      throw new AppError('unavailable', 'The event bus is unavailable', { cause: error, retryAfterSeconds: 5 });
    }
  }
}
