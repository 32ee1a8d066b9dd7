// PagerDuty Events API v2: POST /v2/enqueue with routing_key, event_action and dedup_key = the alert key,
// so PagerDuty folds repeats into one incident too; it answers 202 {"status":"success"}.
import type { NotificationMessage } from '../../domain/events/notification-message';
import type { NotificationChannel } from '../../ports/notification-channel';
import { deliver } from './http-delivery';

export function pagerDutyPayload(message: NotificationMessage, routingKey: string, clientUrl: string): Record<string, unknown> {
  // The incident the alert key opened is resolved when the problem is gone: a passing regression run, or a signal
  // alert's recovery (same key as the alert that fired, so the same dedup_key).
  const resolves =
    (message.eventType === 'diagnostics.regression.reported' && message.severity === 'info') || message.eventType === 'diagnostics.signal.alert_recovered';
  return {
    routing_key: routingKey,
    event_action: resolves ? 'resolve' : 'trigger',
    // PagerDuty limits dedup_key to 255 characters.
    dedup_key: message.alertKey.slice(0, 255),
    payload: {
      summary: `${message.title}: ${message.summary}`.slice(0, 1024),
      source: message.productId,
      severity: message.severity,
      timestamp: message.time,
      component: message.facts.find((fact) => fact.name === 'App')?.value ?? message.productId,
      group: message.productId,
      class: message.eventType,
      custom_details: { ...Object.fromEntries(message.facts.map((fact) => [fact.name, fact.value])), eventId: message.eventId, foldedRepeats: message.folded },
    },
    links: [{ href: message.link.url, text: message.link.label }],
    client: 'Remote diagnostics',
    client_url: clientUrl,
  };
}

export class PagerDutyChannel implements NotificationChannel {
  readonly name = 'pagerduty' as const;
  constructor(private readonly options: { eventsUrl: string; routingKey: string; clientUrl: string; timeoutInMs: number }) {}

  async send(message: NotificationMessage): Promise<void> {
    await deliver({
      service: 'PagerDuty',
      method: 'POST',
      url: this.options.eventsUrl,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(pagerDutyPayload(message, this.options.routingKey, this.options.clientUrl)),
      timeoutInMs: this.options.timeoutInMs,
    });
  }
}
