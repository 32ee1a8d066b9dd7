// Reports end to end on the local host: a seeded session (through the ingest endpoint and, to prove the final
// masking pass, straight into the store) yields every section, with no planted secret in JSON or HTML.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDeviceSession, type DeviceSession } from '../support/device-session';
import { recordEvents } from '../support/event-recorder';
import { pngImage } from '../support/images';
import { generateSessionItems, PLANTED, storedWithoutMasking } from '../support/session-items';
import { startTestHost, type TestHost } from '../support/test-host';

let host: TestHost;
let admin: string;
let device: DeviceSession;
const recorder = recordEvents();
const targetUser = `user-${Date.now()}`;

function auth(token: string) {
  return { authorization: `Bearer ${token}` };
}

function expectNoSecret(text: string): void {
  for (const secret of Object.values(PLANTED)) expect(text).not.toContain(secret);
}

beforeAll(async () => {
  host = await startTestHost();
  admin = await host.token({ roles: ['admin'], products: ['demo'] });
  const user = await host.token({ roles: [], products: [], subject: targetUser });
  device = await openDeviceSession(host, admin, { targetUserId: targetUser, capture: { screenshots: true, network: true } }, user);

  // A small batch through the real ingest endpoint (masked at ingest)…
  const { items } = generateSessionItems({ logs: 40, spans: 10, plantSecrets: true, start: new Date(Date.now() - 10 * 60_000) });
  const ingested = await host.call('POST', '/api/diagnostics/ingest', {
    body: {
      sessionId: device.sessionId,
      device: { platform: 'web', appVersion: '4.2.0' },
      items: items.slice(0, 50).map((item) => ('id' in item && item.id ? { ...item, id: `ingested-${item.id}` } : item)),
    },
    headers: device.deviceHeaders,
  });
  expect(ingested.status).toBeLessThan(300);
  // …and a larger session written straight to the store unmasked, as if ingest masking had missed everything.
  const planted = storedWithoutMasking(generateSessionItems({ logs: 600, spans: 100, plantSecrets: true }).items, {
    productId: 'demo',
    sessionId: device.sessionId,
  });
  await host.deps.stores.telemetry.upsertLogs({ productId: 'demo', sessionId: device.sessionId }, planted.logs);
  await host.deps.stores.telemetry.upsertSpans({ productId: 'demo', sessionId: device.sessionId }, planted.spans);

  // One confirmed screenshot.
  const image = pngImage(32, 16);
  const declared = await host.call('POST', `/api/diagnostics/sessions/${device.sessionId}/screenshots`, {
    body: { format: 'png', sizeBytes: image.length, width: 32, height: 16, capturedAt: new Date().toISOString(), trigger: 'error' },
    headers: device.deviceHeaders,
  });
  const instructions = (await declared.json()) as { screenshot: { id: string }; upload: { url: string } };
  await fetch(instructions.upload.url, { method: 'PUT', body: new Uint8Array(image), headers: { 'x-ms-blob-type': 'BlockBlob', 'content-type': 'image/png' } });
  await host.call('POST', `/api/diagnostics/sessions/${device.sessionId}/screenshots/${instructions.screenshot.id}/confirm`, { headers: device.deviceHeaders });
});
afterAll(() => host.close());

interface Generated {
  record: { id: string; alertKey: string; sizes: { jsonBytes: number; htmlBytes: number } };
  links: { json: { url: string; expiresAt: string }; html: { url: string; expiresAt: string } };
  expiryNotice: string;
  report: Record<string, unknown> & {
    summary: { counts: Record<string, number>; countsByLevel: Record<string, number>; device: Record<string, unknown> };
    errorGroups: unknown[];
    stackTraces: unknown[];
    failingRequests: Array<{ requestBody?: string; requestHeaders?: Record<string, string> }>;
    failingTraces: unknown[];
    breadcrumbTrails: Array<{ breadcrumbs: unknown[] }>;
    screenshots: Array<{ readUrl?: string }>;
    timeline: unknown[];
  };
}

