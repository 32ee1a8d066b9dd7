// A check derived from a zod schema that answers the common case of ingest's per-item parse without zod: a value that
// is already exactly what zod would return (only the schema's keys, in its order, nothing to strip or default, every
// check passing) is returned as it is, with nothing allocated. Every other value, and so every error, is left to zod.
import { z } from 'zod';
import { hasOnlyNeutralKeys, lengthBoundsOf, lengthFits, type LengthBounds } from '../validation/derived-checks';

/** The verdict on one value: it is exactly zod's output, or zod must parse it. */
type Check = (value: unknown) => boolean;

/** The parse of the common case: the value itself when zod would return an equal copy of it; undefined when zod must parse. */
export interface ExactCheck<Output> {
  /**
   * Whether the check may be used now: `Object.prototype` holds none of the schema's field names (zod reads fields
   * through the prototype chain, the check reads own keys only). Cheap; asked once per batch.
   */
  usable(): boolean;
  exact(value: unknown): Output | undefined;
}

/** Narrows `bounds` by a length check; false for a check of another kind. */
function narrowedByLength(check: z.core.$ZodCheck, bounds: LengthBounds): boolean {
  const narrowing = lengthBoundsOf(check);
  if (!narrowing) return false;
  bounds.min = Math.max(bounds.min, narrowing.min);
  bounds.max = Math.min(bounds.max, narrowing.max);
  return true;
}

/** Tests a pattern as zod's generated code does (from index 0, whatever a global flag left behind). */
function matches(pattern: RegExp, text: string): boolean {
  pattern.lastIndex = 0;
  return pattern.test(text);
}

/** The ASCII characters of one class written `[…]` (ranges, single characters, `\w`, `\d`); undefined for anything else. */
function classTable(body: string): Uint8Array | undefined {
  const table = new Uint8Array(128);
  const mark = (from: number, to: number) => table.fill(1, from, to + 1);
  for (let at = 0; at < body.length; at++) {
    const char = body[at]!;
    if (char === '\\') {
      const escaped = body[++at];
      if (escaped !== 'w' && escaped !== 'd') return undefined;
      mark(48, 57);
      if (escaped === 'w') {
        mark(65, 90);
        mark(97, 122);
        mark(95, 95);
      }
      continue;
    }
    // A class opening with ^ is negated; [ and ] inside need care: neither is mirrored.
    if ((char === '^' && at === 0) || char === '[' || char === ']' || char.charCodeAt(0) > 127) return undefined;
    const end = body[at + 2];
    if (body[at + 1] === '-' && end !== undefined && end !== '\\' && end !== '[' && end !== ']' && end.charCodeAt(0) <= 127) {
      if (end.charCodeAt(0) < char.charCodeAt(0)) return undefined;
      mark(char.charCodeAt(0), end.charCodeAt(0));
      at += 2;
    } else mark(char.charCodeAt(0), char.charCodeAt(0));
  }
  return table;
}

/**
 * A pattern of the form `^[class]+$` or `^[class]{n}$` without flags (ids, hex trace and span ids), read as a table of
 * the class's characters instead of run as a regex; any other pattern is run as it is. Without the `m` flag `$` is
 * the end of the text, so the two answer alike (test/domain/exact-check.test.ts compares them on random strings).
 */
export function patternTest(pattern: RegExp): (text: string) => boolean {
  const form = pattern.flags === '' ? /^\^\[((?:[^\]\\]|\\.)+)\](?:(\+)|\{(\d+)\})\$$/.exec(pattern.source) : null;
  const table = form ? classTable(form[1]!) : undefined;
  if (!form || !table) return (text) => matches(pattern, text);
  const exactLength = form[2] ? undefined : Number(form[3]);
  return (text) => {
    if (exactLength === undefined ? text.length === 0 : text.length !== exactLength) return false;
    for (let at = 0; at < text.length; at++) {
      const code = text.charCodeAt(at);
      if (code > 127 || table[code] === 0) return false;
    }
    return true;
  };
}

