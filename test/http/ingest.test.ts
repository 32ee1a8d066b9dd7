// Device ingest through HTTP on the local host, against the embedded Cosmos: storage with masking and
// enrichment, idempotent retries, stats under concurrency, consent, opt-out, and every limit and refusal.
import { randomUUID } from 'node:crypto';
import { alertKeyOf } from '../../shared/domain/events/alert-key';
import { AppError } from '../../shared/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordEvents } from '../support/event-recorder';
import { openDeviceSession, type DeviceSession } from '../support/device-session';
import { startTestHost, type TestHost } from '../support/test-host';

const recorder = recordEvents();
let host: TestHost;
let admin: string;

beforeAll(async () => {
  host = await startTestHost({ INGEST_REGION_HEADER: 'x-client-country' });
  admin = await host.token({ roles: ['admin'], products: ['demo'] });
});
afterAll(() => host.close());

const everything = { logs: true, traces: true, breadcrumbs: true, network: true };

async function openSession(body: Record<string, unknown> = {}): Promise<DeviceSession> {
  return openDeviceSession(host, await host.token({ roles: ['admin'], products: ['demo'] }), { capture: everything, collectionLevel: 'trace', ...body });
}

function now(offsetInMs = 0): string {
  return new Date(host.clock.now().getTime() + offsetInMs).toISOString();
}

function log(fields: Record<string, unknown> = {}) {
  return { kind: 'log', id: `l-${randomUUID()}`, timestamp: now(), level: 'info', message: 'hello', ...fields };
}

function span(fields: Record<string, unknown> = {}) {
  const spanId = randomUUID().replace(/-/g, '').slice(0, 16);
  return { kind: 'span', traceId: randomUUID().replace(/-/g, ''), spanId, name: 'GET /orders', startTime: now(-50), endTime: now(), ...fields };
}

function post(session: DeviceSession, items: unknown[], extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  return host.call('POST', '/api/diagnostics/ingest', {
    body: { sessionId: session.sessionId, device: { deviceId: session.deviceId }, items, ...extra },
    headers: { ...session.deviceHeaders, ...headers },
  });
}

async function stored(session: DeviceSession) {
  const key = { productId: 'demo', sessionId: session.sessionId };
  const logs = await host.deps.stores.telemetry.listLogs(key, { order: 'oldest' }, { maxItems: 100 });
  const spans = await host.deps.stores.telemetry.listSpans(key, { order: 'oldest' }, { maxItems: 100 });
  return { logs: logs.items, spans: spans.items };
}

/** The stats as stored, once what ingest writes behind has been flushed. */
async function stats(session: DeviceSession) {
  await host.deps.services.ingest.stats.flush();
  return (await host.deps.stores.sessions.get(session.sessionId))!.session.stats;
}

