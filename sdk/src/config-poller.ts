// The config poll: asks the server whether a session targets this device, with ETag/304, Retry-After
// and jittered backoff, and never more often than the server's pollIntervalSeconds.
import { backoffDelay, jitterUp, retryAfterInMs } from './backoff.js';
import type { FetchFunction, SdkClock, SdkRandom, SdkTimers, TimerHandle } from './runtime.js';
import type { DeviceConfig } from './wire.js';

export interface DeviceIdentity {
  deviceId?: string;
  anonymousId?: string;
  appSessionId?: string;
  userId?: string;
}

export interface ConfigPollerOptions {
  baseUrl: string;
  productKey: string;
  identity: DeviceIdentity;
  platform?: string;
  appVersion?: string;
  /** A bearer token for the signed-in user: the only way a session targeting a user matches. */
  userToken?: () => string | undefined | Promise<string | undefined>;
  fetch: FetchFunction;
  clock: SdkClock;
  timers: SdkTimers;
  random: SdkRandom;
  /** Used until the server has said its interval. */
  initialIntervalInMs: number;
  maxBackoffInMs: number;
  onConfig: (config: DeviceConfig) => void | Promise<void>;
  /** The server answered 304: the config the last `onConfig` gave still holds. */
  onUnchanged?: () => void;
  onError: (error: Error) => void;
}

export type PollOutcome = 'changed' | 'not_modified' | 'rate_limited' | 'failed' | 'too_soon';

export class ConfigPoller {
  private etag: string | undefined;
  private intervalInMs: number;
  private failures = 0;
  /** The earliest time the server allows the next poll: the last poll plus its interval, or its Retry-After. */
  private earliestAllowedAt = 0;
  private timer: TimerHandle | undefined;
  private running = false;
  private inFlight: Promise<PollOutcome> | undefined;
  /** A Retry-After the server gave with its last answer. */
  private serverFloorInMs = 0;
  /** When the next poll is due (epoch ms), for tests and diagnostics. */
  nextPollAt: number | undefined;

  constructor(private readonly options: ConfigPollerOptions) {
    this.intervalInMs = options.initialIntervalInMs;
  }

  /** Polls once now, then keeps polling on the schedule the answers dictate. */
  async start(): Promise<PollOutcome> {
    this.running = true;
    return this.pollAndSchedule();
  }

  /**
   * Polls now if the server's interval (or its Retry-After, or the backoff) has passed since the last poll,
   * e.g. when the app comes to the foreground; otherwise leaves the schedule alone and answers 'too_soon'.
   */
  async pollNow(): Promise<PollOutcome> {
    if (!this.running) return 'too_soon';
    if (this.inFlight) return this.inFlight;
    if (this.nextPollAt !== undefined && this.options.clock.now() < this.earliestAllowedAt) return 'too_soon';
    return this.pollAndSchedule();
  }

  stop(): void {
    this.running = false;
    if (this.timer !== undefined) this.options.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.nextPollAt = undefined;
  }

  private pollAndSchedule(): Promise<PollOutcome> {
    // Single flight: a poll never overlaps another one.
    this.inFlight ??= this.pollOnce()
      .then(({ outcome, delayInMs }) => {
        if (this.running) this.schedule(delayInMs);
        return outcome;
      })
      .finally(() => {
        this.inFlight = undefined;
      });
    return this.inFlight;
  }

  private schedule(delayInMs: number): void {
    if (this.timer !== undefined) this.options.timers.clearTimeout(this.timer);
    this.earliestAllowedAt = this.options.clock.now() + Math.min(delayInMs, Math.max(this.intervalInMs, this.serverFloorInMs));
    this.nextPollAt = this.options.clock.now() + delayInMs;
    this.timer = this.options.timers.setTimeout(() => {
      this.timer = undefined;
      return this.pollAndSchedule().then(() => undefined);
    }, delayInMs);
  }

  private async pollOnce(): Promise<{ outcome: PollOutcome; delayInMs: number }> {
    const { options } = this;
    let response: Response;
    try {
      response = await options.fetch(await this.requestUrl(), { method: 'GET', headers: await this.requestHeaders() });
    } catch (error) {
      return this.failed(new Error(`config poll failed: ${(error as Error).message}`));
    }
    if (response.status === 304) {
      this.failures = 0;
      options.onUnchanged?.();
      return { outcome: 'not_modified', delayInMs: jitterUp(this.intervalInMs, options.random) };
    }
    this.serverFloorInMs = 0;
    if (response.status === 429) {
      const retryAfter = retryAfterInMs(response.headers.get('retry-after'), options.clock.now()) ?? this.intervalInMs;
      this.serverFloorInMs = retryAfter;
      await response.body?.cancel().catch(() => undefined);
      return { outcome: 'rate_limited', delayInMs: jitterUp(Math.max(retryAfter, this.intervalInMs), options.random, 0.1) };
    }
    if (!response.ok) {
      const retryAfter = retryAfterInMs(response.headers.get('retry-after'), options.clock.now());
      this.serverFloorInMs = retryAfter ?? 0;
      await response.body?.cancel().catch(() => undefined);
      return this.failed(new Error(`config poll answered ${response.status}`), retryAfter);
    }
    let config: DeviceConfig;
    try {
      config = parseDeviceConfig(await response.json());
    } catch (error) {
      return this.failed(error as Error);
    }
    this.failures = 0;
    this.etag = response.headers.get('etag') ?? undefined;
    this.intervalInMs = config.pollIntervalSeconds * 1000;
    try {
      await options.onConfig(config);
    } catch (error) {
      options.onError(error as Error);
    }
    return { outcome: 'changed', delayInMs: jitterUp(this.intervalInMs, options.random) };
  }

  private failed(error: Error, retryAfter?: number): { outcome: PollOutcome; delayInMs: number } {
    this.failures += 1;
    this.options.onError(error);
    const floorInMs = Math.max(this.intervalInMs, retryAfter ?? 0);
    return {
      outcome: 'failed',
      delayInMs: backoffDelay(
        this.failures,
        { baseInMs: this.intervalInMs * 2, capInMs: Math.max(this.options.maxBackoffInMs, floorInMs), floorInMs },
        this.options.random,
      ),
    };
  }

  private async requestUrl(): Promise<string> {
    const { identity, platform, appVersion } = this.options;
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries({ ...identity, platform, appVersion })) if (value) query.set(name, value);
    return `${this.options.baseUrl}/api/diagnostics/config?${query.toString()}`;
  }

  private async requestHeaders(): Promise<Record<string, string>> {
    const headers: Record<string, string> = { 'x-diagnostics-key': this.options.productKey, accept: 'application/json' };
    if (this.etag) headers['if-none-match'] = this.etag;
    const token = await this.options.userToken?.();
    if (token) headers.authorization = `Bearer ${token}`;
    return headers;
  }
}

/** A light shape check: the server is trusted, but a proxy's HTML error page must not become a session. */
export function parseDeviceConfig(body: unknown): DeviceConfig {
  const candidate = body as Partial<DeviceConfig> | null;
  if (!candidate || typeof candidate.active !== 'boolean' || typeof candidate.pollIntervalSeconds !== 'number' || candidate.pollIntervalSeconds <= 0) {
    throw new Error('config poll answered an unexpected body');
  }
  const session = candidate.session;
  if (candidate.active && (!session || typeof session.id !== 'string' || typeof session.ingestToken !== 'string' || typeof session.capture !== 'object')) {
    throw new Error('config poll answered an active config without a usable session');
  }
  return candidate as DeviceConfig;
}
