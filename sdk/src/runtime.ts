// What the SDK needs from its environment, injectable so tests control time, randomness and the network,
// and defaults that work in browsers and Node 20 alike (no Node typings: the SDK ships for both).

export type FetchFunction = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;

export interface SdkClock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export type TimerHandle = unknown;

export interface SdkTimers {
  /** The callback may return a promise; real timers ignore it, test timers await it. */
  setTimeout(callback: () => void | Promise<void>, delayInMs: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export interface SdkRandom {
  /** Cryptographically random bytes: trace, span and item ids come from here. */
  bytes(length: number): Uint8Array;
  /** A float in [0, 1): jitter only. */
  next(): number;
}

export const systemClock: SdkClock = { now: () => Date.now() };

export const systemTimers: SdkTimers = {
  setTimeout(callback, delayInMs) {
    const handle = globalThis.setTimeout(() => void callback(), delayInMs) as unknown as { unref?: () => void };
    // In Node a pending poll or flush must never keep the app's process alive.
    handle.unref?.();
    return handle;
  },
  clearTimeout(handle) {
    globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>);
  },
};

export const systemRandom: SdkRandom = {
  bytes(length) {
    return globalThis.crypto.getRandomValues(new Uint8Array(length));
  },
  next: () => Math.random(),
};

export function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

/** W3C trace-context ids: 16 bytes for a trace, 8 for a span, never all zero. */
export function randomHexId(random: SdkRandom, byteLength: 16 | 8): string {
  for (;;) {
    const hex = toHex(random.bytes(byteLength));
    if (!/^0+$/.test(hex)) return hex;
  }
}

/** The Node `process` object when running in Node, seen only through the members the SDK uses. */
export interface NodeProcessLike {
  platform?: string;
  version?: string;
  versions?: { node?: string };
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  off(event: string, listener: (...args: unknown[]) => void): unknown;
  getBuiltinModule?: (name: string) => unknown;
}

export function nodeProcess(): NodeProcessLike | undefined {
  const candidate = (globalThis as { process?: NodeProcessLike }).process;
  return candidate && typeof candidate.on === 'function' && candidate.versions?.node ? candidate : undefined;
}

/** The browser window (or a worker's global) when there is one. */
export interface BrowserScopeLike {
  addEventListener(type: string, listener: (event: unknown) => void, options?: unknown): void;
  removeEventListener(type: string, listener: (event: unknown) => void, options?: unknown): void;
}

/** Where lifecycle and error events come from: Node's process, or a browser window (or worker) scope. */
export interface EventSources {
  node?: NodeProcessLike;
  browser?: BrowserScopeLike;
  document?: { visibilityState?: string };
}

/** A scope the app hands in with `addEventListener` is treated as a browser window; otherwise the runtime decides. */
export function eventSources(scope?: unknown): EventSources {
  const candidate = scope as (Partial<BrowserScopeLike> & { document?: { visibilityState?: string } }) | undefined;
  if (candidate && typeof candidate.addEventListener === 'function' && typeof candidate.removeEventListener === 'function') {
    return { browser: candidate as BrowserScopeLike, document: candidate.document };
  }
  const node = nodeProcess();
  if (node) return { node };
  return { browser: browserScope(), document: (globalThis as { document?: { visibilityState?: string } }).document };
}

export function browserScope(): BrowserScopeLike | undefined {
  if (nodeProcess()) return undefined;
  const scope = globalThis as unknown as Partial<BrowserScopeLike>;
  return typeof scope.addEventListener === 'function' ? (scope as BrowserScopeLike) : undefined;
}