describe('POST /api/diagnostics/ingest stores a mixed batch', () => {
  it('stores logs, spans, breadcrumbs and network captures, masked and enriched, and counts them', async () => {
    const session = await openSession();
    const email = 'jane.doe@example.com';
    const jwt = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';
    const card = '4111 1111 1111 1111';
    const acceptedBefore = host.telemetry.total('ingest.items_total', { outcome: 'accepted' });
    const items = [
      log({
        id: 'log-1',
        level: 'error',
        message: `login failed for ${email}`,
        module: 'auth',
        context: { user: { email }, session: jwt, payment: `card ${card}` },
      }),
      span({ id: 'span-1', attributes: { 'user.email': email } }),
      { kind: 'breadcrumb', id: 'crumb-1', timestamp: now(), category: 'ui.click', message: 'tapped Pay' },
      {
        kind: 'network',
        id: 'net-1',
        timestamp: now(),
        method: 'GET',
        url: `https://api.example.com/orders?email=${email}`,
        status: 200,
        durationMs: 42,
        requestHeaders: { accept: 'application/json' },
      },
    ];
    const response = await post(
      session,
      items,
      {},
      {
        'user-agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
        'x-client-country': 'de',
        'x-forwarded-for': '203.0.113.7',
      },
    );
    expect(response.status).toBe(202);
    const answer = await response.json();
    expect(answer).toMatchObject({ sessionId: session.sessionId, accepted: 4, created: 4, filtered: 0, discarded: 0, rejected: [], failed: [] });
    expect(answer.redacted).toBe(3);

    const { logs, spans } = await stored(session);
    const everythingStored = JSON.stringify({ logs, spans });
    expect(everythingStored).not.toContain(email);
    expect(everythingStored).not.toContain(jwt);
    expect(everythingStored).not.toContain(card);
    expect(everythingStored).not.toContain('4111111111111111');
    expect(everythingStored).not.toContain('203.0.113.7');
    const logDoc = logs.find((doc) => doc.id === 'log:log-1')!;
    expect(logDoc.redaction.fieldsRedacted).toEqual(expect.arrayContaining(['message', 'context.user.email']));
    expect(logDoc.redaction.patternsMatched).toEqual(expect.arrayContaining(['email', 'jwt', 'credit_card']));
    expect(logDoc.redaction.fieldsRedacted).toEqual(expect.arrayContaining(['context.session', 'context.payment']));
    // Precision: ids and times come through unchanged.
    expect(logDoc.itemId).toBe('log-1');
    expect(spans[0]!.traceId).toBe((items[1] as { traceId: string }).traceId);
    expect(logDoc.device).toMatchObject({ deviceId: session.deviceId, browser: 'Chrome 120.0.0.0', os: 'Windows 10', region: 'DE' });
    expect(logDoc.device).not.toHaveProperty('userAgent');
    expect(logs.map((doc) => doc.docType).sort()).toEqual(['breadcrumb', 'log', 'network']);
    expect(spans[0]).toMatchObject({ id: 'span:span-1', docType: 'span', durationMs: 50 });
    expect(spans[0]!.redaction.fieldsRedacted).toContain('attributes.user.email');
    expect(await stats(session)).toMatchObject({ logCount: 1, traceCount: 1, breadcrumbCount: 1, networkCount: 1, errorCount: 1 });
    expect(host.telemetry.total('ingest.items_total', { outcome: 'accepted' }) - acceptedBefore).toBe(4);
  });

  it('accepts single-kind batches on /sessions/{id}/logs and /traces, with kind omitted', async () => {
    const session = await openSession();
    const { kind: _logKind, ...bareLog } = log();
    const logs = await host.call('POST', `/api/diagnostics/sessions/${session.sessionId}/logs`, { body: { items: [bareLog] }, headers: session.deviceHeaders });
    expect(logs.status).toBe(202);
    const { kind: _spanKind, ...bareSpan } = span();
    const traces = await host.call('POST', `/api/diagnostics/sessions/${session.sessionId}/traces`, {
      body: { items: [bareSpan] },
      headers: session.deviceHeaders,
    });
    expect(traces.status).toBe(202);
    const wrongKind = await host.call('POST', `/api/diagnostics/sessions/${session.sessionId}/traces`, {
      body: { items: [log()] },
      headers: session.deviceHeaders,
    });
    expect(wrongKind.status).toBe(400);
    expect((await wrongKind.json()).errors[0].field).toBe('items.0.kind');
    expect(await stats(session)).toMatchObject({ logCount: 1, traceCount: 1 });
  });

  it('drops kinds and levels the session does not collect, counted as filtered', async () => {
    const session = await openSession({ capture: { logs: true, traces: false, breadcrumbs: true, network: false }, collectionLevel: 'standard' });
    const filteredBefore = host.telemetry.total('ingest.items_total', { outcome: 'filtered' });
    const response = await post(session, [log({ level: 'debug' }), log({ level: 'warn' }), span()]);
    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({ accepted: 1, filtered: 2 });
    expect(host.telemetry.total('ingest.items_total', { outcome: 'filtered' }) - filteredBefore).toBe(2);
  });

  it('emits diagnostics.ingest.fatal under one event id per fatal log, the same id again on a retry', async () => {
    const session = await openSession();
    const batch = [log({ id: 'fatal-1', level: 'fatal', message: 'out of memory', module: 'core' })];
    expect((await post(session, batch)).status).toBe(202);
    expect((await post(session, batch)).status).toBe(202);
    await host.deps.infra.localBus!.whenIdle();
    const fatal = recorder.ofType('diagnostics.ingest.fatal').filter((event) => event.sessionId === session.sessionId);
    // The retry announces again (in case the first announcement failed); subscribers keep one per event id.
    expect(new Set(fatal.map((event) => event.id)).size).toBe(1);
    expect(fatal[0]!.payload).toMatchObject({ logId: 'log:fatal-1', module: 'core', message: 'out of memory' });
  });

  it('fingerprints fatal errors by type and top frames, so repeats with other messages or lines share one alert key', async () => {
    const session = await openSession();
    const stack = (line: number, place: string) => `TypeError: x\n    at ${place} (checkout.js:${line}:17)\n    at onPay (checkout.js:88:3)`;
    const fatalLog = (id: string, message: string, line: number, place = 'computeTotal') =>
      log({ id, level: 'fatal', message, error: { type: 'TypeError', message, stack: stack(line, place) } });
    const batch = [
      fatalLog('fp-a', 'total of order 1 is undefined', 42),
      fatalLog('fp-b', 'total of order 2 is undefined', 57),
      fatalLog('fp-c', 'total of order 3 is undefined', 42, 'computeTax'),
    ];
    expect((await post(session, batch)).status).toBe(202);
    await host.deps.infra.localBus!.whenIdle();
    const byLog = new Map(
      recorder
        .ofType('diagnostics.ingest.fatal')
        .filter((event) => event.sessionId === session.sessionId)
        .map((event) => [(event.payload as { logId: string }).logId, event]),
    );
    const keyOf = (id: string) => alertKeyOf(byLog.get(`log:${id}`)!);
    expect((byLog.get('log:fp-a')!.payload as { fingerprint?: string }).fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(keyOf('fp-a')).toBe(keyOf('fp-b'));
    expect(keyOf('fp-c')).not.toBe(keyOf('fp-a'));
  });
});

describe('idempotency', () => {
  it('a retried batch rewrites the same documents and leaves the stats alone', async () => {
    const session = await openSession();
    const batch = [log({ level: 'error' }), log(), span(), { kind: 'breadcrumb', id: 'b-1', timestamp: now(), category: 'nav', message: 'home' }];
    const first = await (await post(session, batch)).json();
    const second = await (await post(session, batch)).json();
    expect(first).toMatchObject({ accepted: 4, created: 4 });
    expect(second).toMatchObject({ accepted: 4, created: 0 });
    const { logs, spans } = await stored(session);
    expect(logs).toHaveLength(3);
    expect(spans).toHaveLength(1);
    expect(await stats(session)).toMatchObject({ logCount: 2, traceCount: 1, breadcrumbCount: 1, errorCount: 1 });
  });

  it('answers a repeated Idempotency-Key with the first answer for 24 hours', async () => {
    const session = await openSession();
    const key = `key-${randomUUID()}`;
    const first = await post(session, [log()], {}, { 'idempotency-key': key });
    const firstBody = await first.json();
    // A different body under the same key still gets the first answer: the key names the request.
    const repeat = await post(session, [log(), log()], {}, { 'idempotency-key': key });
    expect(repeat.status).toBe(202);
    expect(repeat.headers.get('idempotency-replayed')).toBe('true');
    expect(await repeat.json()).toEqual(firstBody);
    expect((await stored(session)).logs).toHaveLength(1);
    host.clock.advance(24 * 3_600_000 + 1000);
    // The session has expired by now; the key is forgotten, so the request is processed and refused.
    const later = await post(session, [log()], {}, { 'idempotency-key': key });
    expect(later.headers.get('idempotency-replayed')).toBeNull();
    expect(later.status).toBe(401);
    host.clock.advance(-(24 * 3_600_000 + 1000));
  });

  it('refuses a malformed Idempotency-Key', async () => {
    const session = await openSession();
    const response = await post(session, [log()], {}, { 'idempotency-key': 'has spaces in it' });
    expect(response.status).toBe(400);
    expect((await response.json()).errors[0].field).toBe('Idempotency-Key');
  });

  it('keeps stats exact under concurrent batches, including concurrent duplicates', async () => {
    const session = await openSession();
    const batches = Array.from({ length: 12 }, (_, index) => [log({ level: index % 3 === 0 ? 'error' : 'info' }), log(), span()]);
    // Every batch is sent twice at the same time: each item must be counted once.
    const responses = await Promise.all([...batches, ...batches].map((batch) => post(session, batch)));
    expect(responses.map((response) => response.status)).toEqual(Array(24).fill(202));
    const answers = await Promise.all(responses.map((response) => response.json()));
    expect(answers.reduce((sum, answer) => sum + answer.created, 0)).toBe(36);
    expect(await stats(session)).toMatchObject({ logCount: 24, traceCount: 12, errorCount: 4 });
    const { logs, spans } = await stored(session);
    expect(logs).toHaveLength(24);
    expect(spans).toHaveLength(12);
  });
});

describe('refusals', () => {
  it('401 without the ingest token or with a forged one, counted per request before the body is read', async () => {
    const session = await openSession();
    const unauthenticated = () => host.telemetry.total('http.client_error_total', { function: 'ingest-post', kind: 'unauthenticated' });
    const refusedItems = () => host.telemetry.total('ingest.items_total', { outcome: 'refused' });
    const [requestsBefore, itemsBefore] = [unauthenticated(), refusedItems()];
    const missing = await host.call('POST', '/api/diagnostics/ingest', {
      body: { sessionId: session.sessionId, items: [log()] },
      headers: { 'x-diagnostics-key': host.productKey() },
    });
    expect(missing.status).toBe(401);
    expect(missing.headers.get('content-type')).toBe('application/problem+json');
    const forged = await post(session, [log()], {}, { authorization: `Bearer ${session.ingestToken.slice(0, -3)}AAA` });
    expect(forged.status).toBe(401);
    const noProductKey = await host.call('POST', '/api/diagnostics/ingest', {
      body: { sessionId: session.sessionId, items: [log()] },
      headers: { authorization: session.deviceHeaders.authorization! },
    });
    expect(noProductKey.status).toBe(401);
    expect(unauthenticated() - requestsBefore).toBe(3);
    expect(refusedItems() - itemsBefore).toBe(0);
  });

  it("403 with another device's token or a token for another session", async () => {
    const mine = await openSession();
    const theirs = await openSession();
    const otherDevice = await host.call('POST', '/api/diagnostics/ingest', {
      body: { sessionId: theirs.sessionId, device: { deviceId: mine.deviceId }, items: [log()] },
      headers: theirs.deviceHeaders,
    });
    expect(otherDevice.status).toBe(403);
    const otherSession = await host.call('POST', '/api/diagnostics/ingest', {
      body: { sessionId: theirs.sessionId, items: [log()] },
      headers: mine.deviceHeaders,
    });
    expect(otherSession.status).toBe(403);
    expect((await stored(theirs)).logs).toHaveLength(0);
  });

  it('409 once the session is paused or ended', async () => {
    const session = await openSession();
    const adminHeaders = { authorization: `Bearer ${admin}` };
    expect((await host.call('PATCH', `/api/diagnostics/sessions/${session.sessionId}`, { body: { status: 'paused' }, headers: adminHeaders })).status).toBe(
      200,
    );
    expect((await post(session, [log()])).status).toBe(409);
    expect((await host.call('PATCH', `/api/diagnostics/sessions/${session.sessionId}`, { body: { status: 'completed' }, headers: adminHeaders })).status).toBe(
      200,
    );
    const ended = await post(session, [log()]);
    expect(ended.status).toBe(409);
    expect((await ended.json()).detail).toMatch(/ended/);
  });

  it('403 while consent is pending; the device records consent and the config poll reflects it', async () => {
    const session = await openSession({ userConsent: 'prompt' });
    const refused = await post(session, [log()]);
    expect(refused.status).toBe(403);
    expect((await refused.json()).detail).toMatch(/consent/);
    const consent = await host.call('POST', `/api/diagnostics/sessions/${session.sessionId}/consent`, {
      body: { granted: true },
      headers: session.deviceHeaders,
    });
    expect(consent.status).toBe(200);
    expect((await consent.json()).consent).toMatchObject({ required: true, status: 'granted' });
    host.clock.advance(5_001); // the config poll allows one poll per device every 5 s
    const config = await (
      await host.call('GET', `/api/diagnostics/config?deviceId=${session.deviceId}`, { headers: { 'x-diagnostics-key': host.productKey() } })
    ).json();
    expect(config.session).toMatchObject({ consentRequired: false, consentStatus: 'granted' });
    expect((await post(session, [log()])).status).toBe(202);
    const audit = await host.deps.stores.audit.list('demo', { sessionId: session.sessionId }, { maxItems: 10 });
    expect(audit.items.map((record) => record.action)).toContain('session.consent_granted');
  });

  it('a denied consent keeps refusing data', async () => {
    const session = await openSession({ userConsent: 'prompt' });
    const consent = await host.call('POST', `/api/diagnostics/sessions/${session.sessionId}/consent`, {
      body: { granted: false },
      headers: session.deviceHeaders,
    });
    expect((await consent.json()).consent.status).toBe('denied');
    expect((await post(session, [log()])).status).toBe(403);
  });

  it('an opted-out batch is accepted with 202, discarded and counted', async () => {
    const session = await openSession();
    const before = host.telemetry.total('ingest.items_total', { outcome: 'discarded' });
    const response = await post(session, [log(), span()], { optedOut: true });
    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({ accepted: 0, discarded: 2 });
    expect(host.telemetry.total('ingest.items_total', { outcome: 'discarded' }) - before).toBe(2);
    expect(await stored(session)).toEqual({ logs: [], spans: [] });
  });
});

describe('limits', () => {
  it('413 for a body over 1 MiB', async () => {
    const session = await openSession();
    const items = Array.from({ length: 40 }, () => log({ message: 'x'.repeat(8000), context: { blob: 'y'.repeat(20_000) } }));
    const response = await post(session, items);
    expect(response.status).toBe(413);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
  });

  it.each([
    ['more than 50 items', () => Array.from({ length: 51 }, () => log()), 'items'],
    ['a message over 8 KiB', () => [log(), log({ message: 'x'.repeat(8193) })], 'items.1.message'],
    ['context nested deeper than 6 levels', () => [log({ context: { a: { b: { c: { d: { e: { f: { g: 1 } } } } } } } })], 'items.0.context'],
    ['a span ending before it starts', () => [span({ startTime: now(), endTime: now(-1000) })], 'items.0.endTime'],
    ['an unknown kind', () => [{ kind: 'metric', id: 'm' }], 'items.0.kind'],
    ['a bad trace id', () => [span({ traceId: 'XYZ' })], 'items.0.traceId'],
  ])('400 naming the field for %s, storing nothing', async (_name, items, field) => {
    const session = await openSession();
    const before = host.telemetry.total('ingest.items_total', { outcome: 'invalid' });
    const sent = items();
    const response = await post(session, sent);
    expect(response.status).toBe(400);
    expect(host.telemetry.total('ingest.items_total', { outcome: 'invalid' }) - before).toBe(sent.length);
    const problem = await response.json();
    expect(problem.errors.map((issue: { field: string }) => issue.field)).toContain(field);
    expect((await stored(session)).logs).toHaveLength(0);
  });

  it('counts every item of a batch storage fails as failed, those already filtered or rejected too', async () => {
    const session = await openSession({ capture: { logs: true, traces: false, breadcrumbs: true, network: true }, collectionLevel: 'trace' });
    const real = host.deps.services.ingest.telemetryStore;
    // A fake of our own port standing in for a Cosmos outage (the real adapter maps 429/5xx to this error).
    host.deps.services.ingest.telemetryStore = {
      ...real,
      upsertLogs: async () => {
        throw new AppError('unavailable', 'Storage is unavailable; retry shortly', { retryAfterSeconds: 2 });
      },
    };
    const outcomes = ['accepted', 'filtered', 'invalid', 'failed'] as const;
    const before = outcomes.map((outcome) => host.telemetry.total('ingest.items_total', { outcome }));
    try {
      const response = await post(session, [log(), span(), log({ timestamp: now(-8 * 86_400_000) })]);
      expect(response.status).toBe(503);
    } finally {
      host.deps.services.ingest.telemetryStore = real;
    }
    // The answer was "retry": no item has an outcome of its own yet, so none is counted as filtered or invalid.
    expect(outcomes.map((outcome, index) => host.telemetry.total('ingest.items_total', { outcome }) - before[index]!)).toEqual([0, 0, 0, 3]);
  });

  it('keeps in-window items and rejects those too old or too far ahead, each with a reason', async () => {
    const session = await openSession();
    const before = host.telemetry.total('ingest.items_total', { outcome: 'invalid' });
    const response = await post(session, [
      log({ id: 'ok' }),
      log({ id: 'old', timestamp: now(-8 * 86_400_000) }),
      log({ id: 'ahead', timestamp: now(2 * 3_600_000) }),
    ]);
    expect(response.status).toBe(202);
    const answer = await response.json();
    expect(answer.accepted).toBe(1);
    expect(answer.rejected).toEqual([
      { index: 1, id: 'old', kind: 'log', reason: 'too_old' },
      { index: 2, id: 'ahead', kind: 'log', reason: 'in_future' },
    ]);
    expect(host.telemetry.total('ingest.items_total', { outcome: 'invalid' }) - before).toBe(2);
    const all = await post(session, [log({ timestamp: now(-8 * 86_400_000) })]);
    expect(all.status).toBe(400);
    expect((await all.json()).errors[0].field).toBe('items.0.timestamp');
  });

  it('allows 100 batches per minute per device, then 429 with Retry-After', async () => {
    const session = await openSession();
    for (let index = 0; index < 100; index++) expect((await post(session, [log()], { optedOut: true })).status).toBe(202);
    const limited = await post(session, [log()]);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    host.clock.advance(60_001);
    expect((await post(session, [log()])).status).toBe(202);
  });
});
