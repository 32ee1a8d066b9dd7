// A generic webhook signed with HMAC-SHA256: `x-signature: sha256=<hex>` over `${timestamp}.${body}`, the
// timestamp (Unix seconds) in `x-signature-timestamp`, so a receiver can verify and refuse stale replays.
import { createHmac } from 'node:crypto';
import type { NotificationMessage } from '../../domain/events/notification-message';
import type { Clock } from '../../ports/clock';
import type { NotificationChannel } from '../../ports/notification-channel';
import { deliver } from './http-delivery';

export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export function webhookPayload(message: NotificationMessage): Record<string, unknown> {
  return {
    id: message.eventId,
    type: message.eventType,
    time: message.time,
    productId: message.productId,
    sessionId: message.sessionId,
    audience: message.audience,
    severity: message.severity,
    title: message.title,
    summary: message.summary,
    facts: message.facts,
    link: message.link.url,
    alertKey: message.alertKey,
    foldedRepeats: message.folded,
    ...(message.details ? { details: message.details } : {}),
  };
}

export class WebhookChannel implements NotificationChannel {
  readonly name = 'webhook' as const;
  constructor(private readonly options: { url: string; secret: string; clock: Clock; timeoutInMs: number }) {}

  async send(message: NotificationMessage): Promise<void> {
    const body = JSON.stringify(webhookPayload(message));
    const timestamp = String(Math.floor(this.options.clock.now().getTime() / 1000));
    await deliver({
      service: 'Webhook',
      method: 'POST',
      url: this.options.url,
      headers: {
        'content-type': 'application/json',
        'x-signature': webhookSignature(this.options.secret, timestamp, body),
        'x-signature-timestamp': timestamp,
        // Receivers dedupe redeliveries by this id.
        'x-event-id': message.eventId,
        'x-event-type': message.eventType,
      },
      body,
      timeoutInMs: this.options.timeoutInMs,
    });
  }
}
