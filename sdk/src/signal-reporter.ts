// The signal reporter: counts errors, crashes and requests without a session (never while opted out) and sends
// the finished minutes on the app's interval, or at once after a crash. A batch the server did not confirm is
// kept and resent as it was, under the same idempotency key, so a lost answer never counts a minute twice.
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
  private unsent: { batch: SignalBatch; key: string } | undefined;

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
   * Sends the unconfirmed batch first, then the finished minutes (`everything`: the running one too, e.g. at a
   * crash); failures go to `onError` and leave a retryable batch for the next send.
   */
  async send(everything: boolean, keepalive = false): Promise<void> {
    const { deviceId, appVersion } = this.options.settings;
    if (this.options.optedOut() || !deviceId) return;
    if (!this.unsent) {
      const batch = this.counts.take(deviceId, appVersion, everything);
      if (!batch) return;
      this.unsent = { batch, key: randomHexId(this.options.random, 16) };
    }
    const { batch, key } = this.unsent;
    const { fetch, baseUrl, productKey } = this.options;
    try {
      const status = await sendSignals(fetch, baseUrl, productKey, batch, key, keepalive);
      // A refusal (bad key, a batch the server will never take) is dropped; 429 and 5xx are sent again later.
      if (status >= 400 && status < 500 && status !== 429) {
        this.unsent = undefined;
        throw new Error(`signals refused (${status})`);
      }
      if (status >= 400) throw new Error(`signals answered ${status}`);
      this.unsent = undefined;
      // Minutes that waited behind it (a crash's counts, say) go right after.
      if (everything) await this.send(true, keepalive);
    } catch (error) {
      this.options.onError(new Error(`signals not sent: ${(error as Error).message}`));
    }
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
