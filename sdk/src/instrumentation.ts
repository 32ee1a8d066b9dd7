// Instrumentation of the app's globals while the client is started: console capture, fetch wrapping (a network
// item and a client span per request), uncaught errors, and flushing on exit, page hide and going online.
// Without a session, requests still feed the signal counters and the pre-crash buffer, and a crash is reported.
import { captureConsole } from './console-capture.js';
import { runtimeSaysOnline } from './device-context.js';
import { captureUncaughtErrors, onAppExit, type UncaughtKind } from './error-capture.js';
import { matchesPattern, shouldCaptureUrl, wrapFetch, type FetchObservation, type NetworkCaptureOptions, type UrlPattern } from './network-capture.js';
import { atLeast, type Recorder } from './recorder.js';
import { eventSources, type FetchFunction, type SdkClock } from './runtime.js';
import type { SignalReporter } from './signal-reporter.js';
import { traceparent } from './tracing.js';
import type { Transport } from './transport.js';
import { clip, MAX_MESSAGE_LENGTH, type ActiveSession, type CollectionLevel, type LogLevel, type NetworkItem } from './wire.js';

export interface NetworkOptions extends NetworkCaptureOptions {
  /** Add a W3C `traceparent` header to requests to these URLs (your own APIs; never third parties by default). */
  propagateTraceContextTo?: UrlPattern[];
}

/** Which globals the client instruments while started. All on by default. */
export interface InstrumentFlags {
  console?: boolean;
  fetch?: boolean;
  errors?: boolean;
  exit?: boolean;
}

/**
 * Where console capture and fetch wrapping install (default `globalThis`). A scope with `addEventListener`
 * is also where error, page-hide and online events are listened to, as on a browser window.
 */
export interface GlobalScope {
  console?: Console;
  fetch?: FetchFunction;
  addEventListener?: (type: string, listener: (event: unknown) => void) => void;
  removeEventListener?: (type: string, listener: (event: unknown) => void) => void;
  document?: { visibilityState?: string };
}

export interface InstrumentationOptions {
  /** Read on every request, so a change to the client's options counts at once. */
  settings: { network?: NetworkOptions; instrument?: InstrumentFlags; globalScope?: GlobalScope; signals?: { intervalInMs?: number } };
  /** The service's base URL: the SDK's own calls are never captured. */
  baseUrl: string;
  recorder: Recorder;
  transport: Transport;
  collecting: () => ActiveSession | undefined;
  optedOut: () => boolean;
  /** Counts requests and crashes; undefined without a device id or with crash reports off. */
  signals: SignalReporter | undefined;
  /** An uncaught exception while no session collects: frozen and counted at once, sent when the runtime is online. */
  reportCrash: (error: unknown) => Promise<void>;
  /** The device came back online (browsers): what waited for the network goes now. */
  onOnline: () => void;
  clock: SdkClock;
}

const consoleThreshold: Record<CollectionLevel, LogLevel> = { standard: 'warn', debug: 'info', trace: 'trace' };