/** `z.string()` (exactly: subclasses carry formats) with length and regex checks, or an ISO date-time (its pattern only). */
function stringCheck(schema: z.core.$ZodType): Check | undefined {
  if (schema instanceof z.ZodISODateTime && schema.constructor === z.ZodISODateTime) {
    const definition = schema.def as unknown as { pattern?: RegExp; checks?: unknown[] };
    if (!(definition.pattern instanceof RegExp) || (definition.checks ?? []).length > 0) return undefined;
    const pattern = definition.pattern;
    return (value) => typeof value === 'string' && matches(pattern, value);
  }
  if (!(schema instanceof z.ZodString) || schema.constructor !== z.ZodString || !hasOnlyNeutralKeys(schema.def)) return undefined;
  const bounds: LengthBounds = { min: 0, max: Infinity };
  const patterns: Array<(text: string) => boolean> = [];
  for (const check of schema.def.checks ?? []) {
    if (narrowedByLength(check, bounds)) continue;
    const definition = check._zod.def as z.core.$ZodCheckDef & { format?: string; pattern?: RegExp };
    if (
      definition.check !== 'string_format' ||
      definition.format !== 'regex' ||
      !(definition.pattern instanceof RegExp) ||
      !hasOnlyNeutralKeys(definition, ['check', 'format', 'pattern'])
    )
      return undefined;
    patterns.push(patternTest(definition.pattern));
  }
  const bounded = bounds.min > 0 || bounds.max < Infinity;
  return (value) => {
    if (typeof value !== 'string' || (bounded && !lengthFits(value, bounds))) return false;
    for (const pattern of patterns) if (!pattern(value)) return false;
    return true;
  };
}

/** `z.number()` with bounds and the safe-integer format (`.int()`); zod refuses NaN and the infinities. */
function numberCheck(schema: z.ZodNumber): Check | undefined {
  if (!hasOnlyNeutralKeys(schema.def)) return undefined;
  let integer = false;
  let min = -Infinity;
  let minInclusive = true;
  let max = Infinity;
  let maxInclusive = true;
  for (const check of schema.def.checks ?? []) {
    const definition = check._zod.def as z.core.$ZodCheckDef & { value?: unknown; inclusive?: boolean; format?: string; abort?: boolean };
    if (definition.check === 'number_format' && definition.format === 'safeint' && hasOnlyNeutralKeys(definition, ['check', 'format', 'abort'])) integer = true;
    else if (definition.check === 'greater_than' && typeof definition.value === 'number' && hasOnlyNeutralKeys(definition, ['check', 'value', 'inclusive'])) {
      if (definition.value > min || (definition.value === min && !definition.inclusive))
        [min, minInclusive] = [definition.value, definition.inclusive === true];
    } else if (definition.check === 'less_than' && typeof definition.value === 'number' && hasOnlyNeutralKeys(definition, ['check', 'value', 'inclusive'])) {
      if (definition.value < max || (definition.value === max && !definition.inclusive))
        [max, maxInclusive] = [definition.value, definition.inclusive === true];
    } else return undefined;
  }
  return (value) =>
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (!integer || Number.isSafeInteger(value)) &&
    (minInclusive ? value >= min : value > min) &&
    (maxInclusive ? value <= max : value < max);
}

/** The values a literal or an enum accepts. */
function valuesCheck(values: readonly unknown[]): Check {
  const accepted = new Set(values);
  return (value) => accepted.has(value);
}

/** An object of the plain kind, as JSON.parse makes them (zod's objects and records are not arrays). */
function isPlainRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

/** `.refine` predicates of a record or an object; undefined when it has a check of another kind or a condition. */
function refinementsOf(checks: readonly z.core.$ZodCheck[] | undefined): Array<(value: unknown) => unknown> | undefined {
  const refinements: Array<(value: unknown) => unknown> = [];
  for (const check of checks ?? []) {
    const definition = check._zod.def as z.core.$ZodCheckDef & { fn?: (value: unknown) => unknown; type?: string };
    if (
      definition.check !== 'custom' ||
      definition.when !== undefined ||
      typeof definition.fn !== 'function' ||
      !hasOnlyNeutralKeys(definition, ['check', 'fn'])
    )
      return undefined;
    refinements.push(definition.fn);
  }
  return refinements;
}

