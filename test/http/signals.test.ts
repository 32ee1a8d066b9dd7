// Signals end to end through the local host: device counters in, an error-rate rule fires once (not once a
// minute) through Slack and a GitHub ticket, opens capped auto-sessions (joining a live one), and recovers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DebugSession } from '../../shared/domain/sessions/session';
import type { listAlerts } from '../../shared/services/signal-rule-service';
import { recordEvents } from '../support/event-recorder';
import { receiverSecrets, startReceivers, type Receivers } from '../support/receivers';
import { startTestHost, type TestHost } from '../support/test-host';

/** What GET /sessions/{id} answers a reader, and one row of GET /products/{productId}/alerts. */
type SessionView = DebugSession & { etag: string };
type AlertView = Awaited<ReturnType<typeof listAlerts>>[number];

const events = recordEvents();
let host: TestHost;
let receivers: Receivers;
let admin: string;

beforeAll(async () => {
  receivers = await startReceivers();
  host = await startTestHost({
    PUBLIC_BASE_URL: 'https://diag.example.com',
    SLACK_WEBHOOK_URL: `${receivers.url}/slack/T000/B000/XXXX`,
    TICKET_PROVIDER: 'github',
    GITHUB_API_URL: `${receivers.url}/github`,
    GITHUB_REPOSITORY: 'acme/app',
    GITHUB_TOKEN: receiverSecrets.githubToken,
    PAGERDUTY_EVENTS_URL: `${receivers.url}/v2/enqueue`,
    PAGERDUTY_ROUTING_KEY: receiverSecrets.pagerDutyRoutingKey,
  });
  admin = await host.token({ roles: ['admin'], products: ['demo'] });
  host.clock.freeze();
  // Start on a whole minute, so each step below is exactly one bucket.
  host.clock.advance(60_000 - (host.clock.now().getTime() % 60_000) + 1_000);
});
afterAll(async () => {
  await host.close();
  await receivers.close();
});

function auth(token = admin): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

function minuteIso(offsetMinutes = 0): string {
  const now = host.clock.now().getTime();
  return new Date(Math.floor(now / 60_000) * 60_000 + offsetMinutes * 60_000).toISOString();
}

async function report(deviceId: string, requests: number, errors: number, appVersion = '2.0.0'): Promise<Response> {
  const minute = minuteIso();
  return host.call('POST', '/api/diagnostics/signals', {
    headers: { 'x-diagnostics-key': host.productKey() },
    body: {
      deviceId,
      appVersion,
      counters: [
        { minute, series: 'requests', count: requests, route: '/api/orders/{id}' },
        ...(errors > 0 ? [{ minute, series: 'errors', count: errors, fingerprint: 'fp-checkout-null' }] : []),
      ],
      latency: [{ minute, route: '/api/orders/{id}', count: requests, p50: 80, p95: 200, p99: 400 }],
    },
  });
}

/** One minute of traffic from every device, then the minute ends and the detector runs (as its timer would). */
async function minuteOf(devices: string[], requestsEach: number, errorsEach: number): Promise<void> {
  for (const device of devices) expect((await report(device, requestsEach, errorsEach)).status).toBe(202);
  host.clock.advance(60_000);
  await host.runFunction('signals-detect');
  await host.deps.infra.localBus!.whenIdle();
}

