// End to end through the real local host: an admin switches diagnostics on for one device, that device's SDK
// picks the session up, logs, traces a failing fetch, throws, uploads a screenshot; the admin reads logs, traces,
// the timeline and a report of it, all masked. A second SDK on a device nobody targeted sends nothing but its config polls.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiagnosticsClient } from '../../sdk/src/client';
import type { FetchFunction } from '../../sdk/src/runtime';
import { ManualRuntime } from '../../sdk/test/support/manual-runtime';
import { startScriptedServer, type ScriptedServer } from '../../sdk/test/support/scripted-server';
import type { DiagnosticReport } from '../../shared/domain/reports/report';
import type { LogDoc, SpanDoc } from '../../shared/domain/telemetry/items';
import type { TimelineDoc } from '../../shared/ports/telemetry-store';
import type { TraceTree } from '../../shared/services/telemetry-query-service';
import { pngImage } from '../support/images';
import { startTestHost, type TestHost } from '../support/test-host';

/** Every one of these must be masked (or dropped) before an admin can read it. */
const secrets = {
  email: 'jane.doe@example.com',
  card: '4111 1111 1111 1111',
  password: 'hunter2-Pa55word!',
  stripeKey: 'sk_live_51HxE2eTestSecretKey0000abcd',
  bearer: 'app-session-token-9f8e7d6c5b4a',
  awsKey: 'AKIAIOSFODNN7EXAMPLE',
};

let host: TestHost;
let admin: string;
let upstream: ScriptedServer;

beforeAll(async () => {
  host = await startTestHost({ RATE_LIMIT_SESSION_CREATES_PER_HOUR: '1000' });
  admin = await host.token({ roles: ['admin'], products: ['demo'] });
  // The app's own API, failing the order.
  upstream = await startScriptedServer(() => ({ status: 502, headers: { 'x-request-id': 'order-req-1' }, body: { error: 'payment gateway timeout' } }));
});
afterAll(async () => {
  await upstream.close();
  await host.close();
});

/** A fetch that remembers which paths the SDK called, so the test can see what a device sent. */
function countingFetch(calls: string[]): FetchFunction {
  return (input, init) => {
    calls.push(`${init?.method ?? 'GET'} ${new URL(String(input)).pathname}`);
    return fetch(input, init);
  };
}

function sdkFor(deviceId: string, calls: string[], scope: { fetch: FetchFunction; console: Console }) {
  const runtime = new ManualRuntime();
  const image = pngImage(64, 48);
  const client = new DiagnosticsClient({
    endpoint: host.url,
    productKey: host.productKey(),
    deviceId,
    appVersion: '2.7.0',
    fetch: countingFetch(calls),
    clock: runtime,
    timers: runtime,
    globalScope: scope,
    instrument: { exit: false, errors: true },
    onConsentRequest: () => true,
    captureScreenshot: () => ({ data: new Uint8Array(image), format: 'png', width: 64, height: 48 }),
  });
  return { client, runtime };
}

function quietConsole(): Console {
  const ignore = () => undefined;
  return { log: ignore, info: ignore, warn: ignore, error: ignore, debug: ignore, trace: ignore } as unknown as Console;
}

async function adminGet<T>(path: string): Promise<T> {
  const response = await host.call('GET', path, { headers: { authorization: `Bearer ${admin}` } });
  expect(response.status, `${path} answered ${response.status}`).toBe(200);
  return (await response.json()) as T;
}

