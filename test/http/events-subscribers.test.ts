// Event fan-out through the local host: each event reaches each subscriber once, redeliveries and retries do not
// duplicate notifications or tickets, throttling folds repeats, poison messages dead-letter, a bus outage loses
// nothing. Slack, Teams, PagerDuty, the webhook, ACS email and GitHub are loopback stand-ins (test/support/receivers.ts).
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { AppError } from '../../shared/errors';
import { newEvent, type EventEnvelope } from '../../shared/domain/events/event-envelope';
import { subscriberNames } from '../../shared/ports/subscriber-ledger';
import { alertLabel } from '../../shared/ports/ticket-tracker';
import { receiverSecrets, startReceivers, type Receivers } from '../support/receivers';
import { startTestHost, type TestHost } from '../support/test-host';

let host: TestHost;
let receivers: Receivers;
const THROTTLE_WINDOW_SECONDS = 600;

beforeAll(async () => {
  receivers = await startReceivers();
  host = await startTestHost({
    PUBLIC_BASE_URL: 'https://diag.example.com',
    SLACK_WEBHOOK_URL: `${receivers.url}/slack/T000/B000/XXXX`,
    TEAMS_WEBHOOK_URL: `${receivers.url}/teams/workflows/abc/triggers/manual/paths/invoke`,
    PAGERDUTY_EVENTS_URL: `${receivers.url}/v2/enqueue`,
    PAGERDUTY_ROUTING_KEY: receiverSecrets.pagerDutyRoutingKey,
    WEBHOOK_URL: `${receivers.url}/hook/diagnostics`,
    WEBHOOK_SECRET: receiverSecrets.webhookSecret,
    ACS_ENDPOINT: receivers.url,
    ACS_ACCESS_KEY: receiverSecrets.acsAccessKey,
    ACS_SENDER_ADDRESS: 'DoNotReply@diag.example.com',
    NOTIFICATION_ONCALL_EMAILS: 'oncall@example.com',
    NOTIFICATION_THROTTLE_WINDOW_SECONDS: String(THROTTLE_WINDOW_SECONDS),
    TICKET_PROVIDER: 'github',
    GITHUB_API_URL: `${receivers.url}/github`,
    GITHUB_REPOSITORY: 'acme/app',
    GITHUB_TOKEN: receiverSecrets.githubToken,
    NOTIFICATION_ROUTING: JSON.stringify({
      routes: [
        { events: ['diagnostics.session.started'], audience: 'target-user', channels: ['email', 'webhook'] },
        { events: ['diagnostics.session.cancelled', 'diagnostics.session.completed'], audience: 'creator', channels: ['email', 'slack', 'teams'] },
        { events: ['diagnostics.ingest.fatal'], audience: 'on-call', channels: ['pagerduty', 'slack', 'teams', 'webhook', 'email'], throttle: true },
        { events: ['diagnostics.regression.reported'], products: ['demo'], audience: 'creator', channels: ['slack'] },
      ],
      owners: { demo: 'team-payments' },
    }),
    PRODUCT_DIRECTORY: JSON.stringify({ demo: { owner: 'team-payments', app: 'checkout-web' } }),
  });
});
afterAll(async () => {
  await host.close();
  await receivers.close();
});
beforeEach(async () => {
  await host.deps.infra.localBus!.whenIdle();
});

async function settle(): Promise<void> {
  await host.deps.infra.localBus!.whenIdle();
}

let sequence = 0;
async function createSession(body: Record<string, unknown> = {}, creator = `admin${++sequence}@example.com`) {
  const token = await host.token({ subject: creator, roles: ['admin'], products: ['demo'] });
  const response = await host.call('POST', '/api/diagnostics/sessions', {
    body: { productId: 'demo', targetUserId: `user${sequence}@example.com`, targetDeviceId: `device-${sequence}`, ...body },
    headers: { authorization: `Bearer ${token}` },
  });
  expect(response.status).toBe(201);
  return { session: (await response.json()) as { id: string }, token, creator, targetUser: `user${sequence}@example.com` };
}

function fatalEvent(fields: { sessionId?: string; fingerprint?: string; message?: string } = {}): EventEnvelope {
  return newEvent('diagnostics.ingest.fatal', {
    productId: 'demo',
    sessionId: fields.sessionId,
    time: host.clock.now(),
    payload: {
      errorType: 'TypeError',
      message: fields.message ?? 'x is undefined',
      fingerprint: fields.fingerprint ?? `fp-${Math.random()}`,
      appId: 'checkout',
      release: '4.2.0',
      deviceId: 'device-9',
    },
  });
}

