// The shared wire contract of the device SDKs: JSON Schemas generated from the server's zod schemas plus named
// valid and invalid examples. `npm run fixtures:wire` writes them to sdk-contract/fixtures/; the Kotlin SDK's
// tests (and a Swift SDK's, later) read those files, and test/contract/wire-fixtures.test.ts keeps them honest.
// Besides the schemas: the error fingerprints the TypeScript SDK puts on its crash and error signals, so every
// SDK groups the same stack under the same fingerprint (a crash rule scoped to one matches them all), and the route
// templates it counts requests under, so the same call lands in the same series from every SDK.
import { z } from 'zod';
import { errorFingerprint, routeTemplate } from '../sdk/src/signals';
import { signalBatchSchema } from '../shared/domain/signals/intake';
import { consentBodySchema } from '../shared/http/ingest-routes';
import { deviceConfigSchema } from '../shared/domain/sessions/device-config';
import { ingestBatchSchema, MAX_BODY_CAPTURE_LENGTH, MAX_ITEMS_PER_BATCH } from '../shared/domain/telemetry/items';

export interface WireExample {
  name: string;
  body: unknown;
}

export interface InvalidWireExample extends WireExample {
  /** The path (dot-joined) of the first field the server's schema refuses. */
  path: string;
}

export interface WireContract {
  /** The zod schema the server parses with: the examples are checked against it. */
  schema: z.ZodType;
  /** Senders must not send what the server would silently strip, so every object in the JSON Schema is closed. */
  closeObjects: boolean;
  valid: WireExample[];
  invalid: InvalidWireExample[];
}

const SESSION_ID = 'ds_00000000-0000-4000-8000-000000000001';
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';
const PARENT_SPAN_ID = 'a3ce929d0e0e4736';
const AT = '2026-01-15T10:20:30.123Z';
const LATER = '2026-01-15T10:20:30.456Z';

const capture = { logs: true, traces: true, breadcrumbs: true, network: true, console: false, screenshots: false, screenshotOnError: true };

const logItem = {
  kind: 'log',
  id: '5d0e6a1f9c2b4e7d8a3f1b2c4d5e6f70',
  timestamp: AT,
  level: 'info',
  message: 'checkout started',
  module: 'checkout',
  traceId: TRACE_ID,
  spanId: SPAN_ID,
  context: { cartItems: 2, nested: { ok: true } },
};
const errorLog = {
  kind: 'log',
  id: 'err-1',
  timestamp: AT,
  level: 'fatal',
  message: 'boom',
  error: { type: 'java.lang.IllegalStateException', message: 'boom', stack: 'java.lang.IllegalStateException: boom\n\tat Checkout.place(Checkout.kt:42)' },
};
const spanItem = {
  kind: 'span',
  id: SPAN_ID,
  traceId: TRACE_ID,
  spanId: SPAN_ID,
  parentSpanId: PARENT_SPAN_ID,
  name: 'place order',
  spanKind: 'internal',
  startTime: AT,
  endTime: LATER,
  status: { code: 'error', message: 'order failed' },
  attributes: { 'order.id': 'ORD-1' },
  events: [{ name: 'exception', time: LATER, attributes: { 'exception.type': 'IOException', 'exception.message': 'reset' } }],
};
const breadcrumbItem = {
  kind: 'breadcrumb',
  id: 'crumb-1',
  timestamp: AT,
  category: 'navigation',
  message: 'opened checkout',
  level: 'info',
  data: { screen: 'cart' },
};
const networkItem = {
  kind: 'network',
  id: 'net-1',
  timestamp: AT,
  method: 'POST',
  url: 'https://api.example.com/orders?page=1',
  status: 502,
  durationMs: 123.5,
  requestSize: 17,
  responseSize: 34,
  requestHeaders: { 'content-type': 'application/json' },
  responseHeaders: { 'x-request-id': 'r-1' },
  requestBody: '{"card":"x"}',
  responseBody: '{"error":"gateway timeout"}',
  traceId: TRACE_ID,
  spanId: SPAN_ID,
};
const device = {
  deviceId: 'device-1',
  platform: 'android',
  osVersion: '14',
  appVersion: '2.7.0',
  sdkVersion: 'kotlin/0.1.0',
  locale: 'en-GB',
  memoryMb: 512,
  connectivity: 'wifi',
};

const MINUTE = '2026-01-15T10:20:00.000Z';
const crashCounter = { minute: MINUTE, series: 'crashes', count: 1, fingerprint: 'fp-1a2b3c4d' };

function batch(items: unknown[], extra: Record<string, unknown> = {}) {
  return { sessionId: SESSION_ID, device, optedOut: false, items, ...extra };
}

function replaceFirstItem(patch: Record<string, unknown>, base: Record<string, unknown> = logItem) {
  return batch([{ ...base, ...patch }]);
}