describe('SDK end to end', () => {
  it('collects one targeted device, masked, and nothing from a device nobody targeted', async () => {
    const targetedDevice = `e2e-${randomUUID().slice(0, 8)}`;
    const bystanderDevice = `e2e-${randomUUID().slice(0, 8)}`;
    const targetedCalls: string[] = [];
    const bystanderCalls: string[] = [];
    const appScope = { fetch: globalThis.fetch.bind(globalThis) as FetchFunction, console: quietConsole() };
    const bystanderScope = { fetch: globalThis.fetch.bind(globalThis) as FetchFunction, console: quietConsole() };
    const targeted = sdkFor(targetedDevice, targetedCalls, appScope);
    const bystander = sdkFor(bystanderDevice, bystanderCalls, bystanderScope);

    // Both apps run before any session exists: neither collects.
    await Promise.all([targeted.client.start(), bystander.client.start()]);
    expect(targeted.client.isSessionActive()).toBe(false);
    targeted.client.breadcrumb('opened checkout', 'navigation');

    // The admin switches diagnostics on for the one device, asking its user first.
    const created = await host.call('POST', '/api/diagnostics/sessions', {
      body: {
        productId: 'demo',
        targetDeviceId: targetedDevice,
        collectionLevel: 'debug',
        userConsent: 'prompt',
        capture: { network: true, console: true, screenshotOnError: true },
        reason: 'order failures reported by support',
      },
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(created.status).toBe(201);
    const sessionId = ((await created.json()) as { id: string }).id;

    // The next poll (once the server's interval has passed) picks it up; the bystander's finds nothing.
    host.clock.advance(6_000);
    targeted.runtime.advance(6_000);
    bystander.runtime.advance(6_000);
    expect(await targeted.client.refresh()).toBe('changed');
    expect(await bystander.client.refresh()).toBe('not_modified');
    // The user is asked first; collecting starts once they said yes and the answer is recorded.
    await targeted.client.consentSettled();
    expect(targeted.client.isSessionActive()).toBe(true);
    expect(targeted.client.sessionId).toBe(sessionId);
    expect(bystander.client.isSessionActive()).toBe(false);

    // The app does its thing, secrets and all.
    const app = targeted.client;
    app.log('info', `checkout for ${secrets.email}`, { password: secrets.password, awsKey: secrets.awsKey, cartItems: 2 });
    appScope.console.warn(`retrying with card ${secrets.card}`);
    let thrown: unknown;
    try {
      await app.trace('place order', async (span) => {
        span.setAttribute('order.id', 'ORD-7731');
        const response = await appScope.fetch(`${upstream.url}/orders?api_key=${secrets.stripeKey}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${secrets.bearer}`, 'content-type': 'application/json' },
          body: JSON.stringify({ card: secrets.card }),
        });
        if (!response.ok) throw new Error(`order failed (${response.status}) for ${secrets.email}`);
      });
    } catch (error) {
      thrown = error;
    }
    expect((thrown as Error).message).toContain('order failed (502)');
    await expect.poll(() => app.getStats().screenshotsUploaded, { timeout: 15_000 }).toBe(1);
    await app.flush();

    // The bystander does the same things, and none of it leaves the device.
    bystander.client.log('error', 'bystander error');
    bystander.client.breadcrumb('bystander');
    await bystander.client.trace('bystander trace', async () => {
      await bystanderScope.fetch(`${upstream.url}/bystander`);
    });
    bystander.client.captureError(new Error('bystander crash'));
    await bystander.client.flush();
    expect(new Set(bystanderCalls)).toEqual(new Set(['GET /api/diagnostics/config']));
    expect(upstream.requestsTo('/bystander')).toHaveLength(1);

    // The device sent its telemetry through ingest, the consent and the screenshot flow.
    expect(targetedCalls).toContain(`POST /api/diagnostics/sessions/${sessionId}/consent`);
    expect(targetedCalls).toContain('POST /api/diagnostics/ingest');
    expect(targetedCalls.filter((call) => call.endsWith('/confirm'))).toHaveLength(1);

    // The admin reads it back through the query API.
    const base = `/api/diagnostics/sessions/${sessionId}`;
    const logs = (await adminGet<{ items: LogDoc[] }>(`${base}/logs?type=log,breadcrumb,network&order=oldest&pageSize=100`)).items;
    const spans = (await adminGet<{ items: SpanDoc[] }>(`${base}/traces?order=oldest&pageSize=100`)).items;
    const timeline = (await adminGet<{ items: TimelineDoc[] }>(`${base}/timeline?pageSize=100`)).items;

    const byType = <Type extends LogDoc['docType']>(type: Type) => logs.filter((doc): doc is Extract<LogDoc, { docType: Type }> => doc.docType === type);
    expect(byType('breadcrumb').map((doc) => doc.message)).toContain('opened checkout');
    const appLogs = byType('log');
    expect(appLogs.find((doc) => doc.level === 'info')).toMatchObject({ context: { cartItems: 2 }, device: { deviceId: targetedDevice, appVersion: '2.7.0' } });
    expect(appLogs.some((doc) => doc.module === 'console' && doc.level === 'warn')).toBe(true);
    const errorLog = appLogs.find((doc) => doc.level === 'error');
    expect(errorLog?.error?.stack).toMatch(/sdk-flow\.test\.ts/);

    const network = byType('network');
    expect(network).toHaveLength(1);
    expect(network[0]).toMatchObject({ method: 'POST', status: 502 });
    expect(network[0]!.requestHeaders?.authorization).toBeUndefined();

    const order = spans.find((span) => span.name === 'place order')!;
    expect(order.status.code).toBe('error');
    const httpSpan = spans.find((span) => span.spanKind === 'client')!;
    expect(httpSpan).toMatchObject({ traceId: order.traceId, parentSpanId: order.spanId, status: { code: 'error' } });
    expect(errorLog).toMatchObject({ traceId: order.traceId, spanId: order.spanId });
    const tree = await adminGet<TraceTree>(`${base}/traces/${order.traceId}`);
    expect(tree.roots.map((root) => root.name)).toEqual(['place order']);
    expect(tree.roots[0]!.children.map((child) => [child.spanKind, child.status.code])).toEqual([['client', 'error']]);

    expect(timeline.length).toBe(logs.length + spans.length);
    const times = timeline.map((doc) => (doc.docType === 'span' ? doc.startTime : doc.timestamp));
    expect(times).toEqual([...times].sort());

    const screenshots = await adminGet<{ items: { status: string; trigger: string; relatedItemId?: string }[] }>(
      `/api/diagnostics/sessions/${sessionId}/screenshots`,
    );
    expect(screenshots.items).toEqual([expect.objectContaining({ status: 'confirmed', trigger: 'error', relatedItemId: errorLog!.itemId })]);

    // Ingest writes its stats behind (INGEST_STATS_FLUSH_MS): write what this instance holds, as its interval would.
    await host.deps.services.ingest.stats.flush();
    const session = await adminGet<{ stats: Record<string, number>; consent: { status: string } }>(`/api/diagnostics/sessions/${sessionId}`);
    expect(session.consent.status).toBe('granted');
    expect(session.stats).toMatchObject({ networkCount: 1, screenshotCount: 1 });
    expect(session.stats.logCount).toBeGreaterThanOrEqual(3);

    // The report of the session: errors, the failing request and trace, the breadcrumbs, the screenshot.
    const reportResponse = await host.call('POST', `${base}/report`, { headers: { authorization: `Bearer ${admin}` } });
    expect(reportResponse.status).toBe(201);
    const generated = (await reportResponse.json()) as { report: DiagnosticReport; links: { json: { url: string }; html: { url: string } } };
    const { report } = generated;
    expect(report.session.id).toBe(sessionId);
    expect(report.errorGroups?.map((group) => group.errorType)).toContain('Error');
    expect(report.stackTraces?.some((trace) => trace.frames.some((frame) => frame.includes('sdk-flow.test.ts')))).toBe(true);
    expect(report.failingRequests).toEqual([expect.objectContaining({ method: 'POST', status: 502, traceId: order.traceId })]);
    expect(report.failingTraces?.map((trace) => trace.rootName)).toContain('place order');
    expect(report.breadcrumbTrails?.flatMap((trail) => trail.breadcrumbs.map((crumb) => crumb.message))).toContain('opened checkout');
    expect(report.screenshots).toHaveLength(1);
    const [reportJson, reportHtml] = await Promise.all([fetch(generated.links.json.url), fetch(generated.links.html.url)]);
    expect([reportJson.status, reportHtml.status]).toEqual([200, 200]);
    const reportFiles = `${await reportJson.text()}\n${await reportHtml.text()}`;
    expect(reportFiles).toContain('place order');

    // Not one planted secret survives anywhere the admin can read.
    const everything = JSON.stringify({ logs, spans, tree, timeline, screenshots, session, report, reportFiles });
    for (const [name, secret] of Object.entries(secrets)) expect(everything.includes(secret), `${name} leaked`).toBe(false);

    await Promise.all([targeted.client.stop(), bystander.client.stop()]);
  });
});
