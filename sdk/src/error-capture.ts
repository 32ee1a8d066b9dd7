// Uncaught errors and unhandled rejections, observed without changing what the runtime does with them:
// browsers get `error`/`unhandledrejection` listeners (which do not prevent the default), Node gets
// `uncaughtExceptionMonitor`, which fires before the default handler prints and exits, and which also sees
// unhandled rejections that Node's default mode turns into uncaught exceptions.
import type { EventSources } from './runtime.js';

export type UncaughtKind = 'uncaught_exception' | 'unhandled_rejection';

export function captureUncaughtErrors(sources: EventSources, onError: (error: unknown, kind: UncaughtKind) => void): () => void {
  const { node } = sources;
  if (node) {
    const monitor = (error: unknown, origin: unknown) => {
      try {
        onError(error, origin === 'unhandledRejection' ? 'unhandled_rejection' : 'uncaught_exception');
      } catch {
        // Never replace the app's crash with ours.
      }
    };
    node.on('uncaughtExceptionMonitor', monitor);
    return () => void node.off('uncaughtExceptionMonitor', monitor);
  }
  const scope = sources.browser;
  if (!scope) return () => undefined;
  const onErrorEvent = (event: unknown) => {
    const errorEvent = event as { error?: unknown; message?: string; filename?: string; lineno?: number; colno?: number };
    onError(
      errorEvent.error ??
        new Error(`${errorEvent.message ?? 'Script error'} at ${errorEvent.filename ?? '?'}:${errorEvent.lineno ?? 0}:${errorEvent.colno ?? 0}`),
      'uncaught_exception',
    );
  };
  const onRejection = (event: unknown) => onError((event as { reason?: unknown }).reason, 'unhandled_rejection');
  scope.addEventListener('error', onErrorEvent);
  scope.addEventListener('unhandledrejection', onRejection);
  return () => {
    scope.removeEventListener('error', onErrorEvent);
    scope.removeEventListener('unhandledrejection', onRejection);
  };
}

/** Flush triggers when the app goes away: page hide in browsers, `beforeExit` in Node. */
export function onAppExit(sources: EventSources, flush: (keepalive: boolean) => Promise<void>, hasPending: () => boolean): () => void {
  const { node } = sources;
  if (node) {
    // beforeExit fires again once the work it started is done: flushing only while something is pending
    // (and the sender backing off instead of retrying at once) lets the process still exit on its own.
    const beforeExit = () => {
      if (hasPending()) void flush(false);
    };
    node.on('beforeExit', beforeExit);
    return () => void node.off('beforeExit', beforeExit);
  }
  const scope = sources.browser;
  if (!scope) return () => undefined;
  const onVisibility = () => {
    if (sources.document?.visibilityState === 'hidden') void flush(true);
  };
  const onPageHide = () => void flush(true);
  scope.addEventListener('visibilitychange', onVisibility);
  scope.addEventListener('pagehide', onPageHide);
  return () => {
    scope.removeEventListener('visibilitychange', onVisibility);
    scope.removeEventListener('pagehide', onPageHide);
  };
}
