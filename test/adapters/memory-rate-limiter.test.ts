// The in-process limiter: sliding windows per key, and a sweep that never forgets a key of a longer rule.
import { describe, expect, it } from 'vitest';
import { MemoryRateLimiter } from '../../shared/adapters/memory/memory-rate-limiter';

function clockAt(start: number) {
  let now = start;
  return { clock: { now: () => new Date(now) }, advance: (milliseconds: number) => (now += milliseconds) };
}

describe('MemoryRateLimiter', () => {
  it('allows the limit per window and says when to retry', () => {
    const { clock, advance } = clockAt(1_000_000);
    const limiter = new MemoryRateLimiter(clock);
    const rule = { limit: 2, windowInMs: 10_000 };
    expect(limiter.take('k', rule)).toEqual({ allowed: true });
    advance(4_000);
    expect(limiter.take('k', rule)).toEqual({ allowed: true });
    expect(limiter.take('k', rule)).toEqual({ allowed: false, retryAfterSeconds: 6 });
    advance(6_001);
    expect(limiter.take('k', rule)).toEqual({ allowed: true });
  });

  it('keeps an hourly key through sweeps triggered by many short-window keys', () => {
    const { clock, advance } = clockAt(1_000_000);
    const limiter = new MemoryRateLimiter(clock);
    const hourly = { limit: 1, windowInMs: 3_600_000 };
    expect(limiter.take('admin', hourly)).toEqual({ allowed: true });
    advance(10_000);
    // More than the sweep threshold of devices, each polling once under a 5 s rule.
    for (let device = 0; device < 50_001; device++) limiter.take(`poll:${device}`, { limit: 1, windowInMs: 5_000 });
    advance(6_000);
    limiter.take('poll:late', { limit: 1, windowInMs: 5_000 });
    expect(limiter.size).toBeLessThan(100);
    expect(limiter.take('admin', hourly).allowed).toBe(false);
  });

  it('keeps a one-call key set again after it expired while the keys around it expire and are dropped', () => {
    const { clock, advance } = clockAt(2_000_000);
    const limiter = new MemoryRateLimiter(clock);
    const rule = { limit: 1, windowInMs: 5_000 };
    expect(limiter.take('a', rule)).toEqual({ allowed: true });
    advance(1_000);
    expect(limiter.take('b', rule)).toEqual({ allowed: true });
    advance(4_500);
    // 'a' counted until 5 s; taken again it counts until 10.5 s, behind 'b' (6 s) in expiry order.
    expect(limiter.take('a', rule)).toEqual({ allowed: true });
    advance(1_000);
    expect(limiter.take('c', rule)).toEqual({ allowed: true });
    expect(limiter.size).toBe(2);
    expect(limiter.take('b', rule)).toEqual({ allowed: true });
    expect(limiter.take('a', rule)).toEqual({ allowed: false, retryAfterSeconds: 4 });
  });

  it('answers as a plain sliding window would, for one-call and many-call rules alike, over a seeded run of calls', () => {
    const { clock, advance } = clockAt(5_000_000);
    const limiter = new MemoryRateLimiter(clock);
    const rules = { poll: { limit: 1, windowInMs: 5_000 }, batch: { limit: 3, windowInMs: 10_000 } };
    // The reference: every allowed call's time per key, the window read straight off it.
    const allowedAt = new Map<string, number[]>();
    let seed = 42;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    let now = 5_000_000;
    for (let step = 0; step < 5_000; step++) {
      const ruleName = random() < 0.5 ? 'poll' : 'batch';
      const rule = rules[ruleName];
      const key = `${ruleName}:${Math.floor(random() * 20)}`;
      const live = (allowedAt.get(key) ?? []).filter((time) => time > now - rule.windowInMs);
      const expected =
        live.length < rule.limit ? { allowed: true } : { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((live[0]! + rule.windowInMs - now) / 1000)) };
      expect(limiter.take(key, rule), `step ${step} ${key}`).toEqual(expected);
      if (expected.allowed) allowedAt.set(key, [...live, now]);
      const elapsed = Math.floor(random() * 700);
      advance(elapsed);
      now += elapsed;
    }
  });
});

