// The sender: batches items (at most 50), flushes on an interval, on size and on demand, retries only 429/5xx
// with backoff, and keeps a bounded offline buffer that drops the oldest items first and counts what it dropped.
// With a crash file (Node, `crashDirectory`), what a crash leaves unsent is written there for the next start.
import { backoffDelay, isRetryableStatus, retryAfterInMs } from './backoff.js';
import { CRASH_FILE_MAX_AGE_IN_MS, type CrashFile } from './crash-file.js';
import type { FetchFunction, SdkClock, SdkRandom, SdkTimers, TimerHandle } from './runtime.js';
import { MAX_ITEMS_PER_BATCH, type DeviceContext, type IngestBatch, type TelemetryItem } from './wire.js';

/** Every device write carries the product key and the session's ingest token (`Authorization: Bearer it1.…`). */
export function deviceHeaders(productKey: string, ingestToken: string): Record<string, string> {
  return { 'content-type': 'application/json', 'x-diagnostics-key': productKey, authorization: `Bearer ${ingestToken}` };
}

export interface SessionTarget {
  sessionId: string;
  ingestToken: string;
}

export interface TransportOptions {
  baseUrl: string;
  productKey: string;
  fetch: FetchFunction;
  clock: SdkClock;
  timers: SdkTimers;
  random: SdkRandom;
  device: () => DeviceContext;
  maxBatchItems: number;
  flushIntervalInMs: number;
  maxBufferedItems: number;
  maxBackoffInMs: number;
  onError: (error: Error) => void;
  /** Where the items a crash leaves unsent wait for the next start, with the session they belong to. */
  unsentFile?: CrashFile;
}

interface UnsentItems extends SessionTarget {
  savedAt: number;
  items: TelemetryItem[];
}

function unsentItemsOf(value: unknown, now: number): UnsentItems | undefined {
  const saved = value as Partial<UnsentItems> | undefined;
  const wellFormed =
    typeof saved?.sessionId === 'string' &&
    typeof saved.ingestToken === 'string' &&
    typeof saved.savedAt === 'number' &&
    now - saved.savedAt <= CRASH_FILE_MAX_AGE_IN_MS &&
    Array.isArray(saved.items) &&
    saved.items.every((item: Partial<TelemetryItem> | null) => typeof item?.kind === 'string' && (typeof item.id === 'string' || item.kind === 'span'));
  return wellFormed ? (saved as UnsentItems) : undefined;
}

export interface TransportStats {
  /** Items the server accepted. */
  sentItems: number;
  /** Items dropped, oldest first, because the offline buffer was full. */
  droppedItems: number;
  /** Items the server refused for good (a 4xx other than 429): retrying would not help. */
  rejectedItems: number;
  /** Batches sent again after a 429, a 5xx or a network failure. */
  retriedBatches: number;
  bufferedItems: number;
}

export type FlushReason = 'interval' | 'size' | 'error' | 'exit' | 'manual';

export class Transport {
  private queue: TelemetryItem[] = [];
  /** The batch being sent: a crash that ends the process before its answer keeps it with the queue. */
  private inFlight: TelemetryItem[] = [];
  private target: SessionTarget | undefined;
  private flushing: Promise<void> | undefined;
  private timer: TimerHandle | undefined;
  private timerDueAt: number | undefined;
  private failures = 0;
  /** No send before this time (epoch ms): set by Retry-After and backoff. */
  private blockedUntil = 0;
  private readonly stats = { sentItems: 0, droppedItems: 0, rejectedItems: 0, retriedBatches: 0 };

  constructor(private readonly options: TransportOptions) {
    options.maxBatchItems = Math.min(Math.max(1, options.maxBatchItems), MAX_ITEMS_PER_BATCH);
  }

  /** Items are sent only while there is a target; without one nothing leaves the device. */
  setTarget(target: SessionTarget | undefined): void {
    const changed = target?.sessionId !== this.target?.sessionId;
    this.target = target;
    if (changed) {
      // Items belong to the session they were captured for: never hand them to another one.
      this.queue = [];
      this.failures = 0;
      this.blockedUntil = 0;
    }
    if (!target) this.cancelTimer();
  }

  enqueue(item: TelemetryItem, reason?: FlushReason): void {
    if (!this.target) return;
    this.queue.push(item);
    this.trimToBound();
    if (reason) this.flushSoon(reason);
    else if (this.queue.length >= this.options.maxBatchItems) this.flushSoon('size');
    else this.armTimer(this.options.flushIntervalInMs);
  }

  deviceContext(): DeviceContext {
    return this.options.device();
  }

  getStats(): TransportStats {
    return { ...this.stats, bufferedItems: this.queue.length };
  }

  /** Sends everything buffered now (unless the server asked to wait); resolves when done or blocked. */
  flush(options: { keepalive?: boolean } = {}): Promise<void> {
    // One drain at a time; a flush asked for during one runs after it, so items queued meanwhile go too.
    if (this.flushing) return this.flushing.then(() => (this.queue.length > 0 ? this.flush(options) : undefined));
    const drain = this.drain(options.keepalive ?? false).finally(() => {
      if (this.flushing === drain) this.flushing = undefined;
    });
    this.flushing = drain;
    return drain;
  }