function refined(value: unknown, refinements: ReadonlyArray<(value: unknown) => unknown>): boolean {
  for (const refinement of refinements) {
    const verdict = refinement(value);
    if (!verdict || verdict instanceof Promise) return false;
  }
  return true;
}

/** A record of string keys (a plain string schema): zod copies its own keys in their order, each value checked. */
function recordCheck(schema: z.ZodRecord, names: Set<string>): Check | undefined {
  if (!hasOnlyNeutralKeys(schema.def, ['keyType', 'valueType'])) return undefined;
  const key = stringCheck(schema.def.keyType);
  const valueType = schema.def.valueType;
  // Any value (attributes): nothing to check per value, and nothing to call.
  const anyValue = valueType instanceof z.ZodUnknown && hasOnlyNeutralKeys(valueType.def);
  const element = anyValue ? undefined : checkOf(valueType, names);
  const refinements = refinementsOf(schema.def.checks);
  if (!key || (!anyValue && !element) || !refinements) return undefined;
  return (value) => {
    if (!isPlainRecord(value)) return false;
    for (const name in value) {
      // zod leaves `__proto__` out of its copy; inherited keys are not the record's.
      if (!Object.hasOwn(value, name) || name === '__proto__' || !key(name)) return false;
      if (element && !element(value[name])) return false;
    }
    return refined(value, refinements);
  };
}

function arrayCheck(schema: z.ZodArray, names: Set<string>): Check | undefined {
  if (!hasOnlyNeutralKeys(schema.def, ['element'])) return undefined;
  const bounds: LengthBounds = { min: 0, max: Infinity };
  for (const check of schema.def.checks ?? []) if (!narrowedByLength(check, bounds)) return undefined;
  const element = checkOf(schema.def.element, names);
  if (!element) return undefined;
  return (value) => {
    if (!Array.isArray(value) || Object.getPrototypeOf(value) !== Array.prototype || value.length < bounds.min || value.length > bounds.max) return false;
    for (let index = 0; index < value.length; index++) {
      // A hole reads as undefined in zod's copy, which is not the array given.
      if (!(index in value) || !element(value[index])) return false;
    }
    return true;
  };
}

interface Field {
  key: string;
  check: Check;
  /** Must be present: required, or defaulted (a missing defaulted field is one zod fills in, so not exact). */
  required: boolean;
}

/**
 * A `z.object` that strips unknown keys (the default) and has no checks of its own. zod builds its output from the
 * shape's keys in the shape's order, each one the input has; the input is that output when its own keys are the
 * shape's, in that order, with a value every field accepts as it is.
 */
function objectCheck(schema: z.ZodObject, names: Set<string>): Check | undefined {
  if (!hasOnlyNeutralKeys(schema.def, ['shape']) || schema.def.catchall !== undefined || (schema.def.checks ?? []).length > 0) return undefined;
  const fields: Field[] = [];
  for (const [key, fieldSchema] of Object.entries(schema.def.shape as Record<string, z.core.$ZodType>)) {
    const field = fieldOf(key, fieldSchema, names);
    if (!field) return undefined;
    fields.push(field);
    names.add(key);
  }
  const required = fields.filter((field) => field.required).length;
  return (value) => {
    if (!isPlainRecord(value)) return false;
    // The keys must come in the shape's order, so each is looked for only past the one before it.
    let next = 0;
    let present = 0;
    for (const key in value) {
      while (next < fields.length && fields[next]!.key !== key) next++;
      if (next === fields.length || !Object.hasOwn(value, key)) return false;
      const field = fields[next++]!;
      if (!field.check(value[key])) return false;
      if (field.required) present++;
    }
    return present === required;
  };
}

