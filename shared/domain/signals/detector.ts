// The anomaly detector, pure: a robust z-score of each point against a rolling median and MAD of the points
// before it, on the residual after an hour-of-week seasonal baseline once two weeks of history exist.
//
// Why this one: error and latency series are heavy-tailed and spiky. Mean and standard deviation are dragged
// by the very spikes we look for, while the median and the median absolute deviation (MAD) ignore up to half
// of the window being anomalous, need no training, and are cheap enough to run per rule every minute. Traffic
// has a daily and weekly rhythm; subtracting the median of the same hour in earlier weeks removes it, so a
// Monday-morning ramp is not an anomaly, but only once enough weeks exist to tell rhythm from noise.
// The same function serves the timer, the offline CLI and the benchmark.

export type Direction = 'up' | 'down' | 'both';
export type Seasonality = 'none' | 'hour_of_week';

/** Named sensitivities as robust z thresholds: how many MAD-scaled deviations count as anomalous. */
export const sensitivityThresholds = { low: 6, medium: 4.5, high: 3.5 } as const;
export type SensitivityName = keyof typeof sensitivityThresholds;

export function thresholdOf(sensitivity: SensitivityName | number): number {
  return typeof sensitivity === 'number' ? sensitivity : sensitivityThresholds[sensitivity];
}

export interface DetectorOptions {
  /** Robust z threshold (see sensitivityThresholds). */
  threshold: number;
  direction: Direction;
  /** Points of history the median and MAD are taken over. */
  window: number;
  /** Fewer usable points before a point than this: not scored. */
  minHistory: number;
  seasonality: Seasonality;
  /**
   * Counts (errors, requests) are Poisson-like: their noise grows with the level, and a MAD of 0 over a quiet
   * stretch must not turn one extra error into an infinite score. The scale is then at least sqrt(level + 1).
   */
  countData?: boolean;
}

export const defaultDetectorOptions: DetectorOptions = {
  threshold: sensitivityThresholds.medium,
  direction: 'both',
  window: 60,
  minHistory: 20,
  seasonality: 'none',
};

export interface SeriesPoint {
  /** Epoch ms. */
  time: number;
  /** Undefined: no data for this point (not scored, not history). */
  value: number | undefined;
}

export interface ScoredPoint {
  time: number;
  value: number | undefined;
  /** Signed robust z-score; 0 when not scored. */
  score: number;
  /** The band the point was expected in; absent before minHistory points exist. */
  expected?: number;
  lower?: number;
  upper?: number;
  anomalous: boolean;
  /** Whether the seasonal baseline was used for this point. */
  seasonal: boolean;
}

const MAD_TO_SIGMA = 1.4826;
const WEEK_IN_MS = 7 * 86_400_000;
const HOUR_IN_MS = 3_600_000;
/** Weeks of the same hour the seasonal baseline looks back over, and how many must have data. */
const SEASONAL_WEEKS = 4;
const MIN_SEASONAL_WEEKS = 2;
/** Points either side of the same slot that join it in the seasonal median (a linear ramp cancels out). */
const SLOT_NEIGHBOURS = 2;

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((left, right) => left - right);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Median and MAD-based scale of a sample. */
export function robustCenter(values: number[]): { center: number; scale: number } {
  const center = median(values);
  return { center, scale: MAD_TO_SIGMA * median(values.map((value) => Math.abs(value - center))) };
}

/** Mean value per absolute hour, the input of the hour-of-week baseline. */
function hourlyMeans(points: SeriesPoint[]): Map<number, number> {
  const sums = new Map<number, { sum: number; count: number }>();
  for (const point of points) {
    if (point.value === undefined) continue;
    const hour = Math.floor(point.time / HOUR_IN_MS);
    const entry = sums.get(hour) ?? { sum: 0, count: 0 };
    entry.sum += point.value;
    entry.count += 1;
    sums.set(hour, entry);
  }
  return new Map([...sums].map(([hour, entry]) => [hour, entry.sum / entry.count]));
}

/**
 * The seasonal level at `time`: the median of the mean of the same hour in up to four earlier weeks, or
 * undefined with fewer than two. Per point of the series' own step, as the hourly means are. Used when the
 * same slot of earlier weeks holds no point (irregular steps, gaps, or hourly rollups under minute data).
 */
export function seasonalLevel(means: Map<number, number>, time: number): number | undefined {
  const hour = Math.floor(time / HOUR_IN_MS);
  const levels: number[] = [];
  for (let week = 1; week <= SEASONAL_WEEKS; week++) {
    const level = means.get(hour - week * (WEEK_IN_MS / HOUR_IN_MS));
    if (level !== undefined) levels.push(level);
  }
  return levels.length >= MIN_SEASONAL_WEEKS ? median(levels) : undefined;
}