export const wireContracts: Record<string, WireContract> = {
  'ingest-batch': {
    schema: ingestBatchSchema,
    closeObjects: true,
    valid: [
      { name: 'one of each kind', body: batch([logItem, errorLog, spanItem, breadcrumbItem, networkItem]) },
      { name: 'span without optional fields', body: batch([{ kind: 'span', traceId: TRACE_ID, spanId: SPAN_ID, name: 'root', startTime: AT, endTime: AT }]) },
      { name: 'time with offset', body: replaceFirstItem({ timestamp: '2026-01-15T12:20:30+02:00' }) },
      { name: 'fifty items', body: batch(Array.from({ length: MAX_ITEMS_PER_BATCH }, (_, index) => ({ ...breadcrumbItem, id: `crumb-${index}` }))) },
      { name: 'body capture at its limit', body: replaceFirstItem({ responseBody: 'x'.repeat(MAX_BODY_CAPTURE_LENGTH) }, networkItem) },
      {
        name: 'the minute before a crash, first in its session',
        body: batch([
          { ...logItem, preSession: true },
          { ...breadcrumbItem, preSession: true },
          { ...networkItem, preSession: true },
          { ...errorLog, preSession: true },
        ]),
      },
    ],
    invalid: [
      { name: 'session id not ds_', body: batch([logItem], { sessionId: 'session-1' }), path: 'sessionId' },
      { name: 'no items', body: batch([]), path: 'items' },
      {
        name: 'fifty-one items',
        body: batch(Array.from({ length: MAX_ITEMS_PER_BATCH + 1 }, (_, index) => ({ ...breadcrumbItem, id: `crumb-${index}` }))),
        path: 'items',
      },
      { name: 'unknown kind', body: replaceFirstItem({ kind: 'metric' }), path: 'items.0.kind' },
      { name: 'item id with a space', body: replaceFirstItem({ id: 'not ok' }), path: 'items.0.id' },
      { name: 'timestamp without zone', body: replaceFirstItem({ timestamp: '2026-01-15T10:20:30' }), path: 'items.0.timestamp' },
      { name: 'upper-case trace id', body: replaceFirstItem({ traceId: TRACE_ID.toUpperCase() }), path: 'items.0.traceId' },
      { name: 'short span id', body: replaceFirstItem({ spanId: 'abc' }), path: 'items.0.spanId' },
      { name: 'unknown log level', body: replaceFirstItem({ level: 'verbose' }), path: 'items.0.level' },
      { name: 'message over 8 KiB', body: replaceFirstItem({ message: 'x'.repeat(8 * 1024 + 1) }), path: 'items.0.message' },
      {
        name: 'body capture over 16 KiB',
        body: replaceFirstItem({ requestBody: 'x'.repeat(MAX_BODY_CAPTURE_LENGTH + 1) }, networkItem),
        path: 'items.0.requestBody',
      },
      { name: 'negative duration', body: replaceFirstItem({ durationMs: -1 }, networkItem), path: 'items.0.durationMs' },
      { name: 'span kind unknown', body: replaceFirstItem({ spanKind: 'background' }, spanItem), path: 'items.0.spanKind' },
      { name: 'empty breadcrumb category', body: replaceFirstItem({ category: '' }, breadcrumbItem), path: 'items.0.category' },
    ],
  },
  'device-config': {
    schema: deviceConfigSchema,
    closeObjects: false,
    valid: [
      { name: 'inactive', body: { active: false, pollIntervalSeconds: 30 } },
      {
        name: 'active, no consent needed',
        body: {
          active: true,
          pollIntervalSeconds: 5,
          session: {
            id: SESSION_ID,
            status: 'active',
            collectionLevel: 'debug',
            capture,
            expiresAt: '2030-01-01T00:00:00.000Z',
            consentRequired: false,
            consentStatus: 'not_required',
            ingestToken: 'it1.payload.signature',
          },
        },
      },
      {
        name: 'active, consent pending',
        body: {
          active: true,
          pollIntervalSeconds: 5,
          session: {
            id: SESSION_ID,
            status: 'active',
            collectionLevel: 'trace',
            capture,
            expiresAt: '2030-01-01T00:00:00.000Z',
            consentRequired: true,
            consentStatus: 'pending',
            ingestToken: 'it1.payload.signature',
          },
        },
      },
      {
        name: 'active, opened by a crash rule',
        body: {
          active: true,
          pollIntervalSeconds: 5,
          session: {
            id: SESSION_ID,
            status: 'active',
            collectionLevel: 'debug',
            capture,
            expiresAt: '2030-01-01T00:00:00.000Z',
            consentRequired: true,
            consentStatus: 'pending',
            ingestToken: 'it1.payload.signature',
            uploadPreSessionBuffer: true,
          },
        },
      },
      {
        name: 'paused',
        body: {
          active: true,
          pollIntervalSeconds: 60,
          session: {
            id: SESSION_ID,
            status: 'paused',
            collectionLevel: 'standard',
            capture,
            expiresAt: '2030-01-01T00:00:00.000Z',
            consentRequired: false,
            consentStatus: 'granted',
            ingestToken: 'it1.payload.signature',
          },
        },
      },
    ],
    invalid: [
      { name: 'no poll interval', body: { active: false }, path: 'pollIntervalSeconds' },
      { name: 'zero poll interval', body: { active: false, pollIntervalSeconds: 0 }, path: 'pollIntervalSeconds' },
      { name: 'active is a string', body: { active: 'yes', pollIntervalSeconds: 5 }, path: 'active' },
      {
        name: 'session without ingest token',
        body: {
          active: true,
          pollIntervalSeconds: 5,
          session: {
            id: SESSION_ID,
            status: 'active',
            collectionLevel: 'debug',
            capture,
            expiresAt: '2030-01-01T00:00:00.000Z',
            consentRequired: false,
            consentStatus: 'not_required',
          },
        },
        path: 'session.ingestToken',
      },
      { name: 'a proxy error page', body: '<html>502 Bad Gateway</html>', path: '' },
    ],
  },
  'signal-batch': {
    schema: signalBatchSchema,
    closeObjects: true,
    valid: [
      { name: 'a crash', body: { deviceId: 'device-1', appVersion: '2.7.0', counters: [crashCounter], latency: [] } },
      {
        name: 'counters and latency',
        body: {
          deviceId: 'device-1',
          platform: 'android',
          counters: [crashCounter, { minute: MINUTE, series: 'requests', count: 12, route: '/api/orders/{id}', appVersion: '2.7.1' }],
          latency: [{ minute: MINUTE, route: '/api/orders/{id}', count: 12, p50: 80, p95: 210, p99: 400, sumMs: 1300 }],
        },
      },
    ],
    invalid: [
      { name: 'no device id', body: { counters: [crashCounter] }, path: 'deviceId' },
      { name: 'unknown series', body: { deviceId: 'device-1', counters: [{ ...crashCounter, series: 'anrs' }] }, path: 'counters.0.series' },
      {
        name: 'fingerprint with a space',
        body: { deviceId: 'device-1', counters: [{ ...crashCounter, fingerprint: 'fp 1' }] },
        path: 'counters.0.fingerprint',
      },
      { name: 'a message riding along', body: { deviceId: 'device-1', counters: [{ ...crashCounter, message: 'boom' }] }, path: 'counters.0' },
    ],
  },
  'consent-body': {
    schema: consentBodySchema,
    closeObjects: true,
    valid: [
      { name: 'granted with device', body: { granted: true, device } },
      { name: 'denied without device', body: { granted: false } },
    ],
    invalid: [
      { name: 'granted missing', body: { device }, path: 'granted' },
      { name: 'granted as text', body: { granted: 'true' }, path: 'granted' },
      { name: 'unknown field', body: { granted: true, user: 'jane' }, path: '' },
    ],
  },
};

