// Local stand-in for the Service Bus topic: each message goes to every registered subscription,
// with Service Bus's semantics: at-least-once, redelivery when the handler throws, dead-letter
// after maxDeliveryCount. Used only in local mode; production publishes with @azure/service-bus.
import { randomUUID } from 'node:crypto';
import { InvocationContext } from '@azure/functions';
import type { EventEnvelope } from '../../domain/events/event-envelope';
import type { EventPublisher } from '../../ports/event-publisher';

/** A topic subscription as the function registry records it: a Service Bus trigger's name, topic and handler. */
export interface TopicSubscription {
  name: string;
  topicName: string;
  subscriptionName: string;
  handler(message: unknown, context: InvocationContext): Promise<void>;
}

export interface DeadLetteredMessage {
  subscription: string;
  messageId: string;
  body: unknown;
  deliveryCount: number;
  reason: string;
  description: string;
}

export interface InProcessBusOptions {
  topicName: string;
  maxDeliveryCount: number;
  /** Delay before redelivering after a throw (Service Bus re-offers once the lock is abandoned). */
  redeliveryDelayInMs: number;
}

export class InProcessServiceBus implements EventPublisher {
  readonly deadLetters: DeadLetteredMessage[] = [];
  private inFlight = 0;
  private idleWaiters: Array<() => void> = [];
  /** Set to simulate an outage: publish throws as the real sender would. */
  unavailable = false;

  constructor(
    private readonly subscriptions: () => readonly TopicSubscription[],
    private readonly options: InProcessBusOptions,
  ) {}

  async publish(events: EventEnvelope[]): Promise<void> {
    if (this.unavailable) throw new Error('Service Bus is unavailable (simulated)');
    for (const event of events) this.send(event, event.id);
  }

  /** Sends any JSON body to the topic, as a raw ServiceBusSender would. */
  send(body: unknown, messageId: string = randomUUID()): void {
    const enqueuedTimeUtc = new Date().toISOString();
    for (const subscription of this.subscriptions()) {
      if (subscription.topicName !== this.options.topicName) continue;
      // Each subscription gets its own copy, as Service Bus does.
      const copy: unknown = JSON.parse(JSON.stringify(body));
      this.schedule(() => this.deliver(subscription, copy, messageId, enqueuedTimeUtc, 1), 0);
    }
  }

  /** Resolves once every message sent so far has been handled or dead-lettered. */
  whenIdle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private schedule(work: () => Promise<void>, delayInMs: number): void {
    this.inFlight++;
    setTimeout(() => {
      void work().finally(() => {
        this.inFlight--;
        if (this.inFlight === 0) {
          const waiters = this.idleWaiters;
          this.idleWaiters = [];
          for (const resolve of waiters) resolve();
        }
      });
    }, delayInMs);
  }

  private async deliver(subscription: TopicSubscription, body: unknown, messageId: string, enqueuedTimeUtc: string, deliveryCount: number): Promise<void> {
    const context = new InvocationContext({
      functionName: subscription.name,
      invocationId: randomUUID(),
      triggerMetadata: { messageId, deliveryCount, enqueuedTimeUtc, subscriptionName: subscription.subscriptionName },
    });
    try {
      await subscription.handler(body, context);
    } catch (error) {
      if (deliveryCount >= this.options.maxDeliveryCount) {
        this.deadLetters.push({
          subscription: subscription.subscriptionName,
          messageId,
          body,
          deliveryCount,
          reason: 'MaxDeliveryCountExceeded',
          description: error instanceof Error ? error.name : 'handler failed',
        });
        return;
      }
      this.schedule(() => this.deliver(subscription, body, messageId, enqueuedTimeUtc, deliveryCount + 1), this.options.redeliveryDelayInMs);
    }
  }
}
