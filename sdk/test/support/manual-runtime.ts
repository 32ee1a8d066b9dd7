// Deterministic time, timers and randomness for SDK tests: timers run only when the test says so,
// and their callbacks' promises are awaited, so a test sees exactly what one poll or flush did.
import type { SdkClock, SdkRandom, SdkTimers } from '../../src/runtime';

interface PendingTimer {
  id: number;
  dueAt: number;
  callback: () => void | Promise<void>;
}

export class ManualRuntime implements SdkClock, SdkTimers {
  private current = Date.now();
  private nextId = 1;
  private timers: PendingTimer[] = [];

  now(): number {
    return this.current;
  }

  setTimeout(callback: () => void | Promise<void>, delayInMs: number): number {
    const id = this.nextId++;
    this.timers.push({ id, dueAt: this.current + Math.max(0, delayInMs), callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((timer) => timer.id !== handle);
  }

  /** Delays (ms from now) of the timers waiting, soonest first. */
  pendingDelays(): number[] {
    return this.timers.map((timer) => timer.dueAt - this.current).sort((a, b) => a - b);
  }

  /** Moves time to the soonest timer, runs it and waits for its work; returns the delay it had. */
  async runNext(): Promise<number | undefined> {
    const next = [...this.timers].sort((a, b) => a.dueAt - b.dueAt)[0];
    if (!next) return undefined;
    const delay = next.dueAt - this.current;
    this.current = Math.max(this.current, next.dueAt);
    this.timers = this.timers.filter((timer) => timer !== next);
    await next.callback();
    return delay;
  }

  advance(milliseconds: number): void {
    this.current += milliseconds;
  }
}

/** Seeded randomness: reproducible ids, and a jitter value the test chooses. */
export class SeededRandom implements SdkRandom {
  constructor(
    private state = 0x9e3779b9,
    public jitter = 0.5,
  ) {}

  bytes(length: number): Uint8Array {
    const bytes = new Uint8Array(length);
    for (let index = 0; index < length; index++) {
      // xorshift32
      this.state ^= this.state << 13;
      this.state ^= this.state >>> 17;
      this.state ^= this.state << 5;
      bytes[index] = this.state & 0xff;
    }
    return bytes;
  }

  next(): number {
    return this.jitter;
  }
}
