// Metrics and events, named only from the catalog in shared/runtime/telemetry-catalog.ts.
import type { MetricName, TelemetryEventName } from './telemetry-catalog';

export type Dimensions = Record<string, string>;

export interface Telemetry {
  metric(name: MetricName, value: number, dimensions?: Dimensions): void;
  event(name: TelemetryEventName, dimensions?: Dimensions): void;
  /** System errors only; the message must carry no customer content. */
  exception(error: Error, dimensions?: Dimensions): void;
}
