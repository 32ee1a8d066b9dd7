// Builds the subscribers' dependencies from settings (called once by the composition root): the notification
// channels that have their settings and the configured ticket tracker, over the stores the root built.
import type { TokenCredential } from '@azure/identity';
import type { Settings } from '../config/settings';
import { AcsEmailChannel } from '../adapters/notifications/acs-email-channel';
import { PagerDutyChannel } from '../adapters/notifications/pagerduty-channel';
import { SlackChannel } from '../adapters/notifications/slack-channel';
import { TeamsChannel } from '../adapters/notifications/teams-channel';
import { WebhookChannel } from '../adapters/notifications/webhook-channel';
import { AzureDevOpsTracker } from '../adapters/tickets/azure-devops-work-items';
import { GitHubIssuesTracker } from '../adapters/tickets/github-issues';
import { JiraTracker } from '../adapters/tickets/jira-issues';
import { parseNotificationRouting, type ChannelName } from '../domain/events/notification-routing';
import { parseProductDirectory } from '../domain/events/product-directory';
import type { MaskingEngine } from '../domain/masking';
import type { AuditLog } from '../ports/audit-log';
import type { Clock } from '../ports/clock';
import type { NotificationChannel } from '../ports/notification-channel';
import type { SubscriberLedger } from '../ports/subscriber-ledger';
import type { Telemetry } from '../ports/telemetry';
import type { TicketTracker } from '../ports/ticket-tracker';
import type { NotificationDependencies } from '../services/notification-service';
import type { TicketDependencies } from '../services/ticket-service';
import type { Stores } from './stores';

export interface EventingDependencies {
  ledger: SubscriberLedger;
  notifications: NotificationDependencies;
  tickets: TicketDependencies;
  audit: { audit: AuditLog };
}

export interface EventingInputs {
  settings: Settings;
  stores: Pick<Stores, 'subscriberLedger' | 'alertThrottle' | 'ticketLinks' | 'audit'>;
  clock: Clock;
  telemetry: Telemetry;
  masking: MaskingEngine;
  credential?: TokenCredential;
}

function channelsOf(settings: Settings, clock: Clock, credential: TokenCredential | undefined): Partial<Record<ChannelName, NotificationChannel>> {
  const timeoutInMs = settings.NOTIFICATION_HTTP_TIMEOUT_MS;
  const channels: Partial<Record<ChannelName, NotificationChannel>> = {};
  if (settings.SLACK_WEBHOOK_URL) channels.slack = new SlackChannel(settings.SLACK_WEBHOOK_URL, timeoutInMs);
  if (settings.TEAMS_WEBHOOK_URL) channels.teams = new TeamsChannel(settings.TEAMS_WEBHOOK_URL, timeoutInMs);
  if (settings.PAGERDUTY_ROUTING_KEY) {
    channels.pagerduty = new PagerDutyChannel({
      eventsUrl: settings.PAGERDUTY_EVENTS_URL,
      routingKey: settings.PAGERDUTY_ROUTING_KEY,
      clientUrl: settings.PUBLIC_BASE_URL,
      timeoutInMs,
    });
  }
  if (settings.WEBHOOK_URL && settings.WEBHOOK_SECRET)
    channels.webhook = new WebhookChannel({ url: settings.WEBHOOK_URL, secret: settings.WEBHOOK_SECRET, clock, timeoutInMs });
  if (settings.ACS_ENDPOINT && settings.ACS_SENDER_ADDRESS) {
    channels.email = new AcsEmailChannel({
      endpoint: settings.ACS_ENDPOINT,
      senderAddress: settings.ACS_SENDER_ADDRESS,
      accessKey: settings.ACS_ACCESS_KEY,
      credential,
      clock,
      timeoutInMs,
    });
  }
  return channels;
}

function trackerOf(settings: Settings): TicketTracker | undefined {
  const timeoutInMs = settings.NOTIFICATION_HTTP_TIMEOUT_MS;
  switch (settings.TICKET_PROVIDER) {
    case 'github':
      return new GitHubIssuesTracker({ apiUrl: settings.GITHUB_API_URL, repository: settings.GITHUB_REPOSITORY!, token: settings.GITHUB_TOKEN!, timeoutInMs });
    case 'jira':
      return new JiraTracker({
        baseUrl: settings.JIRA_BASE_URL!,
        email: settings.JIRA_EMAIL!,
        apiToken: settings.JIRA_API_TOKEN!,
        projectKey: settings.JIRA_PROJECT_KEY!,
        issueType: settings.JIRA_ISSUE_TYPE,
        timeoutInMs,
      });
    case 'azure-devops':
      return new AzureDevOpsTracker({
        organizationUrl: settings.ADO_ORGANIZATION_URL!,
        project: settings.ADO_PROJECT!,
        token: settings.ADO_TOKEN!,
        workItemType: settings.ADO_WORK_ITEM_TYPE,
        timeoutInMs,
      });
    default:
      return undefined;
  }
}

export function createEventing(inputs: EventingInputs): EventingDependencies {
  const { settings, stores, clock, telemetry, masking } = inputs;
  const routing = parseNotificationRouting(settings.NOTIFICATION_ROUTING);
  const ledger = stores.subscriberLedger;
  return {
    ledger,
    notifications: {
      routing,
      channels: channelsOf(settings, clock, inputs.credential),
      throttle: stores.alertThrottle,
      ledger,
      clock,
      telemetry,
      publicBaseUrl: settings.PUBLIC_BASE_URL,
      masking,
      throttleWindowInMs: settings.NOTIFICATION_THROTTLE_WINDOW_SECONDS * 1000,
      onCallEmails: (settings.NOTIFICATION_ONCALL_EMAILS ?? '')
        .split(',')
        .map((address) => address.trim())
        .filter(Boolean),
      // Pattern hooks with their own webhook address, signed with the same secret as WEBHOOK_URL.
      webhookTo: settings.WEBHOOK_SECRET
        ? (url: string) => new WebhookChannel({ url, secret: settings.WEBHOOK_SECRET!, clock, timeoutInMs: settings.NOTIFICATION_HTTP_TIMEOUT_MS })
        : undefined,
    },
    tickets: {
      tracker: trackerOf(settings),
      links: stores.ticketLinks,
      ledger,
      clock,
      telemetry,
      routing,
      products: parseProductDirectory(settings.PRODUCT_DIRECTORY),
      publicBaseUrl: settings.PUBLIC_BASE_URL,
      masking,
    },
    audit: { audit: stores.audit },
  };
}
