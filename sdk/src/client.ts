// DiagnosticsClient: the one object an app embeds. It polls for a debug session targeting this device and,
// only while one is active (and consented, and the user has not opted out), captures and sends telemetry.
import { boundAttributes } from './attributes.js';
import { ConfigPoller, type DeviceIdentity } from './config-poller.js';
import { captureConsole } from './console-capture.js';
import { collectDeviceContext, runtimeSaysOnline } from './device-context.js';
import { captureUncaughtErrors, onAppExit, type UncaughtKind } from './error-capture.js';
import { shouldCaptureUrl, matchesPattern, wrapFetch, type FetchObservation, type NetworkCaptureOptions, type UrlPattern } from './network-capture.js';
import { eventSources, randomHexId, systemClock, systemRandom, systemTimers, type FetchFunction, type SdkClock, type SdkRandom, type SdkTimers } from './runtime.js';
import { uploadScreenshot, type ScreenshotCapturer, type ScreenshotTrigger } from './screenshots.js';
import { createContextManager, describeError, isPromiseLike, RecordingSpan, traceparent, type ContextManager, type Span, type SpanContext } from './tracing.js';
import { deviceHeaders, Transport, type FlushReason, type TransportStats } from './transport.js';
import {
  clip,
  logLevels,
  MAX_MESSAGE_LENGTH,
  MAX_STACK_LENGTH,
  type ActiveSession,
  type Attributes,
  type BreadcrumbItem,
  type CaptureFlags,
  type CollectionLevel,
  type DeviceConfig,
  type LogItem,
  type LogLevel,
  type TelemetryItem,
} from './wire.js';

/** What the app's consent callback is told about the session asking to collect. */
export interface ConsentRequest {
  sessionId: string;
  collectionLevel: CollectionLevel;
  capture: CaptureFlags;
  expiresAt: string;
}

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
  network?: NetworkCaptureOptions & {
    /** Add a W3C `traceparent` header to requests to these URLs (your own APIs; never third parties by default). */
    propagateTraceContextTo?: UrlPattern[];
  };
  /** Which globals the client instruments while started. All on by default. */
  instrument?: { console?: boolean; fetch?: boolean; errors?: boolean; exit?: boolean };
  /** At most 50 (the server's limit). */
  maxBatchItems?: number;
  flushIntervalInMs?: number;
  /** The offline buffer: beyond it the oldest items are dropped and counted. */
  maxBufferedItems?: number;
  maxBackoffInMs?: number;
  /** Used until the server says its poll interval. */
  initialPollIntervalInMs?: number;
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
  globalScope?: {
    console?: Console;
    fetch?: FetchFunction;
    addEventListener?: (type: string, listener: (event: unknown) => void) => void;
    removeEventListener?: (type: string, listener: (event: unknown) => void) => void;
    document?: { visibilityState?: string };
  };
}

export interface TraceOptions {
  /** Explicit parent: needed in browsers when concurrent async work must nest correctly. */
  parent?: SpanContext;
  attributes?: Attributes;
  kind?: 'internal' | 'server' | 'client' | 'producer' | 'consumer';
}

export interface DiagnosticsStats extends TransportStats {
  breadcrumbsBuffered: number;
  screenshotsUploaded: number;
  sessionId?: string;
}

const BREADCRUMB_CAPACITY = 100;
const SCREENSHOT_MIN_GAP_IN_MS = 10_000;

const logThreshold: Record<CollectionLevel, LogLevel> = { standard: 'info', debug: 'debug', trace: 'trace' };
const consoleThreshold: Record<CollectionLevel, LogLevel> = { standard: 'warn', debug: 'info', trace: 'trace' };

function atLeast(level: LogLevel, threshold: LogLevel): boolean {
  return logLevels.indexOf(level) >= logLevels.indexOf(threshold);
}

