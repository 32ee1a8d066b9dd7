// The exact check derived from the item schemas against zod itself: whatever it accepts, zod accepts and returns an
// equal copy of (keys, their order, values), on fixed items at every limit and on many seeded mutations of realistic
// items; what it cannot mirror (other schemas, values needing a copy, a polluted prototype) it leaves to zod.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BatchFactory } from '../../bench/support/realistic-items';
import { seededRandom } from '../../bench/support/realistic-logs';
import { exactCheck, patternTest } from '../../shared/domain/telemetry/exact-check';
import { parseItems } from '../../shared/domain/telemetry/ingest';
import { ingestItemSchema, type IngestItem } from '../../shared/domain/telemetry/items';
import { itemBoundaryValues, itemKnownKeys } from '../support/item-boundary-values';
import { mutateJson, type Json } from '../support/json-mutations';

const itemCheck = exactCheck(ingestItemSchema)!;

/** zod's output as text, with keys holding undefined kept and key order significant; undefined when zod refuses. */
function zodOutput(schema: z.ZodType, input: unknown): string | undefined {
  const result = schema.safeParse(input);
  return result.success ? JSON.stringify(result.data, (_key, value: unknown) => (value === undefined ? '(undefined)' : value)) : undefined;
}

const asText = (value: unknown): string => JSON.stringify(value, (_key, inner: unknown) => (inner === undefined ? '(undefined)' : inner));

/** Holds the check to zod on one input; answers whether the check took it. */
function agrees(input: unknown): boolean {
  const exact = itemCheck.exact(input);
  if (exact === undefined) return false;
  expect(exact).toBe(input);
  expect(zodOutput(ingestItemSchema, input), asText(input).slice(0, 300)).toBe(asText(input));
  return true;
}

const interesting = itemBoundaryValues;

const KNOWN_KEYS = itemKnownKeys;

function mutate(original: unknown, random: () => number): unknown {
  return mutateJson(original, random, { interesting, knownKeys: KNOWN_KEYS, reorder: true });
}

function realisticItems(count: number): Json[] {
  const factory = new BatchFactory('exact', 13);
  const items: Json[] = [];
  while (items.length < count) items.push(...(JSON.parse(JSON.stringify(factory.nextItems(new Date('2026-03-01T12:00:00.000Z')))) as Json[]));
  return items.slice(0, count);
}

