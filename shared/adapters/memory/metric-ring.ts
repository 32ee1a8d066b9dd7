// The latest metrics recorded in memory, kept column by column in a fixed ring: recording one allocates nothing.
import type { Dimensions } from '../../ports/telemetry';
import type { MetricName } from '../../ports/telemetry-catalog';

export interface RecordedMetric {
  name: MetricName;
  value: number;
  dimensions: Dimensions;
}

/**
 * A ring of the last `capacity` metrics. Every request records one or two, so a list of `{ name, value,
 * dimensions }` objects (and a boxed number in each) made garbage at the request rate that lived long enough to be
 * promoted before it was trimmed. Here the value sits in a typed array and the name and dimensions are references to
 * objects that already exist (catalog names, dimension objects frozen once per route): the columns are allocated
 * once, and a write overwrites the oldest entry.
 */
export class MetricRing {
  private readonly names: Array<MetricName | undefined>;
  private readonly values: Float64Array;
  private readonly dimensions: Array<Dimensions | undefined>;
  /** Where the next entry goes. */
  private next = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('A metric ring holds at least one entry');
    this.names = new Array<MetricName | undefined>(capacity).fill(undefined);
    this.values = new Float64Array(capacity);
    this.dimensions = new Array<Dimensions | undefined>(capacity).fill(undefined);
  }

  get size(): number {
    return this.count;
  }

  push(name: MetricName, value: number, dimensions: Dimensions): void {
    const slot = this.next;
    this.names[slot] = name;
    this.values[slot] = value;
    this.dimensions[slot] = dimensions;
    this.next = slot + 1 === this.capacity ? 0 : slot + 1;
    if (this.count < this.capacity) this.count++;
  }

  /** The entries held, oldest first, as objects (for tests and local inspection; not on a hot path). */
  entries(): RecordedMetric[] {
    const entries: RecordedMetric[] = [];
    this.forEach((name, value, dimensions) => entries.push({ name, value, dimensions }));
    return entries;
  }

  /** Sum of a metric's values, optionally only where the given dimensions match. */
  total(name: MetricName, where: Dimensions = {}): number {
    const wanted = Object.entries(where);
    let sum = 0;
    this.forEach((entryName, value, dimensions) => {
      if (entryName === name && wanted.every(([key, expected]) => dimensions[key] === expected)) sum += value;
    });
    return sum;
  }

  private forEach(visit: (name: MetricName, value: number, dimensions: Dimensions) => void): void {
    const oldest = this.count < this.capacity ? 0 : this.next;
    for (let offset = 0; offset < this.count; offset++) {
      const slot = (oldest + offset) % this.capacity;
      visit(this.names[slot]!, this.values[slot]!, this.dimensions[slot]!);
    }
  }
}
