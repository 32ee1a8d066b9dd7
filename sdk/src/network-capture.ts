// Network capture by wrapping fetch: method, URL, status, timing and sizes of the app's requests, with
// sensitive headers dropped on the device (the server masks again), and never the SDK's own calls.
import type { FetchFunction } from './runtime.js';
import { clip, MAX_URL_LENGTH } from './wire.js';

export type UrlPattern = string | RegExp;

export interface NetworkCaptureOptions {
  /** Only URLs matching one of these are captured (a string matches as a substring); all when empty. */
  include?: UrlPattern[];
  /** URLs matching one of these are never captured; wins over include. */
  exclude?: UrlPattern[];
  /** Record request and response headers (minus sensitive ones). Default true. */
  captureHeaders?: boolean;
}

const SENSITIVE_HEADER_NAMES = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'x-diagnostics-key',
  'x-csrf-token',
  'x-xsrf-token',
]);
const SENSITIVE_HEADER_PATTERN = /(auth|token|secret|password|passwd|session|cookie|api[-_]?key|signature|credential)/i;

export function isSensitiveHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return SENSITIVE_HEADER_NAMES.has(lower) || SENSITIVE_HEADER_PATTERN.test(lower);
}

export function safeHeaders(headers: Headers): Record<string, string> | undefined {
  const kept: Record<string, string> = {};
  let count = 0;
  headers.forEach((value, name) => {
    if (isSensitiveHeader(name) || count >= 64) return;
    kept[name.slice(0, 256)] = value.slice(0, 8192);
    count += 1;
  });
  return count > 0 ? kept : undefined;
}

export function matchesPattern(url: string, pattern: UrlPattern): boolean {
  return typeof pattern === 'string' ? url.includes(pattern) : pattern.test(url);
}

export function shouldCaptureUrl(url: string, options: NetworkCaptureOptions, ownBaseUrl: string): boolean {
  if (url.startsWith(`${ownBaseUrl}/api/diagnostics/`)) return false;
  if (options.exclude?.some((pattern) => matchesPattern(url, pattern))) return false;
  if (options.include && options.include.length > 0) return options.include.some((pattern) => matchesPattern(url, pattern));
  return true;
}

/** Strips user info and fragments; query strings stay (the server masks secrets in them). */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    parsed.hash = '';
    return clip(parsed.toString(), MAX_URL_LENGTH);
  } catch {
    return clip(url, MAX_URL_LENGTH);
  }
}

/** Byte size of a request body where it can be known without reading a stream. */
export function bodySize(body: unknown): number | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return new TextEncoder().encode(body).byteLength;
  if (body instanceof ArrayBuffer) return body.byteLength;
  if (ArrayBuffer.isView(body)) return body.byteLength;
  if (typeof Blob !== 'undefined' && body instanceof Blob) return body.size;
  if (body instanceof URLSearchParams) return new TextEncoder().encode(body.toString()).byteLength;
  return undefined;
}

export interface FetchObservation {
  method: string;
  url: string;
  startedAt: number;
  durationMs: number;
  status?: number;
  requestSize?: number;
  responseSize?: number;
  requestHeaders?: Record<string, string>;
  responseHeaders?: Record<string, string>;
  error?: string;
}

export interface FetchHooks {
  /** Whether to observe this request at all (session active, network capture on, URL allowed). */
  shouldObserve(url: string, method: string): boolean;
  /** Called before the request goes out; may return extra headers (e.g. `traceparent`) and a finish callback. */
  begin(request: { url: string; method: string }): { headers?: Record<string, string>; finish: (observation: FetchObservation) => void };
  now(): number;
  captureHeaders(): boolean;
}

/** The wrapper that replaces `globalThis.fetch`; the SDK itself always calls the original. */
export function wrapFetch(original: FetchFunction, hooks: FetchHooks): FetchFunction {
  return async function diagnosticsFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    let url: string;
    let method: string;
    try {
      const request = input instanceof Request ? input : undefined;
      url = request ? request.url : String(input);
      method = (init?.method ?? request?.method ?? 'GET').toUpperCase();
    } catch {
      return original(input, init);
    }
    if (!hooks.shouldObserve(url, method)) return original(input, init);
    const started = hooks.now();
    const { headers: extraHeaders, finish } = hooks.begin({ url, method });
    let requestInit = init;
    if (extraHeaders && Object.keys(extraHeaders).length > 0) {
      const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
      for (const [name, value] of Object.entries(extraHeaders)) if (!headers.has(name)) headers.set(name, value);
      requestInit = { ...init, headers };
    }
    const observation: FetchObservation = { method, url: displayUrl(url), startedAt: started, durationMs: 0 };
    const requestSize = bodySize(init?.body);
    if (requestSize !== undefined) observation.requestSize = requestSize;
    if (hooks.captureHeaders()) {
      const requestHeaders = safeHeaders(new Headers(requestInit?.headers ?? (input instanceof Request ? input.headers : undefined)));
      if (requestHeaders) observation.requestHeaders = requestHeaders;
    }
    try {
      const response = await original(input, requestInit);
      observation.durationMs = Math.max(0, hooks.now() - started);
      observation.status = response.status;
      const length = Number(response.headers.get('content-length') ?? Number.NaN);
      if (Number.isInteger(length) && length >= 0) observation.responseSize = length;
      if (hooks.captureHeaders()) {
        const responseHeaders = safeHeaders(response.headers);
        if (responseHeaders) observation.responseHeaders = responseHeaders;
      }
      safely(() => finish(observation));
      return response;
    } catch (error) {
      observation.durationMs = Math.max(0, hooks.now() - started);
      observation.error = clip(error instanceof Error ? `${error.name}: ${error.message}` : String(error), 1024);
      safely(() => finish(observation));
      throw error;
    }
  };
}

function safely(action: () => void): void {
  try {
    action();
  } catch {
    // Capturing must never change what the app's fetch returns or throws.
  }
}