describe('the exact check derived from the item schemas', () => {
  it('is derived from ingestItemSchema, and usable on a clean prototype', () => {
    expect(exactCheck(ingestItemSchema)).toBeDefined();
    expect(itemCheck.usable()).toBe(true);
  });

  it('takes realistic items as they are, as zod would return them', () => {
    const items = realisticItems(500);
    for (const item of items) expect(agrees(item), asText(item).slice(0, 200)).toBe(true);
  });

  it('agrees with zod on every interesting value in every field of every kind', () => {
    const templates = realisticItems(10).filter((item, index, all) => all.findIndex((other) => other.kind === item.kind) === index);
    expect(templates.map((item) => item.kind).sort()).toEqual(['breadcrumb', 'log', 'network', 'span']);
    let taken = 0;
    let left = 0;
    for (const item of templates) {
      for (const key of [...Object.keys(item), 'unknown']) {
        for (const value of interesting) {
          if (agrees({ ...item, [key]: value })) taken++;
          else left++;
        }
      }
    }
    expect(taken).toBeGreaterThan(100);
    expect(left).toBeGreaterThan(1_000);
  });

  it('agrees with zod on seeded mutations of realistic items', () => {
    const random = seededRandom(31);
    let taken = 0;
    let refusedByZod = 0;
    let leftToZod = 0;
    for (const item of realisticItems(2_000)) {
      for (let round = 0; round < 8; round++) {
        const input = mutate(item, random);
        if (agrees(input)) taken++;
        else if (ingestItemSchema.safeParse(input).success) leftToZod++;
        else refusedByZod++;
      }
    }
    // The mutations land on every side: taken as they are, valid but needing zod's copy, and invalid.
    expect(taken).toBeGreaterThan(1_000);
    expect(leftToZod).toBeGreaterThan(500);
    expect(refusedByZod).toBeGreaterThan(2_000);
  });

  it('leaves to zod what its output would change: unknown keys, another order, defaults, `__proto__`, other prototypes', () => {
    const log = realisticItems(10).find((item) => item.kind === 'log')!;
    const span = realisticItems(10).find((item) => item.kind === 'span')!;
    const { spanKind: _spanKind, ...spanWithoutKind } = span;
    const cases: unknown[] = [
      { ...log, extra: 1 },
      { message: log.message, ...log },
      spanWithoutKind,
      { ...span, spanKind: undefined },
      { ...span, attributes: JSON.parse('{"__proto__": 1}') },
      Object.assign(Object.create({ inherited: true }) as object, log),
    ];
    for (const input of cases) {
      expect(itemCheck.exact(input)).toBeUndefined();
      expect(ingestItemSchema.safeParse(input).success).toBe(true);
    }
  });

  it('keeps an optional key present holding undefined, as zod does', () => {
    const log = realisticItems(10).find((item) => item.kind === 'log')!;
    const input = { ...log, traceId: undefined };
    expect(agrees(input)).toBe(true);
  });

  it('is unusable while Object.prototype holds one of the schema field names', () => {
    const prototype = Object.prototype as Record<string, unknown>;
    prototype.module = 'inherited';
    try {
      expect(itemCheck.usable()).toBe(false);
      // zod reads the inherited field into its output, which the item itself does not hold.
      const [item] = realisticItems(10).filter((candidate) => candidate.kind === 'log' && !Object.hasOwn(candidate, 'module'));
      if (item) expect(zodOutput(ingestItemSchema, item)).not.toBe(asText(item));
    } finally {
      delete prototype.module;
    }
    expect(itemCheck.usable()).toBe(true);
  });

  it('is not derived from schemas it cannot mirror', () => {
    const refused: z.ZodType[] = [
      z.string().trim(),
      z.string().email(),
      z.string().transform((text) => text.length),
      z.coerce.number(),
      z.number().multipleOf(2),
      z.object({ a: z.string() }).passthrough(),
      z.object({ a: z.string() }).strict(),
      z.object({ a: z.string() }).refine(() => true),
      z.union([z.string(), z.number()]),
      z.record(
        z
          .string()
          .regex(/^a/)
          .transform((key) => key),
        z.unknown(),
      ),
      z.array(z.string()).refine(() => true),
      z.string().nullable(),
      z.object({ a: z.string().catch('x') }),
      z.object({ a: z.lazy(() => z.string()) }),
    ];
    for (const schema of refused) expect(exactCheck(schema), schema.def.type).toBeUndefined();
  });

  it('gives parseItems the answer zod gives, item for item', () => {
    const random = seededRandom(37);
    const items = realisticItems(200).map((item, index) => (index % 3 === 0 ? mutate(item, random) : item));
    const parsed = parseItems(items);
    const expected = items.map((item) => ingestItemSchema.safeParse(item));
    for (const entry of parsed.entries) {
      const zod = expected[entry.index]!;
      expect(zod.success).toBe(true);
      expect(asText(entry.item)).toBe(asText((zod as { data: IngestItem }).data));
    }
    const invalid = new Set(parsed.invalid.map((entry) => entry.index));
    for (let index = 0; index < items.length; index++) if (!parsed.entries.some((entry) => entry.index === index)) expect(invalid.has(index)).toBe(true);
  });

  it('reads simple patterns by their character class exactly as the regexes answer', () => {
    const patterns = [
      /^[\w.:-]+$/,
      /^[0-9a-f]{32}$/,
      /^[0-9a-f]{16}$/,
      /^[a-c-]+$/,
      /^[-x\d]{3}$/,
      /^[.-a]+$/,
      /^[a-z]+$/i,
      /^[^a]+$/,
      /^ds_[0-9a-f-]{36}$/,
      /^[\u00e9a]+$/,
      new RegExp('^[a\\-]+$'),
    ];
    const alphabet = [
      'a',
      'b',
      'c',
      'f',
      'g',
      'x',
      'A',
      'F',
      'Z',
      '0',
      '9',
      '_',
      '.',
      ':',
      '-',
      ' ',
      '\n',
      '/',
      '`',
      '@',
      '[',
      ']',
      '\u00e9',
      '\u{1F600}',
      'ds_',
    ];
    const random = seededRandom(41);
    for (const pattern of patterns) {
      const test = patternTest(pattern);
      for (let round = 0; round < 3_000; round++) {
        const length = round % 40 === 0 ? 0 : Math.floor(random() * 40);
        let text = round % 3 === 0 ? 'a'.repeat(Math.floor(random() * 3) * 16) : '';
        while (text.length < length) text += alphabet[Math.floor(random() * alphabet.length)]!;
        expect(test(text), `${pattern.source} on ${JSON.stringify(text)}`).toBe(pattern.test(text));
      }
    }
  });
});
