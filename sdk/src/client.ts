// DiagnosticsClient: the one object an app embeds. It polls for a debug session targeting this device and,
// only while one is active (and consented, and the user has not opted out), captures and sends telemetry.
// A facade: the consent gate, the recorder and the instrumentation do the work; it wires them and owns the
// one question they all ask, "which session collects now?".
import { ConfigPoller, type DeviceIdentity } from './config-poller.js';
import { ConsentGate, type ConsentRequest } from './consent-gate.js';
import { collectDeviceContext, runtimeSaysOnline } from './device-context.js';
import { instrument, type GlobalScope, type InstrumentFlags, type NetworkOptions } from './instrumentation.js';
import { crashFileIn } from './crash-file.js';
import { defaultPreCrashBufferOptions, PreCrashBuffer } from './pre-crash-buffer.js';
import { Recorder, type TraceOptions } from './recorder.js';
import { systemClock, systemRandom, systemTimers, type FetchFunction, type SdkClock, type SdkRandom, type SdkTimers } from './runtime.js';
import type { ScreenshotCapturer, ScreenshotTrigger } from './screenshots.js';
import { SignalReporter } from './signal-reporter.js';
import type { Span, SpanContext } from './tracing.js';
import { Transport, type TransportStats } from './transport.js';
import type { ActiveSession, Attributes, DeviceConfig, LogLevel } from './wire.js';

export type { ConsentRequest } from './consent-gate.js';
export type { TraceOptions } from './recorder.js';

/**
 * The files in `crashDirectory`: the minute frozen at a crash, the signal batches a crash could not send, and the
 * items a collecting session had not sent (with the session and its ingest token).
 */
export const PRE_CRASH_FILE = 'remote-diagnostics-pre-crash.json';
export const UNSENT_SIGNALS_FILE = 'remote-diagnostics-unsent-signals.json';
export const UNSENT_ITEMS_FILE = 'remote-diagnostics-unsent-items.json';

export interface DiagnosticsClientOptions extends DeviceIdentity {
  /** Base URL of the diagnostics service, e.g. `https://diag.example.com` (the SDK adds `/api/diagnostics/...`). */
  endpoint: string;
  /** The product ingest key (`dk_<product>_...`): identifies the app, sent as `x-diagnostics-key`. */
  productKey: string;
  /** A bearer token for the signed-in user; needed only for sessions that target a user id. */
  userToken?: () => string | undefined | Promise<string | undefined>;
  appVersion?: string;
  /** Overrides the detected platform name. */
  platform?: string;
  /**
   * Asked once per session that requires consent, before anything is captured. Without a callback such
   * sessions collect nothing. The answer is recorded with the server.
   */
  onConsentRequest?: (request: ConsentRequest) => boolean | Promise<boolean>;
  /** Start opted out (the user said no to diagnostics); change later with `setOptedOut`. */
  optedOut?: boolean;
  /** The app's screenshot function (in browsers, e.g. a canvas-based capturer the app brings). */
  captureScreenshot?: ScreenshotCapturer;
  network?: NetworkOptions;
  /** Which globals the client instruments while started. All on by default. */
  instrument?: InstrumentFlags;
  /** At most 50 (the server's limit). */
  maxBatchItems?: number;
  flushIntervalInMs?: number;
  /** The offline buffer: beyond it the oldest items are dropped and counted. */
  maxBufferedItems?: number;
  maxBackoffInMs?: number;
  /** Used until the server says its poll interval. */
  initialPollIntervalInMs?: number;
  /**
   * The last minute of logs, breadcrumbs and network captures kept in memory without a session, so a session a
   * crash opens starts with what led to it. Sent only when such a session asks for it. On by default.
   */
  preCrashBuffer?: { enabled?: boolean; windowInMs?: number; maxBytes?: number };
  /**
   * Signals without a session (needs `deviceId`): a crash is reported at once (a crash rule may open a session
   * for this device), and with `intervalInMs` per-minute counters of errors, requests, 5xx and latency by
   * route template are sent on that interval. Never message text or URLs.
   */
  signals?: { crashReports?: boolean; intervalInMs?: number };
  /**
   * Node only: a directory where a crash leaves what the next start must finish, as the crash ends the process before
   * anything asynchronous completes: the minute frozen for the crash session, the crash report (with the minutes
   * counted), and a collecting session's items not yet sent. The next `start()` reads them back, sends the report and
   * the items beside its first poll and the minute to the session the crash opened; each file goes once sent, when the
   * user opts out, or unsent after 24 h. Browsers ignore it: a page outlives its errors.
   */
  crashDirectory?: string;
  /** The SDK's own failures (network, refusals); never thrown into the app. */
  onError?: (error: Error) => void;
  /** Injectable for tests; the defaults are the runtime's. */
  fetch?: FetchFunction;
  clock?: SdkClock;
  timers?: SdkTimers;
  random?: SdkRandom;
  /**
   * Where console capture and fetch wrapping install (default `globalThis`). A scope with `addEventListener`
   * is also where error, page-hide and online events are listened to, as on a browser window.
   */
  globalScope?: GlobalScope;
}