describe('POST /api/diagnostics/sessions/{id}/report', () => {
  let generated: Generated;

  it('builds every section for an engineer, stores JSON and HTML, and links both with their expiry', async () => {
    const engineer = await host.token({ roles: ['engineer'], products: ['demo'] });
    const response = await host.call('POST', `/api/diagnostics/sessions/${device.sessionId}/report`, { headers: auth(engineer) });
    expect(response.status).toBe(201);
    generated = (await response.json()) as Generated;
    const report = generated.report;
    expect(report.summary.counts.logs).toBeGreaterThanOrEqual(600);
    expect(report.summary.device).toMatchObject({ appVersion: '4.2.0' });
    for (const section of ['errorGroups', 'stackTraces', 'failingRequests', 'failingTraces', 'breadcrumbTrails', 'screenshots', 'timeline'] as const) {
      expect(report[section].length, section).toBeGreaterThan(0);
    }
    expect(report.breadcrumbTrails.some((trail) => trail.breadcrumbs.length > 0)).toBe(true);
    expect(report.screenshots[0]!.readUrl).toMatch(/sp=r/);
    expect(Date.parse(generated.links.html.expiresAt)).toBeGreaterThan(Date.now() + 50 * 60_000);
    expect(generated.expiryNotice).toContain(generated.links.html.expiresAt);
    expect(host.telemetry.total('debug.report.generate_ms')).toBeGreaterThan(0);
  });

  it('lets no planted secret out: not in the answer, the stored JSON or the HTML page', async () => {
    expectNoSecret(JSON.stringify(generated.report));
    const json = await fetch(generated.links.json.url);
    expect(json.headers.get('content-type')).toMatch(/application\/json/);
    const storedJson = await json.text();
    expect(storedJson.length).toBe(generated.record.sizes.jsonBytes);
    expectNoSecret(storedJson);
    const html = await fetch(generated.links.html.url);
    expect(html.headers.get('content-type')).toMatch(/text\/html/);
    const page = await html.text();
    expectNoSecret(page);
    expect(page).toContain('<svg');
    expect(page).not.toMatch(/<script|<link |src=/i);
    // The request payloads are there, masked.
    expect(generated.report.failingRequests.some((request) => request.requestBody && request.requestBody.length > 0)).toBe(true);
    // Items planted straight in the store had to be masked by the final pass, and that was counted.
    expect(host.telemetry.total('debug.masking.violation_total', { channel: 'report' })).toBeGreaterThan(0);
  });

  it('announces the report with its alert key and stable address', async () => {
    await host.deps.infra.localBus?.whenIdle();
    const announced = recorder.ofType('diagnostics.report.generated').filter((event) => event.sessionId === device.sessionId);
    expect(announced).toHaveLength(1);
    expect(announced[0]!.payload).toMatchObject({
      reportId: generated.record.id,
      alertKey: `session:demo:${device.sessionId}`,
      reportUrl: expect.stringContaining(`/api/diagnostics/sessions/${device.sessionId}/reports/${generated.record.id}`),
    });
  });

  it('gives fresh links at the stable address', async () => {
    const response = await host.call('GET', `/api/diagnostics/sessions/${device.sessionId}/reports/${generated.record.id}`, { headers: auth(admin) });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { record: { id: string }; links: { html: { url: string } } };
    expect(body.record.id).toBe(generated.record.id);
    expect((await fetch(body.links.html.url)).status).toBe(200);
  });

  it('refuses the user the session targets, other products and devices', async () => {
    const user = await host.token({ roles: [], products: [], subject: targetUser });
    expect((await host.call('POST', `/api/diagnostics/sessions/${device.sessionId}/report`, { headers: auth(user) })).status).toBe(403);
    const other = await host.token({ roles: ['engineer'], products: ['other'] });
    expect((await host.call('POST', `/api/diagnostics/sessions/${device.sessionId}/report`, { headers: auth(other) })).status).toBe(404);
    expect((await host.call('POST', `/api/diagnostics/sessions/${device.sessionId}/report`, { headers: device.deviceHeaders })).status).toBe(401);
  });
});

