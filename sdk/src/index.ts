// Public surface of the diagnostics client SDK (browsers and Node 20, no runtime dependencies).
export { DiagnosticsClient, type ConsentRequest, type DiagnosticsClientOptions, type DiagnosticsStats, type TraceOptions } from './client.js';
export type { Span, SpanContext } from './tracing.js';
export type { Screenshot, ScreenshotCapturer, ScreenshotFormat } from './screenshots.js';
export type { NetworkCaptureOptions, UrlPattern } from './network-capture.js';
export type { FetchFunction, SdkClock, SdkRandom, SdkTimers, TimerHandle } from './runtime.js';
export type { TransportStats } from './transport.js';
export { SDK_VERSION } from './device-context.js';
export * from './wire.js';
