// A seeded generator of labelled synthetic series for the anomaly detector: a level, noise (Gaussian or
// Poisson counts), optional daily and weekly seasonality, and injected spikes, dips and level shifts, each
// labelled with the window in which detecting it counts. The same seed always gives the same series.
import type { SeriesPoint } from '../../shared/domain/signals/detector';

export type AnomalyKind = 'spike' | 'dip' | 'level_shift';

export interface LabelledWindow {
  kind: AnomalyKind;
  /** Index of the first anomalous point. */
  start: number;
  /** Index after the last point at which a detection still counts as finding it (exclusive): recall and delay. */
  end: number;
  /**
   * Index after the last point an alarm may still rightly cover (exclusive): for a level shift, the points until
   * a rolling baseline has caught up with the new level are still unlike their history.
   */
  affectedEnd: number;
}

export interface SyntheticSeries {
  name: string;
  stepInMs: number;
  points: SeriesPoint[];
  labels: LabelledWindow[];
}

export interface SeriesSpec {
  name: string;
  seed: number;
  length: number;
  stepInMs: number;
  level: number;
  /** Standard deviation as a fraction of the level (Gaussian noise); ignored for counts. */
  noise: number;
  /** Poisson counts around the level instead of Gaussian noise. */
  counts?: boolean;
  /** Daily amplitude as a fraction of the level, and a weekend factor (0.6 = weekends at 60 %). */
  seasonality?: { daily: number; weekend: number };
  spikes: number;
  dips: number;
  levelShifts: number;
  /** Anomalies start after this many points (the detector's and the season's history). */
  warmup: number;
}

/** mulberry32: small, fast, and good enough to make noise reproducible. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

function poisson(mean: number, random: () => number): number {
  if (mean > 50) return Math.max(0, Math.round(mean + Math.sqrt(mean) * gaussian(random)));
  const limit = Math.exp(-mean);
  let product = random();
  let count = 0;
  while (product > limit) {
    product *= random();
    count++;
  }
  return count;
}

const DAY_IN_MS = 86_400_000;
/** A week starting Monday 2024-01-01, so weekends fall where a reader expects them. */
const EPOCH = Date.UTC(2024, 0, 1);

/** How long after a level shift a detection still counts as early enough (in points). */
const SHIFT_WINDOW = 12;
/** Half the detector's default window: by then the rolling median sits at the new level. */
const SHIFT_AFFECTED = 40;
const MIN_GAP = 80;

export function generateSeries(spec: SeriesSpec): SyntheticSeries {
  const random = seededRandom(spec.seed);
  const base: number[] = [];
  for (let index = 0; index < spec.length; index++) {
    const time = EPOCH + index * spec.stepInMs;
    let level = spec.level;
    if (spec.seasonality) {
      const dayFraction = (time % DAY_IN_MS) / DAY_IN_MS;
      // A working-hours bump: low at night, peak in the afternoon.
      level *= 1 + spec.seasonality.daily * Math.sin(2 * Math.PI * (dayFraction - 0.25));
      const weekday = new Date(time).getUTCDay();
      if (weekday === 0 || weekday === 6) level *= spec.seasonality.weekend;
    }
    base.push(level);
  }
  // Place anomalies at least MIN_GAP apart after the warm-up, in a shuffled order of kinds.
  const kinds: AnomalyKind[] = [...Array(spec.spikes).fill('spike'), ...Array(spec.dips).fill('dip'), ...Array(spec.levelShifts).fill('level_shift')];
  const slots = Math.floor((spec.length - spec.warmup - MIN_GAP) / MIN_GAP);
  if (kinds.length > slots) throw new Error(`${spec.name}: ${kinds.length} anomalies do not fit in ${slots} slots`);
  const chosen = new Set<number>();
  while (chosen.size < kinds.length) chosen.add(Math.floor(random() * slots));
  const starts = [...chosen].sort((left, right) => left - right).map((slot) => spec.warmup + slot * MIN_GAP + Math.floor(random() * (MIN_GAP / 2)));
  const labels: LabelledWindow[] = [];
  const multiplier = new Array<number>(spec.length).fill(1);
  starts.forEach((start, order) => {
    const kind = kinds[order]!;
    if (kind === 'level_shift') {
      // Up or down by 40-80 %, for the rest of the series.
      const factor = random() < 0.5 ? 1.4 + random() * 0.4 : 0.6 - random() * 0.2;
      for (let index = start; index < spec.length; index++) multiplier[index]! *= factor;
      labels.push({ kind, start, end: start + SHIFT_WINDOW, affectedEnd: start + SHIFT_AFFECTED });
    } else {
      const width = 1 + Math.floor(random() * 3);
      const factor = kind === 'spike' ? 2 + random() * 2 : 0.15 + random() * 0.2;
      for (let index = start; index < Math.min(spec.length, start + width); index++) multiplier[index]! *= factor;
      labels.push({ kind, start, end: start + width + 2, affectedEnd: start + width + 2 });
    }
  });
  const points: SeriesPoint[] = base.map((level, index) => {
    const mean = level * multiplier[index]!;
    const value = spec.counts ? poisson(mean, random) : mean + mean * spec.noise * gaussian(random);
    return { time: EPOCH + index * spec.stepInMs, value: Math.round(value * 1000) / 1000 };
  });
  return { name: spec.name, stepInMs: spec.stepInMs, points, labels };
}

/** The evaluation set: six series, each kind of rhythm and noise, 40-odd labelled anomalies in all. */
export function evaluationSet(): SyntheticSeries[] {
  const hour = 3_600_000;
  const tenMinutes = 600_000;
  return [
    generateSeries({
      name: 'flat-gaussian',
      seed: 11,
      length: 2000,
      stepInMs: 60_000,
      level: 200,
      noise: 0.05,
      spikes: 6,
      dips: 3,
      levelShifts: 3,
      warmup: 120,
    }),
    generateSeries({ name: 'flat-noisy', seed: 23, length: 2000, stepInMs: 60_000, level: 80, noise: 0.12, spikes: 5, dips: 2, levelShifts: 2, warmup: 120 }),
    generateSeries({
      name: 'error-counts',
      seed: 37,
      length: 2000,
      stepInMs: 60_000,
      level: 12,
      noise: 0,
      counts: true,
      spikes: 6,
      dips: 0,
      levelShifts: 2,
      warmup: 120,
    }),
    generateSeries({
      name: 'request-counts',
      seed: 41,
      length: 2000,
      stepInMs: 60_000,
      level: 900,
      noise: 0,
      counts: true,
      spikes: 4,
      dips: 3,
      levelShifts: 2,
      warmup: 120,
    }),
    // Five weeks at ten minutes: the weekly rhythm is learnt from the first two.
    generateSeries({
      name: 'seasonal-10min',
      seed: 53,
      length: 5040,
      stepInMs: tenMinutes,
      level: 500,
      noise: 0.04,
      seasonality: { daily: 0.5, weekend: 0.6 },
      spikes: 6,
      dips: 3,
      levelShifts: 1,
      warmup: 2100,
    }),
    generateSeries({
      name: 'seasonal-hourly',
      seed: 67,
      length: 1176,
      stepInMs: hour,
      level: 300,
      noise: 0.05,
      seasonality: { daily: 0.6, weekend: 0.5 },
      spikes: 2,
      dips: 1,
      levelShifts: 0,
      warmup: 600,
    }),
  ];
}
