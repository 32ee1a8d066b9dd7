// Microsoft Teams workflow webhook ("Post to a channel when a webhook request is received"): a message
// envelope with one Adaptive Card attachment; the workflow answers 202 Accepted.
import type { NotificationMessage } from '../../domain/events/notification-message';
import type { NotificationChannel } from '../../ports/notification-channel';
import { deliver } from './http-delivery';

export function teamsPayload(message: NotificationMessage): Record<string, unknown> {
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body: [
            {
              type: 'TextBlock',
              text: message.title,
              weight: 'Bolder',
              size: 'Medium',
              wrap: true,
              color: message.severity === 'critical' ? 'Attention' : 'Default',
            },
            { type: 'TextBlock', text: message.summary, wrap: true },
            { type: 'FactSet', facts: message.facts.map((fact) => ({ title: fact.name, value: fact.value })) },
            // Lets a reader quote the event when asking about it.
            { type: 'TextBlock', text: `${message.eventType} · ${message.eventId}`, isSubtle: true, size: 'Small', wrap: true },
          ],
          actions: [{ type: 'Action.OpenUrl', title: message.link.label, url: message.link.url }],
        },
      },
    ],
  };
}

export class TeamsChannel implements NotificationChannel {
  readonly name = 'teams' as const;
  constructor(
    private readonly workflowUrl: string,
    private readonly timeoutInMs: number,
  ) {}

  async send(message: NotificationMessage): Promise<void> {
    await deliver({
      service: 'Teams',
      method: 'POST',
      url: this.workflowUrl,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(teamsPayload(message)),
      timeoutInMs: this.timeoutInMs,
    });
  }
}