/** Installs what `settings.instrument` asks for; the answer puts every patched global back, last first. */
export function instrument(options: InstrumentationOptions): () => void {
  const { settings, recorder, transport, collecting, optedOut, clock, baseUrl } = options;
  const uninstallers: (() => void)[] = [];
  const flags = { console: true, fetch: true, errors: true, exit: true, ...settings.instrument };
  const scope = (settings.globalScope ?? globalThis) as { console?: Console; fetch?: FetchFunction };
  if (flags.console && scope.console) {
    uninstallers.push(
      captureConsole(scope.console, (level, message) => {
        const session = collecting();
        if (!session?.capture.console || !atLeast(level, consoleThreshold[session.collectionLevel])) return;
        recorder.enqueueLog(level, message, undefined, 'console', undefined);
      }),
    );
  }
  if (flags.fetch && typeof scope.fetch === 'function') {
    const original = scope.fetch;
    const wrapped = wrapFetch(original.bind(globalThis), {
      shouldObserve: (url) => {
        const session = collecting();
        // Without a session, requests are still observed for the counters and the pre-crash buffer (in memory).
        const observing = session ? session.capture.network : !optedOut() && (recorder.keepsPreCrash || settings.signals?.intervalInMs !== undefined);
        return Boolean(observing) && shouldCaptureUrl(url, settings.network ?? {}, baseUrl);
      },
      now: () => clock.now(),
      captureHeaders: () => settings.network?.captureHeaders ?? true,
      begin: (request) => beginFetch(options, request),
    });
    scope.fetch = wrapped;
    uninstallers.push(() => {
      if (scope.fetch === wrapped) scope.fetch = original;
    });
  }
  const sources = eventSources(settings.globalScope);
  if (flags.errors) {
    uninstallers.push(captureUncaughtErrors(sources, (error, kind) => onUncaught(options, error, kind)));
  }
  if (flags.exit) {
    uninstallers.push(
      onAppExit(
        sources,
        (keepalive) => transport.flush({ keepalive }),
        () => transport.getStats().bufferedItems > 0,
      ),
    );
  }
  // Back online: the items waiting go (with `exit`), and so does a crash report that waited (with `errors`).
  const scopeEvents = sources.browser;
  if (scopeEvents && (flags.exit || flags.errors)) {
    const onOnline = () => {
      if (flags.exit) void transport.flush();
      if (flags.errors) options.onOnline();
    };
    scopeEvents.addEventListener('online', onOnline);
    uninstallers.push(() => scopeEvents.removeEventListener('online', onOnline));
  }
  return () => {
    for (const uninstall of uninstallers.splice(0).reverse()) uninstall();
  };
}

/** A client span per observed request; on its end, the network item, the span and a breadcrumb. */
function beginFetch(
  options: InstrumentationOptions,
  request: { url: string; method: string },
): { headers?: Record<string, string>; finish: (observation: FetchObservation) => void } {
  const { recorder, transport, collecting, signals, clock, settings } = options;
  const span = recorder.startSpan(`HTTP ${request.method}`, 'client');
  const propagate = settings.network?.propagateTraceContextTo?.some((pattern) => matchesPattern(request.url, pattern)) ?? false;
  return {
    ...(propagate ? { headers: { traceparent: traceparent(span) } } : {}),
    finish: (observation) => {
      span.setAttribute('http.request.method', observation.method).setAttribute('url.full', observation.url);
      if (observation.status !== undefined) span.setAttribute('http.response.status_code', observation.status);
      const failed = observation.error !== undefined || (observation.status ?? 0) >= 400;
      if (observation.error) span.recordException(new Error(observation.error));
      else if (failed) span.setAttribute('error.type', String(observation.status)).setError(`HTTP ${observation.status}`);
      const spanItem = span.end(clock.now(), failed ? 'error' : 'ok');
      const active = collecting();
      signals?.countRequest(observation.url, observation.status, observation.durationMs, observation.startedAt);
      const networkItem: NetworkItem = {
        kind: 'network',
        id: recorder.newItemId(),
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
      };
      if (!active) {
        recorder.bufferPreCrash(networkItem);
        recorder.breadcrumb(
          `${observation.method} ${observation.url} -> ${observation.status ?? observation.error ?? 'failed'}`,
          'http',
          undefined,
          failed ? 'warn' : 'info',
        );
        return;
      }
      transport.enqueue(networkItem);
      if (spanItem && active.capture.traces) transport.enqueue(spanItem);
      recorder.breadcrumb(
        `${observation.method} ${observation.url} -> ${observation.status ?? observation.error ?? 'failed'}`,
        'http',
        undefined,
        failed ? 'warn' : 'info',
      );
    },
  };
}

function onUncaught(options: InstrumentationOptions, error: unknown, kind: UncaughtKind): void {
  if (!options.collecting()) {
    options.recorder.captureError(error, { uncaught: kind }, kind === 'uncaught_exception' ? 'fatal' : 'error');
    if (kind === 'uncaught_exception') void options.reportCrash(error);
    return;
  }
  if (kind === 'uncaught_exception') options.signals?.countCrash(error);
  options.recorder.captureError(error, { uncaught: kind }, kind === 'uncaught_exception' ? 'fatal' : 'error');
  if (runtimeSaysOnline(options.settings.globalScope)) void options.transport.flush({ keepalive: true });
  // In Node the process ends right after this: what is on its way, and the crash's count, wait for the next start.
  options.transport.keepUnsent();
  options.signals?.keepUnsent();
}
