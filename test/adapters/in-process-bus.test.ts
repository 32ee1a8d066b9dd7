// The local Service Bus stand-in keeps the real semantics: every subscription gets each message,
// a throwing handler gets it again, and after maxDeliveryCount it is dead-lettered.
import { describe, expect, it } from 'vitest';
import { InProcessServiceBus } from '../../shared/adapters/local/in-process-bus';
import { newEvent } from '../../shared/domain/events/event-envelope';
import type { TopicFunctionDefinition } from '../../shared/runtime/registry';

function subscription(name: string, handler: TopicFunctionDefinition['handler'], topicName = 'events'): TopicFunctionDefinition {
  return { name, connection: 'ServiceBusConnection', topicName, subscriptionName: name, handler };
}

const event = () => newEvent('diagnostics.session.created', { productId: 'demo', sessionId: 'ds_1', payload: {}, time: new Date() });

describe('InProcessServiceBus', () => {
  it('delivers a copy to every subscription of the topic, with delivery metadata', async () => {
    const received: Array<[string, unknown, number]> = [];
    const subscriptions = [
      subscription('a', async (message, context) => void received.push(['a', message, context.triggerMetadata?.deliveryCount as number])),
      subscription('b', async (message, context) => void received.push(['b', message, context.triggerMetadata?.deliveryCount as number])),
      subscription('other-topic', async () => void received.push(['other', null, 0]), 'elsewhere'),
    ];
    const bus = new InProcessServiceBus(() => subscriptions, { topicName: 'events', maxDeliveryCount: 3, redeliveryDelayInMs: 1 });
    const published = event();
    await bus.publish([published]);
    await bus.whenIdle();
    expect(received.map(([name]) => name).sort()).toEqual(['a', 'b']);
    expect(received.every(([, message, count]) => JSON.stringify(message) === JSON.stringify(published) && count === 1)).toBe(true);
  });

  it('redelivers after a throw and dead-letters after maxDeliveryCount', async () => {
    let flakyCalls = 0;
    let poisonCalls = 0;
    const subscriptions = [
      subscription('flaky', async () => {
        flakyCalls++;
        if (flakyCalls < 3) throw new Error('transient');
      }),
      subscription('poison', async () => {
        poisonCalls++;
        throw new TypeError('always');
      }),
    ];
    const bus = new InProcessServiceBus(() => subscriptions, { topicName: 'events', maxDeliveryCount: 4, redeliveryDelayInMs: 1 });
    await bus.publish([event()]);
    await bus.whenIdle();
    expect(flakyCalls).toBe(3);
    expect(poisonCalls).toBe(4);
    expect(bus.deadLetters).toHaveLength(1);
    expect(bus.deadLetters[0]).toMatchObject({ subscription: 'poison', deliveryCount: 4, reason: 'MaxDeliveryCountExceeded', description: 'TypeError' });
  });

  it('throws on publish while unavailable, as the real sender does', async () => {
    const bus = new InProcessServiceBus(() => [], { topicName: 'events', maxDeliveryCount: 1, redeliveryDelayInMs: 1 });
    bus.unavailable = true;
    await expect(bus.publish([event()])).rejects.toThrow(/unavailable/);
  });
});
