// A seeded 32-bit hash of a string, for the hash tables that hold ids sent by devices (the rate limiter's one-call
// keys, the targeting index's pre-check): cheap enough to compute on every poll, and seeded per table so which ids
// share a slot cannot be worked out from outside.

/** A random seed for one table. */
export function randomHashSeed(): number {
  return (Math.random() * 2 ** 32) | 0;
}

/**
 * FNV-1a over the UTF-16 units from `seed`, then murmur3's finalizer, which mixes the high bits into the low ones a
 * slot is taken from (FNV's low bits depend on the units' low bits only). Never 0: tables mark a slot never used so.
 */
export function seededStringHash(text: string, seed: number): number {
  let hash = seed;
  for (let index = 0; index < text.length; index++) hash = Math.imul(hash ^ text.charCodeAt(index), 0x01000193);
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash === 0 ? 1 : hash;
}
