// What the checks derived from zod schemas share (the device poll's query check, ingest's item check): reading a
// schema's definition safely, and measuring lengths as zod does, so that they agree with zod on every input.
import type { z } from 'zod';

/** Definition keys that change nothing about what a schema accepts (`error` words the message only). */
const NEUTRAL_KEYS = new Set(['type', 'checks', 'error']);

/** Whether a definition holds only neutral keys and `extra`: a key the derivation does not know means it must give up. */
export function hasOnlyNeutralKeys(definition: object, extra: readonly string[] = []): boolean {
  return Object.keys(definition).every((key) => NEUTRAL_KEYS.has(key) || extra.includes(key));
}

/** Length bounds in code points, both ends inclusive. */
export interface LengthBounds {
  min: number;
  max: number;
}

/** A length check's bounds (min, max or exact length); undefined for any other check, or one with keys it does not know. */
export function lengthBoundsOf(check: z.core.$ZodCheck): LengthBounds | undefined {
  const definition = check._zod.def as z.core.$ZodCheckDef & { minimum?: number; maximum?: number; length?: number };
  // Length checks carry zod's default `when` (the value has a length), always true for strings and arrays.
  if (!hasOnlyNeutralKeys(definition, ['check', 'minimum', 'maximum', 'length', 'when'])) return undefined;
  switch (definition.check) {
    case 'min_length':
      return { min: definition.minimum!, max: Infinity };
    case 'max_length':
      return { min: 0, max: definition.maximum! };
    case 'length_equals':
      return { min: definition.length!, max: definition.length! };
    default:
      return undefined;
  }
}

/** A string's length in code points, as zod measures lengths (an emoji counts once, not as two UTF-16 units). */
function codePointLength(text: string): number {
  let count = text.length;
  for (let index = 0; index < text.length - 1; index++) {
    if ((text.charCodeAt(index) & 0xfc00) === 0xd800 && (text.charCodeAt(index + 1) & 0xfc00) === 0xdc00) {
      count--;
      index++;
    }
  }
  return count;
}

/**
 * Whether a string's length in code points is within bounds. A code point is one or two units, so the units decide
 * alone when they are within `[2 × min, max]`; only outside that is the exact count needed.
 */
export function lengthFits(text: string, bounds: LengthBounds): boolean {
  const units = text.length;
  const length = units > bounds.max || units < 2 * bounds.min ? codePointLength(text) : units;
  return length >= bounds.min && length <= bounds.max;
}
