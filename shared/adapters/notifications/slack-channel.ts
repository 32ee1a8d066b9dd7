// Slack incoming webhook: POST {text, blocks} (Block Kit); Slack answers 200 "ok".
import type { NotificationMessage } from '../../domain/events/notification-message';
import type { NotificationChannel } from '../../ports/notification-channel';
import { deliver } from './http-delivery';

/** mrkdwn control characters, as Slack documents: & < > must be escaped. */
function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function slackPayload(message: NotificationMessage): Record<string, unknown> {
  const blocks: Array<Record<string, unknown>> = [
    { type: 'header', text: { type: 'plain_text', text: message.title.slice(0, 150), emoji: false } },
    { type: 'section', text: { type: 'mrkdwn', text: escapeMrkdwn(message.summary).slice(0, 3000) } },
  ];
  if (message.facts.length) {
    blocks.push({
      type: 'section',
      fields: message.facts.slice(0, 10).map((fact) => ({ type: 'mrkdwn', text: `*${escapeMrkdwn(fact.name)}*\n${escapeMrkdwn(fact.value)}`.slice(0, 2000) })),
    });
  }
  blocks.push({
    type: 'actions',
    elements: [
      {
        type: 'button',
        action_id: 'open',
        text: { type: 'plain_text', text: message.link.label },
        url: message.link.url,
        ...(message.severity === 'critical' ? { style: 'danger' } : {}),
      },
    ],
  });
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `${message.eventType} · ${message.eventId}` }] });
  // `text` is the notification fallback Slack shows where blocks cannot be rendered.
  return { text: `${message.title}: ${message.summary}`.slice(0, 3000), blocks };
}

export class SlackChannel implements NotificationChannel {
  readonly name = 'slack' as const;
  constructor(
    private readonly webhookUrl: string,
    private readonly timeoutInMs: number,
  ) {}

  async send(message: NotificationMessage): Promise<void> {
    await deliver({
      service: 'Slack',
      method: 'POST',
      url: this.webhookUrl,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(slackPayload(message)),
      timeoutInMs: this.timeoutInMs,
    });
  }
}
