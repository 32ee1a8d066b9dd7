// The signal reporter: counts errors, crashes and requests without a session (never while opted out) and sends
// the finished minutes on the app's interval, or at once after a crash. A batch the server did not confirm is
// kept and resent as it was, under the same idempotency key, so a lost answer never counts a minute twice. With a
// crash file (Node, `crashDirectory`), what a crash could not send is written there for the next start to send.
import type { CrashFile } from './crash-file.js';
import { randomHexId, type FetchFunction, type SdkClock, type SdkRandom, type SdkTimers, type TimerHandle } from './runtime.js';
import { errorFingerprint, sendSignals, SignalAggregator } from './signals.js';
import { describeError } from './tracing.js';
import type { SignalBatch } from './wire.js';

export interface SignalReporterOptions {
  /** Read at each send and schedule, as the app's options may change. */
  settings: { deviceId?: string; appVersion?: string; signals?: { intervalInMs?: number } };
  baseUrl: string;
  productKey: string;
  /** The SDK's own fetch, never the wrapped one. */
  fetch: FetchFunction;
  clock: SdkClock;
  timers: SdkTimers;
  random: SdkRandom;
  optedOut: () => boolean;
  onError: (error: Error) => void;
  /** Where the batches still unsent at a crash wait for the next start. */
  unsentFile?: CrashFile;
}

interface PendingBatch {
  batch: SignalBatch;
  key: string;
}

/** The batches a file holds, or undefined when it holds anything else. */
function pendingBatches(value: unknown): PendingBatch[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const wellFormed = value.every(
    (entry: Partial<PendingBatch> | null) =>
      typeof entry?.key === 'string' && /^[0-9a-f]{1,64}$/.test(entry.key) && typeof entry.batch?.deviceId === 'string' && Array.isArray(entry.batch.counters),
  );
  return wellFormed ? (value as PendingBatch[]) : undefined;
}

/** The fingerprint an error is counted under: its type and top frame, never its message. */
function fingerprintOf(error: unknown): string {
  const described = describeError(error);
  return errorFingerprint(described.type, described.stack);
}

export class SignalReporter {
  private readonly counts: SignalAggregator;
  private running = false;
  private timer: TimerHandle | undefined;
  /** Batches taken but not confirmed, oldest first: each is sent again as it was, under its key. */
  private pending: PendingBatch[] = [];
  /** Whether the unsent file holds batches (written at a crash, or read back at the start). */
  private fileHolds = false;

  constructor(private readonly options: SignalReporterOptions) {
    this.counts = new SignalAggregator(options.clock);
  }

  /** Sends on `signals.intervalInMs` (when set) until `stop()`. */
  start(): void {
    this.running = true;
    this.schedule();
  }

  stop(): void {
    this.running = false;
    if (this.timer !== undefined) this.options.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }

  countError(error: unknown): void {
    if (!this.options.optedOut()) this.counts.count('errors', { fingerprint: fingerprintOf(error) });
  }

  countCrash(error: unknown): void {
    if (!this.options.optedOut()) this.counts.count('crashes', { fingerprint: fingerprintOf(error) });
  }

  countRequest(url: string, status: number | undefined, durationMs: number, startedAt: number): void {
    if (!this.options.optedOut()) this.counts.request(url, status, durationMs, startedAt);
  }

  /**
   * At a crash, before its report is sent: every minute counted (the running one too) is taken into the pending
   * batches, and with a file they are written there, synchronously, for the next start should the crash end the
   * process before the report's request completes.
   */
  keepUnsent(): void {
    const { deviceId, appVersion } = this.options.settings;
    if (this.options.optedOut() || !deviceId) return;
    for (let batch = this.counts.take(deviceId, appVersion, true); batch; batch = this.counts.take(deviceId, appVersion, true)) {
      this.pending.push({ batch, key: randomHexId(this.options.random, 16) });
    }
    const file = this.options.unsentFile;
    if (!file || this.pending.length === 0) return;
    try {
      file.write(this.pending);
      this.fileHolds = true;
    } catch {
      // The crash goes on whatever happens here; the batches stay in memory if the process does.
    }
  }

  /** Takes back the batches an earlier process could not send at its crash; true when there are any to send. */
  restoreUnsent(): boolean {
    const file = this.options.unsentFile;
    const value = file?.read();
    if (!file || value === undefined) return false;
    const batches = pendingBatches(value);
    if (!batches) {
      file.remove();
      return false;
    }
    this.pending.unshift(...batches);
    this.fileHolds = true;
    return batches.length > 0;
  }

  /** Whether batches wait to be sent again (a crash's report, kept while offline or after a failed send). */
  hasPending(): boolean {
    return this.pending.length > 0;
  }

  /** Drops the counts and the pending batches, the file's too (the user opted out). */
  clear(): void {
    this.counts.clear();
    this.pending = [];
    this.fileHolds = false;
    this.options.unsentFile?.remove();
  }

  /**
   * Sends the unconfirmed batches first, then the finished minutes (`everything`: the running one too, e.g. at a
   * crash); failures go to `onError` and leave the batch for the next send.
   */
  async send(everything: boolean, keepalive = false): Promise<void> {
    const { deviceId, appVersion } = this.options.settings;
    if (this.options.optedOut() || !deviceId) return;
    const { fetch, baseUrl, productKey } = this.options;
    for (;;) {
      if (this.pending.length === 0) {
        const batch = this.counts.take(deviceId, appVersion, everything);
        if (!batch) break;
        this.pending.push({ batch, key: randomHexId(this.options.random, 16) });
      }
      const sending = this.pending[0]!;
      try {
        const status = await sendSignals(fetch, baseUrl, productKey, sending.batch, sending.key, keepalive);
        // A refusal (bad key, a batch the server will never take) is dropped; 429 and 5xx are sent again later.
        if (status >= 400 && status < 500 && status !== 429) {
          this.settled(sending);
          throw new Error(`signals refused (${status})`);
        }
        if (status >= 400) throw new Error(`signals answered ${status}`);
        this.settled(sending);
        // Minutes that waited behind it (a crash's counts, say) go right after, only once asked for everything.
        if (!everything && this.pending.length === 0) break;
      } catch (error) {
        this.options.onError(new Error(`signals not sent: ${(error as Error).message}`));
        return;
      }
    }
    // Everything went: what the file held went with it.
    if (this.fileHolds && this.pending.length === 0) {
      this.fileHolds = false;
      this.options.unsentFile?.remove();
    }
  }

  private settled(batch: PendingBatch): void {
    if (this.pending[0] === batch) this.pending.shift();
  }

  private schedule(): void {
    const interval = this.options.settings.signals?.intervalInMs;
    if (!interval || !this.running) return;
    this.timer = this.options.timers.setTimeout(async () => {
      await this.send(false);
      this.schedule();
    }, interval);
  }
}
