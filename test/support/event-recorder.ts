// A test subscription on the topic: records every event the in-process bus delivers, as a real subscriber
// would see it (after any outbox), so tests assert on what was announced, not on how it was sent.
import { randomUUID } from 'node:crypto';
import { eventEnvelopeSchema, type EventEnvelope } from '../../shared/domain/events/event-envelope';
import { registerTopicFunction } from '../../shared/runtime/registry';

export interface EventRecorder {
  events: EventEnvelope[];
  ofType(type: EventEnvelope['type']): EventEnvelope[];
}

export function recordEvents(topicName = 'diagnostics-events'): EventRecorder {
  const events: EventEnvelope[] = [];
  registerTopicFunction({
    name: `test-recorder-${randomUUID().slice(0, 8)}`,
    connection: 'SERVICEBUS',
    topicName,
    subscriptionName: 'test-recorder',
    handler: async (message) => {
      const parsed = eventEnvelopeSchema.safeParse(typeof message === 'string' ? JSON.parse(message) : message);
      if (parsed.success) events.push(parsed.data);
    },
  });
  return { events, ofType: (type) => events.filter((event) => event.type === type) };
}
