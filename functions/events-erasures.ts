// Topic subscription `erasures`: runs the erasure a `diagnostics.erasure.requested` event names, in checkpointed steps;
// a throw hands the message back to the bus, and the next delivery resumes from the last checkpoint.
import { registerTopicFunction } from '../shared/runtime/registry';
import { EVENTS_CONNECTION, EVENTS_TOPIC, topicSubscriber } from '../shared/runtime/topic-subscriber';
import { handleErasureEvent } from '../shared/services/erasure-service';

registerTopicFunction({
  name: 'events-erasures',
  connection: EVENTS_CONNECTION,
  topicName: EVENTS_TOPIC,
  subscriptionName: 'erasures',
  handler: topicSubscriber('erasures', (event, services) => handleErasureEvent(services.erasures, event), { types: ['diagnostics.erasure.requested'] }),
});