describe('signals intake', () => {
  it('refuses message text, URLs and unknown fields, naming the field', async () => {
    const headers = { 'x-diagnostics-key': host.productKey() };
    const withUrl = await host.call('POST', '/api/diagnostics/signals', {
      headers,
      body: { deviceId: 'dev-x', counters: [{ minute: minuteIso(), series: 'requests', count: 1, route: '/users/12345/orders' }] },
    });
    expect(withUrl.status).toBe(400);
    expect(JSON.stringify(await withUrl.json())).toContain('counters.0.route');
    const withMessage = await host.call('POST', '/api/diagnostics/signals', {
      headers,
      body: { deviceId: 'dev-x', counters: [{ minute: minuteIso(), series: 'errors', count: 1, message: 'card 4111 declined' }] },
    });
    expect(withMessage.status).toBe(400);
    const tooOld = await host.call('POST', '/api/diagnostics/signals', {
      headers,
      body: { deviceId: 'dev-x', counters: [{ minute: minuteIso(-60 * 25), series: 'errors', count: 1 }] },
    });
    expect(tooOld.status).toBe(400);
    expect(JSON.stringify(await tooOld.json())).toContain('counters.0.minute');
    const noKey = await host.call('POST', '/api/diagnostics/signals', {
      body: { deviceId: 'dev-x', counters: [{ minute: minuteIso(), series: 'errors', count: 1 }] },
    });
    expect(noKey.status).toBe(401);
  });

  it('counts a batch resent under the same Idempotency-Key once', async () => {
    const minute = minuteIso();
    const body = { deviceId: 'dev-retry', appVersion: '7.0.0', counters: [{ minute, series: 'errors', count: 5, fingerprint: 'fp-retry' }] };
    const headers = { 'x-diagnostics-key': host.productKey(), 'idempotency-key': 'batch-1' };
    expect((await host.call('POST', '/api/diagnostics/signals', { headers, body })).status).toBe(202);
    expect((await host.call('POST', '/api/diagnostics/signals', { headers, body })).status).toBe(202);
    expect((await host.call('POST', '/api/diagnostics/signals', { headers: { ...headers, 'idempotency-key': 'bad key!' }, body })).status).toBe(400);
    const series = await host.call(
      'GET',
      `/api/diagnostics/products/demo/series?name=errors&from=${encodeURIComponent(minute)}&to=${encodeURIComponent(minuteIso(1))}&appVersion=7.0.0`,
      { headers: auth() },
    );
    expect(((await series.json()) as { points: Array<{ value: number }> }).points.map((point) => point.value)).toEqual([5]);
  });

  it('rate-limits each device', async () => {
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 8; attempt++) statuses.push((await report('dev-ratelimit', 1, 0, '0.0.1')).status);
    expect(statuses.filter((status) => status === 202)).toHaveLength(6);
    expect(statuses.slice(6)).toEqual([429, 429]);
  });

  it('maps OTLP metrics (delta sums and histograms) onto the same series, and refuses cumulative ones', async () => {
    const nanos = String(BigInt(Date.parse(minuteIso())) * 1_000_000n + 5_000_000_000n);
    const response = await host.call('POST', '/api/v1/metrics', {
      headers: { 'x-diagnostics-key': host.productKey() },
      body: {
        resourceMetrics: [
          {
            resource: { attributes: [{ key: 'service.version', value: { stringValue: '9.9.9' } }] },
            scopeMetrics: [
              {
                metrics: [
                  {
                    name: 'http.server.request.duration',
                    unit: 's',
                    histogram: {
                      aggregationTemporality: 1,
                      dataPoints: [
                        {
                          timeUnixNano: nanos,
                          count: '10',
                          sum: 1.5,
                          bucketCounts: ['0', '5', '4', '1'],
                          explicitBounds: [0.05, 0.1, 0.5],
                          attributes: [
                            { key: 'http.route', value: { stringValue: '/api/items/{id}' } },
                            { key: 'http.response.status_code', value: { intValue: '503' } },
                          ],
                        },
                      ],
                    },
                  },
                  {
                    name: 'diagnostics.errors',
                    sum: {
                      aggregationTemporality: 1,
                      isMonotonic: true,
                      dataPoints: [{ timeUnixNano: nanos, asInt: '3', attributes: [{ key: 'error.fingerprint', value: { stringValue: 'fp-otel' } }] }],
                    },
                  },
                  { name: 'diagnostics.crashes', sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [{ timeUnixNano: nanos, asInt: '7' }] } },
                ],
              },
            ],
          },
        ],
      },
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { partialSuccess?: { rejectedDataPoints: number; errorMessage: string } };
    expect(body.partialSuccess?.rejectedDataPoints).toBe(1);
    expect(body.partialSuccess?.errorMessage).toContain('delta');
    const query = `from=${encodeURIComponent(minuteIso())}&to=${encodeURIComponent(minuteIso(1))}&step=1m&appVersion=9.9.9`;
    const read = async (name: string) =>
      (
        (await (await host.call('GET', `/api/diagnostics/products/demo/series?name=${name}&${query}`, { headers: auth() })).json()) as {
          points: Array<{ value: number | null }>;
        }
      ).points[0]!.value;
    expect(await read('requests')).toBe(10);
    expect(await read('http_5xx_rate')).toBe(1);
    expect(await read('errors')).toBe(3);
    expect(await read('crashes')).toBe(0);
    // 5 of 10 in (50, 100] ms: the median interpolates to the top of that bucket.
    expect(await read('latency_p50')).toBeCloseTo(100, 5);
    expect(await read('latency_mean')).toBeCloseTo(150, 5);
  });
});

