// A check derived from a zod query schema, answering the plain case (every field a string within its lengths, every
// refinement true) without zod, and leaving every other case, and so every error, to zod itself.
import { z } from 'zod';
import { hasOnlyNeutralKeys, lengthBoundsOf, lengthFits, type LengthBounds } from '../domain/validation/derived-checks';

/** The query as zod reads it: repeated keys become arrays (see `queryObject`). */
export type RawQuery = Record<string, string | string[]>;

/** A query string's pairs as the request gives them (`URLSearchParams`). */
export interface QueryPairs {
  forEach(visit: (value: string, key: string) => void): void;
}

/** The parsed query when the check can accept it in hand; undefined when zod must decide (and word the error). */
export type PlainQueryCheck<Output> = (pairs: QueryPairs) => Output | undefined;

/** A string field: its key, and its length bounds in code points. */
interface StringField extends LengthBounds {
  key: string;
  optional: boolean;
}

type Refinement = (value: unknown) => unknown;

/** A field that is `z.string()` with length checks only, optional or not; undefined for anything else. */
function stringField(key: string, schema: z.core.$ZodType): StringField | undefined {
  let inner = schema;
  const optional = inner instanceof z.ZodOptional;
  if (inner instanceof z.ZodOptional) {
    if (!hasOnlyNeutralKeys(inner.def, ['innerType'])) return undefined;
    inner = inner.def.innerType;
  }
  // ZodString exactly: its subclasses (emails, ISO times, …) carry a format, and coercion would accept non-strings.
  if (!(inner instanceof z.ZodString) || inner.constructor !== z.ZodString || !hasOnlyNeutralKeys(inner.def)) return undefined;
  const field: StringField = { key, optional, min: 0, max: Infinity };
  for (const check of inner.def.checks ?? []) {
    const bounds = lengthBoundsOf(check);
    if (!bounds) return undefined;
    field.min = Math.max(field.min, bounds.min);
    field.max = Math.min(field.max, bounds.max);
  }
  return field;
}

/** The object's `.refine` checks, as plain functions; undefined when it has a check of another kind or a condition. */
function refinementsOf(schema: z.ZodObject): Refinement[] | undefined {
  const refinements: Refinement[] = [];
  for (const check of schema.def.checks ?? []) {
    const definition = check._zod.def as z.core.$ZodCheckDef & { fn?: Refinement };
    if (definition.check !== 'custom' || definition.when !== undefined || typeof definition.fn !== 'function') return undefined;
    refinements.push(definition.fn);
  }
  return refinements;
}

/**
 * The plain check for a query schema, or undefined when the schema is not one it can mirror: a `z.object` that strips
 * unknown keys (the default), whose fields are all `z.string()` with length limits, optional or not, and whose only
 * checks are `.refine` predicates. It reads the query's pairs once, without the object of arrays zod is given, and
 * accepts exactly what zod accepts and returns what zod returns (the fields sent, in the schema's order); when
 * anything is off (a key sent twice, a length out of bounds, a refinement false) it returns undefined and zod
 * parses, so the caller's errors stay zod's. `test/http/plain-query.test.ts` holds it to that over random queries.
 */
export function plainQueryCheck<Schema extends z.ZodType>(schema: Schema): PlainQueryCheck<z.infer<Schema>> | undefined {
  if (!(schema instanceof z.ZodObject) || !hasOnlyNeutralKeys(schema.def, ['shape']) || schema.def.catchall !== undefined) return undefined;
  const fields: StringField[] = [];
  for (const [key, fieldSchema] of Object.entries(schema.def.shape as Record<string, z.core.$ZodType>)) {
    const field = stringField(key, fieldSchema);
    if (!field) return undefined;
    fields.push(field);
  }
  const refinements = refinementsOf(schema);
  if (!refinements) return undefined;
  const fieldIndex = new Map(fields.map((field, index) => [field.key, index]));
  // Scratch state of one reading, reused: the check runs to its end synchronously, so no two readings overlap, and a
  // poll allocates no array and no closure for it.
  const values = new Array<string | undefined>(fields.length).fill(undefined);
  let repeated = false;
  const visit = (value: string, key: string): void => {
    // Unknown keys are dropped, as zod's default object does; a repeated known key becomes an array for zod.
    const index = fieldIndex.get(key);
    if (index === undefined) return;
    if (values[index] !== undefined) repeated = true;
    values[index] = value;
  };
  return (pairs) => {
    values.fill(undefined);
    repeated = false;
    pairs.forEach(visit);
    if (repeated) return undefined;
    const parsed: Record<string, string> = {};
    for (let index = 0; index < fields.length; index++) {
      const field = fields[index]!;
      const value = values[index];
      if (value === undefined) {
        if (field.optional) continue;
        return undefined;
      }
      if (!lengthFits(value, field)) return undefined;
      parsed[field.key] = value;
    }
    for (const refinement of refinements) {
      const verdict = refinement(parsed);
      if (!verdict || verdict instanceof Promise) return undefined;
    }
    return parsed as z.infer<Schema>;
  };
}
