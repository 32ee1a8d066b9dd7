// The one-call keys' hash table: it answers as a plain map of expiries would, through rebuilds, taken-over slots and forgets.
import { describe, expect, it } from 'vitest';
import { OneCallKeys } from '../../shared/adapters/memory/one-call-keys';

const WINDOW_IN_MS = 5_000;

/** The reference: each key's expiry in a plain map, never forgotten unless told. */
function referenceTake(expiries: Map<string, number>, key: string, now: number) {
  const expiry = expiries.get(key);
  if (expiry !== undefined && expiry > now) return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((expiry - now) / 1000)) };
  expiries.set(key, now + WINDOW_IN_MS);
  return { allowed: true };
}

describe('OneCallKeys', () => {
  it('answers as a map of expiries over a seeded run that grows the table, expires keys and reuses their slots', () => {
    const keys = new OneCallKeys(WINDOW_IN_MS, 0);
    const expiries = new Map<string, number>();
    let seed = 7;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    let now = 0;
    let lastTakeAt = 0;
    // Bursts of new devices (past the first rebuilds) mixed with repeats of recent ones, then quieter stretches.
    for (let step = 0; step < 60_000; step++) {
      const burst = Math.floor(step / 10_000) % 2 === 0;
      const key = `device-${Math.floor(random() * (burst ? 40_000 : 500))}`;
      expect(keys.take(key, now), `step ${step} ${key}`).toEqual(referenceTake(expiries, key, now));
      lastTakeAt = now;
      now += Math.floor(random() * (burst ? 2 : 40));
    }
    // `size` counts the keys live at the latest take.
    const live = [...expiries.values()].filter((expiry) => expiry > lastTakeAt).length;
    expect(keys.size).toBe(live);
  });

  it('hands back a forgotten key’s expiry once, and takes the key afresh after', () => {
    const keys = new OneCallKeys(WINDOW_IN_MS, 1_000);
    // Enough keys that some share probe runs: forgetting one must not hide the keys filed past it.
    for (let device = 0; device < 600; device++) expect(keys.take(`d${device}`, 1_000)).toEqual({ allowed: true });
    expect(keys.forget('d17')).toBe(6_000);
    expect(keys.forget('d17')).toBeUndefined();
    for (let device = 0; device < 600; device++) {
      if (device !== 17) expect(keys.take(`d${device}`, 2_000), `d${device}`).toEqual({ allowed: false, retryAfterSeconds: 4 });
    }
    expect(keys.take('d17', 2_000)).toEqual({ allowed: true });
    expect(keys.size).toBe(600);
  });

  it('tells apart keys of the same text built as different strings', () => {
    const keys = new OneCallKeys(WINDOW_IN_MS, 0);
    expect(keys.take(['bench', 'device', '1'].join('-'), 0)).toEqual({ allowed: true });
    expect(keys.take('bench-device-1', 10)).toEqual({ allowed: false, retryAfterSeconds: 5 });
    expect(keys.take('bench-device-10', 10)).toEqual({ allowed: true });
  });
});