describe('an error-rate rule with an error-threshold trigger', () => {
  let ruleId: string;
  let triggerId: string;
  const joinDevice = 'dev-a-join';
  const devices = [joinDevice, 'dev-b1', 'dev-b2', 'dev-b3', 'dev-b4'];

  it('is managed by admins only, audited', async () => {
    const engineer = await host.token({ roles: ['engineer'], products: ['demo'] });
    const rule = {
      name: 'Checkout error rate 2.0.0',
      metric: 'error_rate',
      filter: { appVersion: '2.0.0' },
      windowMinutes: 5,
      condition: { kind: 'threshold', operator: 'above', value: 0.05 },
      minSamples: 50,
      firing: { periods: 3, of: 5, minHistoryMinutes: 5, recoveryMinutes: 5 },
      severity: 'critical',
    };
    expect((await host.call('POST', '/api/diagnostics/products/demo/rules', { body: rule, headers: auth(engineer) })).status).toBe(403);
    const bad = await host.call('POST', '/api/diagnostics/products/demo/rules', { body: { ...rule, firing: { periods: 6, of: 5 } }, headers: auth() });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain('firing.periods');
    const created = await host.call('POST', '/api/diagnostics/products/demo/rules', { body: rule, headers: auth() });
    expect(created.status).toBe(201);
    ruleId = ((await created.json()) as { id: string }).id;

    const trigger = await host.call('POST', '/api/diagnostics/products/demo/triggers', {
      headers: auth(),
      body: {
        name: 'Debug checkout errors',
        on: 'error_threshold',
        alertRuleId: ruleId,
        scope: { fingerprint: 'fp-checkout-null' },
        session: { userConsent: 'pre_consent', maxDurationMinutes: 30 },
        caps: { perHour: 2 },
      },
    });
    expect(trigger.status).toBe(201);
    triggerId = ((await trigger.json()) as { id: string }).id;
    const unknownRule = await host.call('POST', '/api/diagnostics/products/demo/triggers', {
      headers: auth(),
      body: { name: 'x', on: 'anomaly', alertRuleId: 'ar_00000000-0000-0000-0000-000000000000' },
    });
    expect(unknownRule.status).toBe(400);

    const listed = (await (await host.call('GET', '/api/diagnostics/products/demo/rules', { headers: auth(engineer) })).json()) as {
      items: Array<{ id: string; etag: string }>;
    };
    expect(listed.items.map((item) => item.id)).toEqual([ruleId]);
    const stale = await host.call('PUT', `/api/diagnostics/products/demo/rules/${ruleId}`, {
      body: rule,
      headers: { ...auth(), 'if-match': '"not-the-etag"' },
    });
    expect(stale.status).toBe(412);
    const updated = await host.call('PUT', `/api/diagnostics/products/demo/rules/${ruleId}`, {
      body: rule,
      headers: { ...auth(), 'if-match': listed.items[0]!.etag },
    });
    expect(updated.status).toBe(200);
    const audit = await host.deps.stores.audit.list('demo', { action: 'signal.alert_rule.created' }, { maxItems: 10 });
    expect(audit.items.some((record) => record.details?.ruleId === ruleId)).toBe(true);
  });

  it('fires once, opens capped sessions joining the live one, and recovers once', async () => {
    // The join device already has a session opened by hand.
    const opened = await host.call('POST', '/api/diagnostics/sessions', {
      body: { productId: 'demo', targetDeviceId: joinDevice, userConsent: 'pre_consent' },
      headers: auth(),
    });
    const live = { sessionId: ((await opened.json()) as { id: string }).id };
    // Healthy: 1 % errors, for the minimum history.
    for (let minute = 0; minute < 6; minute++) await minuteOf(devices, 100, 1);
    expect(events.ofType('diagnostics.signal.alert_fired')).toHaveLength(0);
    // Broken: 20 % errors for ten minutes; the rule needs 3 of 5 failing periods, then stays firing.
    for (let minute = 0; minute < 10; minute++) await minuteOf(devices, 100, 20);
    const fired = events.ofType('diagnostics.signal.alert_fired');
    expect(fired).toHaveLength(1);
    expect(fired[0]!.payload).toMatchObject({
      alertKey: `signal:demo:${ruleId}`,
      ruleId,
      metric: 'error_rate',
      filter: { appVersion: '2.0.0' },
      bound: 'threshold > 5.0 %',
      topFingerprints: [{ value: 'fp-checkout-null', count: expect.any(Number) }],
      topAppVersions: [{ value: '2.0.0', count: expect.any(Number) }],
    });
    expect(String(fired[0]!.payload.dashboardUrl)).toMatch(/^https:\/\/diag\.example\.com\/products\/demo\/signals\?rule=/);

    // Through the existing channels: one Slack message and one ticket for the episode.
    const slack = receivers.of('slack').filter((request) => request.body.includes('Checkout error rate 2.0.0'));
    expect(slack).toHaveLength(1);
    expect(slack[0]!.body).toContain('fp-checkout-null');
    expect([...receivers.github.values()].filter((issue) => JSON.stringify(issue).includes('Checkout error rate'))).toHaveLength(1);

    // Capped: two sessions opened (perHour 2), the device with a live session joined, the rest waited.
    const auto = events.ofType('diagnostics.session.auto_created');
    expect(auto).toHaveLength(2);
    const autoTargets = auto.map((event) => (event.payload.target as Record<string, string>).targetDeviceId).sort();
    expect(autoTargets).toEqual(['dev-b1', 'dev-b2']);
    const session = (await (await host.call('GET', `/api/diagnostics/sessions/${auto[0]!.sessionId}`, { headers: auth() })).json()) as SessionView;
    expect(session).toMatchObject({
      status: 'active',
      createdBy: `trigger:${triggerId}`,
      trigger: { ruleId: triggerId, on: 'error_threshold', signal: { kind: 'alert', alertRuleId: ruleId } },
    });
    const joined = await host.deps.stores.audit.list('demo', { sessionId: live.sessionId, action: 'session.auto_joined' }, { maxItems: 10 });
    expect(joined.items).toHaveLength(1);
    const alerts = (await (await host.call('GET', '/api/diagnostics/products/demo/alerts', { headers: auth() })).json()) as { items: AlertView[] };
    expect(alerts.items[0]).toMatchObject({ ruleId, status: 'firing' });

    // Healthy again: recovers after five clean minutes, once.
    for (let minute = 0; minute < 4; minute++) await minuteOf(devices, 100, 0);
    expect(events.ofType('diagnostics.signal.alert_recovered')).toHaveLength(0);
    for (let minute = 0; minute < 8; minute++) await minuteOf(devices, 100, 0);
    expect(events.ofType('diagnostics.signal.alert_recovered')).toHaveLength(1);
    expect(events.ofType('diagnostics.signal.alert_fired')).toHaveLength(1);
    const after = (await (await host.call('GET', '/api/diagnostics/products/demo/alerts', { headers: auth() })).json()) as { items: AlertView[] };
    expect(after.items[0]).toMatchObject({ status: 'ok', history: [{ id: fired[0]!.payload.episodeId }] });
    // PagerDuty: the episode triggered one incident and its recovery resolved it, under the same dedup_key.
    const pages = receivers
      .of('v2')
      .map((request) => JSON.parse(request.body) as { event_action: string; dedup_key: string })
      .filter((event) => event.dedup_key === `signal:demo:${ruleId}`);
    expect(pages.map((event) => event.event_action)).toEqual(['trigger', 'resolve']);
    // Running the timer twice for the same minute changes nothing.
    await host.runFunction('signals-detect');
    await host.deps.infra.localBus!.whenIdle();
    expect(events.ofType('diagnostics.signal.alert_recovered')).toHaveLength(1);
  });

  it('serves the series with its expected band for the dashboard', async () => {
    const from = encodeURIComponent(minuteIso(-40));
    const to = encodeURIComponent(minuteIso());
    const response = await host.call('GET', `/api/diagnostics/products/demo/series?name=error_rate&from=${from}&to=${to}&step=1m&appVersion=2.0.0&band=true`, {
      headers: auth(),
    });
    expect(response.status).toBe(200);
    const series = (await response.json()) as { unit: string; points: Array<{ value: number | null; expected?: number; anomalous?: boolean }> };
    expect(series.unit).toBe('ratio');
    expect(series.points).toHaveLength(40);
    const values = series.points.map((point) => point.value).filter((value): value is number => value !== null);
    expect(Math.max(...values)).toBeCloseTo(0.2, 5);
    expect(series.points.some((point) => point.expected !== undefined)).toBe(true);
    const tooMany = await host.call('GET', `/api/diagnostics/products/demo/series?name=errors&from=${encodeURIComponent(minuteIso(-3000))}&to=${to}&step=1m`, {
      headers: auth(),
    });
    expect(tooMany.status).toBe(400);
  });
});
