// Telemetry that records into memory: used when Application Insights is not configured, and by tests.
// It applies the same catalog check as the Application Insights adapter, so a test sees a refusal first.
import type { Dimensions, Telemetry } from '../../ports/telemetry';
import {
  catalogProblem,
  TelemetryCatalogError,
  type CatalogProblem,
  type MetricName,
  type TelemetryEventName,
  type TelemetryKind,
} from '../../ports/telemetry-catalog';
import { MetricRing, type RecordedMetric } from './metric-ring';

export type { RecordedMetric } from './metric-ring';

export interface InMemoryTelemetryOptions {
  /** Throw on an item outside the catalog instead of dropping and counting it (the test host sets this). */
  strict?: boolean;
}

export class InMemoryTelemetry implements Telemetry {
  /** Bounded: a long local run keeps the latest MAX_ENTRIES to 2 × MAX_ENTRIES entries (metrics: the latest 2 × MAX_ENTRIES). */
  private static readonly MAX_ENTRIES = 10_000;
  /** Metrics are recorded on every request, so they go to a ring that allocates nothing per entry. */
  private readonly recordedMetrics = new MetricRing(2 * InMemoryTelemetry.MAX_ENTRIES);
  readonly events: Array<{ name: TelemetryEventName; dimensions: Dimensions }> = [];
  readonly exceptions: Array<{ message: string; dimensions: Dimensions }> = [];
  readonly refused: CatalogProblem[] = [];

  constructor(private readonly options: InMemoryTelemetryOptions = {}) {}

  /** The metrics held, oldest first (a copy). */
  get metrics(): RecordedMetric[] {
    return this.recordedMetrics.entries();
  }

  metric(name: MetricName, value: number, dimensions: Dimensions = {}): void {
    if (this.accepts('metric', name, dimensions)) this.recordedMetrics.push(name, value, dimensions);
  }

  event(name: TelemetryEventName, dimensions: Dimensions = {}): void {
    if (this.accepts('event', name, dimensions)) this.push(this.events, { name, dimensions });
  }

  exception(error: Error, dimensions: Dimensions = {}): void {
    if (this.accepts('exception', 'exception', dimensions)) this.push(this.exceptions, { message: error.message, dimensions });
  }

  /** Sum of a metric's values, optionally only where the given dimensions match. */
  total(name: MetricName, where: Dimensions = {}): number {
    return this.recordedMetrics.total(name, where);
  }

  private accepts(kind: TelemetryKind, name: string, dimensions: Dimensions): boolean {
    const problem = catalogProblem(kind, name, dimensions);
    if (!problem) return true;
    if (this.options.strict) throw new TelemetryCatalogError(problem);
    this.push(this.refused, problem);
    this.recordedMetrics.push('telemetry.refused_total', 1, { reason: problem.reason });
    return false;
  }

  /** Trims in chunks once the list holds twice the bound, so a full list costs O(1) per entry, not a shift each time. */
  private push<T>(list: T[], entry: T): void {
    list.push(entry);
    if (list.length >= 2 * InMemoryTelemetry.MAX_ENTRIES) list.splice(0, list.length - InMemoryTelemetry.MAX_ENTRIES);
  }
}
