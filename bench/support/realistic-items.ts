// Realistic ingest batches: 50 mixed items as an app SDK sends them (logs from the realistic log corpus,
// spans, breadcrumbs, network captures with headers and bodies), with fresh ids and timestamps per batch.
import { realisticLogLines, seededRandom, type LogLine } from './realistic-logs';

export const ITEMS_PER_BATCH = 50;

/** What a realistic device sends about itself with every batch (its id aside), and its user agent. */
export const REALISTIC_DEVICE = {
  platform: 'ios',
  osVersion: '18.1',
  appVersion: '5.12.0',
  sdkVersion: '1.4.0',
  locale: 'en-GB',
  connectivity: 'wifi',
} as const;
export const REALISTIC_USER_AGENT = 'ShopApp/5.12.0 (iPhone; iOS 18.1; Scale/3.00)';

type Item = Record<string, unknown>;

const hex = (random: () => number, length: number) => Array.from({ length }, () => '0123456789abcdef'[Math.floor(random() * 16)]).join('');

/** Item templates without id or time; a batch stamps both, so every batch stores new documents. */
export class BatchFactory {
  private readonly templates: Array<(id: string, time: string, random: () => number) => Item>;
  private cursor = 0;
  private batches = 0;
  private readonly random: () => number;

  constructor(
    private readonly prefix: string,
    seed = 7,
  ) {
    this.random = seededRandom(seed);
    const lines = realisticLogLines(2000, seed);
    this.templates = Array.from({ length: 2000 }, (_, index) => this.template(lines[index]!, index));
  }

  private template(line: LogLine, index: number): (id: string, time: string, random: () => number) => Item {
    switch (index % 10) {
      case 0:
      case 1: {
        const name = ['GET /api/v2/orders', 'db.query orders', 'render Checkout', 'POST /api/v1/charges'][index % 4]!;
        return (id, time, random) => {
          const end = new Date(time);
          const start = new Date(end.getTime() - Math.floor(random() * 900));
          return {
            kind: 'span',
            id,
            traceId: hex(random, 32),
            spanId: hex(random, 16),
            parentSpanId: hex(random, 16),
            name,
            spanKind: 'client',
            startTime: start.toISOString(),
            endTime: end.toISOString(),
            status: { code: line.level === 'error' ? 'error' : 'ok' },
            attributes: {
              'http.method': 'GET',
              'http.status_code': line.level === 'error' ? 500 : 200,
              'net.peer.name': 'api.example.com',
              'app.screen': 'Checkout',
            },
          };
        };
      }
      case 2:
        return (id, time) => ({
          kind: 'breadcrumb',
          id,
          timestamp: time,
          category: 'ui.tap',
          message: line.text.slice(0, 120),
          level: 'info',
          data: { screen: 'Cart' },
        });
      case 3:
        return (id, time, random) => ({
          kind: 'network',
          id,
          timestamp: time,
          method: 'POST',
          url: `https://api.example.com/v1/orders?page=${index % 7}&locale=en-GB`,
          status: line.level === 'error' ? 500 : 201,
          durationMs: Math.floor(random() * 800),
          requestSize: 412,
          responseSize: 1893,
          requestHeaders: {
            'content-type': 'application/json',
            authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJl',
            'x-request-id': hex(random, 24),
          },
          responseHeaders: { 'content-type': 'application/json', 'cache-control': 'no-store' },
          requestBody: JSON.stringify({ items: [{ sku: `sku-${index}`, quantity: 2 }], note: line.text.slice(0, 200) }),
          responseBody: JSON.stringify({ orderId: `ORD-2026-${String(index).padStart(6, '0')}`, status: 'created' }),
        });
      default:
        return (id, time, random) => ({
          kind: 'log',
          id,
          timestamp: time,
          level: line.level,
          message: line.text,
          module: line.module,
          correlationId: hex(random, 16),
          ...(index % 5 === 0 ? { context: { user: { id: `u_${index}`, plan: 'pro' }, screen: 'Checkout', build: '5.12.0' } } : {}),
          ...(line.level === 'error' ? { error: { type: 'TypeError', message: line.text.split('\n')[0], stack: line.text } } : {}),
        });
    }
  }

  /** The next batch's items: ids unique across the whole run, times now. */
  nextItems(now = new Date()): Item[] {
    const batch = this.batches++;
    const time = now.toISOString();
    return Array.from({ length: ITEMS_PER_BATCH }, (_, index) => {
      const template = this.templates[this.cursor]!;
      this.cursor = (this.cursor + 1) % this.templates.length;
      return template(`${this.prefix}-${batch}-${index}`, time, this.random);
    });
  }
}