function sentFor(eventId: string) {
  return receivers.requests.filter((request) => request.body.includes(eventId) || request.headers['x-event-id'] === eventId);
}

function processed(subscriber: string): number {
  return host.telemetry.total('event.subscriber_total', { subscriber, outcome: 'processed' });
}

describe('lifecycle notifications and audit', () => {
  it('tells the target user a session started, and the creator when it is cancelled, each once; audit has every event', async () => {
    const before = { notifications: processed('notifications'), tickets: processed('tickets'), audit: processed('audit') };
    const { session, token, creator, targetUser } = await createSession();
    await settle();
    const started = receivers.of('acs').filter((request) => request.json.recipients.to[0].address === targetUser);
    expect(started).toHaveLength(1);
    expect(started[0]!.json.content.subject).toBe('Diagnostics were switched on for your device');
    expect(started[0]!.json.content.plainText).toContain(`https://diag.example.com/api/diagnostics/sessions/${session.id}`);
    // Nothing unmasked: the target's address appears only as the recipient, never in the text.
    expect(started[0]!.json.content.plainText).not.toContain(targetUser);
    const hooks = receivers.of('hook').filter((request) => request.json.sessionId === session.id);
    expect(hooks.map((request) => request.json.type)).toEqual(['diagnostics.session.started']);

    const cancelled = await host.call('DELETE', `/api/diagnostics/sessions/${session.id}`, { headers: { authorization: `Bearer ${token}` } });
    expect(cancelled.status).toBe(200);
    await settle();
    const toCreator = receivers.of('acs').filter((request) => request.json.recipients.to[0].address === creator);
    expect(toCreator.map((request) => request.json.content.subject)).toEqual(['Debug session was cancelled']);
    const slack = receivers.of('slack').filter((request) => request.body.includes(session.id));
    expect(slack).toHaveLength(1);
    expect(slack[0]!.json.blocks[0].text.text).toBe('Debug session was cancelled');
    expect(receivers.of('teams').filter((request) => request.body.includes(session.id))).toHaveLength(1);

    // created, started, cancelled, updated: four events, each processed once by each subscriber.
    expect(processed('notifications') - before.notifications).toBe(4);
    expect(processed('tickets') - before.tickets).toBe(4);
    expect(processed('audit') - before.audit).toBe(4);
    const audit = await host.deps.stores.audit.list('demo', { sessionId: session.id }, { maxItems: 20 });
    expect(audit.items.map((record) => record.action).sort()).toEqual(['session.cancelled', 'session.created']);
  });

  it('sends the creator a completed summary with stats when the expiry timer ends the session', async () => {
    const { session, creator } = await createSession({ maxDurationMinutes: 1 });
    await settle();
    host.clock.advance(2 * 60_000);
    const run = await fetch(`${host.url}/admin/functions/sessions-expire`, { method: 'POST' });
    expect(run.status).toBe(202);
    await settle();
    const summary = receivers.of('acs').filter((request) => request.json.recipients.to[0].address === creator);
    expect(summary.map((request) => request.json.content.subject)).toEqual(['Debug session completed']);
    expect(summary[0]!.json.content.plainText).toContain('0 logs, 0 traces, 0 errors, 0 screenshots');
    const audit = await host.deps.stores.audit.list('demo', { sessionId: session.id, action: 'session.expired' }, { maxItems: 5 });
    expect(audit.items).toHaveLength(1);
    expect(audit.items[0]!.actor).toEqual({ kind: 'system', id: 'session-expiry' });
  });
});

