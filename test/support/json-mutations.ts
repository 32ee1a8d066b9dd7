// Seeded random edits of JSON values, for tests that hold a derived check to the zod schema it came from.

export type Json = Record<string, unknown>;

/** Every object in a value with the keys it holds, so a mutation can reach nested fields too. */
export function objectsIn(value: unknown, found: Json[] = []): Json[] {
  if (value && typeof value === 'object') {
    if (!Array.isArray(value)) found.push(value as Json);
    for (const child of Object.values(value as Json)) objectsIn(child, found);
  }
  return found;
}

export interface MutationSpace {
  /** Values a field may be set to: boundaries, wrong types, odd strings. */
  interesting: readonly unknown[];
  /** Keys an edit may add, known to the schema somewhere. */
  knownKeys: readonly string[];
  /** Whether an edit may also move a key to the end (for checks that care about key order). */
  reorder?: boolean;
}

/** One to three random edits: a key removed, set to an interesting value, added, or (with `reorder`) moved to the end. */
export function mutateJson(original: unknown, random: () => number, space: MutationSpace): unknown {
  const copy = structuredClone(original) as Json;
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const removeBelow = space.reorder ? 0.15 : 0.2;
  const reorderBelow = space.reorder ? 0.9 : 0.8;
  const edits = 1 + Math.floor(random() * 3);
  for (let edit = 0; edit < edits; edit++) {
    const target = pick(objectsIn(copy));
    const keys = Object.keys(target);
    const roll = random();
    if (roll < removeBelow && keys.length > 0) delete target[pick(keys)];
    else if (roll < 0.8 && keys.length > 0) target[pick(keys)] = structuredClone(pick(space.interesting));
    else if (roll < reorderBelow && keys.length > 0) {
      const key = pick(keys);
      const value = target[key];
      delete target[key];
      target[key] = value;
    } else target[pick(space.knownKeys)] = structuredClone(pick(space.interesting));
  }
  return copy;
}