describe('MemoryRateLimiter timekeeping', () => {
  it('reads nowInMs() when the clock has it, never making a Date', () => {
    let now = Date.parse('2026-12-06T03:00:00Z');
    const clock = {
      now: (): Date => {
        throw new Error('now() read');
      },
      nowInMs: () => now,
    };
    const limiter = new MemoryRateLimiter(clock);
    const rule = { limit: 1, windowInMs: 5_000 };
    expect(limiter.take('config-poll:p:device:a', rule)).toEqual({ allowed: true });
    now += 4_999;
    expect(limiter.take('config-poll:p:device:a', rule)).toEqual({ allowed: false, retryAfterSeconds: 1 });
    now += 1;
    expect(limiter.take('config-poll:p:device:a', rule)).toEqual({ allowed: true });
  });

  it('counts expiry from its own start, so far-off epoch times and a clock set back both answer as a window would', () => {
    const { clock, advance } = clockAt(Date.parse('2040-01-01T00:00:00Z'));
    const limiter = new MemoryRateLimiter(clock);
    const rule = { limit: 1, windowInMs: 5_000 };
    expect(limiter.take('k', rule)).toEqual({ allowed: true });
    // The clock steps back before the limiter was made: the key still counts until 5 s after it was set.
    advance(-60_000);
    expect(limiter.take('k', rule)).toEqual({ allowed: false, retryAfterSeconds: 65 });
    expect(limiter.take('fresh', rule)).toEqual({ allowed: true });
    advance(60_000 + 5_000);
    expect(limiter.take('k', rule)).toEqual({ allowed: true });
  });

  it('stops holding one-call keys once they expire, keeping those set since', () => {
    const { clock, advance } = clockAt(1_000_000);
    const limiter = new MemoryRateLimiter(clock);
    const rule = { limit: 1, windowInMs: 5_000 };
    for (let device = 0; device < 1_000; device++) limiter.take(`poll:${device}`, rule);
    advance(4_000);
    // A second wave, set a second before the first expires.
    for (let device = 1_000; device < 1_500; device++) limiter.take(`poll:${device}`, rule);
    expect(limiter.size).toBe(1_500);
    advance(1_000);
    // The first wave has just expired, the second has not.
    expect(limiter.take('poll:0', rule)).toEqual({ allowed: true });
    expect(limiter.take('poll:1200', rule)).toEqual({ allowed: false, retryAfterSeconds: 4 });
    advance(4_000);
    // Every key of both waves has expired by now: only the two taken since are held.
    expect(limiter.take('poll:1300', rule)).toEqual({ allowed: true });
    expect(limiter.size).toBe(2);
  });
});

describe('MemoryRateLimiter scopes', () => {
  it('counts a key within its scope only, apart from the same key elsewhere', () => {
    const { clock, advance } = clockAt(1_000_000);
    const limiter = new MemoryRateLimiter(clock);
    const productA = { limit: 1, windowInMs: 5_000, scope: 'config-poll:a:device' };
    const productB = { limit: 1, windowInMs: 5_000, scope: 'config-poll:b:device' };
    const unscoped = { limit: 1, windowInMs: 5_000 };
    expect(limiter.take('d1', productA)).toEqual({ allowed: true });
    expect(limiter.take('d1', productB)).toEqual({ allowed: true });
    expect(limiter.take('d1', unscoped)).toEqual({ allowed: true });
    expect(limiter.take('d1', productA)).toEqual({ allowed: false, retryAfterSeconds: 5 });
    // A scope rebuilt as another string of the same text is the same scope.
    expect(limiter.take('d1', { ...productA, scope: ['config-poll', 'a', 'device'].join(':') })).toEqual({ allowed: false, retryAfterSeconds: 5 });
    advance(5_000);
    expect(limiter.take('d1', productA)).toEqual({ allowed: true });
    expect(limiter.size).toBe(3);
  });

  it('carries a scoped one-call key over when the same key is taken under a many-call rule', () => {
    const { clock, advance } = clockAt(1_000_000);
    const limiter = new MemoryRateLimiter(clock);
    const once = { limit: 1, windowInMs: 10_000, scope: 's' };
    const twice = { limit: 2, windowInMs: 10_000, scope: 's' };
    expect(limiter.take('k', once)).toEqual({ allowed: true });
    advance(1_000);
    // The earlier call still counts: one more is allowed, then none until the first leaves the window.
    expect(limiter.take('k', twice)).toEqual({ allowed: true });
    expect(limiter.take('k', twice)).toEqual({ allowed: false, retryAfterSeconds: 9 });
    // Once a key has a window, a one-call take of it reads that window.
    expect(limiter.take('k', once)).toEqual({ allowed: false, retryAfterSeconds: 9 });
    expect(limiter.take('other', once)).toEqual({ allowed: true });
  });
});