/** Stacks as the SDKs send them (JVM, V8, Firefox/Safari), each with the fingerprint the TypeScript SDK gives it. */
const fingerprintCases: Array<{ name: string; type: string; stack: string }> = [
  {
    name: 'JVM worker thread',
    type: 'java.lang.IllegalStateException',
    stack: 'java.lang.IllegalStateException: order failed (502)\n\tat com.example.Checkout.place(Checkout.kt:42)\n\tat com.example.Main.run(Main.kt:7)',
  },
  {
    name: 'JVM, same frame on another line and message',
    type: 'java.lang.IllegalStateException',
    stack: 'java.lang.IllegalStateException: order failed (503)\n\tat com.example.Checkout.place(Checkout.kt:97)\n\tat com.example.Main.run(Main.kt:8)',
  },
  {
    name: 'JVM, another type at the same frame',
    type: 'java.lang.IllegalArgumentException',
    stack: 'java.lang.IllegalArgumentException: order failed (502)\n\tat com.example.Checkout.place(Checkout.kt:42)',
  },
  {
    name: 'JVM with a cause, in a coroutine',
    type: 'java.io.IOException',
    stack:
      'java.io.IOException: reset\n\tat okhttp3.internal.http.RetryAndFollowUpInterceptor.intercept(RetryAndFollowUpInterceptor.kt:121)\n\tat kotlinx.coroutines.DispatchedTask.run(DispatchedTask.kt:108)\nCaused by: java.net.SocketException: Connection reset\n\tat java.base/sun.nio.ch.NioSocketImpl.implRead(NioSocketImpl.java:318)',
  },
  {
    name: 'JVM native frame',
    type: 'java.lang.reflect.InvocationTargetException',
    stack: 'java.lang.reflect.InvocationTargetException\n\tat java.base/jdk.internal.reflect.NativeMethodAccessorImpl.invoke0(Native Method)',
  },
  { name: 'JVM non-ASCII names', type: 'app.GrößenFehler', stack: 'app.GrößenFehler: zu groß\n\tat app.Über.größe(Über.kt:3)' },
  {
    name: 'JVM message with an @ (the header line counts as a frame)',
    type: 'java.lang.IllegalArgumentException',
    stack: 'java.lang.IllegalArgumentException: no user jane@example.com\n\tat com.example.Users.find(Users.kt:12)',
  },
  { name: 'no stack', type: 'java.lang.OutOfMemoryError', stack: '' },
  {
    name: 'V8 with a query in the URL',
    type: 'TypeError',
    stack:
      "TypeError: Cannot read properties of null (reading 'total')\n    at render (https://app.example.com/main.js?v=3:10:5)\n    at https://app.example.com/main.js?v=3:2:1",
  },
  { name: 'Firefox and Safari', type: 'TypeError', stack: 'render@https://app.example.com/main.js:10:5\n@https://app.example.com/main.js:2:1' },
  { name: 'V8, a name outside the BMP', type: 'Error', stack: 'Error: no pizza\n    at 🍕order (file:///srv/app/pizza.js:1:9)' },
];