export interface DiagnosticsStats extends TransportStats {
  breadcrumbsBuffered: number;
  screenshotsUploaded: number;
  sessionId?: string;
}

export class DiagnosticsClient {
  private readonly baseUrl: string;
  private readonly clock: SdkClock;
  private readonly poller: ConfigPoller;
  private readonly transport: Transport;
  private readonly consent: ConsentGate;
  private readonly recorder: Recorder;
  private readonly preCrash: PreCrashBuffer | undefined;
  private readonly signals: SignalReporter | undefined;
  private session: ActiveSession | undefined;
  private optedOut: boolean;
  private started = false;
  private uninstall: (() => void) | undefined;

  constructor(private readonly options: DiagnosticsClientOptions) {
    if (!options.endpoint) throw new Error('DiagnosticsClient needs an endpoint');
    if (!options.productKey) throw new Error('DiagnosticsClient needs a productKey');
    if (!options.deviceId && !options.anonymousId && !options.appSessionId && !options.userId) {
      throw new Error('DiagnosticsClient needs at least one of deviceId, anonymousId, appSessionId, userId');
    }
    this.baseUrl = options.endpoint.replace(/\/+$/, '');
    const globalFetch = (options.globalScope?.fetch ?? globalThis.fetch)?.bind(globalThis);
    // Captured once, before any wrapping: the SDK's own calls never pass through the network capture.
    const fetchImpl = options.fetch ?? globalFetch;
    this.clock = options.clock ?? systemClock;
    const random = options.random ?? systemRandom;
    this.optedOut = options.optedOut ?? false;
    const timers = options.timers ?? systemTimers;
    const onError = (error: Error) => this.reportInternal(error);
    if (options.preCrashBuffer?.enabled ?? true) {
      this.preCrash = new PreCrashBuffer(
        {
          windowInMs: options.preCrashBuffer?.windowInMs ?? defaultPreCrashBufferOptions.windowInMs,
          maxBytes: options.preCrashBuffer?.maxBytes ?? defaultPreCrashBufferOptions.maxBytes,
        },
        crashFileIn(options.crashDirectory, PRE_CRASH_FILE),
      );
    }
    if (options.deviceId && (options.signals?.crashReports ?? true)) {
      this.signals = new SignalReporter({
        settings: options,
        baseUrl: this.baseUrl,
        productKey: options.productKey,
        fetch: fetchImpl,
        clock: this.clock,
        timers,
        random,
        optedOut: () => this.optedOut,
        onError,
        unsentFile: crashFileIn(options.crashDirectory, UNSENT_SIGNALS_FILE),
      });
    }
    this.poller = new ConfigPoller({
      baseUrl: this.baseUrl,
      productKey: options.productKey,
      identity: { deviceId: options.deviceId, anonymousId: options.anonymousId, appSessionId: options.appSessionId, userId: options.userId },
      platform: options.platform,
      appVersion: options.appVersion,
      userToken: options.userToken,
      fetch: fetchImpl,
      clock: this.clock,
      timers,
      random,
      initialIntervalInMs: options.initialPollIntervalInMs ?? 30_000,
      maxBackoffInMs: options.maxBackoffInMs ?? 300_000,
      onConfig: (config) => this.applyConfig(config),
      // A yes the server did not take is recorded again on the next poll, whatever that poll answers.
      onUnchanged: () => this.consent.observe(this.session, () => this.afterSessionChange(undefined)),
      onError,
    });
    const transport = new Transport({
      baseUrl: this.baseUrl,
      productKey: options.productKey,
      fetch: fetchImpl,
      clock: this.clock,
      timers,
      random,
      device: () => ({
        ...collectDeviceContext({ appVersion: options.appVersion, platform: options.platform }),
        ...(options.deviceId ? { deviceId: options.deviceId } : {}),
        ...(options.anonymousId ? { anonymousId: options.anonymousId } : {}),
        ...(options.appSessionId ? { appSessionId: options.appSessionId } : {}),
        // Files the session under this user on the server (its per-user index); not stored with the items.
        ...(options.userId ? { userId: options.userId } : {}),
      }),
      maxBatchItems: options.maxBatchItems ?? 50,
      flushIntervalInMs: options.flushIntervalInMs ?? 5_000,
      maxBufferedItems: options.maxBufferedItems ?? 1_000,
      maxBackoffInMs: options.maxBackoffInMs ?? 300_000,
      onError,
      unsentFile: crashFileIn(options.crashDirectory, UNSENT_ITEMS_FILE),
    });
    this.transport = transport;
    this.consent = new ConsentGate({
      ask: options.onConsentRequest,
      baseUrl: this.baseUrl,
      productKey: options.productKey,
      fetch: fetchImpl,
      device: () => transport.deviceContext(),
      onError,
    });
    this.recorder = new Recorder({
      transport,
      collecting: () => this.collectingSession(),
      optedOut: () => this.optedOut,
      started: () => this.started,
      preCrash: this.preCrash,
      signals: this.signals,
      clock: this.clock,
      random,
      fetch: fetchImpl,
      baseUrl: this.baseUrl,
      productKey: options.productKey,
      captureScreenshot: () => options.captureScreenshot,
      onError,
    });
  }

