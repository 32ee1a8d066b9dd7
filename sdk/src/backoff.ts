// When to try again: the poll and the sender share these rules, so neither ever calls more often than the server allows.
import type { SdkRandom } from './runtime.js';

/** `Retry-After` as delta-seconds or an HTTP date, in milliseconds from now; undefined when absent or unreadable. */
export function retryAfterInMs(header: string | null, nowInMs: number): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowInMs);
}

/** At least `floorInMs`, plus up to `spread` of it at random, so a fleet of devices does not poll in step. */
export function jitterUp(floorInMs: number, random: SdkRandom, spread = 0.2): number {
  return Math.round(floorInMs * (1 + spread * random.next()));
}

/**
 * Exponential backoff after `failures` consecutive failures, with "equal jitter" (half fixed, half random),
 * never below `floorInMs` (the server's interval or its Retry-After) and never above `capInMs`.
 */
export function backoffDelay(failures: number, options: { baseInMs: number; capInMs: number; floorInMs: number }, random: SdkRandom): number {
  const exponential = Math.min(options.capInMs, options.baseInMs * 2 ** Math.max(0, failures - 1));
  const jittered = exponential / 2 + (exponential / 2) * random.next();
  return Math.round(Math.max(options.floorInMs, Math.min(options.capInMs, jittered)));
}

/** 429 and 5xx are worth retrying; any other 4xx means the request itself is wrong or no longer allowed. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 408 || status >= 500;
}
