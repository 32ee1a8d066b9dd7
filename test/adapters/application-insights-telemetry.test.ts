// The Application Insights adapter with the real `applicationinsights` SDK, exporting to a collector on
// 127.0.0.1 (HTTPS, as the exporter insists): catalogued metrics and events arrive by name with their
// dimensions, items outside the catalog are refused and counted, and no customer content is sent.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import type { LocalHost } from '../../local-host/host';
import { DEMO_PRODUCT_ID, LOCAL_DEV_SECRETS } from '../../local-host/local-settings';
import { startApplicationInsights, type ApplicationInsightsTelemetry } from '../../shared/adapters/telemetry/application-insights-telemetry';
import { signLocalToken } from '../../shared/adapters/identity/jose-token-verifier';
import { productIngestKey } from '../../shared/domain/devices/credentials';
import type { MetricName } from '../../shared/ports/telemetry-catalog';

interface Envelope {
  name: string;
  iKey?: string;
  data?: {
    baseType?: string;
    baseData?: Record<string, unknown> & {
      name?: string;
      properties?: Record<string, string>;
      metrics?: Array<{ name: string; value: number; count?: number }>;
    };
  };
}

const fixtures = path.join(__dirname, '../fixtures/loopback-tls');
const certificate = readFileSync(path.join(fixtures, 'cert.pem'), 'utf8');
const INSTRUMENTATION_KEY = randomUUID();

/** Everything the SDK might try beyond the collector (IMDS, its settings service) is refused here, before any packet. */
const refusedConnections: string[] = [];
const originalConnect = net.Socket.prototype.connect;
function loopbackOnly(): void {
  net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
    const first = args[0];
    const options = (Array.isArray(first) ? first[0] : first) as { host?: string; path?: string } | number;
    const host = typeof options === 'object' && options !== null ? options.host : (args[1] as string | undefined);
    const isLoopback = !host || host === 'localhost' || host.startsWith('127.') || host === '::1';
    if (typeof options === 'object' && options?.path === undefined && !isLoopback) {
      refusedConnections.push(host ?? '');
      process.nextTick(() => this.destroy(new Error(`test refuses connections beyond 127.0.0.1 (${host})`)));
      return this;
    }
    return (originalConnect as (...a: unknown[]) => net.Socket).apply(this, args);
  } as typeof net.Socket.prototype.connect;
}

class LocalCollector {
  readonly envelopes: Envelope[] = [];
  readonly rawBodies: string[] = [];
  readonly paths: string[] = [];
  private server?: Server;
  port = 0;

  async start(): Promise<void> {
    this.server = createServer({ cert: certificate, key: readFileSync(path.join(fixtures, 'key.pem')) }, (request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        let body = Buffer.concat(chunks);
        if (request.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
        const text = body.toString('utf8');
        this.paths.push(`${request.method} ${request.url}`);
        this.rawBodies.push(text);
        const items = JSON.parse(text) as Envelope[];
        this.envelopes.push(...items);
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ itemsReceived: items.length, itemsAccepted: items.length, errors: [] }));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server!.address() as net.AddressInfo).port;
  }

  metrics(name: string): Array<{ value: number; count: number; properties: Record<string, string> }> {
    return this.envelopes
      .filter((envelope) => envelope.data?.baseType === 'MetricData')
      .flatMap((envelope) =>
        (envelope.data?.baseData?.metrics ?? [])
          .filter((metric) => metric.name === name)
          .map((metric) => ({ value: metric.value, count: metric.count ?? 1, properties: envelope.data?.baseData?.properties ?? {} })),
      );
  }

  events(name: string): Array<Record<string, string>> {
    return this.envelopes
      .filter((envelope) => envelope.data?.baseType === 'EventData' && envelope.data.baseData?.name === name)
      .map((envelope) => envelope.data?.baseData?.properties ?? {});
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server?.close(() => resolve()));
  }
}

const collector = new LocalCollector();
let telemetry: ApplicationInsightsTelemetry;
let host: LocalHost;

