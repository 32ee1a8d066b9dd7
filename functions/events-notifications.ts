// Topic subscription `notifications`: tells the target user, the creating admin and on-call, per the routing config.
import { registerTopicFunction } from '../shared/runtime/registry';
import { EVENTS_CONNECTION, EVENTS_TOPIC, topicSubscriber } from '../shared/runtime/topic-subscriber';
import { notifyForEvent } from '../shared/services/notification-service';

registerTopicFunction({
  name: 'events-notifications',
  connection: EVENTS_CONNECTION,
  topicName: EVENTS_TOPIC,
  subscriptionName: 'notifications',
  handler: topicSubscriber('notifications', (event, services) => notifyForEvent(services.eventing.notifications, event)),
});
