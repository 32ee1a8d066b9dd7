// Turns whatever the app passes as context into JSON the server accepts: bounded depth and keys,
// no functions or cycles, errors as plain objects, long strings clipped.
import { clip, MAX_MESSAGE_LENGTH, type Attributes } from './wire.js';

export const MAX_ATTRIBUTE_DEPTH = 6;
export const MAX_ATTRIBUTE_KEYS = 128;

export function boundAttributes(value: Record<string, unknown>): Attributes {
  return copyObject(value, 1, new WeakSet()) as Attributes;
}

function copyObject(value: object, depth: number, seen: WeakSet<object>): Record<string, unknown> {
  seen.add(value);
  const copy: Record<string, unknown> = {};
  let keys = 0;
  for (const [key, child] of Object.entries(value)) {
    if (keys >= MAX_ATTRIBUTE_KEYS) break;
    const bounded = copyValue(child, depth, seen);
    if (bounded === undefined) continue;
    copy[key.slice(0, 256)] = bounded;
    keys += 1;
  }
  seen.delete(value);
  return copy;
}

function copyValue(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  switch (typeof value) {
    case 'string':
      return clip(value, MAX_MESSAGE_LENGTH);
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'boolean':
      return value;
    case 'bigint':
      return value.toString();
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
  }
  if (value === null) return null;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? String(value) : value.toISOString();
  if (value instanceof Error) return { type: value.name, message: clip(value.message, MAX_MESSAGE_LENGTH) };
  const object = value as object;
  if (seen.has(object)) return '[Circular]';
  // `depth` counts the enclosing objects; the server allows MAX_ATTRIBUTE_DEPTH levels in all.
  if (depth >= MAX_ATTRIBUTE_DEPTH) return '[Truncated]';
  if (Array.isArray(object)) {
    seen.add(object);
    const items = object.slice(0, MAX_ATTRIBUTE_KEYS).map((item) => copyValue(item, depth + 1, seen) ?? null);
    seen.delete(object);
    return items;
  }
  return copyObject(object, depth + 1, seen);
}
