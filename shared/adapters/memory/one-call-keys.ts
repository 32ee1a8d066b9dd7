// The keys of one-call rate limits with one window length (a device's poll, say), each held until its call stops
// counting: a hash table of expiries, where an expired entry is a free slot.

import { randomHashSeed, seededStringHash } from '../../domain/hashing/string-hash';
import type { RateDecision } from '../../ports/rate-limiter';

/** Slots a table starts with; always a power of two, so a slot is a hash masked, not a division. */
const INITIAL_SLOTS = 1024;
/**
 * A table is rebuilt before more than this share of its slots has ever been filled. Linear probes stay short at this
 * fill (a miss reads a few neighbouring hashes, a cache line or two), and the table stays about as small as a Map of the
 * same keys: a table several times larger cost more in allocating and faulting in its pages at each rebuild (~0.1 s
 * of CPU for 64 MB, measured) than its shorter probes saved.
 */
const MAX_FILLED_SHARE = 0.75;
/** After a rebuild the live keys fill at most this share of the slots: a table that only grows doubles. */
const REBUILT_LIVE_SHARE = 0.375;

export const ALLOWED: RateDecision = Object.freeze({ allowed: true });

export function refused(until: number, now: number): RateDecision {
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((until - now) / 1000)) };
}

/**
 * Open addressing with linear probes, the slots in typed arrays (hashes, expiries: no heap object per key beyond the
 * key itself) and the keys in an array read only when a hash matches. A new key, the common case (every device
 * polling once per window), costs one short probe, reading a line or two, and three writes.
 * It replaced two `Map`s (the keys of the current window-long stretch and of the one before, dropped whole once
 * expired): a new key missed in both, then was set, and each miss in a map of 10^5 keys or more walked a bucket chain
 * through entries and key strings scattered over the heap, ~0.8 µs a new key on the bench VM, a sixth of the device
 * poll's own CPU. Expiry costs no delete and no walk: a probe passing an expired slot takes it for the new key once the
 * key is known to be absent, and a rebuild (when three quarters of the slots have been filled) keeps only the live
 * keys. Expired keys stay referenced until their slot is taken or the table rebuilt, so memory follows the peak of
 * keys per window.
 */
export class OneCallKeys {
  /** Each slot's key hash; 0: never used. */
  private hashes: Int32Array;
  /** Each slot's expiry; at or before now: the slot is free. */
  private expiries: Float64Array;
  private keys: Array<string | undefined>;
  private mask: number;
  /** Slots ever filled since the last rebuild, live or expired: a probe stops only at a slot never used. */
  private filled = 0;
  /** The latest time a take was made at: `size` counts the keys live then. */
  private lastNow: number;
  /** Seeded per table, so which ids share a slot cannot be worked out from outside: ids come from devices. */
  private readonly seed = randomHashSeed();

  constructor(
    private readonly windowInMs: number,
    now: number,
  ) {
    this.lastNow = now;
    this.hashes = new Int32Array(INITIAL_SLOTS);
    this.expiries = new Float64Array(INITIAL_SLOTS);
    this.keys = new Array<string | undefined>(INITIAL_SLOTS).fill(undefined);
    this.mask = INITIAL_SLOTS - 1;
  }

  /** Keys still counting at the latest take (or held: a table not taken from since does not look at the time). */
  get size(): number {
    let live = 0;
    for (let slot = 0; slot <= this.mask; slot++) if (this.hashes[slot]! !== 0 && this.expiries[slot]! > this.lastNow) live++;
    return live;
  }

  take(key: string, now: number): RateDecision {
    this.lastNow = now;
    const hash = seededStringHash(key, this.seed);
    const { hashes, expiries } = this;
    let slot = hash & this.mask;
    let free = -1;
    for (;;) {
      const stored = hashes[slot]!;
      if (stored === 0) break;
      if (stored === hash && this.keys[slot] === key) {
        const expiry = expiries[slot]!;
        if (expiry > now) return refused(expiry, now);
        expiries[slot] = now + this.windowInMs;
        return ALLOWED;
      }
      if (free < 0 && expiries[slot]! <= now) free = slot;
      slot = (slot + 1) & this.mask;
    }
    if (free >= 0) {
      this.fill(free, hash, key, now + this.windowInMs);
      return ALLOWED;
    }
    if (this.filled + 1 > MAX_FILLED_SHARE * (this.mask + 1)) {
      this.rebuild(now);
      slot = this.emptySlotFor(hash);
    }
    this.fill(slot, hash, key, now + this.windowInMs);
    this.filled++;
    return ALLOWED;
  }

  /** The key's expiry, if it is held; the key is forgotten either way (it moves to a many-call window). */
  forget(key: string): number | undefined {
    const hash = seededStringHash(key, this.seed);
    for (let slot = hash & this.mask; this.hashes[slot]! !== 0; slot = (slot + 1) & this.mask) {
      if (this.hashes[slot]! !== hash || this.keys[slot] !== key) continue;
      const expiry = this.expiries[slot]!;
      // Free, not emptied: an empty slot would end the probes of the keys filed past it.
      this.expiries[slot] = -Infinity;
      this.keys[slot] = undefined;
      return expiry;
    }
    return undefined;
  }

  private fill(slot: number, hash: number, key: string, expiry: number): void {
    this.hashes[slot] = hash;
    this.expiries[slot] = expiry;
    this.keys[slot] = key;
  }

  private emptySlotFor(hash: number): number {
    let slot = hash & this.mask;
    while (this.hashes[slot]! !== 0) slot = (slot + 1) & this.mask;
    return slot;
  }

  /** Into a table sized for the live keys (grown or shrunk), dropping the expired ones. */
  private rebuild(now: number): void {
    const { hashes, expiries, keys } = this;
    let live = 0;
    for (let slot = 0; slot < keys.length; slot++) if (hashes[slot]! !== 0 && expiries[slot]! > now) live++;
    let size = INITIAL_SLOTS;
    while (live + 1 > REBUILT_LIVE_SHARE * size) size *= 2;
    this.hashes = new Int32Array(size);
    this.expiries = new Float64Array(size);
    this.keys = new Array<string | undefined>(size).fill(undefined);
    this.mask = size - 1;
    this.filled = live;
    for (let slot = 0; slot < keys.length; slot++) {
      const hash = hashes[slot]!;
      const expiry = expiries[slot]!;
      if (hash === 0 || expiry <= now) continue;
      this.fill(this.emptySlotFor(hash), hash, keys[slot]!, expiry);
    }
  }
}
