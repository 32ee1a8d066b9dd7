// Pattern hooks through the local host: admins manage them (audited, validated, RE2-safe regexes); ingest matches
// masked items and the notifications subscriber delivers one signed webhook per throttle window to a local receiver.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openDeviceSession, type DeviceSession } from '../support/device-session';
import { Receivers } from '../support/receivers';
import { startTestHost, type TestHost } from '../support/test-host';
import { createHook as createHookDirectly, deleteHook } from '../../shared/services/pattern-hook-service';
import { createHookRequestSchema } from '../../shared/domain/hooks/pattern-hook';

let host: TestHost;
let receivers: Receivers;
let admin: string;

beforeAll(async () => {
  receivers = await new Receivers().start();
  host = await startTestHost({
    WEBHOOK_SECRET: 'test-webhook-secret-0123456789abcdef',
    SLACK_WEBHOOK_URL: `${receivers.url}/slack/T000/B000/XXXX`,
    PUBLIC_BASE_URL: 'https://diagnostics.example.com',
    RATE_LIMIT_INGEST_BATCHES_PER_MINUTE: '1000',
  });
  admin = await host.token({ roles: ['admin'], products: ['demo'] });
});
afterAll(async () => {
  await host.close();
  await receivers.close();
});

async function createHook(body: unknown, token = admin, productId = 'demo') {
  const response = await host.call('POST', `/api/diagnostics/products/${productId}/hooks`, { body, headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: await response.json(), etag: response.headers.get('etag') };
}

let sequence = 0;
async function send(session: DeviceSession, items: Array<{ level: string; message: string }>): Promise<string[]> {
  const now = host.clock.now().getTime();
  const ids = items.map(() => `it-${++sequence}`);
  const body = {
    sessionId: session.sessionId,
    items: items.map((item, index) => ({ kind: 'log', id: ids[index], timestamp: new Date(now + index).toISOString(), ...item })),
  };
  const response = await host.call('POST', '/api/diagnostics/ingest', { body, headers: session.deviceHeaders });
  expect(response.status).toBe(202);
  await host.deps.infra.localBus!.whenIdle();
  return ids;
}

describe('a hook on level=error, text contains "payment"', () => {
  it('delivers one signed webhook per throttle window, with the masked excerpt and a deep link', async () => {
    const created = await createHook({
      name: 'payment errors',
      match: { level: ['error'], textContains: 'payment' },
      action: { webhookUrl: `${receivers.url}/hook/payment-errors` },
      throttle: { max: 1, windowSeconds: 60 },
    });
    expect(created.status).toBe(201);
    const session = await openDeviceSession(host, admin);
    const hookRequests = () => receivers.of('hook').filter((request) => request.url === '/hook/payment-errors');

    const [first] = await send(session, [
      { level: 'error', message: 'payment declined for jane.doe@example.com' },
      { level: 'info', message: 'payment page opened' },
      { level: 'error', message: 'render failed' },
    ]);
    await send(session, [{ level: 'error', message: 'payment retry failed' }]);
    await send(session, [{ level: 'error', message: 'payment gateway timeout' }]);
    expect(hookRequests()).toHaveLength(1);
    const delivered = hookRequests()[0]!;
    // The receiver recomputes the HMAC over timestamp and body and answers 204 only when it matches.
    expect(delivered.status).toBe(204);
    expect(delivered.headers['x-event-type']).toBe('diagnostics.pattern.matched');
    expect(delivered.json).toMatchObject({
      type: 'diagnostics.pattern.matched',
      productId: 'demo',
      sessionId: session.sessionId,
      link: `https://diagnostics.example.com/sessions/${session.sessionId}?tab=logs&item=${first}`,
      summary: 'payment declined for [EMAIL]',
      details: { hookId: created.body.id, itemId: first, excerpt: 'payment declined for [EMAIL]' },
    });
    expect(delivered.body).not.toContain('jane.doe@example.com');

    // The next window sends again, and says how many matches were held back in between.
    host.clock.advance(61_000);
    await send(session, [{ level: 'error', message: 'payment failed again' }]);
    expect(hookRequests()).toHaveLength(2);
    expect(hookRequests()[1]!.json.summary).toBe('payment failed again (2 earlier matches held back)');
    expect(hookRequests()[1]!.status).toBe(204);

    await host.call('DELETE', `/api/diagnostics/products/demo/hooks/${created.body.id}`, { headers: { authorization: `Bearer ${admin}` } });
  });

  it('notifies configured channels instead of a webhook when asked', async () => {
    const created = await createHook({
      name: 'checkout 5xx',
      match: { textContains: 'checkout-crash' },
      action: { notify: ['slack'] },
      throttle: { max: 2, windowSeconds: 600 },
    });
    expect(created.status).toBe(201);
    const session = await openDeviceSession(host, admin);
    const before = receivers.of('slack').length;
    await send(session, [
      { level: 'warn', message: 'checkout-crash one' },
      { level: 'warn', message: 'checkout-crash two' },
      { level: 'warn', message: 'checkout-crash three' },
    ]);
    const slack = receivers.of('slack').slice(before);
    expect(slack).toHaveLength(2);
    expect(slack.map((request) => request.status)).toEqual([200, 200]);
    expect(JSON.stringify(slack[0]!.json)).toContain('checkout 5xx');
    await host.call('DELETE', `/api/diagnostics/products/demo/hooks/${created.body.id}`, { headers: { authorization: `Bearer ${admin}` } });
  });
});

describe('managing hooks', () => {
  it('creates, lists, reads, updates with If-Match and deletes idempotently, auditing each change', async () => {
    const created = await createHook({ name: 'slow api', match: { type: ['network'], statusAtLeast: 500 }, action: { notify: ['slack'] } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'slow api', enabled: true, throttle: { max: 1, windowSeconds: 300 } });
    const auth = { authorization: `Bearer ${admin}` };
    const path = `/api/diagnostics/products/demo/hooks/${created.body.id}`;
    const listed = await (await host.call('GET', '/api/diagnostics/products/demo/hooks', { headers: auth })).json();
    expect(listed.items.map((hook: { id: string }) => hook.id)).toContain(created.body.id);
    const read = await host.call('GET', path, { headers: auth });
    expect(read.status).toBe(200);
    const updated = await host.call('PATCH', path, { body: { enabled: false }, headers: { ...auth, 'if-match': created.etag! } });
    expect(updated.status).toBe(200);
    expect((await updated.json()).enabled).toBe(false);
    const stale = await host.call('PATCH', path, { body: { name: 'renamed' }, headers: { ...auth, 'if-match': created.etag! } });
    expect(stale.status).toBe(412);
    expect((await host.call('DELETE', path, { headers: auth })).status).toBe(204);
    expect((await host.call('DELETE', path, { headers: auth })).status).toBe(204);
    expect((await host.call('GET', path, { headers: auth })).status).toBe(404);
    const audit = await host.deps.stores.audit.list('demo', {}, { maxItems: 100 });
    const actions = audit.items
      .filter((record) => record.target?.hookId === created.body.id)
      .map((record) => record.action)
      .sort();
    expect(actions).toEqual(['hook.created', 'hook.deleted', 'hook.updated']);
  });

  it('is for admins of the product only', async () => {
    const engineer = await host.token({ roles: ['engineer'], products: ['demo'] });
    const otherAdmin = await host.token({ roles: ['admin'], products: ['other'] });
    const body = { name: 'x', match: { level: ['fatal'] }, action: { notify: ['slack'] } };
    expect((await createHook(body, engineer)).status).toBe(403);
    expect((await createHook(body, otherAdmin)).status).toBe(403);
    expect((await host.call('GET', '/api/diagnostics/products/demo/hooks', { headers: { authorization: `Bearer ${engineer}` } })).status).toBe(403);
  });

  it.each([
    [{ regex: '(a+)+$' }, 'match.regex', /nested quantifiers/],
    [{ regex: '(\\w+)\\1' }, 'match.regex', /RE2/],
    [{ regex: 'pay(?=ment)' }, 'match.regex', /RE2/],
    [{ regex: '(x{1000}){1000}' }, 'match.regex', /RE2/],
    [{ regex: 'a'.repeat(257) }, 'match.regex', /256/],
    [{ regex: 'pay', textContains: 'pay' }, 'match.regex', /not both/],
    [{}, 'match', /at least one/],
  ])('refuses match %j with 400 naming %s', async (match, field, message) => {
    const response = await createHook({ name: 'bad', match, action: { notify: ['slack'] } });
    expect(response.status).toBe(400);
    const issue = response.body.errors.find((error: { field: string }) => error.field === field);
    expect(issue, JSON.stringify(response.body.errors)).toBeDefined();
    expect(`${issue.message} ${response.body.detail}`).toMatch(message);
  });

  it('accepts an RE2 regex and matches with it', async () => {
    const created = await createHook({
      name: 'order ids',
      match: { regex: 'order ORD-\\d{4} (failed|stuck)' },
      action: { webhookUrl: `${receivers.url}/hook/orders` },
    });
    expect(created.status).toBe(201);
    const session = await openDeviceSession(host, admin);
    await send(session, [
      { level: 'info', message: 'order ORD-7731 stuck' },
      { level: 'info', message: 'order ORD-77 failed' },
    ]);
    const orders = receivers.of('hook').filter((request) => request.url === '/hook/orders');
    expect(orders).toHaveLength(1);
    expect(orders[0]!.json.details.excerpt).toBe('order ORD-7731 stuck');
    await host.call('DELETE', `/api/diagnostics/products/demo/hooks/${created.body.id}`, { headers: { authorization: `Bearer ${admin}` } });
  });

  it('refuses an action with both kinds and a webhook address that is not http(s)', async () => {
    const both = await createHook({ name: 'x', match: { level: ['fatal'] }, action: { notify: ['slack'], webhookUrl: 'https://example.com/x' } });
    expect(both.status).toBe(400);
    expect(both.body.errors[0].field).toBe('action');
    const notUrl = await createHook({ name: 'x', match: { level: ['fatal'] }, action: { webhookUrl: 'ftp://example.com/x' } });
    expect(notUrl.status).toBe(400);
    expect(notUrl.body.errors[0].field).toBe('action.webhookUrl');
  });
});

describe('webhook addresses outside local mode', () => {
  it.each([
    ['http://hooks.example.com/x', 'https required'],
    ['https://127.0.0.1/x', 'internal address'],
    ['https://169.254.169.254/metadata', 'internal address'],
    ['https://10.1.2.3/x', 'internal address'],
    ['https://[::1]/x', 'internal address'],
    ['https://localhost:8443/x', 'internal address'],
  ])('refuses %s', async (webhookUrl, message) => {
    const principal = (await host.deps.edge.tokens.verify(admin))!;
    const deps = { ...host.deps.services.watch.hooks, allowPlainHttpWebhooks: false };
    const input = createHookRequestSchema.parse({ name: 'x', match: { level: ['fatal'] }, action: { webhookUrl } });
    await expect(createHookDirectly(deps, { principal, correlationId: 'c' }, 'demo', input)).rejects.toMatchObject({
      kind: 'invalid_input',
      issues: [{ field: 'action.webhookUrl', message }],
    });
  });

  it('accepts a public https address', async () => {
    const principal = (await host.deps.edge.tokens.verify(admin))!;
    const deps = { ...host.deps.services.watch.hooks, allowPlainHttpWebhooks: false };
    const input = createHookRequestSchema.parse({ name: 'x', match: { level: ['fatal'] }, action: { webhookUrl: 'https://hooks.example.com/diagnostics' } });
    const created = await createHookDirectly(deps, { principal, correlationId: 'c' }, 'demo', input);
    await deleteHook(deps, { principal, correlationId: 'c' }, 'demo', created.hook.id);
  });
});

describe('cost for a product without hooks', () => {
  it('reads the product hooks once per refresh interval, not per batch', async () => {
    const session = await openDeviceSession(host, admin);
    host.deps.services.watch.hooks.cache.invalidate('demo');
    const list = vi.spyOn(host.deps.services.watch.hooks.hooks, 'list');
    try {
      for (let batch = 0; batch < 5; batch++) await send(session, [{ level: 'error', message: `nothing to match ${batch}` }]);
      expect(list).toHaveBeenCalledTimes(1);
    } finally {
      list.mockRestore();
    }
  });
});
