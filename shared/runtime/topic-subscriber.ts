// The one wrapper every event subscriber goes through: parse the envelope, drop duplicates by event id,
// classify failures (transient → throw so the bus redelivers; permanent → dead-letter record with a reason,
// then complete), and count each outcome. Subscriber functions stay one line of wiring.
import { createHash } from 'node:crypto';
import type { InvocationContext } from '@azure/functions';
import { isAppError } from '../errors';
import { eventEnvelopeSchema, type EventEnvelope, type EventType } from '../domain/events/event-envelope';
import type { SubscriberName } from '../ports/subscriber-ledger';
import { getDependencies, type Services } from './composition';
import type { TopicMessageHandler } from './registry';

/** The topic every subscriber listens on; must equal SERVICEBUS_TOPIC (bicep creates both). */
export const EVENTS_TOPIC = 'diagnostics-events';
/** App setting prefix of the identity-based connection: SERVICEBUS__fullyQualifiedNamespace (Bicep sets it). */
export const EVENTS_CONNECTION = 'SERVICEBUS';

function bodyOf(message: unknown): unknown {
  if (typeof message !== 'string') return message;
  try {
    return JSON.parse(message);
  } catch {
    return message;
  }
}

export interface SubscriberOptions {
  /** Only these event types reach the handler; others are completed at once, without a ledger read or write. */
  types?: readonly EventType[];
}

export function topicSubscriber(
  name: SubscriberName,
  handle: (event: EventEnvelope, services: Services) => Promise<void>,
  options: SubscriberOptions = {},
): TopicMessageHandler {
  return async (message: unknown, context: InvocationContext) => {
    const { services, edge } = await getDependencies();
    const { ledger } = services.eventing;
    const metadata = context.triggerMetadata ?? {};
    const body = bodyOf(message);
    const messageId =
      typeof metadata.messageId === 'string'
        ? metadata.messageId
        : createHash('sha256')
            .update(JSON.stringify(body) ?? '')
            .digest('hex');
    const deliveryCount = Number(metadata.deliveryCount ?? 1) || 1;
    const count = (outcome: string) => edge.telemetry.metric('event.subscriber_total', 1, { subscriber: name, outcome });
    const deadLetter = async (reason: string, description: string, eventType?: string) => {
      // Functions v4 for Node cannot dead-letter through the trigger; the record plus completing the message
      // gives the same outcome: it never comes back, and it can be inspected and replayed.
      await ledger.deadLetter({
        id: `${name}:${messageId}`,
        subscription: name,
        messageId,
        eventType,
        reason,
        description,
        deliveryCount,
        at: edge.clock.now().toISOString(),
        body,
      });
      count('dead_lettered');
    };

    const parsed = eventEnvelopeSchema.safeParse(body);
    if (!parsed.success) {
      // Paths and codes only: the values may be anything.
      return deadLetter(
        'InvalidEnvelope',
        parsed.error.issues
          .map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.code}`)
          .join('; ')
          .slice(0, 1000),
      );
    }
    const event = parsed.data;
    if (options.types && !options.types.includes(event.type)) return count('ignored');
    const doneKey = `${name}:${event.id}`;
    if (await ledger.isDone(doneKey)) return count('duplicate');
    try {
      await handle(event, services);
    } catch (error) {
      // Unknown errors count as transient: the bus retries and dead-letters after maxDeliveryCount.
      if (!isAppError(error) || error.retryable) {
        count('retried');
        context.warn(
          `${name}: ${event.type} ${event.id} failed (delivery ${deliveryCount}), will retry: ${isAppError(error) ? error.message : (error as Error).name}`,
        );
        throw error;
      }
      await deadLetter('PermanentFailure', error.message.slice(0, 1000), event.type);
      await ledger.markDone(doneKey, edge.clock.now());
      return;
    }
    await ledger.markDone(doneKey, edge.clock.now());
    count('processed');
  };
}