export class DiagnosticsClient {
  private readonly baseUrl: string;
  private readonly fetchImpl: FetchFunction;
  private readonly clock: SdkClock;
  private readonly random: SdkRandom;
  private readonly poller: ConfigPoller;
  private readonly transport: Transport;
  private readonly contexts: ContextManager = createContextManager();
  private readonly breadcrumbs: { item: BreadcrumbItem; queued: boolean }[] = [];
  /**
   * Per session: 'asking' while the app's callback decides; 'granted_unrecorded' once the user said yes but the
   * server has not stored it yet (the ingest refuses data until it has); 'granted' when stored; 'denied'.
   */
  private readonly consentDecisions = new Map<string, 'asking' | 'granted_unrecorded' | 'granted' | 'denied'>();
  private readonly reportedErrors = new WeakSet<object>();
  private session: ActiveSession | undefined;
  private optedOut: boolean;
  private started = false;
  private uninstallers: (() => void)[] = [];
  private pendingConsent: Promise<void> | undefined;
  private lastScreenshotAt = Number.NEGATIVE_INFINITY;
  private screenshotsUploaded = 0;

  constructor(private readonly options: DiagnosticsClientOptions) {
    if (!options.endpoint) throw new Error('DiagnosticsClient needs an endpoint');
    if (!options.productKey) throw new Error('DiagnosticsClient needs a productKey');
    if (!options.deviceId && !options.anonymousId && !options.appSessionId && !options.userId) {
      throw new Error('DiagnosticsClient needs at least one of deviceId, anonymousId, appSessionId, userId');
    }
    this.baseUrl = options.endpoint.replace(/\/+$/, '');
    const globalFetch = (options.globalScope?.fetch ?? globalThis.fetch)?.bind(globalThis);
    // Captured once, before any wrapping: the SDK's own calls never pass through the network capture.
    this.fetchImpl = options.fetch ?? globalFetch;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? systemRandom;
    this.optedOut = options.optedOut ?? false;
    const timers = options.timers ?? systemTimers;
    const onError = (error: Error) => this.reportInternal(error);
    this.poller = new ConfigPoller({
      baseUrl: this.baseUrl,
      productKey: options.productKey,
      identity: { deviceId: options.deviceId, anonymousId: options.anonymousId, appSessionId: options.appSessionId, userId: options.userId },
      platform: options.platform,
      appVersion: options.appVersion,
      userToken: options.userToken,
      fetch: this.fetchImpl,
      clock: this.clock,
      timers,
      random: this.random,
      initialIntervalInMs: options.initialPollIntervalInMs ?? 30_000,
      maxBackoffInMs: options.maxBackoffInMs ?? 300_000,
      onConfig: (config) => this.applyConfig(config),
      onError,
    });
    this.transport = new Transport({
      baseUrl: this.baseUrl,
      productKey: options.productKey,
      fetch: this.fetchImpl,
      clock: this.clock,
      timers,
      random: this.random,
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
    });
  }

