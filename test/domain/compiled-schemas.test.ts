// The compiled schemas ingest parses with (zod's ahead-of-time fast path) against the schemas they are compiled
// from: the same answer, output (keys, their order, defaults, dropped unknown keys) and issues, on fixed items at
// every limit and on many seeded mutations of realistic items and envelopes.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BatchFactory, REALISTIC_DEVICE } from '../../bench/support/realistic-items';
import { seededRandom } from '../../bench/support/realistic-logs';
import { compiledIngestItemSchema, ingestItemSchema } from '../../shared/domain/telemetry/items';
import { ingestEnvelopeSchema, singleKindEnvelopeSchema } from '../../shared/http/ingest-routes';
import { itemBoundaryValues, itemKnownKeys } from '../support/item-boundary-values';
import { mutateJson, type Json } from '../support/json-mutations';

/** Everything safeParse answers, as text: keys holding undefined kept as a marker, key order significant. */
function answer(schema: z.ZodType, input: unknown): string {
  const result = schema.safeParse(input);
  const shown = result.success ? { success: true, data: result.data } : { success: false, issues: result.error.issues };
  return JSON.stringify(shown, (_key, value: unknown) =>
    value === undefined ? '(undefined)' : typeof value === 'number' && !Number.isFinite(value) ? String(value) : value,
  );
}

/** The same object schema without the compiled fast path: its answers are the reference. */
function runtimeOf(compiled: z.ZodObject): z.ZodObject {
  return z.object(compiled.shape);
}

const interesting = itemBoundaryValues;

const KNOWN_KEYS = itemKnownKeys;

function mutate(original: unknown, random: () => number): unknown {
  return mutateJson(original, random, { interesting, knownKeys: KNOWN_KEYS });
}

function realisticItems(count: number): Json[] {
  const factory = new BatchFactory('compiled', 11);
  const items: Json[] = [];
  while (items.length < count) items.push(...(factory.nextItems(new Date('2026-03-01T12:00:00.000Z')) as Json[]));
  return items.slice(0, count);
}

/** Items with every optional field, and with none, of each kind. */
const fixedItems: unknown[] = [
  {
    kind: 'log',
    id: 'l1',
    timestamp: '2026-03-01T11:59:58.123Z',
    level: 'error',
    message: 'm',
    module: 'x',
    correlationId: 'c',
    traceId: 'a'.repeat(32),
    spanId: 'b'.repeat(16),
    context: { user: { plan: 'pro' } },
    error: { type: 'T', message: 'm', stack: 's' },
    preSession: true,
  },
  { kind: 'log', id: 'l2', timestamp: '2026-03-01T11:59:58Z', level: 'info', message: '' },
  { message: 'fields in another order', level: 'warn', timestamp: '2026-03-01T13:59:57.5+02:00', id: 'l3', kind: 'log', extra: 'dropped' },
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
    id: 's1',
    traceId: 'e'.repeat(32),
    spanId: 'f'.repeat(16),
    parentSpanId: '0'.repeat(16),
    name: 'n',
    spanKind: 'server',
    startTime: '2026-03-01T11:59:54.100Z',
    endTime: '2026-03-01T11:59:54.350Z',
    status: { code: 'error', message: 'boom' },
    attributes: { a: 1 },
    events: [{ name: 'e', time: '2026-03-01T11:59:54.300Z', attributes: { b: 'c' } }],
  },
  {
    kind: 'breadcrumb',
    id: 'b1',
    timestamp: '2026-03-01T11:59:56.000Z',
    category: 'ui.tap',
    message: 'tapped',
    level: 'info',
    data: { screen: 'Cart' },
    preSession: false,
  },
  { kind: 'breadcrumb', id: 'b2', timestamp: '2026-03-01T06:59:56.000-05:00', category: 'nav', message: '' },
  {
    kind: 'network',
    id: 'n1',
    timestamp: '2026-03-01T11:59:55.250Z',
    method: 'POST',
    url: 'https://a/',
    status: 201,
    durationMs: 12.5,
    requestSize: 1,
    responseSize: 0,
    requestHeaders: { a: 'b' },
    responseHeaders: {},
    requestBody: '{}',
    responseBody: '',
    error: 'e',
    traceId: 'c'.repeat(32),
    spanId: 'd'.repeat(16),
  },
  { kind: 'network', id: 'n2', timestamp: '2026-03-01T11:59:55.250Z', method: 'GET', url: 'https://a/', durationMs: 0 },
  { kind: 'other', id: 'x' },
  { id: 'no kind' },
  null,
  'a string',
  [],
];

describe('compiled schemas answer as the schemas they are compiled from', () => {
  it('have a compiled fast path: zod compiles each of them without refusing a feature', () => {
    // z.compile hands back a schema it cannot compile unchanged, which would make the comparisons below vacuous.
    for (const schema of [ingestItemSchema, runtimeOf(ingestEnvelopeSchema), runtimeOf(singleKindEnvelopeSchema)]) {
      expect(() => z.compile(schema, { strict: true })).not.toThrow();
    }
    expect(compiledIngestItemSchema).not.toBe(ingestItemSchema);
  });

  it('on items of every kind with all and none of their optional fields, and on non-items', () => {
    for (const item of fixedItems) expect(answer(compiledIngestItemSchema, item), JSON.stringify(item)).toBe(answer(ingestItemSchema, item));
  });

  it('on every interesting value in every field of every kind', () => {
    let compared = 0;
    for (const item of fixedItems.slice(0, 9) as Json[]) {
      for (const key of [...Object.keys(item), 'unknown']) {
        for (const value of interesting) {
          const input = { ...item, [key]: value };
          expect(answer(compiledIngestItemSchema, input), `${String(item.id)}.${key} = ${JSON.stringify(value)?.slice(0, 80)}`).toBe(
            answer(ingestItemSchema, input),
          );
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(6_000);
  });

  it('on realistic items and seeded mutations of them', () => {
    const random = seededRandom(23);
    let valid = 0;
    let invalid = 0;
    for (const item of realisticItems(2_000)) {
      expect(answer(compiledIngestItemSchema, item)).toBe(answer(ingestItemSchema, item));
      for (let round = 0; round < 10; round++) {
        const input = mutate(item, random);
        const expected = answer(ingestItemSchema, input);
        expect(answer(compiledIngestItemSchema, input), JSON.stringify(input).slice(0, 300)).toBe(expected);
        if (expected.startsWith('{"success":true')) valid++;
        else invalid++;
      }
    }
    // The mutations land on both sides of the schema, not only on one.
    expect(valid).toBeGreaterThan(2_000);
    expect(invalid).toBeGreaterThan(2_000);
  });

  it('on envelopes, realistic and mutated', () => {
    const random = seededRandom(29);
    const items = realisticItems(200);
    for (const compiled of [ingestEnvelopeSchema, singleKindEnvelopeSchema]) {
      const runtime = runtimeOf(compiled);
      expect(runtime).not.toBe(compiled);
      for (let index = 0; index < 200; index++) {
        const envelope = {
          sessionId: 'ds_00000000-0000-4000-8000-000000000001',
          device: { deviceId: `d${index}`, ...REALISTIC_DEVICE, memoryMb: 3072 },
          items: items.slice(index % 150, (index % 150) + 50),
        };
        expect(answer(compiled, envelope)).toBe(answer(runtime, envelope));
        for (let round = 0; round < 10; round++) {
          const input = mutate({ ...envelope, items: envelope.items.slice(0, 2) }, random);
          expect(answer(compiled, input), JSON.stringify(input).slice(0, 300)).toBe(answer(runtime, input));
        }
      }
    }
  });
});
