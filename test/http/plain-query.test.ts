// The query fast path against zod itself: over seeded random queries both accept and refuse the same ones and give the same result.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { configPollQuerySchema } from '../../shared/domain/sessions/targeting';
import { plainQueryCheck, type RawQuery } from '../../shared/http/plain-query';

/** What the endpoint hands zod for a query string (repeated keys become arrays; `__proto__` cannot be set). */
function rawQuery(params: URLSearchParams): RawQuery {
  const result: RawQuery = {};
  params.forEach((value, key) => {
    const known = Object.hasOwn(result, key) ? result[key] : undefined;
    if (known === undefined) result[key] = value;
    else if (Array.isArray(known)) known.push(value);
    else result[key] = [known, value];
  });
  return result;
}

function seeded(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
}

const ALPHABET = ['a', 'Z', '0', '-', '_', '.', ' ', '%', '&', '=', 'é', '😀', ','];

function randomValue(random: () => number): string {
  // Mostly short values, then lengths around the schemas' bounds, then any; an emoji is two UTF-16 units, one code point.
  const edges = [0, 1, 2, 3, 4, 10, 11, 63, 64, 65, 127, 128, 129];
  const pick = random();
  const length = pick < 0.6 ? Math.floor(random() * 12) : pick < 0.8 ? edges[Math.floor(random() * edges.length)]! : Math.floor(random() * 140);
  let text = '';
  while (text.length < length) text += ALPHABET[Math.floor(random() * ALPHABET.length)]!;
  return text.slice(0, length);
}

/** Each of the schema's keys absent, once or (now and then) twice, in random order, among keys it does not know. */
function randomQuery(random: () => number, shapeKeys: readonly string[]): URLSearchParams {
  const strangers = ['other', 'deviceid', '__proto__', 'constructor', 'toString'];
  const pairs: Array<[string, string]> = [];
  for (const key of shapeKeys) {
    const times = random() < 0.35 ? 0 : random() < 0.9 ? 1 : 2;
    for (let time = 0; time < times; time++) pairs.push([key, randomValue(random)]);
  }
  while (random() < 0.4) pairs.push([strangers[Math.floor(random() * strangers.length)]!, randomValue(random)]);
  for (let index = pairs.length - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1));
    [pairs[index], pairs[other]] = [pairs[other]!, pairs[index]!];
  }
  return new URLSearchParams(pairs);
}

const schemas = {
  'the config poll': configPollQuerySchema,
  'required and bounded fields': z.object({ name: z.string().min(2).max(10), code: z.string().length(3), note: z.string().optional() }),
  'two refinements': z
    .object({ from: z.string().max(64).optional(), to: z.string().max(64).optional() })
    .refine((query) => query.from !== undefined || query.to !== undefined, { message: 'give from or to' })
    .refine((query) => !query.from || !query.to || query.from <= query.to, { message: 'from after to', path: ['from'] }),
};

describe('plainQueryCheck', () => {
  for (const [name, schema] of Object.entries(schemas)) {
    it(`accepts exactly what zod accepts, with zod's result: ${name}`, () => {
      const check = plainQueryCheck(schema)!;
      expect(check).toBeTypeOf('function');
      const shapeKeys = Object.keys((schema as z.ZodObject).shape);
      const random = seeded(Object.keys(schemas).indexOf(name) + 7);
      let accepted = 0;
      for (let round = 0; round < 5_000; round++) {
        const params = randomQuery(random, shapeKeys);
        const fast = check(params);
        const byZod = schema.safeParse(rawQuery(params));
        expect(fast !== undefined, `${params.toString()}`).toBe(byZod.success);
        if (fast === undefined || !byZod.success) continue;
        accepted++;
        expect(fast).toEqual(byZod.data);
        expect(Object.keys(fast)).toEqual(Object.keys(byZod.data as object));
      }
      // Both sides of the comparison were exercised.
      expect(accepted).toBeGreaterThan(25);
      expect(accepted).toBeLessThan(4_800);
    });
  }

  it('answers the device poll in hand and leaves a repeated key to zod', () => {
    const check = plainQueryCheck(configPollQuerySchema)!;
    expect(check(new URLSearchParams('deviceId=d1&platform=ios&appVersion=5.12.0&utm=x'))).toEqual({ deviceId: 'd1', platform: 'ios', appVersion: '5.12.0' });
    expect(check(new URLSearchParams('deviceId=d1&deviceId=d2'))).toBeUndefined();
    expect(check(new URLSearchParams('platform=ios'))).toBeUndefined();
    expect(configPollQuerySchema.safeParse(rawQuery(new URLSearchParams('platform=ios'))).success).toBe(false);
  });

  it('declines schemas it cannot mirror, so zod parses them', () => {
    const unsupported = {
      coerced: z.object({ page: z.coerce.number() }),
      'a format': z.object({ email: z.email() }),
      'a pattern': z.object({ id: z.string().regex(/^[a-z]+$/) }),
      'a default': z.object({ size: z.string().default('10') }),
      'a transform': z.object({ name: z.string().trim() }),
      strict: z.strictObject({ name: z.string() }),
      loose: z.looseObject({ name: z.string() }),
      'a super-refinement': z.object({ name: z.string() }).superRefine(() => undefined),
      'a list': z.object({ tags: z.array(z.string()) }),
      'not an object': z.string(),
    };
    for (const [name, schema] of Object.entries(unsupported)) expect(plainQueryCheck(schema), name).toBeUndefined();
  });
});
