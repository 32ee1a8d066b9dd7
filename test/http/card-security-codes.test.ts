// Card security codes and PINs end to end on the local host: a device sends them every way an app leaks them (a JSON
// request body, a form body, a JSON string inside a text body, a response body, a log line, a breadcrumb) through the
// real ingest endpoint; none of them may be in the stored documents, the report (answer, stored JSON, HTML) or the export.
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDeviceSession, type DeviceSession } from '../support/device-session';
import { startTestHost, type TestHost } from '../support/test-host';

let host: TestHost;
let admin: string;
let device: DeviceSession;

/** Each code once, six digits where a PIN may be that long, so no id or timestamp holds one by chance. */
const CODES = {
  jsonCvv: '7319',
  jsonPin: '482613',
  formCvc: '6053',
  formPin: '917264',
  textBodySecurityCode: '5821',
  responseCvv: '3087',
  logCvv: '2694',
  logPin: '750931',
  breadcrumbPin: '368502',
};
const CARD = '4111111111111111';

/** A code standing alone (not inside a longer run of digits or hex, as in an id or a timestamp). */
function leaks(text: string): string[] {
  return Object.entries(CODES)
    .filter(([, code]) => new RegExp(`(?<![0-9A-Za-z-])${code}(?![0-9A-Za-z])`).test(text))
    .map(([name]) => name)
    .concat(text.includes(CARD) ? ['card'] : []);
}

function auth(token: string) {
  return { authorization: `Bearer ${token}` };
}

const now = () => new Date().toISOString();

beforeAll(async () => {
  host = await startTestHost();
  admin = await host.token({ roles: ['admin'], products: ['demo'] });
  device = await openDeviceSession(host, admin, { capture: { logs: true, traces: true, breadcrumbs: true, network: true, screenshots: false } });
  const items = [
    {
      kind: 'network',
      id: 'pay-json',
      timestamp: now(),
      method: 'POST',
      url: 'https://shop.example.com/v1/payments',
      status: 502,
      durationMs: 812,
      requestHeaders: { 'Content-Type': 'application/json' },
      requestBody: JSON.stringify({ card: { number: CARD, cvv: CODES.jsonCvv, expiry: '12/29' }, pin: Number(CODES.jsonPin), amount: 49.9 }),
      responseHeaders: { 'content-type': 'application/problem+json' },
      responseBody: JSON.stringify({ title: 'declined', detail: `cvv ${CODES.responseCvv} rejected` }),
    },
    {
      kind: 'network',
      id: 'pay-form',
      timestamp: now(),
      method: 'POST',
      url: 'https://shop.example.com/checkout',
      status: 500,
      durationMs: 230,
      requestHeaders: { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' },
      requestBody: `holder=Ana+Lima&cvc=${CODES.formCvc}&pin=${CODES.formPin}&save=1`,
    },
    {
      kind: 'network',
      id: 'pay-text',
      timestamp: now(),
      method: 'POST',
      url: 'https://shop.example.com/legacy',
      status: 503,
      durationMs: 90,
      requestHeaders: { 'content-type': 'text/plain' },
      requestBody: `payload={"security_code":"${CODES.textBodySecurityCode}","ok":true}`,
    },
    { kind: 'log', id: 'log-1', timestamp: now(), level: 'error', message: `checkout failed: cvv: ${CODES.logCvv}, pin=${CODES.logPin}` },
    { kind: 'breadcrumb', id: 'crumb-1', timestamp: now(), category: 'ui.input', message: `PIN ${CODES.breadcrumbPin} entered` },
  ];
  const ingested = await host.call('POST', '/api/diagnostics/ingest', {
    body: { sessionId: device.sessionId, device: { platform: 'web', appVersion: '4.2.0' }, items },
    headers: device.deviceHeaders,
  });
  expect(ingested.status, await ingested.clone().text()).toBeLessThan(300);
});
afterAll(() => host.close());

describe('card security codes and PINs', () => {
  it('never reach storage: every stored document is free of them, with the masking remarked', async () => {
    const stored = await host.deps.stores.telemetry.listLogs({ productId: 'demo', sessionId: device.sessionId }, { order: 'oldest' }, { maxItems: 100 });
    expect(stored.items.map((doc) => doc.itemId).sort()).toEqual(['crumb-1', 'log-1', 'pay-form', 'pay-json', 'pay-text']);
    expect(leaks(JSON.stringify(stored.items))).toEqual([]);
    const byId = new Map(
      stored.items.map((doc) => [
        doc.itemId,
        doc as unknown as Record<string, unknown> & { redaction: { fieldsRedacted: string[]; patternsMatched: string[] } },
      ]),
    );
    // Bodies stay what they were (JSON, problem+json, a form), masked inside.
    const json = JSON.parse(byId.get('pay-json')!.requestBody as string) as { card: { cvv: string; number: string }; pin: string; amount: number };
    expect(json).toEqual({ card: { number: '************1111', cvv: '[REDACTED]', expiry: '12/29' }, pin: '[REDACTED]', amount: 49.9 });
    expect(byId.get('pay-json')!.redaction.fieldsRedacted).toEqual([
      'requestBody.card.number',
      'requestBody.card.cvv',
      'requestBody.pin',
      'responseBody.detail',
    ]);
    expect(Object.fromEntries(new URLSearchParams(byId.get('pay-form')!.requestBody as string))).toEqual({
      holder: 'Ana Lima',
      cvc: '[REDACTED]',
      pin: '[REDACTED]',
      save: '1',
    });
    expect(byId.get('pay-text')!.requestBody).toBe('payload={"security_code":"[REDACTED]","ok":true}');
    expect(byId.get('log-1')!.redaction.patternsMatched).toEqual(['card_security_code']);
  });

  it('never reach the report: not in the answer, the stored JSON or the HTML page', async () => {
    const engineer = await host.token({ roles: ['engineer'], products: ['demo'] });
    const response = await host.call('POST', `/api/diagnostics/sessions/${device.sessionId}/report`, { headers: auth(engineer) });
    expect(response.status).toBe(201);
    const generated = (await response.json()) as {
      report: { failingRequests: Array<{ requestBody?: string }> };
      links: { json: { url: string }; html: { url: string } };
    };
    // The failing requests are in the report, bodies and all, masked.
    expect(generated.report.failingRequests.map((request) => request.requestBody ?? '').join('\n')).toContain('[REDACTED]');
    expect(leaks(JSON.stringify(generated.report))).toEqual([]);
    expect(leaks(await (await fetch(generated.links.json.url)).text())).toEqual([]);
    expect(leaks(await (await fetch(generated.links.html.url)).text())).toEqual([]);
  });

  it('never reach the export', async () => {
    const engineer = await host.token({ roles: ['engineer'], products: ['demo'] });
    const response = await host.call('POST', `/api/diagnostics/sessions/${device.sessionId}/export`, { headers: auth(engineer) });
    expect(response.status).toBe(201);
    const body = (await response.json()) as { download: { url: string } };
    const download = await fetch(body.download.url);
    const text = gunzipSync(Buffer.from(await download.arrayBuffer())).toString('utf8');
    expect(text.split('\n').filter(Boolean).length).toBe(6);
    expect(text).toContain('[REDACTED]');
    expect(leaks(text)).toEqual([]);
  });
});
