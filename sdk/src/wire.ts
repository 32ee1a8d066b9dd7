// The wire types the SDK sends and reads, mirrored from the server's zod schemas
// (shared/domain/telemetry/items.ts, shared/domain/sessions/device-config.ts) because the SDK ships alone;
// sdk/test/wire-contract.test.ts checks every payload the SDK builds against those schemas.

export const MAX_ITEMS_PER_BATCH = 50;
export const MAX_MESSAGE_LENGTH = 8 * 1024;
export const MAX_STACK_LENGTH = 32 * 1024;
export const MAX_URL_LENGTH = 4 * 1024;

export const logLevels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type LogLevel = (typeof logLevels)[number];
export type CollectionLevel = 'standard' | 'debug' | 'trace';
export type Attributes = Record<string, unknown>;

export interface CaptureFlags {
  logs: boolean;
  traces: boolean;
  breadcrumbs: boolean;
  network: boolean;
  console: boolean;
  screenshots: boolean;
  screenshotOnError: boolean;
}

/** The answer of `GET /api/diagnostics/config`. */
export interface DeviceConfig {
  active: boolean;
  pollIntervalSeconds: number;
  session?: {
    id: string;
    status: 'active' | 'paused';
    collectionLevel: CollectionLevel;
    capture: CaptureFlags;
    expiresAt: string;
    consentRequired: boolean;
    consentStatus: 'not_required' | 'pending' | 'granted' | 'denied';
    ingestToken: string;
    /** A crash opened this session: send the pre-crash buffer first. */
    uploadPreSessionBuffer?: boolean;
  };
}
export type ActiveSession = NonNullable<DeviceConfig['session']>;

export interface ErrorInfo {
  type?: string;
  message?: string;
  stack?: string;
}

export interface LogItem {
  /** Captured before the session existed (the pre-crash buffer). */
  preSession?: boolean;
  kind: 'log';
  id: string;
  timestamp: string;
  level: LogLevel;
  message: string;
  module?: string;
  correlationId?: string;
  traceId?: string;
  spanId?: string;
  context?: Attributes;
  error?: ErrorInfo;
}

export interface SpanEvent {
  name: string;
  time: string;
  attributes?: Attributes;
}

export interface SpanItem {
  kind: 'span';
  id?: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  spanKind: 'internal' | 'server' | 'client' | 'producer' | 'consumer';
  startTime: string;
  endTime: string;
  status: { code: 'unset' | 'ok' | 'error'; message?: string };
  attributes?: Attributes;
  events?: SpanEvent[];
}

export interface BreadcrumbItem {
  /** Captured before the session existed (the pre-crash buffer). */
  preSession?: boolean;
  kind: 'breadcrumb';
  id: string;
  timestamp: string;
  category: string;
  message: string;
  level?: LogLevel;
  data?: Attributes;
}

export interface NetworkItem {
  /** Captured before the session existed (the pre-crash buffer). */
  preSession?: boolean;
  kind: 'network';
  id: string;
  timestamp: string;
  method: string;
  url: string;
  status?: number;
  durationMs: number;
  requestSize?: number;
  responseSize?: number;
  requestHeaders?: Record<string, string>;
  responseHeaders?: Record<string, string>;
  error?: string;
  traceId?: string;
  spanId?: string;
}

export type TelemetryItem = LogItem | SpanItem | BreadcrumbItem | NetworkItem;

export interface DeviceContext {
  deviceId?: string;
  anonymousId?: string;
  appSessionId?: string;
  /** The signed-in user the data belongs to: indexes the session under the user, never stored with the items. */
  userId?: string;
  platform?: string;
  osVersion?: string;
  appVersion?: string;
  sdkVersion?: string;
  locale?: string;
  userAgent?: string;
  memoryMb?: number;
  connectivity?: string;
}

/** The body of `POST /api/diagnostics/ingest`. */
export interface IngestBatch {
  sessionId: string;
  device: DeviceContext;
  optedOut: boolean;
  items: TelemetryItem[];
}

export interface SignalCounter {
  minute: string;
  series: 'errors' | 'crashes' | 'requests' | 'http_5xx';
  count: number;
  fingerprint?: string;
  route?: string;
  appVersion?: string;
}

export interface SignalLatency {
  minute: string;
  route?: string;
  count: number;
  p50: number;
  p95: number;
  p99: number;
  sumMs?: number;
  appVersion?: string;
}

/** The body of `POST /api/diagnostics/signals`. */
export interface SignalBatch {
  deviceId: string;
  appVersion?: string;
  counters: SignalCounter[];
  latency: SignalLatency[];
}

/** Bounded text, so one huge message can never make the server refuse a whole batch. */
export function clip(text: string, maxLength: number): string {
  return text.length <= maxLength ? text : `${text.slice(0, maxLength - 1)}…`;
}