describe('POST /api/diagnostics/regressions', () => {
  let reportId: string;

  beforeAll(async () => {
    const response = await host.call('POST', `/api/diagnostics/sessions/${device.sessionId}/report`, { headers: auth(admin) });
    reportId = ((await response.json()) as Generated).record.id;
  });

  async function report(body: Record<string, unknown>, token = admin) {
    return host.call('POST', '/api/diagnostics/regressions', { body, headers: auth(token) });
  }

  it('resolves the alert on a passing run, once per run id, and announces it for the ticket side', async () => {
    const first = await report({ runId: 'ci-100', commit: 'a1b2c3d4', result: 'pass', link: 'https://ci.example.com/runs/100', reportId });
    expect(first.status).toBe(201);
    expect(await first.json()).toMatchObject({ duplicate: false, alert: { status: 'resolved', alertKey: `session:demo:${device.sessionId}` } });

    const again = await report({ runId: 'ci-100', commit: 'a1b2c3d4', result: 'pass', reportId });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ duplicate: true, alert: { status: 'resolved' } });

    await host.deps.infra.localBus?.whenIdle();
    const announced = recorder.ofType('diagnostics.regression.reported').filter((event) => event.payload.runId === 'ci-100');
    // A repeated run is announced with the same event id: subscribers see one event.
    expect(new Set(announced.map((event) => event.id)).size).toBe(1);
    expect(announced[0]!.payload).toMatchObject({ result: 'passed', alertKey: `session:demo:${device.sessionId}`, commit: 'a1b2c3d4', reportId });
    const audit = await host.deps.stores.audit.list('demo', { sessionId: device.sessionId, action: 'regression.reported' }, { maxItems: 10 });
    expect(audit.items.filter((record) => record.details?.runId === 'ci-100')).toHaveLength(1);
  });

  it("answers another product's report id exactly as an unknown one, naming no session", async () => {
    const other = await host.token({ roles: ['admin'], products: ['other'] });
    const foreign = await report({ runId: 'ci-x', commit: 'a1b2c3d4', result: 'pass', reportId }, other);
    const unknown = await report({ runId: 'ci-y', commit: 'a1b2c3d4', result: 'pass', reportId: 'rp_00000000-0000-4000-8000-000000000000' }, other);
    expect(foreign.status).toBe(404);
    const [foreignProblem, unknownProblem] = [await foreign.json(), await unknown.json()];
    expect(JSON.stringify(foreignProblem)).not.toContain(device.sessionId);
    expect(foreignProblem.detail).toBe(`Report ${reportId} not found`);
    expect(unknownProblem.detail).toBe('Report rp_00000000-0000-4000-8000-000000000000 not found');
  });

  it('reopens the alert on a failing run, addressed by session', async () => {
    const failed = await report({ runId: 'ci-101', commit: 'e5f6a7b8', result: 'fail', sessionId: device.sessionId });
    expect(failed.status).toBe(201);
    expect(await failed.json()).toMatchObject({ alert: { status: 'open' } });
    await host.deps.infra.localBus?.whenIdle();
    expect(recorder.ofType('diagnostics.regression.reported').find((event) => event.payload.runId === 'ci-101')!.payload).toMatchObject({ result: 'failed' });
  });

  it.each([
    ['neither session nor report', { runId: 'r', commit: 'abcd', result: 'pass' }, 400, 'sessionId'],
    [
      'both session and report',
      { runId: 'r', commit: 'abcd', result: 'pass', sessionId: 'ds_00000000-0000-0000-0000-000000000000', reportId: 'rp_00000000-0000-0000-0000-000000000000' },
      400,
      'sessionId',
    ],
    ['an unknown result', { runId: 'r', commit: 'abcd', result: 'flaky', sessionId: 'ds_00000000-0000-0000-0000-000000000000' }, 400, 'result'],
    [
      'a javascript: link',
      { runId: 'r', commit: 'abcd', result: 'pass', link: 'javascript:alert(1)', sessionId: 'ds_00000000-0000-0000-0000-000000000000' },
      400,
      'link',
    ],
    ['an unknown report', { runId: 'r', commit: 'abcd', result: 'pass', reportId: 'rp_00000000-0000-0000-0000-000000000000' }, 404, undefined],
  ])('answers %s with %s', async (_name, body, status, field) => {
    const response = await report(body);
    expect(response.status).toBe(status);
    if (field) expect(((await response.json()) as { errors: Array<{ field: string }> }).errors.map((issue) => issue.field)).toContain(field);
  });

  it('takes runs only from admins of the product', async () => {
    const engineer = await host.token({ roles: ['engineer'], products: ['demo'] });
    expect((await report({ runId: 'ci-x', commit: 'abcd', result: 'pass', sessionId: device.sessionId }, engineer)).status).toBe(403);
    const otherAdmin = await host.token({ roles: ['admin'], products: ['other'] });
    expect((await report({ runId: 'ci-x', commit: 'abcd', result: 'pass', reportId }, otherAdmin)).status).toBe(404);
  });
});
