// Regressions from the security probe and the newcomer (issue 19): hostile input that once reached a 500, host
// errors that did not look like the API's, and bodies read before they were refused.
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDeviceSession, type DeviceSession } from '../support/device-session';
import { startTestHost, type TestHost } from '../support/test-host';

let host: TestHost;
beforeAll(async () => {
  host = await startTestHost();
});
afterAll(() => host.close());

const everything = { logs: true, traces: true, breadcrumbs: true, network: true };

/** Each session by an admin of its own: creating sessions is limited per admin per hour. */
async function freshAdmin(): Promise<string> {
  return host.token({ roles: ['admin'], products: ['demo'] });
}

async function openSession(body: Record<string, unknown> = {}): Promise<DeviceSession> {
  return openDeviceSession(host, await freshAdmin(), { capture: everything, collectionLevel: 'trace', ...body });
}

const now = () => host.clock.now().toISOString();

/** `{"a":{"a":…}}` nested `levels` deep, built as text: JSON.stringify of such a value would itself recurse. */
function nestedObjectText(levels: number): string {
  return `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
}

/** A raw HTTP exchange, for what fetch will not send (oversized headers, a body that never ends). */
function rawRequest(options: { method: string; path: string; headers: Record<string, string | number>; body?: Buffer; endBody?: boolean }) {
  const url = new URL(host.url);
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }>((resolve, reject) => {
    const request = httpRequest({ host: url.hostname, port: url.port, method: options.method, path: options.path, headers: options.headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, text: Buffer.concat(chunks).toString('utf8') }));
    });
    request.on('error', reject);
    if (options.body) request.write(options.body);
    if (options.endBody !== false) request.end();
  });
}

describe('deeply nested input answers 400, never 500', () => {
  it('an ingest item whose context nests 10,000 levels is refused naming items.0.context', async () => {
    const session = await openSession();
    const item = `{"kind":"log","id":"deep-1","timestamp":"${now()}","level":"info","message":"deep","context":${nestedObjectText(10_000)}}`;
    const body = `{"sessionId":"${session.sessionId}","device":{"deviceId":"${session.deviceId}"},"items":[${item}]}`;
    const response = await host.call('POST', '/api/diagnostics/ingest', {
      rawBody: body,
      headers: { ...session.deviceHeaders, 'content-type': 'application/json' },
    });
    expect(response.status).toBe(400);
    const problem = await response.json();
    expect(problem.errors.map((issue: { field: string }) => issue.field)).toContain('items.0.context');
  });

  it('an OTLP attribute nested 3,000 levels deep rejects its span with partial success, storing the others', async () => {
    const session = await openSession();
    const deep = `${'{"arrayValue":{"values":['.repeat(3000)}{"stringValue":"x"}${']}}'.repeat(3000)}`;
    const span = (spanId: string, attributes: string) =>
      `{"traceId":"${randomUUID().replace(/-/g, '')}","spanId":"${spanId}","name":"op","startTimeUnixNano":"${Date.parse(now()) * 1e6}","endTimeUnixNano":"${Date.parse(now()) * 1e6}","attributes":[${attributes}]}`;
    const body = `{"resourceSpans":[{"scopeSpans":[{"spans":[${span('aaaaaaaaaaaaaaaa', `{"key":"deep","value":${deep}}`)},${span('bbbbbbbbbbbbbbbb', '')}]}]}]}`;
    const response = await host.call('POST', '/api/v1/traces', {
      rawBody: body,
      headers: { 'x-diagnostics-key': host.productKey(), authorization: `Bearer ${session.ingestToken}`, 'content-type': 'application/json' },
    });
    expect(response.status).toBe(200);
    const answer = await response.json();
    expect(answer.partialSuccess.rejectedSpans).toBe(1);
    const spans = await host.deps.stores.telemetry.listSpans({ productId: 'demo', sessionId: session.sessionId }, { order: 'oldest' }, { maxItems: 10 });
    expect(spans.items.map((stored) => stored.spanId)).toEqual(['bbbbbbbbbbbbbbbb']);
  });
});

describe('continuation tokens this service did not issue answer 400 naming continuationToken', () => {
  it.each([
    ['{} (e30)', 'e30'],
    ['[1,2] (WzEsMl0)', 'WzEsMl0'],
    ['a forged Cosmos-looking token', Buffer.from('+RID:~abc#RT:1#TRC:2').toString('base64url')],
    ['an issued token with its checksum changed', 'issued'],
  ])('%s, on the session and the log lists', async (_name, token) => {
    const session = await openSession();
    const headers = { authorization: `Bearer ${await freshAdmin()}` };
    let forged = token;
    if (token === 'issued') {
      for (let index = 0; index < 3; index++)
        await host.call('POST', '/api/diagnostics/sessions', { body: { productId: 'demo', targetDeviceId: `dev-${randomUUID()}` }, headers });
      const page = await (await host.call('GET', '/api/diagnostics/sessions?pageSize=1', { headers })).json();
      expect(page.continuationToken).toEqual(expect.any(String));
      forged = `${page.continuationToken.slice(0, -2)}xx`;
    }
    for (const path of [
      `/api/diagnostics/sessions?continuationToken=${forged}`,
      `/api/diagnostics/sessions/${session.sessionId}/logs?continuationToken=${forged}`,
    ]) {
      const response = await host.call('GET', path, { headers });
      expect(response.status, path).toBe(400);
      expect((await response.json()).errors).toEqual([expect.objectContaining({ field: 'continuationToken' })]);
    }
  });

  it('an issued token still pages', async () => {
    const headers = { authorization: `Bearer ${await freshAdmin()}` };
    for (let index = 0; index < 3; index++)
      await host.call('POST', '/api/diagnostics/sessions', { body: { productId: 'demo', targetDeviceId: `dev-${randomUUID()}` }, headers });
    const first = await (await host.call('GET', '/api/diagnostics/sessions?pageSize=1', { headers })).json();
    const second = await host.call('GET', `/api/diagnostics/sessions?pageSize=1&continuationToken=${first.continuationToken}`, { headers });
    expect(second.status).toBe(200);
    const page = await second.json();
    expect(page.items[0].id).not.toBe(first.items[0].id);
  });
});

describe('the local host refuses oversized bodies before reading them', () => {
  it('answers 413 by Content-Length to an unauthenticated upload it never reads', async () => {
    // 90 MiB announced, 1 KiB sent and the body left open: only a refusal by the header can answer.
    const response = await rawRequest({
      method: 'POST',
      path: '/api/diagnostics/ingest',
      headers: { 'content-type': 'application/json', 'content-length': 90 * 1024 * 1024 },
      body: Buffer.alloc(1024, 0x20),
      endBody: false,
    });
    expect(response.status).toBe(413);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(JSON.parse(response.text)).toMatchObject({ status: 413, correlationId: expect.any(String) });
  });

  it('stops reading a chunked body past the route limit and answers 413', async () => {
    const response = await host.call('POST', '/api/diagnostics/ingest', {
      rawBody: new Uint8Array(2 * 1024 * 1024).fill(0x20),
      headers: { 'content-type': 'application/json', 'x-diagnostics-key': host.productKey() },
    });
    expect(response.status).toBe(413);
  });
});

describe("the host's own errors look like the API's", () => {
  it('unknown routes answer 404 problem+json with a correlation id', async () => {
    const response = await host.call('GET', '/api/no/such/route', { headers: { 'x-correlation-id': 'probe-404' } });
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(response.headers.get('x-correlation-id')).toBe('probe-404');
    expect(await response.json()).toMatchObject({ status: 404, correlationId: 'probe-404' });
  });

  it('a wrong method answers 405 with Allow', async () => {
    const response = await host.call('PUT', '/api/diagnostics/sessions');
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')?.split(', ').sort()).toEqual(['GET', 'POST']);
    expect(await response.json()).toMatchObject({ status: 405, correlationId: expect.any(String) });
  });

  it('headers over 16 KiB answer 431 problem+json', async () => {
    const response = await rawRequest({ method: 'GET', path: '/api/health', headers: { 'x-padding': 'a'.repeat(20 * 1024) } });
    expect(response.status).toBe(431);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(JSON.parse(response.text)).toMatchObject({ status: 431, correlationId: expect.any(String) });
  });
});

describe('what a device can no longer get around', () => {
  async function consent(session: DeviceSession, granted: boolean) {
    return host.call('POST', `/api/diagnostics/sessions/${session.sessionId}/consent`, {
      body: { granted, device: { deviceId: session.deviceId } },
      headers: session.deviceHeaders,
    });
  }

  it('a repeated consent answer writes nothing, so an admin edit keeps its ETag', async () => {
    const session = await openSession({ userConsent: 'prompt' });
    expect((await consent(session, true)).status).toBe(200);
    const before = (await host.deps.stores.sessions.get(session.sessionId))!.etag;
    for (let index = 0; index < 20; index++) expect((await consent(session, true)).status).toBe(200);
    expect((await host.deps.stores.sessions.get(session.sessionId))!.etag).toBe(before);
  });

  it('consent counts in the device budget: a flood is answered 429', async () => {
    const session = await openSession({ userConsent: 'prompt' });
    const answers = [];
    for (let index = 0; index < 110; index++) answers.push((await consent(session, index % 2 === 0)).status);
    expect(answers).toContain(429);
    expect(answers.indexOf(429)).toBe(host.deps.settings.RATE_LIMIT_INGEST_BATCHES_PER_MINUTE);
  });

  it('a session that asks for no consent refuses an answer, so a device cannot deny an auto session', async () => {
    const session = await openSession({ userConsent: 'auto' });
    const denied = await consent(session, false);
    expect(denied.status).toBe(409);
    expect((await host.deps.stores.sessions.get(session.sessionId))!.session.consent.status).toBe('not_required');
  });

  it('new device ids do not buy a session a fresh ingest budget', async () => {
    const anonymousId = `anon-${randomUUID()}`;
    const created = await host.call('POST', '/api/diagnostics/sessions', {
      body: { productId: 'demo', targetAnonymousId: anonymousId, userConsent: 'auto', capture: everything },
      headers: { authorization: `Bearer ${await freshAdmin()}` },
    });
    const sessionId = (await created.json()).id as string;
    const perDevice = host.deps.settings.RATE_LIMIT_INGEST_BATCHES_PER_MINUTE;
    let accepted = 0;
    let limited = 0;
    // Each made-up device polls once for its own token and spends its whole per-device budget.
    for (let device = 0; device < 5; device++) {
      const deviceId = `made-up-${device}-${randomUUID().slice(0, 6)}`;
      const polled = await (
        await host.call('GET', `/api/diagnostics/config?anonymousId=${anonymousId}&deviceId=${deviceId}`, {
          headers: { 'x-diagnostics-key': host.productKey() },
        })
      ).json();
      const headers = { 'x-diagnostics-key': host.productKey(), authorization: `Bearer ${polled.session.ingestToken}` };
      for (let batch = 0; batch < perDevice; batch++) {
        const item = { kind: 'log', id: `l-${device}-${batch}`, timestamp: now(), level: 'info', message: 'x' };
        const response = await host.call('POST', '/api/diagnostics/ingest', { body: { sessionId, device: { deviceId, anonymousId }, items: [item] }, headers });
        if (response.status === 202) accepted++;
        else if (response.status === 429) limited++;
      }
    }
    expect(accepted).toBe(perDevice * 3);
    expect(limited).toBe(perDevice * 2);
  });
});