describe('fatal alerts, tickets and regression', () => {
  it('alerts on-call on every channel once, masked, opens one linked ticket, and audits the fatal ingest', async () => {
    const event = fatalEvent({ fingerprint: 'fp-checkout-1', message: 'Cannot read card of customer jane.doe@example.com' });
    await host.deps.services.events.publish([event]);
    await settle();
    const requests = sentFor(event.id);
    expect(requests.map((request) => request.service).sort()).toEqual(['acs', 'hook', 'slack', 'teams', 'v2']);
    expect(requests.every((request) => request.status >= 200 && request.status < 300)).toBe(true);
    for (const request of requests) expect(request.body).not.toContain('jane.doe@example.com');
    const pagerDuty = requests.find((request) => request.service === 'v2')!;
    expect(pagerDuty.json.dedup_key).toBe('fatal:demo:checkout:fp-checkout-1');
    expect(pagerDuty.json.payload.severity).toBe('critical');
    expect(requests.find((request) => request.service === 'acs')!.json.recipients.to).toEqual([{ address: 'oncall@example.com' }]);

    const issues = [...receivers.github.values()].filter((issue) => issue.title === 'Fatal error in checkout');
    expect(issues).toHaveLength(1);
    expect(issues[0]!.labels).toEqual(['diagnostics', 'product:demo', 'app:checkout', 'owner:team-payments', alertLabel('fatal:demo:checkout:fp-checkout-1')]);
    const audit = await host.deps.stores.audit.list('demo', { action: 'ingest.fatal' }, { maxItems: 50 });
    const record = audit.items.find((item) => item.id === `au_${event.id}`);
    expect(record).toMatchObject({ actor: { kind: 'device', id: 'device-9' }, details: { errorType: 'TypeError', fingerprint: 'fp-checkout-1' } });
  });

  it('folds repeats of the same alert key within the window and reports the count with the next alert; the ticket is updated, not duplicated', async () => {
    const first = fatalEvent({ fingerprint: 'fp-throttle' });
    await host.deps.services.events.publish([first]);
    await settle();
    const repeats = [fatalEvent({ fingerprint: 'fp-throttle' }), fatalEvent({ fingerprint: 'fp-throttle' }), fatalEvent({ fingerprint: 'fp-throttle' })];
    await host.deps.services.events.publish(repeats);
    await settle();
    for (const repeat of repeats) expect(sentFor(repeat.id).filter((request) => request.service !== 'github')).toEqual([]);
    expect(host.telemetry.total('notification.throttled_total')).toBeGreaterThanOrEqual(3);

    host.clock.advance(THROTTLE_WINDOW_SECONDS * 1000 + 1);
    const after = fatalEvent({ fingerprint: 'fp-throttle' });
    await host.deps.services.events.publish([after]);
    await settle();
    const pagerDuty = sentFor(after.id).filter((request) => request.service === 'v2');
    expect(pagerDuty).toHaveLength(1);
    expect(pagerDuty[0]!.json.payload.custom_details.foldedRepeats).toBe(3);
    expect(pagerDuty[0]!.json.payload.summary).toContain('3 more like this');

    const key = 'fatal:demo:checkout:fp-throttle';
    const link = await host.deps.services.eventing.tickets.links.get(key);
    expect(link?.link.occurrences).toBe(5);
    const issue = receivers.github.get(Number(link!.link.ticket!.id))!;
    expect(issue.comments).toHaveLength(4);
    expect([...receivers.github.values()].filter((candidate) => candidate.number === issue.number)).toHaveLength(1);
  });

  it('opens exactly one ticket when several alerts of a new key arrive together', async () => {
    const storm = Array.from({ length: 4 }, () => fatalEvent({ fingerprint: 'fp-storm' }));
    await host.deps.services.events.publish(storm);
    await settle();
    const link = (await host.deps.services.eventing.tickets.links.get('fatal:demo:checkout:fp-storm'))!.link;
    expect(link.state).toBe('open');
    expect(link.occurrences).toBe(4);
    const created = receivers
      .of('github')
      .filter((request) => request.method === 'POST' && request.url === '/github/repos/acme/app/issues' && request.body.includes('fp-storm'));
    expect(created).toHaveLength(1);
    expect(receivers.github.get(Number(link.ticket!.id))!.comments).toHaveLength(3);
  });

  it('finds the ticket it opened when it crashed before saving the link, instead of opening a second one', async () => {
    const links = host.deps.services.eventing.tickets.links;
    const save = links.replace.bind(links);
    let crashed = false;
    // The first save of the new ticket's number fails, as a crash right after the tracker answered would.
    const replace = vi.spyOn(links, 'replace').mockImplementation(async (link, etag) => {
      if (!crashed && link.alertKey === 'fatal:demo:checkout:fp-crash' && link.ticket) {
        crashed = true;
        throw new AppError('unavailable', 'lost the connection to storage', { retryable: true });
      }
      return save(link, etag);
    });
    try {
      await host.deps.services.events.publish([fatalEvent({ fingerprint: 'fp-crash' })]);
      await settle();
    } finally {
      replace.mockRestore();
    }
    expect(crashed).toBe(true);
    const created = receivers
      .of('github')
      .filter((request) => request.method === 'POST' && request.url === '/github/repos/acme/app/issues' && request.body.includes('fp-crash'));
    expect(created).toHaveLength(1);
    const link = (await links.get('fatal:demo:checkout:fp-crash'))!.link;
    expect(link).toMatchObject({ state: 'open', ticket: { provider: 'github' } });
    // The link names the one issue that was opened, the one labelled with this alert key.
    const labelled = [...receivers.github.values()].filter((issue) => issue.labels.includes(alertLabel('fatal:demo:checkout:fp-crash')));
    expect(labelled.map((issue) => String(issue.number))).toEqual([link.ticket!.id]);
    expect(host.telemetry.total('ticket.operation_total', { provider: 'github', operation: 'found' })).toBe(1);
  });

  it('closes the ticket when the regression passes (autoclose rate 1) and reopens it when it fails', async () => {
    const fatal = fatalEvent({ fingerprint: 'fp-regression' });
    await host.deps.services.events.publish([fatal]);
    await settle();
    const alertKey = 'fatal:demo:checkout:fp-regression';
    const link = (await host.deps.services.eventing.tickets.links.get(alertKey))!.link;
    const ticketId = Number(link.ticket!.id);
    const regression = (result: 'passed' | 'failed') =>
      newEvent('diagnostics.regression.reported', { productId: 'demo', time: host.clock.now(), payload: { result, alertKey, reportId: 'rp_1' } });
    await host.deps.services.events.publish([regression('passed')]);
    await settle();
    expect(receivers.github.get(ticketId)!.state).toBe('closed');
    expect((await host.deps.services.eventing.tickets.links.get(alertKey))!.link.state).toBe('closed');
    expect(host.telemetry.metrics.filter((metric) => metric.name === 'debug.ticket.autoclose_rate').map((metric) => metric.value)).toContain(1);

    await host.deps.services.events.publish([regression('failed')]);
    await settle();
    expect(receivers.github.get(ticketId)!.state).toBe('open');
    expect(host.telemetry.metrics.filter((metric) => metric.name === 'debug.ticket.autoclose_rate').map((metric) => metric.value)).toContain(0);
  });
});

