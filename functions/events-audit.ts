// Topic subscription `audit`: every event lands in audit_log (lifecycle, fatal ingests, screenshots, reports, downloads).
import { registerTopicFunction } from '../shared/runtime/registry';
import { EVENTS_CONNECTION, EVENTS_TOPIC, topicSubscriber } from '../shared/runtime/topic-subscriber';
import { auditEvent } from '../shared/services/audit-subscriber-service';

registerTopicFunction({
  name: 'events-audit',
  connection: EVENTS_CONNECTION,
  topicName: EVENTS_TOPIC,
  subscriptionName: 'audit',
  handler: topicSubscriber('audit', (event, services) => auditEvent(services.eventing.audit, event)),
});
