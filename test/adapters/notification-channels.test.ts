// Each notification channel against a loopback stand-in that checks its service's documented request shape,
// signature or auth; and the failure classification (transient → retry, permanent → give up).
import { createHash, createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AcsEmailChannel } from '../../shared/adapters/notifications/acs-email-channel';
import { PagerDutyChannel } from '../../shared/adapters/notifications/pagerduty-channel';
import { SlackChannel } from '../../shared/adapters/notifications/slack-channel';
import { TeamsChannel } from '../../shared/adapters/notifications/teams-channel';
import { WebhookChannel } from '../../shared/adapters/notifications/webhook-channel';
import { buildNotification } from '../../shared/domain/events/notification-message';
import { AppError } from '../../shared/errors';
import { newEvent } from '../../shared/domain/events/event-envelope';
import { receiverSecrets, startReceivers, type Receivers } from '../support/receivers';
import { loadMaskingEngine } from '../../shared/config/masking-rules';

let receivers: Receivers;
const clock = { now: () => new Date('2026-11-22T05:00:00Z') };

beforeAll(async () => {
  receivers = await startReceivers();
});
afterAll(() => receivers.close());

const fatal = newEvent('diagnostics.ingest.fatal', {
  productId: 'demo',
  sessionId: 'ds_00000000-0000-4000-8000-000000000001',
  time: clock.now(),
  payload: { errorType: 'TypeError', message: 'Cannot read user jane.doe@example.com of undefined', appId: 'checkout', release: '4.2.0' },
});
const { message } = buildNotification(fatal, 'on-call', {
  publicBaseUrl: 'https://diag.example.com',
  masking: loadMaskingEngine(),
  owner: 'team-payments',
  alertKey: 'fatal:demo:checkout:fp1',
  folded: 2,
});

describe('notification message', () => {
  it('masks customer content, links to the session, and reports folded repeats', () => {
    expect(message.summary).not.toContain('jane.doe@example.com');
    expect(message.summary).toContain('[EMAIL]');
    expect(message.summary).toContain('2 more like this');
    expect(message.link.url).toBe('https://diag.example.com/api/diagnostics/sessions/ds_00000000-0000-4000-8000-000000000001');
    expect(message.facts).toContainEqual({ name: 'Owner', value: 'team-payments' });
    expect(message.severity).toBe('critical');
  });
});

describe('Slack incoming webhook', () => {
  it('posts Block Kit with a fallback text and a link button', async () => {
    await new SlackChannel(`${receivers.url}/slack/T000/B000/XXXX`, 5000).send(message);
    const [request] = receivers.of('slack').slice(-1);
    expect(request!.status).toBe(200);
    expect(request!.url).toBe('/slack/T000/B000/XXXX');
    expect(request!.headers['content-type']).toBe('application/json');
    const { text, blocks } = request!.json;
    expect(text).toContain('Fatal error in checkout');
    expect(blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'Fatal error in checkout', emoji: false } });
    expect(blocks[1].text.type).toBe('mrkdwn');
    expect(blocks[2].fields).toContainEqual({ type: 'mrkdwn', text: '*Release*\n4.2.0' });
    const actions = blocks.find((block: { type: string }) => block.type === 'actions');
    expect(actions.elements[0]).toMatchObject({ type: 'button', url: message.link.url, text: { type: 'plain_text', text: 'Open timeline' } });
    expect(request!.body).not.toContain('jane.doe');
  });
});