describe('tickets of a session', () => {
  it("labels a ticket with the product directory's owner and app when the event names no app", async () => {
    const { session } = await createSession();
    const report = newEvent('diagnostics.report.generated', {
      productId: 'demo',
      sessionId: session.id,
      time: host.clock.now(),
      payload: { reportId: 'rp_labels', title: 'Checkout report' },
    });
    await host.deps.services.events.publish([report]);
    await settle();
    const alertKey = `session:demo:${session.id}`;
    const link = (await host.deps.services.eventing.tickets.links.get(alertKey))!.link;
    expect(receivers.github.get(Number(link.ticket!.id))!.labels).toEqual([
      'diagnostics',
      'product:demo',
      'app:checkout-web',
      'owner:team-payments',
      alertLabel(alertKey),
    ]);
  });

  it("a passing regression for a session closes every ticket of that session, the fatal crash's too; a failing one reopens them", async () => {
    const { session, token } = await createSession();
    const fatal = fatalEvent({ sessionId: session.id, fingerprint: `fp-session-${session.id}` });
    const report = newEvent('diagnostics.report.generated', {
      productId: 'demo',
      sessionId: session.id,
      time: host.clock.now(),
      payload: { reportId: 'rp_session', title: 'Checkout report' },
    });
    // Another session's crash of another kind: not this session's, so it stays open.
    const other = fatalEvent({ sessionId: 'ds_00000000-0000-4000-8000-000000000001', fingerprint: 'fp-other-session' });
    await host.deps.services.events.publish([fatal, report, other]);
    await settle();
    const keys = [`fatal:demo:checkout:fp-session-${session.id}`, `session:demo:${session.id}`];
    const tickets = await Promise.all(keys.map(async (key) => Number((await host.deps.services.eventing.tickets.links.get(key))!.link.ticket!.id)));
    const otherTicket = Number((await host.deps.services.eventing.tickets.links.get('fatal:demo:checkout:fp-other-session'))!.link.ticket!.id);

    const run = (runId: string, result: 'pass' | 'fail') =>
      host.call('POST', '/api/diagnostics/regressions', {
        body: { sessionId: session.id, runId, commit: 'abc1234', result },
        headers: { authorization: `Bearer ${token}` },
      });
    expect((await run('ci-1', 'pass')).status).toBeLessThan(300);
    await settle();
    expect(tickets.map((number) => receivers.github.get(number)!.state)).toEqual(['closed', 'closed']);
    for (const key of keys) expect((await host.deps.services.eventing.tickets.links.get(key))!.link.state).toBe('closed');
    expect(receivers.github.get(otherTicket)!.state).toBe('open');

    expect((await run('ci-2', 'fail')).status).toBeLessThan(300);
    await settle();
    expect(tickets.map((number) => receivers.github.get(number)!.state)).toEqual(['open', 'open']);
  });
});