function fieldOf(key: string, schema: z.core.$ZodType, names: Set<string>): Field | undefined {
  if (schema instanceof z.ZodOptional) {
    if (!hasOnlyNeutralKeys(schema.def, ['innerType'])) return undefined;
    const inner = checkOf(schema.def.innerType, names);
    // zod keeps a key that is present holding undefined, as the input has it.
    return inner && { key, check: (value) => value === undefined || inner(value), required: false };
  }
  if (schema instanceof z.ZodDefault) {
    if (!hasOnlyNeutralKeys(schema.def, ['innerType', 'defaultValue'])) return undefined;
    const inner = checkOf(schema.def.innerType, names);
    // Present and defined: zod returns the inner output; undefined is replaced by the default, so not exact.
    return inner && { key, check: (value) => value !== undefined && inner(value), required: true };
  }
  const check = checkOf(schema, names);
  return check && { key, check, required: true };
}

/** A discriminated union of objects, each told apart by a literal: the value's discriminator picks the object to check. */
function unionCheck(schema: z.ZodDiscriminatedUnion, names: Set<string>): Check | undefined {
  // `inclusive` is always false on a discriminated union (an exclusive union's flag); `unionFallback` is refused.
  const definition = schema.def as unknown as { options: z.core.$ZodType[]; discriminator: string };
  if (!hasOnlyNeutralKeys(definition, ['options', 'discriminator', 'inclusive'])) return undefined;
  const byValue = new Map<unknown, Check>();
  for (const option of definition.options) {
    if (!(option instanceof z.ZodObject)) return undefined;
    const discriminator = (option.def.shape as Record<string, z.core.$ZodType>)[definition.discriminator];
    if (!(discriminator instanceof z.ZodLiteral) || !hasOnlyNeutralKeys(discriminator.def, ['values'])) return undefined;
    const check = objectCheck(option, names);
    if (!check) return undefined;
    for (const literal of discriminator.def.values) {
      if (byValue.has(literal)) return undefined;
      byValue.set(literal, check);
    }
  }
  const discriminator = definition.discriminator;
  return (value) => {
    if (!isPlainRecord(value)) return false;
    const check = byValue.get(value[discriminator]);
    return check !== undefined && check(value);
  };
}

/** The check of any schema the derivation knows; undefined for any other (which leaves the whole schema to zod). */
function checkOf(schema: z.core.$ZodType, names: Set<string>): Check | undefined {
  if (schema instanceof z.ZodDiscriminatedUnion) return unionCheck(schema, names);
  if (schema instanceof z.ZodObject) return objectCheck(schema, names);
  if (schema instanceof z.ZodRecord) return recordCheck(schema, names);
  if (schema instanceof z.ZodArray) return arrayCheck(schema, names);
  if (schema instanceof z.ZodNumber) return numberCheck(schema);
  if (schema instanceof z.ZodBoolean) return hasOnlyNeutralKeys(schema.def) ? (value) => typeof value === 'boolean' : undefined;
  if (schema instanceof z.ZodEnum) return hasOnlyNeutralKeys(schema.def, ['entries']) ? valuesCheck(z.core.util.getEnumValues(schema.def.entries)) : undefined;
  if (schema instanceof z.ZodLiteral) return hasOnlyNeutralKeys(schema.def, ['values']) ? valuesCheck(schema.def.values) : undefined;
  if (schema instanceof z.ZodUnknown) return hasOnlyNeutralKeys(schema.def) ? () => true : undefined;
  return stringCheck(schema);
}

/**
 * The exact check of a schema, or undefined when the schema uses anything the derivation does not mirror (transforms,
 * unions without a discriminator, string formats other than ISO date-times, pipes, …). What it accepts, zod accepts
 * and returns an equal copy of; test/domain/exact-check.test.ts holds it to that over seeded mutations of realistic
 * items. Its inputs are plain data (JSON.parse's, or what a decoder built with literals): own enumerable data
 * properties on objects whose prototype is `Object.prototype`.
 */
export function exactCheck<Schema extends z.ZodType>(schema: Schema): ExactCheck<z.output<Schema>> | undefined {
  const names = new Set<string>();
  const check = checkOf(schema, names);
  if (!check) return undefined;
  const fieldNames = [...names];
  return {
    usable: () => {
      for (const name of fieldNames) if (name in Object.prototype) return false;
      return true;
    },
    exact: (value) => (check(value) ? (value as z.output<Schema>) : undefined),
  };
}
