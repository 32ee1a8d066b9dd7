// Telemetry that records into memory: used when Application Insights is not configured, and by tests.
import type { Dimensions, Telemetry } from '../../ports/telemetry';
import type { MetricName, TelemetryEventName } from '../../runtime/telemetry-catalog';

export interface RecordedMetric {
  name: MetricName;
  value: number;
  dimensions: Dimensions;
}

export class InMemoryTelemetry implements Telemetry {
  /** Bounded: a long local run keeps only the latest entries. */
  private static readonly MAX_ENTRIES = 10_000;
  readonly metrics: RecordedMetric[] = [];
  readonly events: Array<{ name: TelemetryEventName; dimensions: Dimensions }> = [];
  readonly exceptions: Array<{ message: string; dimensions: Dimensions }> = [];

  metric(name: MetricName, value: number, dimensions: Dimensions = {}): void {
    this.push(this.metrics, { name, value, dimensions });
  }

  event(name: TelemetryEventName, dimensions: Dimensions = {}): void {
    this.push(this.events, { name, dimensions });
  }

  exception(error: Error, dimensions: Dimensions = {}): void {
    this.push(this.exceptions, { message: error.message, dimensions });
  }

  /** Sum of a metric's values, optionally only where the given dimensions match. */
  total(name: MetricName, where: Dimensions = {}): number {
    return this.metrics
      .filter((metric) => metric.name === name && Object.entries(where).every(([key, value]) => metric.dimensions[key] === value))
      .reduce((sum, metric) => sum + metric.value, 0);
  }

  private push<T>(list: T[], entry: T): void {
    list.push(entry);
    if (list.length > InMemoryTelemetry.MAX_ENTRIES) list.splice(0, list.length - InMemoryTelemetry.MAX_ENTRIES);
  }
}