  /**
   * Installs the instrumentation and polls once; resolves after that first poll (whatever it answered),
   * without waiting for the user to answer a consent prompt (see `consentSettled()`).
   */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.install();
    // Resolves after the first poll; a consent prompt it caused is answered in the background.
    await this.poller.start();
  }

  /** Resolves once a consent question in progress has been answered and recorded (immediately when none is). */
  async consentSettled(): Promise<void> {
    await this.pendingConsent;
  }

  /** Stops polling, sends what is buffered, and puts every patched global back. */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    this.poller.stop();
    await this.transport.flush().catch(() => undefined);
    this.transport.setTarget(undefined);
    this.transport.dispose();
    for (const uninstall of this.uninstallers.splice(0).reverse()) uninstall();
    this.session = undefined;
  }

  /** True while a session targets this device and the client is collecting for it. */
  isSessionActive(): boolean {
    return this.collecting();
  }

  /** The session currently collecting, if any. */
  get sessionId(): string | undefined {
    return this.collecting() ? this.session?.id : undefined;
  }

  /** The user's choice: opted out means nothing is captured, buffered or sent, and what was buffered is dropped. */
  setOptedOut(optedOut: boolean): void {
    this.optedOut = optedOut;
    if (optedOut) {
      this.transport.clear();
      this.breadcrumbs.length = 0;
    }
    this.updateTarget();
  }

  log(level: LogLevel, message: string, context?: Attributes, options: { module?: string; error?: unknown } = {}): void {
    const session = this.collectingSession();
    if (!session || !session.capture.logs || !atLeast(level, logThreshold[session.collectionLevel])) return;
    this.enqueueLog(level, message, context, options.module, options.error);
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
    if (this.optedOut) return;
    const item: BreadcrumbItem = {
      kind: 'breadcrumb',
      id: this.newItemId(),
      timestamp: this.isoNow(),
      category: clip(category || 'app', 128),
      message: clip(message, MAX_MESSAGE_LENGTH),
      ...(level ? { level } : {}),
      ...(data ? { data: boundAttributes(data) } : {}),
    };
    const entry = { item, queued: false };
    this.breadcrumbs.push(entry);
    if (this.breadcrumbs.length > BREADCRUMB_CAPACITY) this.breadcrumbs.shift();
    const session = this.collectingSession();
    if (session?.capture.breadcrumbs) {
      entry.queued = true;
      this.transport.enqueue(item);
    }
  }

  /**
   * Runs `fn` inside a span (sync or async); spans started inside get it as their parent. A throw or rejection
   * marks the span failed, records the error with its stack, and is passed on unchanged.
   */
  trace<T>(name: string, fn: (span: Span) => T, options: TraceOptions = {}): T {
    const parent = options.parent ?? this.contexts.active();
    const session = this.collectingSession();
    const span = new RecordingSpan(
      name,
      parent?.traceId ?? randomHexId(this.random, 16),
      randomHexId(this.random, 8),
      parent?.spanId,
      Boolean(session?.capture.traces),
      this.clock.now(),
      options.kind ?? 'internal',
      () => this.clock.now(),
      options.attributes ? boundAttributes(options.attributes) : {},
    );
    const context: SpanContext = { traceId: span.traceId, spanId: span.spanId };
    let result: T;
    try {
      result = this.contexts.with(context, () => fn(span));
    } catch (error) {
      this.endSpan(span, error);
      throw error;
    }
    if (isPromiseLike(result)) {
      return Promise.resolve(result).then(
        (value) => {
          this.endSpan(span);
          return value;
        },
        (error: unknown) => {
          this.endSpan(span, error);
          throw error;
        },
      ) as T;
    }
    this.endSpan(span);
    return result;
  }

  /** Records an error with its stack (once, however often it is passed on), flushes, and takes a screenshot if asked. */
  captureError(error: unknown, context?: Attributes, level: 'error' | 'fatal' = 'error', spanContext?: SpanContext): void {
    const session = this.collectingSession();
    if (!session) return;
    if (typeof error === 'object' && error !== null) {
      if (this.reportedErrors.has(error)) return;
      this.reportedErrors.add(error);
    }
    const described = describeError(error);
    this.breadcrumb(clip(`${described.type}: ${described.message}`, 512), 'error', undefined, level);
    const logId = session.capture.logs ? this.enqueueLog(level, described.message || described.type, context, undefined, error, 'error', spanContext) : undefined;
    if (session.capture.screenshotOnError) void this.takeScreenshot('error', logId);
  }

  /**
   * Captures a screenshot with the app's capture function and uploads it through the SAS flow; at most one
   * every 10 s. Resolves to the screenshot id, or undefined when nothing was taken.
   */
  async takeScreenshot(trigger: ScreenshotTrigger = 'manual', relatedItemId?: string): Promise<string | undefined> {
    const session = this.collectingSession();
    const capturer = this.options.captureScreenshot;
    if (!session || !capturer) return undefined;
    if (!(session.capture.screenshots || (trigger === 'error' && session.capture.screenshotOnError))) return undefined;
    const now = this.clock.now();
    if (now - this.lastScreenshotAt < SCREENSHOT_MIN_GAP_IN_MS) return undefined;
    this.lastScreenshotAt = now;
    try {
      const shot = await capturer();
      if (!shot) return undefined;
      const { screenshotId } = await uploadScreenshot(
        { fetch: this.fetchImpl, baseUrl: this.baseUrl, productKey: this.options.productKey, target: { sessionId: session.id, ingestToken: session.ingestToken }, capturedAt: new Date(now).toISOString(), trigger, ...(relatedItemId ? { relatedItemId } : {}) },
        shot,
      );
      this.screenshotsUploaded += 1;
      this.breadcrumb(`screenshot ${screenshotId}`, 'screenshot', { screenshotId, trigger });
      return screenshotId;
    } catch (error) {
      this.reportInternal(error as Error);
      return undefined;
    }
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
      breadcrumbsBuffered: this.breadcrumbs.length,
      screenshotsUploaded: this.screenshotsUploaded,
      ...(this.sessionId ? { sessionId: this.sessionId } : {}),
    };
  }

  // ---- internals ----

  private collecting(): boolean {
    return this.collectingSession() !== undefined;
  }

  private collectingSession(): ActiveSession | undefined {
    const session = this.session;
    if (!this.started || this.optedOut || !session || session.status !== 'active') return undefined;
    if (Date.parse(session.expiresAt) <= this.clock.now()) return undefined;
    if (session.consentRequired && this.consentDecisions.get(session.id) !== 'granted') return undefined;
    return session;
  }

  private async applyConfig(config: DeviceConfig): Promise<void> {
    const wasCollecting = this.sessionId;
    this.session = config.active ? config.session : undefined;
    const session = this.session;
    if (session && !session.consentRequired && session.consentStatus === 'granted') this.consentDecisions.set(session.id, 'granted');
    if (session?.consentRequired && !this.pendingConsent) {
      const decision = this.consentDecisions.get(session.id);
      // The user may take their time: polling goes on meanwhile, and collecting starts once the yes is recorded.
      if (decision === undefined) this.pendingConsent = this.askConsent(session);
      // A yes the server did not take last time (offline, 5xx) is recorded again, without asking the user again.
      else if (decision === 'granted_unrecorded') this.pendingConsent = this.recordConsent(session, true);
      this.pendingConsent = this.pendingConsent
        ?.then(() => this.afterSessionChange(undefined))
        .finally(() => {
          this.pendingConsent = undefined;
        });
    }
    await this.afterSessionChange(wasCollecting);
  }

  private async afterSessionChange(wasCollecting: string | undefined): Promise<void> {
    if (wasCollecting && wasCollecting !== this.sessionId) await this.transport.flush().catch(() => undefined);
    this.updateTarget();
    if (this.sessionId && this.sessionId !== wasCollecting) this.replayBreadcrumbs();
  }

  private async askConsent(session: ActiveSession): Promise<void> {
    const ask = this.options.onConsentRequest;
    if (!ask) {
      this.consentDecisions.set(session.id, 'denied');
      return;
    }
    this.consentDecisions.set(session.id, 'asking');
    let granted = false;
    try {
      granted = (await ask({ sessionId: session.id, collectionLevel: session.collectionLevel, capture: { ...session.capture }, expiresAt: session.expiresAt })) === true;
    } catch (error) {
      this.reportInternal(error as Error);
    }
    this.consentDecisions.set(session.id, granted ? 'granted_unrecorded' : 'denied');
    await this.recordConsent(session, granted);
  }

  private async recordConsent(session: ActiveSession, granted: boolean): Promise<void> {
    const recorded = await this.postConsent(session, granted);
    if (granted && recorded) this.consentDecisions.set(session.id, 'granted');
  }

  private async postConsent(session: ActiveSession, granted: boolean): Promise<boolean> {
    try {
      const response = await this.fetchImpl(`${this.baseUrl}/api/diagnostics/sessions/${encodeURIComponent(session.id)}/consent`, {
        method: 'POST',
        headers: deviceHeaders(this.options.productKey, session.ingestToken),
        body: JSON.stringify({ granted, device: this.transport.deviceContext() }),
      });
      await response.body?.cancel().catch(() => undefined);
      if (!response.ok) this.reportInternal(new Error(`consent record answered ${response.status}`));
      return response.ok;
    } catch (error) {
      this.reportInternal(new Error(`consent record failed: ${(error as Error).message}`));
      return false;
    }
  }

  private updateTarget(): void {
    const session = this.collectingSession();
    this.transport.setTarget(session ? { sessionId: session.id, ingestToken: session.ingestToken } : undefined);
  }

  private replayBreadcrumbs(): void {
    const session = this.collectingSession();
    if (!session?.capture.breadcrumbs) return;
    for (const entry of this.breadcrumbs) {
      if (entry.queued) continue;
      entry.queued = true;
      this.transport.enqueue(entry.item);
    }
  }

  private enqueueLog(
    level: LogLevel,
    message: string,
    context: Attributes | undefined,
    module: string | undefined,
    error: unknown,
    flush?: FlushReason,
    spanContext?: SpanContext,
  ): string {
    const active = spanContext ?? this.contexts.active();
    const item: LogItem = {
      kind: 'log',
      id: this.newItemId(),
      timestamp: this.isoNow(),
      level,
      message: clip(message, MAX_MESSAGE_LENGTH),
      ...(module ? { module: clip(module, 256) } : {}),
      ...(active ? { traceId: active.traceId, spanId: active.spanId } : {}),
      ...(context ? { context: boundAttributes(context) } : {}),
    };
    if (error !== undefined) {
      const described = describeError(error);
      item.error = {
        type: clip(described.type, 256),
        message: clip(described.message, MAX_MESSAGE_LENGTH),
        ...(described.stack ? { stack: clip(described.stack, MAX_STACK_LENGTH) } : {}),
      };
    }
    this.transport.enqueue(item, flush ?? (atLeast(level, 'error') ? 'error' : undefined));
    return item.id;
  }

  private endSpan(span: RecordingSpan, error?: unknown): void {
    if (error !== undefined) {
      span.recordException(error);
      this.captureError(error, { span: span.name }, 'error', { traceId: span.traceId, spanId: span.spanId });
    }
    const item = span.end(this.clock.now(), error === undefined ? 'ok' : 'error');
    const session = this.collectingSession();
    if (item && span.recording && session?.capture.traces) this.transport.enqueue(item as TelemetryItem, error === undefined ? undefined : 'error');
  }

  private install(): void {
    const instrument = { console: true, fetch: true, errors: true, exit: true, ...this.options.instrument };
    const scope = (this.options.globalScope ?? globalThis) as { console?: Console; fetch?: FetchFunction };
    if (instrument.console && scope.console) {
      this.uninstallers.push(
        captureConsole(scope.console, (level, message) => {
          const session = this.collectingSession();
          if (!session?.capture.console || !atLeast(level, consoleThreshold[session.collectionLevel])) return;
          this.enqueueLog(level, message, undefined, 'console', undefined);
        }),
      );
    }
    if (instrument.fetch && typeof scope.fetch === 'function') {
      const original = scope.fetch;
      const wrapped = wrapFetch(original.bind(globalThis), {
        shouldObserve: (url) => {
          const session = this.collectingSession();
          return Boolean(session?.capture.network) && shouldCaptureUrl(url, this.options.network ?? {}, this.baseUrl);
        },
        now: () => this.clock.now(),
        captureHeaders: () => this.options.network?.captureHeaders ?? true,
        begin: (request) => this.beginFetch(request),
      });
      scope.fetch = wrapped;
      this.uninstallers.push(() => {
        if (scope.fetch === wrapped) scope.fetch = original;
      });
    }
    const sources = eventSources(this.options.globalScope);
    if (instrument.errors) {
      this.uninstallers.push(captureUncaughtErrors(sources, (error, kind) => this.onUncaught(error, kind)));
    }
    if (instrument.exit) {
      this.uninstallers.push(onAppExit(sources, (keepalive) => this.transport.flush({ keepalive }), () => this.transport.getStats().bufferedItems > 0));
      const scopeEvents = sources.browser;
      if (scopeEvents) {
        const onOnline = () => void this.transport.flush();
        scopeEvents.addEventListener('online', onOnline);
        this.uninstallers.push(() => scopeEvents.removeEventListener('online', onOnline));
      }
    }
  }

  private beginFetch(request: { url: string; method: string }): { headers?: Record<string, string>; finish: (observation: FetchObservation) => void } {
    const session = this.collectingSession();
    const parent = this.contexts.active();
    const span = new RecordingSpan(
      `HTTP ${request.method}`,
      parent?.traceId ?? randomHexId(this.random, 16),
      randomHexId(this.random, 8),
      parent?.spanId,
      Boolean(session?.capture.traces),
      this.clock.now(),
      'client',
      () => this.clock.now(),
    );
    const propagate = this.options.network?.propagateTraceContextTo?.some((pattern) => matchesPattern(request.url, pattern)) ?? false;
    return {
      ...(propagate ? { headers: { traceparent: traceparent(span) } } : {}),
      finish: (observation) => {
        span.setAttribute('http.request.method', observation.method).setAttribute('url.full', observation.url);
        if (observation.status !== undefined) span.setAttribute('http.response.status_code', observation.status);
        const failed = observation.error !== undefined || (observation.status ?? 0) >= 400;
        if (observation.error) span.recordException(new Error(observation.error));
        else if (failed) span.setAttribute('error.type', String(observation.status)).setError(`HTTP ${observation.status}`);
        const spanItem = span.end(this.clock.now(), failed ? 'error' : 'ok');
        const active = this.collectingSession();
        if (!active) return;
        this.transport.enqueue({
          kind: 'network',
          id: this.newItemId(),
          timestamp: new Date(observation.startedAt).toISOString(),
          method: clip(observation.method, 16),
          url: observation.url,
          durationMs: observation.durationMs,
          traceId: span.traceId,
          spanId: span.spanId,
          ...(observation.status !== undefined ? { status: observation.status } : {}),
          ...(observation.requestSize !== undefined ? { requestSize: observation.requestSize } : {}),
          ...(observation.responseSize !== undefined ? { responseSize: observation.responseSize } : {}),
          ...(observation.requestHeaders ? { requestHeaders: observation.requestHeaders } : {}),
          ...(observation.responseHeaders ? { responseHeaders: observation.responseHeaders } : {}),
          ...(observation.error ? { error: clip(observation.error, MAX_MESSAGE_LENGTH) } : {}),
        });
        if (spanItem && active.capture.traces) this.transport.enqueue(spanItem);
        this.breadcrumb(`${observation.method} ${observation.url} -> ${observation.status ?? observation.error ?? 'failed'}`, 'http', undefined, failed ? 'warn' : 'info');
      },
    };
  }

  private onUncaught(error: unknown, kind: UncaughtKind): void {
    if (!this.collectingSession()) return;
    this.captureError(error, { uncaught: kind }, kind === 'uncaught_exception' ? 'fatal' : 'error');
    if (runtimeSaysOnline()) void this.transport.flush({ keepalive: true });
  }

  private reportInternal(error: Error): void {
    try {
      this.options.onError?.(error);
    } catch {
      // The app's error hook failing must not fail the SDK.
    }
  }

  private newItemId(): string {
    return randomHexId(this.random, 16);
  }

  private isoNow(): string {
    return new Date(this.clock.now()).toISOString();
  }
}
