// The recorder: turns what the app records (logs, breadcrumbs, spans, errors, screenshots) into wire items and
// queues them on the transport, only while a session collects them and at its collection level. Without a
// session it keeps the last minute in the pre-crash buffer (in memory) and counts errors as signals.
import { boundAttributes } from './attributes.js';
import type { BufferedItem, PreCrashBuffer } from './pre-crash-buffer.js';
import { randomHexId, type FetchFunction, type SdkClock, type SdkRandom } from './runtime.js';
import { uploadScreenshot, type ScreenshotCapturer, type ScreenshotTrigger } from './screenshots.js';
import type { SignalReporter } from './signal-reporter.js';
import { createContextManager, describeError, isPromiseLike, RecordingSpan, type ContextManager, type Span, type SpanContext } from './tracing.js';
import type { FlushReason, Transport } from './transport.js';
import {
  clip,
  logLevels,
  MAX_MESSAGE_LENGTH,
  MAX_STACK_LENGTH,
  type ActiveSession,
  type Attributes,
  type BreadcrumbItem,
  type CollectionLevel,
  type LogItem,
  type LogLevel,
  type SpanItem,
  type TelemetryItem,
} from './wire.js';

export interface TraceOptions {
  /** Explicit parent: needed in browsers when concurrent async work must nest correctly. */
  parent?: SpanContext;
  attributes?: Attributes;
  kind?: 'internal' | 'server' | 'client' | 'producer' | 'consumer';
}

export interface RecorderOptions {
  transport: Transport;
  /** The session collecting now, if any (active, unexpired, consented, not opted out). */
  collecting: () => ActiveSession | undefined;
  optedOut: () => boolean;
  /** Whether the client is started: the pre-crash buffer keeps logs only then. */
  started: () => boolean;
  /** The last minute without a session; undefined when the app turned it off. */
  preCrash: PreCrashBuffer | undefined;
  /** Counts errors without a session; undefined without a device id or with crash reports off. */
  signals: SignalReporter | undefined;
  clock: SdkClock;
  random: SdkRandom;
  /** For screenshot uploads: the SDK's own fetch, never the wrapped one. */
  fetch: FetchFunction;
  baseUrl: string;
  productKey: string;
  /** Read at each screenshot, as the app's options may change. */
  captureScreenshot: () => ScreenshotCapturer | undefined;
  onError: (error: Error) => void;
}

const BREADCRUMB_CAPACITY = 100;
const SCREENSHOT_MIN_GAP_IN_MS = 10_000;

const logThreshold: Record<CollectionLevel, LogLevel> = { standard: 'info', debug: 'debug', trace: 'trace' };

export function atLeast(level: LogLevel, threshold: LogLevel): boolean {
  return logLevels.indexOf(level) >= logLevels.indexOf(threshold);
}

export class Recorder {
  private readonly contexts: ContextManager = createContextManager();
  private readonly breadcrumbs: { item: BreadcrumbItem; queued: boolean }[] = [];
  private readonly reportedErrors = new WeakSet<object>();
  private lastScreenshotAt = Number.NEGATIVE_INFINITY;
  private screenshotsTaken = 0;
  /** Sessions whose pre-crash buffer was already queued: a config repeated by every poll sends it once. */
  private readonly preSessionSent = new Set<string>();

  constructor(private readonly options: RecorderOptions) {}

  get breadcrumbsBuffered(): number {
    return this.breadcrumbs.length;
  }

  get screenshotsUploaded(): number {
    return this.screenshotsTaken;
  }

  /** True when the pre-crash buffer is on: requests are then observed even without a session. */
  get keepsPreCrash(): boolean {
    return this.options.preCrash !== undefined;
  }

  log(level: LogLevel, message: string, context?: Attributes, options: { module?: string; error?: unknown } = {}): void {
    const session = this.options.collecting();
    if (!session) {
      if (this.options.preCrash && !this.options.optedOut() && this.options.started() && atLeast(level, 'debug')) {
        this.bufferPreCrash(this.buildLog(level, message, context, options.module, options.error));
      }
      return;
    }
    if (!session.capture.logs || !atLeast(level, logThreshold[session.collectionLevel])) return;
    this.enqueueLog(level, message, context, options.module, options.error);
  }

  /** Keeps the last 100 breadcrumbs on the device (never sent) even without a session; queues it when one collects. */
  breadcrumb(message: string, category = 'app', data?: Attributes, level?: LogLevel): void {
    if (this.options.optedOut()) return;
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
    const session = this.options.collecting();
    if (session?.capture.breadcrumbs) {
      entry.queued = true;
      this.options.transport.enqueue(item);
    } else if (!session) {
      this.bufferPreCrash(item);
    }
  }

  /** Queues the breadcrumbs kept before a session started collecting (each once). */
  replayBreadcrumbs(): void {
    const session = this.options.collecting();
    if (!session?.capture.breadcrumbs) return;
    for (const entry of this.breadcrumbs) {
      if (entry.queued) continue;
      entry.queued = true;
      this.options.transport.enqueue(entry.item);
    }
  }

  clearBreadcrumbs(): void {
    this.breadcrumbs.length = 0;
  }

  /** Keeps an item of the last minute in memory while no session collects (nothing while opted out). */
  bufferPreCrash(item: BufferedItem): void {
    if (!this.options.preCrash || this.options.optedOut()) return;
    this.options.preCrash.record(item, this.options.clock.now());
  }

