// Stored documents for a fixed batch, byte for byte: key order, kept and dropped fields, canonical UTC times,
// defaults, and each item's remarks merged with the device's. The expected JSON (test/fixtures/ingest-documents.json)
// was written by the ingest code before its CPU work; any difference here is a change in what Cosmos stores.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MaskingEngine, Redaction } from '../../shared/domain/masking';
import { enrichDevice } from '../../shared/domain/telemetry/enrichment';
import { maskDevice, parseItems, toDocument } from '../../shared/domain/telemetry/ingest';

/**
 * Stands in for the real engine, whose rules are tested on their own: it replaces strings holding an `@`
 * and names the path, so the documents depend only on how ingest builds them.
 */
function recordingEngine(): MaskingEngine {
  const maskValue = <T>(value: T, path = ''): { value: T; redaction: Redaction } => {
    const redaction: Redaction = { fieldsRedacted: [], patternsMatched: [], count: 0 };
    const walk = (node: unknown, at: string): unknown => {
      if (typeof node === 'string') {
        if (!node.includes('@')) return node;
        redaction.count++;
        if (!redaction.fieldsRedacted.includes(at)) redaction.fieldsRedacted.push(at);
        if (!redaction.patternsMatched.includes('email')) redaction.patternsMatched.push('email');
        return '[email]';
      }
      if (Array.isArray(node)) return node.map((child, index) => walk(child, `${at}[${index}]`));
      if (node === null || typeof node !== 'object') return node;
      const copy: Record<string, unknown> = {};
      for (const key of Object.keys(node)) copy[key] = walk((node as Record<string, unknown>)[key], at ? `${at}.${key}` : key);
      return copy;
    };
    return { value: walk(value, path) as T, redaction };
  };
  return { maskValue, maskText: (text) => ({ text: text.includes('@') ? '[email]' : text, rules: text.includes('@') ? ['email'] : [] }) };
}

const batch: unknown[] = [
  {
    kind: 'log',
    id: 'log-full',
    timestamp: '2026-03-01T11:59:58.123Z',
    level: 'error',
    message: 'checkout failed for ana@example.com',
    module: 'checkout',
    correlationId: 'corr-1',
    traceId: 'a'.repeat(32),
    spanId: 'b'.repeat(16),
    context: { user: { email: 'ana@example.com', plan: 'pro' }, tags: ['x', 'y@z'], depth: { a: { b: 1 } } },
    error: { type: 'TypeError', message: 'x is undefined', stack: 'TypeError: x is undefined\n    at f (a.js:1:1)' },
  },
  { kind: 'log', id: 'log-bare', timestamp: '2026-03-01T11:59:58Z', level: 'info', message: 'plain' },
  { message: 'fields in another order', level: 'warn', timestamp: '2026-03-01T13:59:57.5+02:00', id: 'log-offset', kind: 'log', module: 'm' },
  { kind: 'log', id: 'log-micros', timestamp: '2026-03-01T11:59:57.123456Z', level: 'debug', message: 'micro seconds', extra: 'stripped' },
  {
    kind: 'breadcrumb',
    id: 'crumb-full',
    timestamp: '2026-03-01T11:59:56.000Z',
    category: 'ui.tap',
    message: 'tapped Pay',
    level: 'info',
    data: { screen: 'Cart', by: 'bo@example.com' },
  },
  { kind: 'breadcrumb', id: 'crumb-bare', timestamp: '2026-03-01T06:59:56.000-05:00', category: 'nav', message: '' },
  {
    kind: 'network',
    id: 'net-full',
    timestamp: '2026-03-01T11:59:55.250Z',
    method: 'POST',
    url: 'https://api.example.com/v1/orders?email=cy@example.com',
    status: 201,
    durationMs: 12.5,
    requestSize: 412,
    responseSize: 0,
    requestHeaders: { 'content-type': 'application/json', from: 'cy@example.com' },
    responseHeaders: { 'cache-control': 'no-store' },
    requestBody: '{"email":"cy@example.com"}',
    responseBody: '{"ok":true}',
    error: 'none',
    traceId: 'c'.repeat(32),
    spanId: 'd'.repeat(16),
  },
  { kind: 'network', id: 'net-bare', timestamp: '2026-03-01T11:59:55.250Z', method: 'GET', url: 'https://api.example.com/', durationMs: 0 },
  {
    kind: 'span',
    id: 'span-full',
    traceId: 'e'.repeat(32),
    spanId: 'f'.repeat(16),
    parentSpanId: '0'.repeat(16),
    name: 'GET /orders for dee@example.com',
    spanKind: 'server',
    startTime: '2026-03-01T11:59:54.100Z',
    endTime: '2026-03-01T11:59:54.350Z',
    status: { code: 'error', message: 'boom' },
    attributes: { 'http.status_code': 500, 'enduser.id': 'dee@example.com' },
    events: [{ name: 'exception', time: '2026-03-01T11:59:54.300Z', attributes: { 'exception.message': 'for dee@example.com' } }],
  },
  {
    kind: 'span',
    traceId: '1'.repeat(32),
    spanId: '2'.repeat(16),
    name: 'defaults',
    startTime: '2026-03-01T12:59:54+01:00',
    endTime: '2026-03-01T11:59:54.5Z',
  },
  {
    kind: 'span',
    traceId: '3'.repeat(32),
    spanId: '4'.repeat(16),
    name: 'zero length',
    startTime: '2026-03-01T11:59:53.000Z',
    endTime: '2026-03-01T11:59:53.000Z',
    status: { code: 'ok' },
  },
];

/** A device whose id masking replaces, so every document's remarks merge with the device's. */
const device = { deviceId: 'phone of eve@example.com', platform: 'ios', osVersion: '18.1', appVersion: '5.12.0', memoryMb: 3072 };
/** A device with nothing to mask: the documents' remarks are their own. */
const cleanDevice = { deviceId: 'phone-42', platform: 'android', locale: 'de-DE' };
const userAgent = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1';

/** JSON as Cosmos stores it, but keys holding undefined kept as a marker: the objects' own keys must match too. */
function serialized(docs: unknown[]): string {
  return `${JSON.stringify(docs, (_key, value: unknown) => (value === undefined ? '(undefined)' : value), 2)}\n`;
}

function documentsOf(items: unknown[], sender: Record<string, unknown> = device): unknown[] {
  const engine = recordingEngine();
  const parsed = parseItems(items);
  expect(parsed.issues).toEqual([]);
  const masked = maskDevice(enrichDevice(sender, userAgent, 'de'), engine);
  const context = {
    productId: 'demo',
    sessionId: 'ds_00000000-0000-4000-8000-000000000001',
    receivedAt: '2026-03-01T12:00:00.000Z',
    device: masked.device,
    deviceRedaction: masked.redaction,
  };
  return parsed.entries.map(({ item }) => toDocument(item, context, engine));
}

describe('stored documents', () => {
  it('are byte for byte those of the fixed batch', () => {
    const expected = readFileSync(path.join(__dirname, '../fixtures/ingest-documents.json'), 'utf8');
    expect(serialized(documentsOf(batch))).toBe(expected);
  });

  it('are byte for byte those of the fixed batch from a device with nothing masked', () => {
    const expected = readFileSync(path.join(__dirname, '../fixtures/ingest-documents-clean-device.json'), 'utf8');
    expect(serialized(documentsOf(batch, cleanDevice))).toBe(expected);
  });

  it('do not depend on earlier batches (no state carried between calls)', () => {
    const first = serialized(documentsOf(batch));
    documentsOf([...batch].reverse());
    expect(serialized(documentsOf(batch))).toBe(first);
  });
});
