// The ring the in-memory telemetry keeps its metrics in: the latest entries, oldest first, and sums over them.
import { describe, expect, it } from 'vitest';
import { MetricRing } from '../../shared/adapters/memory/metric-ring';
import { InMemoryTelemetry } from '../../shared/adapters/memory/in-memory-telemetry';

describe('MetricRing', () => {
  it('holds what was pushed, oldest first, until it is full', () => {
    const ring = new MetricRing(4);
    const get = Object.freeze({ function: 'config-get', status: '304' });
    ring.push('http.request.duration_ms', 1.5, get);
    ring.push('config.poll_total', 1, { outcome: 'not_modified', session: 'none' });
    expect(ring.size).toBe(2);
    expect(ring.entries()).toEqual([
      { name: 'http.request.duration_ms', value: 1.5, dimensions: get },
      { name: 'config.poll_total', value: 1, dimensions: { outcome: 'not_modified', session: 'none' } },
    ]);
    expect(ring.entries()[0]!.dimensions).toBe(get);
  });

  it('overwrites the oldest entries once full, keeping the latest `capacity`', () => {
    const ring = new MetricRing(3);
    for (let value = 1; value <= 7; value++) ring.push('http.request.duration_ms', value, {});
    expect(ring.size).toBe(3);
    expect(ring.entries().map((entry) => entry.value)).toEqual([5, 6, 7]);
    ring.push('config.poll_total', 8, {});
    expect(ring.entries().map((entry) => entry.value)).toEqual([6, 7, 8]);
  });

  it('sums a metric over the entries held, where the dimensions match', () => {
    const ring = new MetricRing(10);
    ring.push('config.poll_total', 1, { outcome: 'not_modified', session: 'none' });
    ring.push('config.poll_total', 1, { outcome: 'changed', session: 'targeted' });
    ring.push('config.poll_total', 1, { outcome: 'not_modified', session: 'targeted' });
    ring.push('http.request.duration_ms', 40, { function: 'config-get', status: '200' });
    expect(ring.total('config.poll_total')).toBe(3);
    expect(ring.total('config.poll_total', { outcome: 'not_modified' })).toBe(2);
    expect(ring.total('config.poll_total', { outcome: 'changed', session: 'none' })).toBe(0);
    expect(ring.total('http.request.duration_ms', { status: '200' })).toBe(40);
  });

  it('counts only what it still holds once it has wrapped around', () => {
    const ring = new MetricRing(2);
    ring.push('config.poll_total', 100, {});
    ring.push('config.poll_total', 2, {});
    ring.push('config.poll_total', 3, {});
    expect(ring.total('config.poll_total')).toBe(5);
  });

  it('refuses a capacity that holds nothing', () => {
    expect(() => new MetricRing(0)).toThrow(RangeError);
    expect(() => new MetricRing(1.5)).toThrow(RangeError);
  });
});

describe('InMemoryTelemetry over the ring', () => {
  it('keeps the latest 20,000 metrics and reads them back in order', () => {
    const telemetry = new InMemoryTelemetry({ strict: true });
    for (let value = 0; value < 25_000; value++) telemetry.metric('http.request.duration_ms', value, { function: 'config-get', status: '304' });
    const metrics = telemetry.metrics;
    expect(metrics).toHaveLength(20_000);
    expect(metrics[0]!.value).toBe(5_000);
    expect(metrics.at(-1)!.value).toBe(24_999);
    expect(telemetry.total('http.request.duration_ms', { status: '304' })).toBe(((5_000 + 24_999) * 20_000) / 2);
  });

  it('records a refusal as a metric when not strict', () => {
    const telemetry = new InMemoryTelemetry();
    telemetry.metric('config.poll_total', 1, { unknown: 'x' });
    expect(telemetry.metrics).toEqual([{ name: 'telemetry.refused_total', value: 1, dimensions: { reason: 'unknown_dimension' } }]);
    expect(telemetry.refused).toHaveLength(1);
  });
});