  /** A session opened by a crash asks for the buffer first: queued before anything else, once per session. */
  uploadPreSessionBuffer(): void {
    const session = this.options.collecting();
    const preCrash = this.options.preCrash;
    if (!session?.uploadPreSessionBuffer || !preCrash || this.preSessionSent.has(session.id)) return;
    this.preSessionSent.add(session.id);
    // What the session would have collected, had it been open: its capture flags and collection level.
    const items = preCrash
      .drain(this.options.clock.now())
      .filter((item) =>
        item.kind === 'log'
          ? session.capture.logs && atLeast(item.level, logThreshold[session.collectionLevel])
          : item.kind === 'breadcrumb'
            ? session.capture.breadcrumbs
            : session.capture.network,
      );
    const sent = new Set(items.map((item) => item.id));
    // Breadcrumbs that went with the buffer are not replayed a second time.
    for (const entry of this.breadcrumbs) if (sent.has(entry.item.id)) entry.queued = true;
    for (const item of items) this.options.transport.enqueue(item);
  }

  trace<T>(name: string, fn: (span: Span) => T, options: TraceOptions = {}): T {
    const span = this.startSpan(
      name,
      options.kind ?? 'internal',
      options.parent ?? this.contexts.active(),
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

  /** A span under `parent` (default: the current span); it records only when the collecting session captures traces. */
  startSpan(name: string, kind: SpanItem['spanKind'], parent: SpanContext | undefined = this.contexts.active(), attributes: Attributes = {}): RecordingSpan {
    const session = this.options.collecting();
    const { clock, random } = this.options;
    return new RecordingSpan(
      name,
      parent?.traceId ?? randomHexId(random, 16),
      randomHexId(random, 8),
      parent?.spanId,
      Boolean(session?.capture.traces),
      clock.now(),
      kind,
      () => clock.now(),
      attributes,
    );
  }

  captureError(error: unknown, context?: Attributes, level: 'error' | 'fatal' = 'error', spanContext?: SpanContext): void {
    const session = this.options.collecting();
    if (typeof error === 'object' && error !== null && !this.reportedErrors.has(error)) this.options.signals?.countError(error);
    if (!session) {
      if (typeof error === 'object' && error !== null) {
        if (this.reportedErrors.has(error)) return;
        this.reportedErrors.add(error);
      }
      const described = describeError(error);
      this.breadcrumb(clip(`${described.type}: ${described.message}`, 512), 'error', undefined, level);
      if (this.options.preCrash && !this.options.optedOut() && this.options.started()) {
        this.bufferPreCrash(this.buildLog(level, described.message || described.type, context, undefined, error));
      }
      return;
    }
    if (typeof error === 'object' && error !== null) {
      if (this.reportedErrors.has(error)) return;
      this.reportedErrors.add(error);
    }
    const described = describeError(error);
    this.breadcrumb(clip(`${described.type}: ${described.message}`, 512), 'error', undefined, level);
    const logId = session.capture.logs
      ? this.enqueueLog(level, described.message || described.type, context, undefined, error, 'error', spanContext)
      : undefined;
    if (session.capture.screenshotOnError) void this.takeScreenshot('error', logId);
  }

  async takeScreenshot(trigger: ScreenshotTrigger = 'manual', relatedItemId?: string): Promise<string | undefined> {
    const session = this.options.collecting();
    const capturer = this.options.captureScreenshot();
    if (!session || !capturer) return undefined;
    if (!(session.capture.screenshots || (trigger === 'error' && session.capture.screenshotOnError))) return undefined;
    const now = this.options.clock.now();
    if (now - this.lastScreenshotAt < SCREENSHOT_MIN_GAP_IN_MS) return undefined;
    this.lastScreenshotAt = now;
    try {
      const shot = await capturer();
      if (!shot) return undefined;
      const { fetch, baseUrl, productKey } = this.options;
      const { screenshotId } = await uploadScreenshot(
        {
          fetch,
          baseUrl,
          productKey,
          target: { sessionId: session.id, ingestToken: session.ingestToken },
          capturedAt: new Date(now).toISOString(),
          trigger,
          ...(relatedItemId ? { relatedItemId } : {}),
        },
        shot,
      );
      this.screenshotsTaken += 1;
      this.breadcrumb(`screenshot ${screenshotId}`, 'screenshot', { screenshotId, trigger });
      return screenshotId;
    } catch (error) {
      this.options.onError(error as Error);
      return undefined;
    }
  }

  /** Queues a log item (the caller has checked the session captures it); returns its id. */
  enqueueLog(
    level: LogLevel,
    message: string,
    context: Attributes | undefined,
    module: string | undefined,
    error: unknown,
    flush?: FlushReason,
    spanContext?: SpanContext,
  ): string {
    const item = this.buildLog(level, message, context, module, error, spanContext);
    this.options.transport.enqueue(item, flush ?? (atLeast(level, 'error') ? 'error' : undefined));
    return item.id;
  }

  newItemId(): string {
    return randomHexId(this.options.random, 16);
  }

  private buildLog(
    level: LogLevel,
    message: string,
    context: Attributes | undefined,
    module: string | undefined,
    error: unknown,
    spanContext?: SpanContext,
  ): LogItem {
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
    return item;
  }

  private endSpan(span: RecordingSpan, error?: unknown): void {
    if (error !== undefined) {
      span.recordException(error);
      this.captureError(error, { span: span.name }, 'error', { traceId: span.traceId, spanId: span.spanId });
    }
    const item = span.end(this.options.clock.now(), error === undefined ? 'ok' : 'error');
    const session = this.options.collecting();
    if (item && span.recording && session?.capture.traces) this.options.transport.enqueue(item as TelemetryItem, error === undefined ? undefined : 'error');
  }

  private isoNow(): string {
    return new Date(this.options.clock.now()).toISOString();
  }
}
