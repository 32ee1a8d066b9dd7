// A multiset of 32-bit hashes in one flat table: answers "could a key with this hash be held?" from a line or two of
// a typed array, where a miss in a Map of a million string keys walks a bucket chain through entries and key strings
// scattered over the heap (~1 µs on the bench VM, cache and TLB misses). The caller keeps the keys themselves in
// its Map and asks it only when the hash is held.

/** Slots a table starts with and never shrinks below; always a power of two, so a slot is a hash masked. */
const MIN_SLOTS = 1024;
/** The table doubles before more than this share of its slots is filled: linear probes stay a few slots long. */
const MAX_FILL = 0.5;
/** It halves once fewer than this share are filled (but at the minimum size). */
const MIN_FILL = 0.125;

/**
 * Open addressing with linear probes; each slot a hash (0: empty) and how many keys with that hash are held. Removing
 * the last one shifts the entries probed past it back (no tombstones), so a probe always ends at the first empty slot.
 */
export class HashCounts {
  private hashes = new Int32Array(MIN_SLOTS);
  private counts = new Int32Array(MIN_SLOTS);
  private mask = MIN_SLOTS - 1;
  /** Distinct hashes held. */
  private filled = 0;

  /** Distinct hashes held (keys with the same hash count once). */
  get size(): number {
    return this.filled;
  }

  /** Whether some key with this hash is held. `hash` must not be 0. */
  has(hash: number): boolean {
    return this.hashes[this.slotOf(hash)] === hash;
  }

  add(hash: number): void {
    const slot = this.slotOf(hash);
    if (this.hashes[slot] === hash) {
      this.counts[slot]!++;
      return;
    }
    if (this.filled + 1 > MAX_FILL * (this.mask + 1)) this.resize((this.mask + 1) * 2);
    this.place(hash, 1);
    this.filled++;
  }

  /** One key with this hash is no longer held; a hash not held is ignored. */
  remove(hash: number): void {
    const { hashes, counts, mask } = this;
    let empty = this.slotOf(hash);
    if (hashes[empty] !== hash) return;
    if (--counts[empty]! > 0) return;
    hashes[empty] = 0;
    this.filled--;
    // Entries probed past the emptied slot move back into it when their home slot does not lie after it (cyclically),
    // so every entry stays reachable from its home without crossing an empty slot.
    for (let slot = (empty + 1) & mask; hashes[slot]! !== 0; slot = (slot + 1) & mask) {
      const home = hashes[slot]! & mask;
      const homeAfterEmpty = empty <= slot ? home > empty && home <= slot : home > empty || home <= slot;
      if (homeAfterEmpty) continue;
      hashes[empty] = hashes[slot]!;
      counts[empty] = counts[slot]!;
      hashes[slot] = 0;
      empty = slot;
    }
    if (this.mask + 1 > MIN_SLOTS && this.filled < MIN_FILL * (this.mask + 1)) this.resize((this.mask + 1) / 2);
  }

  /** The slot holding `hash`, or the empty slot where it would go. */
  private slotOf(hash: number): number {
    const hashes = this.hashes;
    let slot = hash & this.mask;
    while (hashes[slot]! !== 0 && hashes[slot]! !== hash) slot = (slot + 1) & this.mask;
    return slot;
  }

  private place(hash: number, count: number): void {
    const slot = this.slotOf(hash);
    this.hashes[slot] = hash;
    this.counts[slot] = count;
  }

  private resize(slots: number): void {
    const { hashes, counts } = this;
    this.hashes = new Int32Array(slots);
    this.counts = new Int32Array(slots);
    this.mask = slots - 1;
    for (let slot = 0; slot < hashes.length; slot++) if (hashes[slot]! !== 0) this.place(hashes[slot]!, counts[slot]!);
  }
}
