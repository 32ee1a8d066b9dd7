// Correlation ids made for requests that bring none: UUID-shaped, never repeated, not a visible sequence.
import { describe, expect, it } from 'vitest';
import { CorrelationIds } from '../../shared/http/correlation-id';

const UUID_V4_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Deterministic bytes, so a test can give two sources the same or different seeds. */
function bytesFrom(seed: number): (size: number) => Uint8Array {
  let state = seed;
  return (size) => Uint8Array.from({ length: size }, () => (state = (state * 1_103_515_245 + 12_345) % 2 ** 31) & 255);
}

describe('CorrelationIds', () => {
  it('makes UUID-shaped ids that do not repeat', () => {
    const ids = new CorrelationIds();
    const seen = new Set<string>();
    for (let index = 0; index < 100_000; index++) {
      const id = ids.next();
      expect(id).toMatch(UUID_V4_SHAPE);
      seen.add(id);
    }
    expect(seen.size).toBe(100_000);
  });

  it('does not count requests out loud: consecutive ids step by no fixed amount', () => {
    const ids = new CorrelationIds(bytesFrom(3));
    const tails = Array.from({ length: 50 }, () => Number.parseInt(ids.next().slice(-8), 16));
    const steps = new Set(tails.slice(1).map((tail, index) => (tail - tails[index]! + 2 ** 32) % 2 ** 32));
    expect(steps.size).toBeGreaterThan(45);
  });

  it('runs the mixed counter through distinct values (the mixing is a bijection)', () => {
    const ids = new CorrelationIds(bytesFrom(5), 2 ** 32);
    const tails = new Set(Array.from({ length: 200_000 }, () => ids.next().slice(-8)));
    expect(tails.size).toBe(200_000);
  });

  it('draws a new prefix from its random source once a seed has given all its ids, and still repeats none', () => {
    const ids = new CorrelationIds(bytesFrom(11), 4);
    const first = Array.from({ length: 4 }, () => ids.next());
    const second = Array.from({ length: 4 }, () => ids.next());
    expect(new Set(first.map((id) => id.slice(0, 28))).size).toBe(1);
    expect(second[0]!.slice(0, 28)).not.toBe(first[0]!.slice(0, 28));
    expect(new Set([...first, ...second]).size).toBe(8);
    for (const id of [...first, ...second]) expect(id).toMatch(UUID_V4_SHAPE);
  });

  it('gives different ids in two processes (two random sources)', () => {
    const one = new CorrelationIds(bytesFrom(1));
    const other = new CorrelationIds(bytesFrom(2));
    expect(one.next()).not.toBe(other.next());
  });
});
