// Spans with W3C/OpenTelemetry-compatible ids, and the "current span" that gives nested spans their parent:
// AsyncLocalStorage in Node (exact across awaits), a best-effort stack elsewhere (exact for synchronous nesting
// and for sequential awaits; pass `parent` explicitly when concurrent async work must nest correctly).
import { nodeProcess } from './runtime.js';
import type { Attributes, SpanEvent, SpanItem } from './wire.js';

export interface SpanContext {
  traceId: string;
  spanId: string;
}

export interface ContextManager {
  active(): SpanContext | undefined;
  with<T>(context: SpanContext, fn: () => T): T;
}

interface AsyncLocalStorageLike<T> {
  getStore(): T | undefined;
  run<R>(store: T, fn: () => R): R;
}

export function createContextManager(): ContextManager {
  const asyncHooks = nodeProcess()?.getBuiltinModule?.('node:async_hooks') as { AsyncLocalStorage?: new <T>() => AsyncLocalStorageLike<T> } | undefined;
  if (asyncHooks?.AsyncLocalStorage) {
    const storage = new asyncHooks.AsyncLocalStorage<SpanContext>();
    return { active: () => storage.getStore(), with: (context, fn) => storage.run(context, fn) };
  }
  return new StackContextManager();
}

export class StackContextManager implements ContextManager {
  private current: SpanContext | undefined;

  active(): SpanContext | undefined {
    return this.current;
  }

  with<T>(context: SpanContext, fn: () => T): T {
    const previous = this.current;
    this.current = context;
    let result: T;
    try {
      result = fn();
    } catch (error) {
      this.current = previous;
      throw error;
    }
    if (isPromiseLike(result)) {
      // Keep the span current until its promise settles, so sequential awaits inside still nest.
      const restore = () => {
        if (this.current === context) this.current = previous;
      };
      (result as PromiseLike<unknown>).then(restore, restore);
    } else {
      this.current = previous;
    }
    return result;
  }
}

export function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/** What `trace(name, fn)` hands to `fn`. */
export interface Span extends SpanContext {
  readonly name: string;
  /** False when no session collects traces: the span still has ids, but nothing is sent. */
  readonly recording: boolean;
  setAttribute(key: string, value: unknown): this;
  addEvent(name: string, attributes?: Attributes): this;
  /** Marks the span failed and attaches the error as an OpenTelemetry `exception` event. */
  recordException(error: unknown): this;
}

export class RecordingSpan implements Span {
  private readonly attributes: Attributes;
  private readonly events: SpanEvent[] = [];
  private status: SpanItem['status'] = { code: 'unset' };
  private ended = false;

  constructor(
    readonly name: string,
    readonly traceId: string,
    readonly spanId: string,
    readonly parentSpanId: string | undefined,
    readonly recording: boolean,
    private readonly startTimeInMs: number,
    private readonly spanKind: SpanItem['spanKind'],
    private readonly now: () => number,
    attributes: Attributes = {},
  ) {
    this.attributes = { ...attributes };
  }

  setAttribute(key: string, value: unknown): this {
    this.attributes[key] = value;
    return this;
  }

  addEvent(name: string, attributes?: Attributes): this {
    if (this.events.length < 128) this.events.push({ name, time: new Date(this.now()).toISOString(), ...(attributes ? { attributes } : {}) });
    return this;
  }

  recordException(error: unknown): this {
    const info = describeError(error);
    this.status = { code: 'error', ...(info.message ? { message: info.message } : {}) };
    if (this.events.length < 128) {
      this.events.push({
        name: 'exception',
        time: new Date(this.now()).toISOString(),
        attributes: { 'exception.type': info.type, 'exception.message': info.message, 'exception.stacktrace': info.stack },
      });
    }
    return this;
  }

  /** Marks the span failed without an exception (e.g. an HTTP 500 answer). */
  setError(message: string): this {
    this.status = { code: 'error', message };
    return this;
  }

  /** Ends the span once; returns the item to send, or undefined when it was already ended. */
  end(endTimeInMs: number, outcome: 'ok' | 'error'): SpanItem | undefined {
    if (this.ended) return undefined;
    this.ended = true;
    if (outcome === 'ok' && this.status.code === 'unset') this.status = { code: 'ok' };
    return {
      kind: 'span',
      id: this.spanId,
      traceId: this.traceId,
      spanId: this.spanId,
      ...(this.parentSpanId ? { parentSpanId: this.parentSpanId } : {}),
      name: this.name.slice(0, 512) || 'span',
      spanKind: this.spanKind,
      startTime: new Date(this.startTimeInMs).toISOString(),
      endTime: new Date(Math.max(endTimeInMs, this.startTimeInMs)).toISOString(),
      status: this.status,
      ...(Object.keys(this.attributes).length > 0 ? { attributes: this.attributes } : {}),
      ...(this.events.length > 0 ? { events: this.events } : {}),
    };
  }
}

export interface DescribedError {
  type: string;
  message: string;
  stack?: string;
}

export function describeError(error: unknown): DescribedError {
  if (error instanceof Error) return { type: error.name || 'Error', message: error.message, ...(error.stack ? { stack: error.stack } : {}) };
  if (typeof error === 'string') return { type: 'Error', message: error };
  let message: string;
  try {
    message = JSON.stringify(error) ?? String(error);
  } catch {
    message = String(error);
  }
  return { type: typeof error, message };
}

/** `traceparent` for outgoing requests (W3C trace context, sampled). */
export function traceparent(context: SpanContext): string {
  return `00-${context.traceId}-${context.spanId}-01`;
}
