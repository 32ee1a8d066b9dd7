// The detector, pure and table-driven: what it flags, in which direction, after how much history, and what
// the hour-of-week baseline and the count floor change.
import { describe, expect, it } from 'vitest';
import { autoSeasonality, defaultDetectorOptions, scoreSeries, thresholdOf, type SeriesPoint } from '../../shared/domain/signals/detector';
import { seededRandom } from '../../bench/support/synthetic-series';

const MINUTE = 60_000;
const HOUR = 3_600_000;

function series(values: Array<number | undefined>, step = MINUTE, start = Date.UTC(2024, 0, 1)): SeriesPoint[] {
  return values.map((value, index) => ({ time: start + index * step, value }));
}

function noisy(length: number, level: number, spread: number, seed = 7): number[] {
  const random = seededRandom(seed);
  return Array.from({ length }, () => level + (random() - 0.5) * 2 * spread);
}

describe('robust z-score detector', () => {
  const base = noisy(100, 100, 5);
  const cases: Array<{ name: string; change: (values: number[]) => void; options?: Partial<typeof defaultDetectorOptions>; flagged: number[] }> = [
    { name: 'a spike is flagged, nothing else', change: (values) => void (values[70] = 160), flagged: [70] },
    { name: 'a dip is flagged in both directions', change: (values) => void (values[70] = 40), flagged: [70] },
    { name: 'direction up ignores a dip', change: (values) => void (values[70] = 40), options: { direction: 'up' }, flagged: [] },
    { name: 'direction down ignores a spike', change: (values) => void (values[70] = 160), options: { direction: 'down' }, flagged: [] },
    {
      name: 'low sensitivity lets a moderate spike through',
      change: (values) => void (values[70] = 118),
      options: { threshold: thresholdOf('low') },
      flagged: [],
    },
    {
      name: 'high sensitivity flags the same moderate spike',
      change: (values) => void (values[70] = 118),
      options: { threshold: thresholdOf('high') },
      flagged: [70],
    },
    { name: 'nothing is scored before the minimum history', change: (values) => void (values[5] = 1000), flagged: [] },
  ];
  it.each(cases)('$name', ({ change, options, flagged }) => {
    const values = [...base];
    change(values);
    const scored = scoreSeries(series(values), { ...defaultDetectorOptions, ...options });
    expect(scored.flatMap((point, index) => (point.anomalous ? [index] : []))).toEqual(flagged);
  });

  it('is robust to the spikes it looks for: one spike does not hide the next', () => {
    const values = [...base];
    values[60] = 400;
    values[62] = 170;
    const flagged = scoreSeries(series(values), defaultDetectorOptions).flatMap((point, index) => (point.anomalous ? [index] : []));
    expect(flagged).toEqual([60, 62]);
  });

  it('gives an expected band that contains ordinary points and skips gaps', () => {
    const values: Array<number | undefined> = [...base];
    values[50] = undefined;
    const scored = scoreSeries(series(values), defaultDetectorOptions);
    expect(scored[50]).toMatchObject({ value: undefined, anomalous: false, score: 0 });
    const point = scored[80]!;
    expect(point.lower!).toBeLessThan(point.value!);
    expect(point.upper!).toBeGreaterThan(point.value!);
    expect(point.expected!).toBeCloseTo(100, -1);
  });

  it('treats counts as Poisson: one error after a quiet hour is not an anomaly, fifteen are', () => {
    const values = Array<number>(80).fill(0);
    values[70] = 1;
    values[75] = 15;
    const scored = scoreSeries(series(values), { ...defaultDetectorOptions, countData: true });
    expect(scored.flatMap((point, index) => (point.anomalous ? [index] : []))).toEqual([75]);
  });

  it('learns the weekly rhythm once two weeks exist: the daily peak stops being an anomaly, a real spike is still one', () => {
    const random = seededRandom(3);
    const hours = 24 * 7 * 4;
    const values = Array.from({ length: hours }, (_, index) => {
      const hourOfDay = index % 24;
      const peak = hourOfDay >= 9 && hourOfDay < 12 ? 300 : 100;
      return peak * (1 + (random() - 0.5) * 0.04);
    });
    const spikeAt = 24 * 7 * 3 + 24 * 2 + 3; // week 4, a night hour
    values[spikeAt] = 300;
    const points = series(values, HOUR);
    expect(autoSeasonality(points)).toBe('hour_of_week');
    const lastWeek = (flags: boolean[]) => flags.slice(24 * 7 * 3).flatMap((flag, index) => (flag ? [index + 24 * 7 * 3] : []));
    const seasonal = scoreSeries(points, { ...defaultDetectorOptions, seasonality: 'hour_of_week' });
    const flat = scoreSeries(points, { ...defaultDetectorOptions, seasonality: 'none' });
    expect(lastWeek(seasonal.map((point) => point.anomalous))).toEqual([spikeAt]);
    expect(seasonal[spikeAt]!.seasonal).toBe(true);
    // Without the rhythm, every morning peak looks like an anomaly.
    expect(lastWeek(flat.map((point) => point.anomalous)).length).toBeGreaterThan(5);
  });

  it('chooses seasonality only for sub-hourly to hourly series spanning three weeks', () => {
    expect(autoSeasonality(series(Array(100).fill(1), MINUTE))).toBe('none');
    expect(autoSeasonality(series(Array(24 * 22).fill(1), HOUR))).toBe('hour_of_week');
    expect(autoSeasonality(series(Array(30).fill(1), 86_400_000))).toBe('none');
  });
});