  /**
   * Installs the instrumentation and polls once; resolves after that first poll (whatever it answered),
   * without waiting for the user to answer a consent prompt (see `consentSettled()`).
   */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    // What an earlier process's crash left: its frozen minute, ready before the first poll brings the session the
    // crash opened, its crash report, and the items its session had not yet been sent, both sent beside that poll.
    if (this.optedOut) {
      this.preCrash?.clear();
      this.signals?.clear();
      this.transport.clear();
    } else {
      this.preCrash?.restore(this.clock.now());
      if (this.signals?.restoreUnsent()) void this.signals.send(false);
      void this.transport.sendWhatACrashLeft();
    }
    this.uninstall = instrument({
      settings: this.options,
      baseUrl: this.baseUrl,
      recorder: this.recorder,
      transport: this.transport,
      collecting: () => this.collectingSession(),
      optedOut: () => this.optedOut,
      signals: this.signals,
      reportCrash: (error) => this.reportCrash(error),
      onOnline: () => void this.sendWhatWaited(),
      clock: this.clock,
    });
    this.signals?.start();
    // Resolves after the first poll; a consent prompt it caused is answered in the background.
    await this.poller.start();
  }

  /** Resolves once a consent question in progress has been answered and recorded (immediately when none is). */
  consentSettled(): Promise<void> {
    return this.consent.settled();
  }

  /** Stops polling, sends what is buffered, and puts every patched global back. */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    this.poller.stop();
    this.signals?.stop();
    await this.transport.flush().catch(() => undefined);
    this.transport.setTarget(undefined);
    this.transport.dispose();
    this.uninstall?.();
    this.uninstall = undefined;
    this.session = undefined;
  }

  /** True while a session targets this device and the client is collecting for it. */
  isSessionActive(): boolean {
    return this.collectingSession() !== undefined;
  }

  /** The session currently collecting, if any. */
  get sessionId(): string | undefined {
    return this.collectingSession()?.id;
  }

  /** The user's choice: opted out means nothing is captured, buffered or sent, and what was buffered is dropped. */
  setOptedOut(optedOut: boolean): void {
    this.optedOut = optedOut;
    if (optedOut) {
      this.transport.clear();
      this.recorder.clearBreadcrumbs();
      this.preCrash?.clear();
      this.signals?.clear();
    }
    this.updateTarget();
  }

  log(level: LogLevel, message: string, context?: Attributes, options: { module?: string; error?: unknown } = {}): void {
    this.recorder.log(level, message, context, options);
  }

  debug(message: string, context?: Attributes): void {
    this.log('debug', message, context);
  }

  info(message: string, context?: Attributes): void {
    this.log('info', message, context);
  }

  warn(message: string, context?: Attributes): void {
    this.log('warn', message, context);
  }

  error(message: string, context?: Attributes): void {
    this.log('error', message, context);
  }

  /**
   * Records a breadcrumb. The last 100 are kept in memory on the device (never sent) even while no session
   * is active, so when a session starts, the recent past goes with it.
   */
  breadcrumb(message: string, category = 'app', data?: Attributes, level?: LogLevel): void {
    this.recorder.breadcrumb(message, category, data, level);
  }

  /**
   * Runs `fn` inside a span (sync or async); spans started inside get it as their parent. A throw or rejection
   * marks the span failed, records the error with its stack, and is passed on unchanged.
   */
  trace<T>(name: string, fn: (span: Span) => T, options: TraceOptions = {}): T {
    return this.recorder.trace(name, fn, options);
  }

  /** Records an error with its stack (once, however often it is passed on), flushes, and takes a screenshot if asked. */
  captureError(error: unknown, context?: Attributes, level: 'error' | 'fatal' = 'error', spanContext?: SpanContext): void {
    this.recorder.captureError(error, context, level, spanContext);
  }

  /**
   * Captures a screenshot with the app's capture function and uploads it through the SAS flow; at most one
   * every 10 s. Resolves to the screenshot id, or undefined when nothing was taken.
   */
  takeScreenshot(trigger: ScreenshotTrigger = 'manual', relatedItemId?: string): Promise<string | undefined> {
    return this.recorder.takeScreenshot(trigger, relatedItemId);
  }

  /**
   * Checks for a session now (e.g. when the app returns to the foreground), but only once the server's poll
   * interval has passed since the last poll; resolves to 'too_soon' otherwise.
   */
  refresh(): ReturnType<ConfigPoller['pollNow']> {
    return this.poller.pollNow();
  }

  /** Sends what is buffered now. */
  flush(): Promise<void> {
    return this.transport.flush();
  }

  /** Counters: what was sent, dropped (offline buffer full), refused and retried; what is buffered. */
  getStats(): DiagnosticsStats {
    return {
      ...this.transport.getStats(),
      breadcrumbsBuffered: this.recorder.breadcrumbsBuffered,
      screenshotsUploaded: this.recorder.screenshotsUploaded,
      ...(this.sessionId ? { sessionId: this.sessionId } : {}),
    };
  }

  /** The session collecting now: started, not opted out, active, unexpired and, when it asks, consented. */
  private collectingSession(): ActiveSession | undefined {
    const session = this.session;
    if (!this.started || this.optedOut || !session || session.status !== 'active') return undefined;
    if (Date.parse(session.expiresAt) <= this.clock.now()) return undefined;
    if (!this.consent.allows(session)) return undefined;
    return session;
  }

  private async applyConfig(config: DeviceConfig): Promise<void> {
    const wasCollecting = this.sessionId;
    this.session = config.active ? config.session : undefined;
    this.consent.observe(this.session, () => this.afterSessionChange(undefined));
    await this.afterSessionChange(wasCollecting);
  }

  private async afterSessionChange(wasCollecting: string | undefined): Promise<void> {
    if (wasCollecting && wasCollecting !== this.sessionId) await this.transport.flush().catch(() => undefined);
    this.updateTarget();
    if (this.sessionId && this.sessionId !== wasCollecting) {
      this.recorder.uploadPreSessionBuffer();
      this.recorder.replayBreadcrumbs();
    }
  }

  /**
   * A crash without a session: freeze the last minute, report the crash as a signal, and poll for the session a
   * crash rule may open for this device; its config then asks for the frozen minute first. Offline (a browser that
   * says so), the report waits for the device to come back online.
   */
  private async reportCrash(error: unknown): Promise<void> {
    if (!this.signals || this.optedOut) return;
    this.signals.countCrash(error);
    // Both synchronous: in Node the process may end before the report's request below completes.
    this.preCrash?.takeSnapshot(this.clock.now());
    this.signals.keepUnsent();
    if (!runtimeSaysOnline(this.options.globalScope)) return;
    await this.signals.send(true, true);
    await this.poller.pollNow().catch(() => undefined);
  }

  /** Back online: the crash report that waited, then a poll for the session the crash may have opened. */
  private async sendWhatWaited(): Promise<void> {
    if (!this.signals?.hasPending()) return;
    await this.signals.send(false);
    await this.poller.pollNow().catch(() => undefined);
  }

  private updateTarget(): void {
    const session = this.collectingSession();
    this.transport.setTarget(session ? { sessionId: session.id, ingestToken: session.ingestToken } : undefined);
  }

  private reportInternal(error: Error): void {
    try {
      this.options.onError?.(error);
    } catch {
      // The app's error hook failing must not fail the SDK.
    }
  }
}
