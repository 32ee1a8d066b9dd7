// Generates a realistic session's items (logs, breadcrumbs, network captures, spans) as wire items, and turns
// them into stored documents without masking, to plant content that slipped past ingest masking.
import { toDocument } from '../../shared/domain/telemetry/ingest';
import type { IngestItem, LogDoc, SpanDoc } from '../../shared/domain/telemetry/items';
import type { MaskingEngine } from '../../shared/domain/masking';

/** Secrets planted in items; none may appear in a report or export. */
export const PLANTED = {
  email: 'jane.doe@example.com',
  jwt: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c',
  card: '4111 1111 1111 1111',
  cardCompact: '4111111111111111',
} as const;

export interface GeneratedItems {
  items: IngestItem[];
  start: Date;
}

function hex(value: number, length: number): string {
  return value.toString(16).padStart(length, '0').slice(-length);
}

const levels = ['debug', 'info', 'info', 'info', 'debug', 'info', 'warn', 'trace', 'info', 'debug'] as const;

/**
 * `logs` log lines (about 2% errors and 0.2% fatal, in a handful of recurring problems), plus 15% as many
 * breadcrumbs and 5% network captures (a third of them failing), and `spans` spans in traces of 10.
 */
export function generateSessionItems(options: { logs: number; spans: number; start?: Date; plantSecrets?: boolean }): GeneratedItems {
  const start = options.start ?? new Date(Date.now() - 30 * 60_000);
  const at = (offsetInMs: number) => new Date(start.getTime() + offsetInMs).toISOString();
  const step = Math.max(1, Math.floor((20 * 60_000) / Math.max(1, options.logs)));
  const items: IngestItem[] = [];
  const secret = (index: number) => (options.plantSecrets ? [` user ${PLANTED.email}`, ` token ${PLANTED.jwt}`, ` card ${PLANTED.card}`][index % 3]! : '');
  const traceCount = Math.max(1, Math.ceil(options.spans / 10));
  for (let index = 0; index < options.logs; index++) {
    const time = index * step;
    if (index % 50 === 7) {
      const fatal = index % 500 === 7;
      const problem = index % 3;
      items.push({
        kind: 'log',
        id: `log-${index}`,
        timestamp: at(time),
        level: fatal ? 'fatal' : 'error',
        message: [
          `Checkout failed for order ${1000 + index}${secret(index)}`,
          `Timeout after ${index % 90} ms calling payments`,
          `Cannot read properties of undefined (reading 'total')`,
        ][problem]!,
        module: ['checkout', 'payments', 'cart'][problem],
        traceId: hex(index % traceCount, 32),
        error: {
          type: ['CheckoutError', 'TimeoutError', 'TypeError'][problem],
          message: [
            `Checkout failed for order ${1000 + index}${secret(index + 1)}`,
            `Timeout after ${index % 90} ms`,
            `Cannot read properties of undefined (reading 'total')`,
          ][problem],
          stack: [
            `${['CheckoutError', 'TimeoutError', 'TypeError'][problem]}: failed`,
            `    at submitOrder (app/checkout.js:${40 + (index % 7)}:13)`,
            `    at handleClick (app/ui/button.js:12:5)`,
            `    at dispatch (vendor/react-dom.js:4012:${index % 30})`,
          ].join('\n'),
        },
        context: options.plantSecrets ? { customerEmail: PLANTED.email, note: `paid with ${PLANTED.card}` } : { cart: { items: index % 5 } },
      });
    } else {
      items.push({
        kind: 'log',
        id: `log-${index}`,
        timestamp: at(time),
        level: levels[index % levels.length]!,
        message: `step ${index} of the flow${index % 97 === 0 ? secret(index) : ''}`,
        module: ['ui', 'net', 'store'][index % 3],
      });
    }
    if (index % 7 === 0) {
      items.push({
        kind: 'breadcrumb',
        id: `crumb-${index}`,
        timestamp: at(time - 1),
        category: ['navigation', 'ui.click', 'http'][index % 3]!,
        message: `crumb ${index}${index % 49 === 0 ? secret(index) : ''}`,
        data: options.plantSecrets && index % 49 === 0 ? { email: PLANTED.email } : { screen: `screen-${index % 4}` },
      });
    }
    if (index % 20 === 3) {
      const failing = index % 60 === 3;
      items.push({
        kind: 'network',
        id: `net-${index}`,
        timestamp: at(time),
        method: failing ? 'POST' : 'GET',
        url: `https://api.example.com/v1/orders/${index}`,
        status: failing ? 500 : 200,
        durationMs: 40 + (index % 400),
        requestHeaders: { 'content-type': 'application/json', ...(options.plantSecrets ? { authorization: `Bearer ${PLANTED.jwt}` } : {}) },
        requestBody: JSON.stringify(options.plantSecrets ? { email: PLANTED.email, card: PLANTED.card } : { quantity: index % 3 }),
        responseBody: failing ? '{"error":"internal"}' : '{"ok":true}',
        traceId: hex(index % traceCount, 32),
      });
    }
  }
  for (let trace = 0; trace < traceCount; trace++) {
    const traceStart = trace * Math.max(1, Math.floor((20 * 60_000) / traceCount));
    for (let position = 0; position < 10 && trace * 10 + position < options.spans; position++) {
      const failing = trace % 5 === 0 && position === 9;
      items.push({
        kind: 'span',
        traceId: hex(trace, 32),
        spanId: hex(trace * 16 + position + 1, 16),
        parentSpanId: position === 0 ? undefined : hex(trace * 16 + Math.floor((position - 1) / 3) + 1, 16),
        name: position === 0 ? `POST /checkout #${trace}` : `step-${position}`,
        spanKind: position === 0 ? 'server' : 'internal',
        startTime: at(traceStart + position * 5),
        endTime: at(traceStart + position * 5 + 20 + position),
        status: failing ? { code: 'error', message: `payment declined${secret(trace)}` } : { code: 'ok' },
        attributes: options.plantSecrets && position === 0 ? { 'enduser.email': PLANTED.email } : { position },
      });
    }
  }
  return { items, start };
}

const unmasked: MaskingEngine = {
  maskText: (text) => ({ text, rules: [] }),
  maskValue: (value) => ({ value, redaction: { fieldsRedacted: [], patternsMatched: [], count: 0 } }),
};

/** Stored documents exactly as given: what the store would hold had ingest masking missed everything. */
export function storedWithoutMasking(items: IngestItem[], session: { productId: string; sessionId: string }): { logs: LogDoc[]; spans: SpanDoc[] } {
  return storedDocs(items, session, unmasked);
}

/** Stored documents as ingest would write them with the given engine. */
export function storedDocs(
  items: IngestItem[],
  session: { productId: string; sessionId: string },
  engine: MaskingEngine,
): { logs: LogDoc[]; spans: SpanDoc[] } {
  const context = {
    productId: session.productId,
    sessionId: session.sessionId,
    receivedAt: new Date().toISOString(),
    device: { platform: 'web', appVersion: '4.2.0', osVersion: '14' },
    deviceRedaction: { fieldsRedacted: [], patternsMatched: [], count: 0 },
  };
  const logs: LogDoc[] = [];
  const spans: SpanDoc[] = [];
  for (const item of items) {
    const doc = toDocument(item, context, engine);
    if (doc.docType === 'span') spans.push(doc);
    else logs.push(doc);
  }
  return { logs, spans };
}