function exactValues(points: SeriesPoint[]): Map<number, number> {
  const values = new Map<number, number>();
  for (const point of points) if (point.value !== undefined) values.set(point.time, point.value);
  return values;
}

/**
 * The seasonal level from the very same slot of earlier weeks (a series whose step divides the week has one):
 * sharper than the hour's mean, which blurs a ramp within the hour. Undefined with fewer than two weeks.
 */
function sameSlotLevel(values: Map<number, number>, step: number, time: number): number | undefined {
  const levels: number[] = [];
  let weeks = 0;
  for (let week = 1; week <= SEASONAL_WEEKS; week++) {
    const slot = time - week * WEEK_IN_MS;
    if (!values.has(slot)) continue;
    weeks++;
    // The slot and its neighbours: a spike of a few points in an earlier week cannot move the median of them.
    for (let neighbour = -SLOT_NEIGHBOURS; neighbour <= SLOT_NEIGHBOURS; neighbour++) {
      const level = values.get(slot + neighbour * step);
      if (level !== undefined) levels.push(level);
    }
  }
  return weeks >= MIN_SEASONAL_WEEKS ? median(levels) : undefined;
}

function isAnomalous(score: number, options: DetectorOptions): boolean {
  if (options.direction === 'up') return score > options.threshold;
  if (options.direction === 'down') return score < -options.threshold;
  return Math.abs(score) > options.threshold;
}

/**
 * Scores every point against the points before it (never after: the same answer live and offline).
 * `history` may carry points older than `points` that only serve as baseline (e.g. hourly rollups for the
 * seasonal level); it is never scored.
 */
export function scoreSeries(points: SeriesPoint[], options: DetectorOptions, history: SeriesPoint[] = []): ScoredPoint[] {
  const means = options.seasonality === 'hour_of_week' ? hourlyMeans([...history, ...points]) : undefined;
  const exact = options.seasonality === 'hour_of_week' ? exactValues([...history, ...points]) : undefined;
  const step = exact ? stepOf(points) : 0;
  let residuals: number[] = [];
  let relativeMode = false;
  const scored: ScoredPoint[] = [];
  for (const point of points) {
    const level = means ? ((step > 0 ? sameSlotLevel(exact!, step, point.time) : undefined) ?? seasonalLevel(means, point.time)) : undefined;
    const seasonal = level !== undefined && Math.abs(level) > 1e-9;
    if (point.value === undefined) {
      scored.push({ time: point.time, value: undefined, score: 0, anomalous: false, seasonal });
      continue;
    }
    // With a seasonal level, residuals are relative to it: traffic's noise grows with its level, so a deviation
    // of 30 at the afternoon peak is as ordinary as one of 10 at night. The history restarts when the mode does.
    if (seasonal !== relativeMode) {
      residuals = [];
      relativeMode = seasonal;
    }
    const residual = seasonal ? (point.value - level!) / Math.abs(level!) : point.value;
    const baseline = residuals.slice(-options.window);
    residuals.push(residual);
    if (residuals.length > options.window * 4) residuals = residuals.slice(-options.window);
    if (baseline.length < options.minHistory) {
      scored.push({ time: point.time, value: point.value, score: 0, anomalous: false, seasonal });
      continue;
    }
    const { center, scale: madScale } = robustCenter(baseline);
    const unit = seasonal ? Math.abs(level!) : 1;
    const expected = seasonal ? level! * (1 + center) : center;
    // A floor on the scale: 1 % of the level (a flat series is not infinitely sensitive), Poisson noise for counts.
    const floor = Math.max(Math.abs(expected) * 0.01, options.countData ? Math.sqrt(Math.max(expected, 0) + 1) : 0, 1e-9) / unit;
    const scale = Math.max(madScale, floor);
    const score = (residual - center) / scale;
    scored.push({
      time: point.time,
      value: point.value,
      score,
      expected,
      lower: expected - options.threshold * scale * unit,
      upper: expected + options.threshold * scale * unit,
      anomalous: isAnomalous(score, options),
      seasonal,
    });
  }
  return scored;
}

/** The step of a series: the median gap between consecutive timestamps. */
export function stepOf(points: SeriesPoint[]): number {
  const gaps: number[] = [];
  for (let index = 1; index < points.length; index++) gaps.push(points[index]!.time - points[index - 1]!.time);
  return gaps.length ? median(gaps) : 0;
}

/** `auto` seasonality for offline use: hour of week when the series has a sub-hourly-to-hourly step and spans three weeks. */
export function autoSeasonality(points: SeriesPoint[]): Seasonality {
  if (points.length < 2) return 'none';
  const step = stepOf(points);
  const span = points[points.length - 1]!.time - points[0]!.time;
  return step > 0 && step <= HOUR_IN_MS && span >= 3 * WEEK_IN_MS ? 'hour_of_week' : 'none';
}
