// The clock port's helpers: nowInMs with or without the clock's own method, and the system clock read once per turn.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { nowInMs, systemClockReadOncePerTurn } from '../../shared/ports/clock';

describe('nowInMs', () => {
  it("reads the clock's nowInMs() when it has one, else now()", () => {
    expect(nowInMs({ now: () => new Date(1_234), nowInMs: () => 5_678 })).toBe(5_678);
    expect(nowInMs({ now: () => new Date(1_234) })).toBe(1_234);
  });
});

describe('systemClockReadOncePerTurn', () => {
  it('gives one instant within a synchronous stretch, even as the system time moves on', () => {
    const clock = systemClockReadOncePerTurn();
    const first = clock.nowInMs!();
    const spinUntil = Date.now() + 5;
    while (Date.now() < spinUntil) {
      // Time passes without a turn of the event loop.
    }
    expect(clock.nowInMs!()).toBe(first);
    expect(clock.now().getTime()).toBe(first);
    expect(Math.abs(first - Date.now())).toBeLessThan(1_000);
  });

  it('reads the system time again once the queued microtasks have run', async () => {
    const clock = systemClockReadOncePerTurn();
    const first = clock.nowInMs!();
    await new Promise((resolve) => setTimeout(resolve, 5));
    await nextTurn();
    const later = clock.nowInMs!();
    expect(later).toBeGreaterThanOrEqual(first + 5);
    expect(Math.abs(later - Date.now())).toBeLessThan(1_000);
  });
});
