// The counting hash table behind the targeting index's pre-check: it answers as a map of counts would, through
// growth, shrinking and removals that shift probed entries back, and the string hash never answers 0.
import { describe, expect, it } from 'vitest';
import { HashCounts } from '../../shared/domain/hashing/hash-counts';
import { seededStringHash } from '../../shared/domain/hashing/string-hash';

function seededRandom(start: number): () => number {
  let seed = start;
  return () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
}

/** The reference: each hash's count in a plain map, absent at 0. */
function referenceAdd(counts: Map<number, number>, hash: number): void {
  counts.set(hash, (counts.get(hash) ?? 0) + 1);
}

function referenceRemove(counts: Map<number, number>, hash: number): void {
  const count = counts.get(hash);
  if (count === undefined) return;
  if (count === 1) counts.delete(hash);
  else counts.set(hash, count - 1);
}

describe('HashCounts', () => {
  it('answers as a map of counts over a seeded run that grows the table to ~50,000 hashes and empties it again', () => {
    const table = new HashCounts();
    const counts = new Map<number, number>();
    const random = seededRandom(11);
    // Eight values at a time share their low bits (and so their home slot), and the homes sit next to each other:
    // long probe runs, some wrapping round the table's end, and removals in the middle of them.
    const hashOf = (value: number) => ((value % 8) << 28) | ((value >>> 3) << 1) | 1;
    const check = (step: number) => {
      for (let probe = 0; probe < 8; probe++) {
        const hash = hashOf(Math.floor(random() * 80_000));
        expect(table.has(hash), `step ${step}`).toBe(counts.has(hash));
      }
    };
    for (let step = 0; step < 120_000; step++) {
      const growing = step < 70_000;
      const hash = hashOf(Math.floor(random() * 80_000));
      if (random() < (growing ? 0.8 : 0.2)) {
        table.add(hash);
        referenceAdd(counts, hash);
      } else {
        table.remove(hash);
        referenceRemove(counts, hash);
      }
      if (step % 97 === 0) check(step);
      if (step % 10_000 === 0) expect(table.size).toBe(counts.size);
    }
    for (const hash of [...counts.keys()]) {
      for (let count = counts.get(hash)!; count > 0; count--) table.remove(hash);
      counts.delete(hash);
    }
    expect(table.size).toBe(0);
    for (let value = 0; value < 2_000; value++) expect(table.has(hashOf(value))).toBe(false);
  });

  it('holds a hash until as many removals as additions, and ignores removing a hash it does not hold', () => {
    const table = new HashCounts();
    table.remove(42);
    table.add(42);
    table.add(42);
    table.remove(42);
    expect(table.has(42)).toBe(true);
    table.remove(42);
    expect(table.has(42)).toBe(false);
    expect(table.size).toBe(0);
  });

  it('keeps every entry reachable when one in a probe run that wraps past the last slot is removed', () => {
    const table = new HashCounts();
    // 1024 slots: all of these start at slot 1023 and run on past it to slots 0, 1, 2.
    const wrapping = [1023, 2047, 3071, 4095].map((hash) => hash | 0);
    for (const hash of wrapping) table.add(hash);
    table.remove(wrapping[1]!);
    expect(wrapping.map((hash) => table.has(hash))).toEqual([true, false, true, true]);
    table.remove(wrapping[0]!);
    expect(wrapping.map((hash) => table.has(hash))).toEqual([false, false, true, true]);
  });

  it('leaves an entry at its home past the table’s end where a removal before the end would strand it', () => {
    const table = new HashCounts();
    // Slots 1022 and 1023 hold two hashes at home in 1022; slot 0 one at home there; slot 1 a third from 1022.
    const [atHome, displaced, homeAtZero, wrapped] = [1022, 2046, 1024, 3070];
    for (const hash of [atHome, displaced, homeAtZero, wrapped]) table.add(hash);
    table.remove(displaced);
    expect([atHome, displaced, homeAtZero, wrapped].map((hash) => table.has(hash))).toEqual([true, false, true, true]);
  });
});

describe('seededStringHash', () => {
  it('depends on the seed and the text, and is never 0', () => {
    expect(seededStringHash('device-1', 1)).toBe(seededStringHash('device-1', 1));
    expect(seededStringHash('device-1', 1)).not.toBe(seededStringHash('device-1', 2));
    expect(seededStringHash('device-1', 1)).not.toBe(seededStringHash('device-2', 1));
    for (let value = 0; value < 10_000; value++) expect(seededStringHash(`id-${value}`, value * 7919)).not.toBe(0);
  });
});