beforeAll(async () => {
  loopbackOnly();
  // As in Azure Functions: the resource detector then knows the platform and does not probe the VM metadata service.
  process.env.WEBSITE_SITE_NAME = 'diagnostics-test';
  process.env.FUNCTIONS_EXTENSION_VERSION = '~4';
  process.env.APPLICATION_INSIGHTS_NO_STATSBEAT = 'true';
  process.env.APPLICATIONINSIGHTS_STATSBEAT_DISABLED = 'true';
  await collector.start();
  telemetry = startApplicationInsights({
    connectionString: `InstrumentationKey=${INSTRUMENTATION_KEY};IngestionEndpoint=https://127.0.0.1:${collector.port}/`,
    exporterOptions: { tlsOptions: { ca: certificate }, disableOfflineStorage: true },
  });
  // Loaded only now, as on the Functions host (shared/runtime/telemetry-first.ts): the SDK instruments modules as
  // they load, so the host and the Azure SDKs it brings must come after start.
  const { testEnvironment } = await import('../support/test-host');
  const environment = testEnvironment();
  const { startLocalHost } = await import('../../local-host/host');
  host = await startLocalHost({ port: 0, environment, overrides: { telemetry }, runTimers: false, log: () => undefined });
});

afterAll(async () => {
  await host?.close();
  await collector.close();
  net.Socket.prototype.connect = originalConnect;
});