/** URLs as an app calls them, each with the route template the TypeScript SDK counts it under. */
const routeTemplateCases: Array<{ name: string; url: string }> = [
  { name: 'numeric id, host, query and fragment dropped', url: 'https://api.example.com/users/12345/orders?page=2#top' },
  { name: 'a single digit is no id', url: '/users/7/profile' },
  { name: 'relative path', url: 'orders/42' },
  { name: 'no path', url: 'https://api.example.com' },
  { name: 'trailing slash kept', url: 'https://api.example.com/users/' },
  { name: 'UUID', url: '/orders/3f2504e0-4f89-11d3-9a0c-0305e82c3301/items' },
  { name: 'long hex, upper case', url: '/blobs/0123456789ABCDEF0123' },
  { name: 'short hex is no id', url: '/blobs/deadbeef' },
  { name: 'email', url: '/users/jane@example.com/settings' },
  { name: 'percent-encoded email', url: '/users/jane%40example.com/settings' },
  { name: 'percent-encoded non-ASCII, escapes stripped', url: '/search/caf%C3%A9/x' },
  { name: 'raw non-ASCII, encoded then stripped', url: '/search/café' },
  { name: 'colon kept', url: '/v1/items:batchGet' },
  { name: 'dot segments resolved', url: '/a/../b/./c/99' },
  { name: 'space and parentheses stripped', url: '/files/my file (1).txt' },
  { name: 'cut at 128 characters', url: `/v2/${'segment/'.repeat(30)}` },
  { name: 'user info, port, leading zeros', url: 'https://user:pw@api.example.com:8443/v1/accounts/00042/transfer?token=abc' },
  { name: 'a broken escape is templated as it came', url: '/tag/%ZZ/items' },
];

type JsonSchema = { [key: string]: unknown };

/** Closes every object schema (additionalProperties false) unless it already says what extra keys may hold. */
function closeObjects(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closeObjects);
  if (schema === null || typeof schema !== 'object') return schema;
  const copy: JsonSchema = {};
  for (const [key, value] of Object.entries(schema as JsonSchema))
    copy[key] = key === 'default' || key === 'const' || key === 'enum' ? value : closeObjects(value);
  if (copy.type === 'object' && copy.properties !== undefined && copy.additionalProperties === undefined) copy.additionalProperties = false;
  return copy;
}

/** The files `npm run fixtures:wire` writes, by name, as text (stable: the same schemas give the same bytes). */
export function wireFixtureFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const [name, contract] of Object.entries(wireContracts)) {
    const generated = z.toJSONSchema(contract.schema, { io: 'input', unrepresentable: 'any' });
    const schema = contract.closeObjects ? closeObjects(generated) : generated;
    files[`${name}.schema.json`] = `${JSON.stringify(schema, null, 2)}\n`;
    files[`${name}.examples.json`] = `${JSON.stringify({ valid: contract.valid, invalid: contract.invalid }, null, 2)}\n`;
  }
  const fingerprints = fingerprintCases.map((entry) => ({ ...entry, fingerprint: errorFingerprint(entry.type, entry.stack) }));
  files['error-fingerprints.json'] = `${JSON.stringify({ cases: fingerprints }, null, 2)}\n`;
  const routes = routeTemplateCases.map((entry) => ({ ...entry, route: routeTemplate(entry.url) }));
  files['route-templates.json'] = `${JSON.stringify({ cases: routes }, null, 2)}\n`;
  return files;
}
