// One outgoing channel (Slack, Teams, PagerDuty, signed webhook, email). Each speaks its service's documented API;
// a failure is an AppError whose `retryable` says whether the bus should redeliver.
import type { ChannelName } from '../domain/events/notification-routing';
import type { NotificationMessage } from '../domain/events/notification-message';

export interface NotificationChannel {
  readonly name: ChannelName;
  /** Email needs addresses; chat channels ignore them. */
  send(message: NotificationMessage, recipients: string[]): Promise<void>;
}