describe('Application Insights telemetry against a local collector', () => {
  it('sends catalogued metrics and events by name, aggregated by the exporter, to the ingestion endpoint', async () => {
    telemetry.metric('debug.report.generate_ms', 120, { format: 'pdf' });
    telemetry.metric('debug.report.generate_ms', 80, { format: 'pdf' });
    telemetry.metric('debug.report.failure_total', 1, { reason: 'blob_unavailable' });
    telemetry.metric('debug.masking.violation_total', 1, { channel: 'report' });
    telemetry.metric('debug.ticket.autoclose_rate', 0.5, { provider: 'jira' });
    telemetry.metric('ingest.items_total', 3, { kind: 'log', outcome: 'accepted' });
    telemetry.metric('ingest.items_total', 1, { kind: 'log', outcome: 'rate_limited' });
    telemetry.event('session.created', { productId: 'demo', collectionLevel: 'full' });
    await telemetry.flush();

    expect(collector.paths.every((line) => line === 'POST /v2.1/track')).toBe(true);
    expect(collector.envelopes.every((envelope) => envelope.iKey === INSTRUMENTATION_KEY)).toBe(true);
    const generate = collector.metrics('debug.report.generate_ms');
    expect(generate).toEqual([{ value: 200, count: 2, properties: { format: 'pdf' } }]);
    expect(collector.metrics('debug.report.failure_total')).toEqual([{ value: 1, count: 1, properties: { reason: 'blob_unavailable' } }]);
    expect(collector.metrics('debug.masking.violation_total')[0]?.properties).toEqual({ channel: 'report' });
    expect(collector.metrics('debug.ticket.autoclose_rate')[0]).toMatchObject({ value: 0.5, properties: { provider: 'jira' } });
    const ingest = collector.metrics('ingest.items_total');
    expect(ingest).toEqual(
      expect.arrayContaining([
        { value: 3, count: 1, properties: { kind: 'log', outcome: 'accepted' } },
        { value: 1, count: 1, properties: { kind: 'log', outcome: 'rate_limited' } },
      ]),
    );
    expect(collector.events('session.created')).toEqual([{ productId: 'demo', collectionLevel: 'full' }]);
  });

  it('refuses names and dimensions outside the catalog and values that are not short tokens, counting each refusal', async () => {
    const customerEmail = `alice.${randomUUID().slice(0, 6)}@example.com`;
    const customerSentence = `card number 4111 1111 1111 1111 for ${randomUUID()}`;
    telemetry.metric('debug.report.generate_ms', 10, { format: 'pdf', userEmail: customerEmail });
    telemetry.metric('debug.report.failure_total', 1, { reason: customerSentence });
    telemetry.metric('customer.secret_metric' as MetricName, 1);
    telemetry.event('session.created', { productId: customerEmail, collectionLevel: 'full' });
    telemetry.exception(new Error('sessions-create: TypeError', { cause: new Error(customerSentence) }), {
      function: 'sessions-create',
      body: customerSentence,
    });
    await telemetry.flush();

    const everything = collector.rawBodies.join('\n');
    expect(everything).not.toContain(customerEmail);
    expect(everything).not.toContain(customerSentence);
    expect(everything).not.toContain('customer.secret_metric');
    expect(everything).not.toContain('userEmail');
    const refusals = collector.metrics('telemetry.refused_total');
    const byReason = (reason: string) => refusals.filter((metric) => metric.properties.reason === reason).reduce((sum, metric) => sum + metric.value, 0);
    expect(byReason('unknown_dimension')).toBe(2);
    expect(byReason('invalid_value')).toBe(2);
    expect(byReason('unknown_name')).toBe(1);
  });

  it('sends an exception as its class and our own message only, never its cause', async () => {
    const customerText = `payload of user ${randomUUID()}`;
    telemetry.exception(new Error('reports-generate: RestError', { cause: new Error(customerText) }), { function: 'reports-generate', correlationId: 'c-123' });
    await telemetry.flush();
    const exceptions = collector.envelopes.filter((envelope) => envelope.data?.baseType === 'ExceptionData');
    const sent = exceptions.map((envelope) => JSON.stringify(envelope.data?.baseData));
    expect(sent.some((text) => text.includes('reports-generate: RestError'))).toBe(true);
    expect(collector.rawBodies.join('\n')).not.toContain(customerText);
    const last = exceptions.at(-1)?.data?.baseData as { properties?: Record<string, string> } | undefined;
    expect(last?.properties).toEqual({ function: 'reports-generate', correlationId: 'c-123' });
  });

  it("records the app's own calls: a device config poll reports its outcome, never the device id", async () => {
    const deviceId = `device-${randomUUID()}`;
    const admin = await signLocalToken(
      {
        issuer: host.deps.settings.AUTH_ISSUER,
        audience: host.deps.settings.AUTH_AUDIENCE,
        rolesClaim: host.deps.settings.AUTH_ROLES_CLAIM,
        productsClaim: host.deps.settings.AUTH_PRODUCTS_CLAIM,
        localSecret: host.deps.settings.AUTH_LOCAL_SECRET,
      },
      { subject: 'admin-telemetry', roles: ['admin'], products: [DEMO_PRODUCT_ID] },
    );
    const created = await fetch(`${host.url}/api/diagnostics/sessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ productId: DEMO_PRODUCT_ID, targetDeviceId: deviceId, maxDurationMinutes: 30 }),
    });
    expect(created.status).toBe(201);
    const poll = await fetch(`${host.url}/api/diagnostics/config?deviceId=${deviceId}`, {
      headers: { 'x-diagnostics-key': productIngestKey(LOCAL_DEV_SECRETS.INGEST_KEY_SECRET, DEMO_PRODUCT_ID) },
    });
    expect(poll.status).toBe(200);
    await telemetry.flush();

    const polls = collector.metrics('config.poll_total');
    expect(polls).toEqual(expect.arrayContaining([expect.objectContaining({ properties: { outcome: 'changed', session: 'targeted' } })]));
    const durations = collector.metrics('http.request.duration_ms').map((metric) => metric.properties);
    expect(durations).toEqual(
      expect.arrayContaining([
        { function: 'config-get', status: '200' },
        { function: 'sessions-create', status: '201' },
      ]),
    );
    expect(collector.events('session.created').length).toBeGreaterThanOrEqual(2);
    // Dependency tracking is on: a Blob call of the host is recorded. The SDK samples at most 5 traces a second
    // by default, so the burst of calls at host start may be sampled out, depending on timing; a health check
    // (one Blob and one Cosmos call) made after a pause is within that budget.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await fetch(`${host.url}/api/health`)).status).toBe(200);
    await vi.waitFor(
      async () => {
        await telemetry.flush();
        const dependencies = collector.envelopes.filter((envelope) => envelope.data?.baseType === 'RemoteDependencyData');
        expect(dependencies.some((envelope) => String(envelope.data?.baseData?.data ?? '').startsWith(inject('blobEndpoint')))).toBe(true);
      },
      { timeout: 15_000, interval: 250 },
    );
    expect(refusedConnections).toEqual([]);
    // Custom metrics and events carry no device or user identifiers.
    const custom = collector.envelopes.filter((envelope) => envelope.data?.baseType === 'MetricData' || envelope.data?.baseType === 'EventData');
    expect(JSON.stringify(custom)).not.toContain(deviceId);
    expect(JSON.stringify(custom)).not.toContain(LOCAL_DEV_SECRETS.INGEST_KEY_SECRET);
  });
});

describe('the Functions entry', () => {
  it('starts Application Insights before it loads any function, and is the only file the runtime loads', () => {
    const root = path.join(__dirname, '../..');
    const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { main: string };
    expect(manifest.main).toBe('dist/functions/index.js');
    const imports = readFileSync(path.join(root, 'functions/index.ts'), 'utf8').match(/^import .*$/gm) ?? [];
    expect(imports[0]).toBe("import '../shared/runtime/telemetry-first';");
    expect(imports.length).toBeGreaterThan(40);
  });
});