describe('Teams workflow webhook', () => {
  it('posts an Adaptive Card in the message envelope', async () => {
    await new TeamsChannel(`${receivers.url}/teams/workflows/abc/triggers/manual/paths/invoke`, 5000).send(message);
    const [request] = receivers.of('teams').slice(-1);
    expect(request!.status).toBe(202);
    expect(request!.json.type).toBe('message');
    const [attachment] = request!.json.attachments;
    expect(attachment.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(attachment.contentUrl).toBeNull();
    expect(attachment.content).toMatchObject({ $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', type: 'AdaptiveCard', version: '1.4' });
    expect(attachment.content.body.map((element: { type: string }) => element.type)).toEqual(['TextBlock', 'TextBlock', 'FactSet', 'TextBlock']);
    expect(attachment.content.actions).toEqual([{ type: 'Action.OpenUrl', title: 'Open timeline', url: message.link.url }]);
  });
});

describe('PagerDuty Events API v2', () => {
  const channel = () =>
    new PagerDutyChannel({
      eventsUrl: `${receivers.url}/v2/enqueue`,
      routingKey: receiverSecrets.pagerDutyRoutingKey,
      clientUrl: 'https://diag.example.com',
      timeoutInMs: 5000,
    });

  it('enqueues a trigger with routing_key, dedup_key = alert key and the documented payload fields', async () => {
    await channel().send(message);
    const [request] = receivers.of('v2').slice(-1);
    expect(request!.status).toBe(202);
    expect(request!.json).toMatchObject({
      routing_key: receiverSecrets.pagerDutyRoutingKey,
      event_action: 'trigger',
      dedup_key: 'fatal:demo:checkout:fp1',
      payload: {
        source: 'demo',
        severity: 'critical',
        component: 'checkout',
        group: 'demo',
        class: 'diagnostics.ingest.fatal',
        timestamp: '2026-11-22T05:00:00.000Z',
      },
      links: [{ href: message.link.url, text: 'Open timeline' }],
    });
    expect(request!.json.payload.summary.length).toBeLessThanOrEqual(1024);
    expect(request!.json.payload.custom_details.foldedRepeats).toBe(2);
  });

  it('treats 429 as transient and 400 as permanent', async () => {
    receivers.failNext('v2', { status: 429, body: { status: 'throttled' } });
    const throttled = await channel()
      .send(message)
      .catch((error: unknown) => error);
    expect(throttled).toBeInstanceOf(AppError);
    expect((throttled as AppError).retryable).toBe(true);
    receivers.failNext('v2', { status: 400, body: { status: 'invalid event' } });
    const invalid = await channel()
      .send(message)
      .catch((error: unknown) => error);
    expect((invalid as AppError).retryable).toBe(false);
  });
});

describe('signed webhook', () => {
  it('signs timestamp.body with HMAC-SHA256 in x-signature, with the timestamp header', async () => {
    await new WebhookChannel({ url: `${receivers.url}/hook/diagnostics`, secret: receiverSecrets.webhookSecret, clock, timeoutInMs: 5000 }).send(message);
    const [request] = receivers.of('hook').slice(-1);
    expect(request!.status).toBe(204);
    const timestamp = request!.headers['x-signature-timestamp']!;
    expect(timestamp).toBe(String(Date.parse('2026-11-22T05:00:00Z') / 1000));
    expect(request!.headers['x-signature']).toBe(
      `sha256=${createHmac('sha256', receiverSecrets.webhookSecret).update(`${timestamp}.${request!.body}`).digest('hex')}`,
    );
    expect(request!.headers['x-event-id']).toBe(fatal.id);
    expect(request!.json).toMatchObject({ id: fatal.id, type: 'diagnostics.ingest.fatal', link: message.link.url, foldedRepeats: 2 });
  });

  it('is refused by a receiver holding another secret (permanent)', async () => {
    const error = await new WebhookChannel({ url: `${receivers.url}/hook/diagnostics`, secret: 'another-secret-0123456789', clock, timeoutInMs: 5000 })
      .send(message)
      .catch((failure: unknown) => failure);
    expect((error as AppError).retryable).toBe(false);
  });
});

describe('Azure Communication Services email', () => {
  it('POSTs emails:send with the 2023-03-31 shape and a valid HMAC-SHA256 signature', async () => {
    const channel = new AcsEmailChannel({
      endpoint: receivers.url,
      senderAddress: 'DoNotReply@diag.example.com',
      accessKey: receiverSecrets.acsAccessKey,
      clock,
      timeoutInMs: 5000,
    });
    await channel.send(message, ['oncall@example.com']);
    const [request] = receivers.of('acs').slice(-1);
    expect(request!.status).toBe(202);
    expect(request!.url).toBe('/emails:send?api-version=2023-03-31');
    expect(request!.headers['x-ms-date']).toBe('Sun, 22 Nov 2026 05:00:00 GMT');
    expect(request!.headers['x-ms-content-sha256']).toBe(createHash('sha256').update(request!.body).digest('base64'));
    expect(request!.headers.authorization).toMatch(/^HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=[A-Za-z0-9+/]+=*$/);
    expect(request!.json).toMatchObject({
      senderAddress: 'DoNotReply@diag.example.com',
      content: { subject: 'Fatal error in checkout' },
      recipients: { to: [{ address: 'oncall@example.com' }] },
    });
    expect(request!.json.content.plainText).toContain(message.link.url);
    expect(request!.json.content.html).toContain(`href="${message.link.url}"`);
    expect(request!.body).not.toContain('jane.doe');
  });

  it('keeps the path of an endpoint behind a gateway, and signs that path', async () => {
    for (const endpoint of [`${receivers.url}/gateway/acs`, `${receivers.url}/gateway/acs/`]) {
      const channel = new AcsEmailChannel({
        endpoint,
        senderAddress: 'DoNotReply@diag.example.com',
        accessKey: receiverSecrets.acsAccessKey,
        clock,
        timeoutInMs: 5000,
      });
      await channel.send(message, ['oncall@example.com']);
      const [request] = receivers.of('acs').slice(-1);
      expect(request!.url).toBe('/gateway/acs/emails:send?api-version=2023-03-31');
      // The receiver checks the signature over the path it was sent to.
      expect(request!.status).toBe(202);
    }
  });

  it('is refused (401, permanent) when signed with the wrong key', async () => {
    const channel = new AcsEmailChannel({
      endpoint: receivers.url,
      senderAddress: 'a@b.example',
      accessKey: Buffer.from('wrong').toString('base64'),
      clock,
      timeoutInMs: 5000,
    });
    const error = await channel.send(message, ['oncall@example.com']).catch((failure: unknown) => failure);
    expect((error as AppError).retryable).toBe(false);
  });
});
