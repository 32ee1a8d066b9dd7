// Email through Azure Communication Services: POST {endpoint}/emails:send?api-version=2023-03-31, signed with
// the resource's access key (HMAC-SHA256 over verb, path and query, x-ms-date, host and the body hash) or,
// without a key, a managed-identity bearer token. ACS answers 202 with an Operation-Location to poll.
import { createHash, createHmac } from 'node:crypto';
import type { TokenCredential } from '@azure/identity';
import { AppError } from '../../errors';
import type { NotificationMessage } from '../../domain/events/notification-message';
import type { Clock } from '../../ports/clock';
import type { NotificationChannel } from '../../ports/notification-channel';
import { deliver } from './http-delivery';

export const ACS_EMAIL_API_VERSION = '2023-03-31';
const ACS_SCOPE = 'https://communication.azure.com//.default';

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function acsEmailPayload(message: NotificationMessage, senderAddress: string, recipients: string[]): Record<string, unknown> {
  const facts = message.facts.map((fact) => `${fact.name}: ${fact.value}`).join('\n');
  const htmlFacts = message.facts.map((fact) => `<tr><th align="left">${escapeHtml(fact.name)}</th><td>${escapeHtml(fact.value)}</td></tr>`).join('');
  return {
    senderAddress,
    content: {
      subject: message.title,
      plainText: `${message.summary}\n\n${facts}\n\n${message.link.label}: ${message.link.url}\n\n${message.eventType} · ${message.eventId}`,
      html: `<p>${escapeHtml(message.summary)}</p><table>${htmlFacts}</table><p><a href="${escapeHtml(message.link.url)}">${escapeHtml(message.link.label)}</a></p><p><small>${escapeHtml(message.eventType)} · ${escapeHtml(message.eventId)}</small></p>`,
    },
    recipients: { to: recipients.map((address) => ({ address })) },
    userEngagementTrackingDisabled: true,
  };
}

/** The HMAC headers ACS documents for access-key auth. */
export function acsHmacHeaders(options: { accessKey: string; method: string; url: URL; body: string; date: Date }): Record<string, string> {
  const contentHash = createHash('sha256').update(options.body).digest('base64');
  const date = options.date.toUTCString();
  const pathAndQuery = `${options.url.pathname}${options.url.search}`;
  const stringToSign = `${options.method}\n${pathAndQuery}\n${date};${options.url.host};${contentHash}`;
  const signature = createHmac('sha256', Buffer.from(options.accessKey, 'base64')).update(stringToSign).digest('base64');
  return {
    'x-ms-date': date,
    'x-ms-content-sha256': contentHash,
    authorization: `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=${signature}`,
  };
}

export interface AcsEmailOptions {
  endpoint: string;
  senderAddress: string;
  accessKey?: string;
  credential?: TokenCredential;
  clock: Clock;
  timeoutInMs: number;
}

export class AcsEmailChannel implements NotificationChannel {
  readonly name = 'email' as const;
  constructor(private readonly options: AcsEmailOptions) {}

  async send(message: NotificationMessage, recipients: string[]): Promise<void> {
    // Relative to the endpoint's own path: a gateway or proxy in front of ACS (`https://gw.example/acs`) keeps it.
    const url = new URL(`./emails:send?api-version=${ACS_EMAIL_API_VERSION}`, this.options.endpoint.replace(/\/*$/, '/'));
    const body = JSON.stringify(acsEmailPayload(message, this.options.senderAddress, recipients));
    let auth: Record<string, string>;
    if (this.options.accessKey) {
      auth = acsHmacHeaders({ accessKey: this.options.accessKey, method: 'POST', url, body, date: this.options.clock.now() });
    } else if (this.options.credential) {
      const token = await this.options.credential.getToken(ACS_SCOPE);
      if (!token) throw new AppError('unavailable', 'No token for Azure Communication Services', { retryable: true });
      auth = { authorization: `Bearer ${token.token}` };
    } else {
      throw new AppError('internal', 'Email is configured without an access key or identity', { retryable: false });
    }
    await deliver({
      service: 'Azure Communication Services',
      method: 'POST',
      url: url.toString(),
      headers: { 'content-type': 'application/json', ...auth },
      body,
      timeoutInMs: this.options.timeoutInMs,
    });
  }
}