  /** Drops everything: the user opted out or the session ended. */
  clear(): void {
    this.queue = [];
    this.cancelTimer();
    this.options.unsentFile?.remove();
  }

  /**
   * At a crash while a session collects: the batch on its way and the queue (the crash's own fatal log among them)
   * are written to the unsent file, synchronously, with the session and its ingest token, in case the crash ends the
   * process before they are sent. The next start sends them (`sendWhatACrashLeft`).
   */
  keepUnsent(): void {
    const file = this.options.unsentFile;
    const target = this.target;
    const items = [...this.inFlight, ...this.queue];
    if (!file || !target || items.length === 0) return;
    try {
      file.write({ sessionId: target.sessionId, ingestToken: target.ingestToken, savedAt: this.options.clock.now(), items } satisfies UnsentItems);
    } catch {
      // The crash goes on whatever happens here; the items stay in memory if the process does.
    }
  }

  /**
   * Sends what an earlier process's crash left, to the session it was captured for, under that session's token
   * (the same item ids: a batch that did arrive before the crash is stored once). The file goes once every batch is
   * sent or refused for good (an ended session, an expired token); a batch to retry keeps it for the next start.
   */
  async sendWhatACrashLeft(): Promise<void> {
    const file = this.options.unsentFile;
    const value = file?.read();
    if (!file || value === undefined) return;
    const saved = unsentItemsOf(value, this.options.clock.now());
    if (saved) {
      for (let start = 0; start < saved.items.length; start += this.options.maxBatchItems) {
        const outcome = await this.send(saved, saved.items.slice(start, start + this.options.maxBatchItems), false);
        if (outcome === 'retry') return;
      }
    }
    file.remove();
  }

  dispose(): void {
    this.cancelTimer();
  }

  private flushSoon(_reason: FlushReason): void {
    void this.flush();
  }

  private trimToBound(): void {
    const excess = this.queue.length - this.options.maxBufferedItems;
    if (excess > 0) {
      this.queue.splice(0, excess);
      this.stats.droppedItems += excess;
    }
  }

  private async drain(keepalive: boolean): Promise<void> {
    while (this.target && this.queue.length > 0) {
      const waitInMs = this.blockedUntil - this.options.clock.now();
      if (waitInMs > 0) {
        this.armTimer(waitInMs, true);
        return;
      }
      const target = this.target;
      const items = this.queue.splice(0, this.options.maxBatchItems);
      this.inFlight = items;
      const outcome = await this.send(target, items, keepalive);
      this.inFlight = [];
      if (this.target?.sessionId !== target.sessionId) return;
      if (outcome === 'retry') {
        // Put them back in front, unchanged: the same ids make the retry idempotent on the server.
        this.queue.unshift(...items);
        this.trimToBound();
        this.stats.retriedBatches += 1;
      }
    }
    if (this.queue.length > 0) this.armTimer(this.options.flushIntervalInMs);
  }

  private async send(target: SessionTarget, items: TelemetryItem[], keepalive: boolean): Promise<'sent' | 'retry' | 'rejected'> {
    const batch: IngestBatch = { sessionId: target.sessionId, device: this.options.device(), optedOut: false, items };
    let response: Response;
    try {
      response = await this.options.fetch(`${this.options.baseUrl}/api/diagnostics/ingest`, {
        method: 'POST',
        headers: deviceHeaders(this.options.productKey, target.ingestToken),
        body: JSON.stringify(batch),
        keepalive,
      });
    } catch (error) {
      this.backOff(undefined);
      this.options.onError(new Error(`ingest failed: ${(error as Error).message}`));
      return 'retry';
    }
    await response.body?.cancel().catch(() => undefined);
    if (response.ok) {
      this.failures = 0;
      this.stats.sentItems += items.length;
      return 'sent';
    }
    if (isRetryableStatus(response.status)) {
      this.backOff(retryAfterInMs(response.headers.get('retry-after'), this.options.clock.now()));
      this.options.onError(new Error(`ingest answered ${response.status}; retrying later`));
      return 'retry';
    }
    this.stats.rejectedItems += items.length;
    this.options.onError(new Error(`ingest refused a batch of ${items.length} items with ${response.status}`));
    return 'rejected';
  }

  private backOff(retryAfter: number | undefined): void {
    this.failures += 1;
    const delay = backoffDelay(
      this.failures,
      { baseInMs: 1000, capInMs: Math.max(this.options.maxBackoffInMs, retryAfter ?? 0), floorInMs: retryAfter ?? 0 },
      this.options.random,
    );
    this.blockedUntil = this.options.clock.now() + delay;
  }

  /**
   * One timer at a time. An interval flush keeps whatever timer is armed (a flush re-checks the backoff anyway);
   * a backoff replaces a timer that would fire before the server lets us send again.
   */
  private armTimer(delayInMs: number, backoff = false): void {
    const dueAt = this.options.clock.now() + delayInMs;
    if (this.timer !== undefined && (!backoff || (this.timerDueAt ?? 0) >= dueAt)) return;
    this.cancelTimer();
    this.timerDueAt = dueAt;
    this.timer = this.options.timers.setTimeout(() => {
      this.timer = undefined;
      this.timerDueAt = undefined;
      return this.flush();
    }, delayInMs);
  }

  private cancelTimer(): void {
    if (this.timer !== undefined) this.options.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerDueAt = undefined;
  }
}