describe('delivery guarantees', () => {
  it('drops a redelivered event: no second notification, ticket comment or audit record', async () => {
    const event = fatalEvent({ fingerprint: 'fp-redelivery' });
    await host.deps.services.events.publish([event]);
    await settle();
    const requestsBefore = receivers.requests.length;
    const duplicatesBefore = host.telemetry.total('event.subscriber_total', { outcome: 'duplicate' });
    host.deps.infra.localBus!.send(event, event.id);
    host.deps.infra.localBus!.send(event, event.id);
    await settle();
    expect(receivers.requests.length).toBe(requestsBefore);
    expect(host.telemetry.total('event.subscriber_total', { outcome: 'duplicate' }) - duplicatesBefore).toBe(6);
  });

  it('retries a transient channel failure without resending what already went out', async () => {
    receivers.failNext('slack', { status: 503, body: 'service_unavailable' });
    receivers.failNext('github', { status: 502, body: { message: 'Bad Gateway' } });
    const event = fatalEvent({ fingerprint: 'fp-transient' });
    await host.deps.services.events.publish([event]);
    await settle();
    const requests = sentFor(event.id);
    const count = (service: string) => requests.filter((request) => request.service === service).length;
    expect(count('slack')).toBe(2);
    expect(requests.filter((request) => request.service === 'slack').map((request) => request.status)).toEqual([503, 200]);
    for (const service of ['teams', 'v2', 'hook', 'acs']) expect(count(service)).toBe(1);
    const link = await host.deps.services.eventing.tickets.links.get('fatal:demo:checkout:fp-transient');
    expect(link).toBeDefined();
    // One failed create (502) and one that succeeded: exactly one issue.
    expect([...receivers.github.values()].filter((issue) => issue.number === Number(link!.link.ticket!.id))).toHaveLength(1);
    expect(host.deps.infra.localBus!.deadLetters).toEqual([]);
  });

  it('gives up a permanently refused delivery with a dead-letter record, still delivering the other channels', async () => {
    receivers.failNext('v2', { status: 400, body: { status: 'invalid event', message: 'Event object is invalid' } });
    const event = fatalEvent({ fingerprint: 'fp-permanent' });
    await host.deps.services.events.publish([event]);
    await settle();
    expect(sentFor(event.id).filter((request) => request.service === 'v2')).toHaveLength(1);
    expect(sentFor(event.id).filter((request) => request.service === 'slack')).toHaveLength(1);
    const deadLetters = await host.deps.services.eventing.ledger.listDeadLetters('notifications', { maxItems: 50 });
    const record = deadLetters.items.find((item) => item.messageId === event.id);
    expect(record).toMatchObject({ reason: 'PermanentDeliveryFailure', description: 'pagerduty: PagerDuty answered 400' });
  });

  it('dead-letters a ticket event the tracker refuses (422) instead of retrying it, and completes it', async () => {
    receivers.failNext('github', { status: 422, body: { message: 'Validation Failed' } });
    const event = fatalEvent({ fingerprint: 'fp-refused' });
    await host.deps.services.events.publish([event]);
    await settle();
    expect(receivers.of('github').filter((request) => request.body.includes('fp-refused'))).toHaveLength(1);
    const page = await host.deps.services.eventing.ledger.listDeadLetters('tickets', { maxItems: 50 });
    expect(page.items.find((item) => item.messageId === event.id)).toMatchObject({
      reason: 'PermanentFailure',
      description: 'GitHub answered 422',
      eventType: 'diagnostics.ingest.fatal',
    });
    // Redelivered later (say after a fix was replayed by hand): completed as already handled, no second call.
    host.deps.infra.localBus!.send(event, event.id);
    await settle();
    expect(receivers.of('github').filter((request) => request.body.includes('fp-refused'))).toHaveLength(1);
    // The failed creation released its claim: the next alert of the key opens the ticket at once.
    const next = fatalEvent({ fingerprint: 'fp-refused' });
    await host.deps.services.events.publish([next]);
    await settle();
    const link = (await host.deps.services.eventing.tickets.links.get('fatal:demo:checkout:fp-refused'))!.link;
    expect(link.state).toBe('open');
    expect(receivers.github.get(Number(link.ticket!.id))!.labels).toContain('app:checkout');
  });

  it('dead-letters a poison message at once in every subscriber, without redelivery loops', async () => {
    const deadLettered = host.telemetry.total('event.subscriber_total', { outcome: 'dead_lettered' });
    host.deps.infra.localBus!.send({ hello: 'not an event', secret: 'do-not-log' }, 'msg-poison-1');
    await settle();
    expect(host.telemetry.total('event.subscriber_total', { outcome: 'dead_lettered' }) - deadLettered).toBe(subscriberNames.length);
    for (const subscription of subscriberNames) {
      const page = await host.deps.services.eventing.ledger.listDeadLetters(subscription, { maxItems: 50 });
      const record = page.items.find((item) => item.messageId === 'msg-poison-1');
      expect(record?.reason).toBe('InvalidEnvelope');
      expect(record?.description).not.toContain('do-not-log');
      expect(record?.deliveryCount).toBe(1);
    }
    expect(host.deps.infra.localBus!.deadLetters).toEqual([]);
  });

  it('lets the bus dead-letter a message that fails transiently on every delivery (maxDeliveryCount)', async () => {
    const failures = Array.from({ length: 10 }, () => ({ status: 503, body: 'service_unavailable' }));
    receivers.failNext('slack', ...failures);
    const event = newEvent('diagnostics.regression.reported', {
      productId: 'demo',
      time: host.clock.now(),
      payload: { result: 'passed', alertKey: 'no-ticket' },
    });
    await host.deps.services.events.publish([event]);
    await settle();
    expect(sentFor(event.id).filter((request) => request.service === 'slack')).toHaveLength(10);
    expect(host.deps.infra.localBus!.deadLetters.map((letter) => [letter.subscription, letter.messageId, letter.reason])).toEqual([
      ['notifications', event.id, 'MaxDeliveryCountExceeded'],
    ]);
    host.deps.infra.localBus!.deadLetters.length = 0;
  });

  it('loses nothing in a bus outage: once it recovers and the drain runs, each event reaches each subscriber once', async () => {
    const bus = host.deps.infra.localBus!;
    const before = { notifications: processed('notifications'), tickets: processed('tickets'), audit: processed('audit') };
    bus.unavailable = true;
    let sessionId: string;
    const fatal = fatalEvent({ fingerprint: 'fp-outage' });
    try {
      const { session } = await createSession();
      sessionId = session.id;
      await host.deps.services.events.publish([fatal]);
      await settle();
      expect(receivers.requests.filter((request) => request.body.includes(session.id) || request.body.includes(fatal.id))).toEqual([]);
    } finally {
      bus.unavailable = false;
    }
    const drain = await fetch(`${host.url}/admin/functions/events-outbox-drain`, { method: 'POST' });
    expect(drain.status).toBe(202);
    await settle();
    // Three events: created, started, fatal.
    expect(processed('notifications') - before.notifications).toBe(3);
    expect(processed('tickets') - before.tickets).toBe(3);
    expect(processed('audit') - before.audit).toBe(3);
    expect(
      receivers
        .of('hook')
        .filter((request) => request.json.sessionId === sessionId!)
        .map((request) => request.json.type),
    ).toEqual(['diagnostics.session.started']);
    expect(sentFor(fatal.id).filter((request) => request.service === 'v2')).toHaveLength(1);
    // Running the drain again sends nothing twice.
    await host.runFunction('events-outbox-drain');
    await settle();
    expect(processed('notifications') - before.notifications).toBe(3);
  });
});
