// Topic subscription `tickets`: fatal alerts and reports open or update a ticket; regression results close or reopen it.
import { registerTopicFunction } from '../shared/runtime/registry';
import { EVENTS_CONNECTION, EVENTS_TOPIC, topicSubscriber } from '../shared/runtime/topic-subscriber';
import { applyTicketEvent } from '../shared/services/ticket-service';

registerTopicFunction({
  name: 'events-tickets',
  connection: EVENTS_CONNECTION,
  topicName: EVENTS_TOPIC,
  subscriptionName: 'tickets',
  handler: topicSubscriber('tickets', (event, services) => applyTicketEvent(services.eventing.tickets, event)),
});
