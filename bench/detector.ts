// The anomaly detector on the labelled synthetic set (bench/support/synthetic-series.ts): precision, recall
// and detection delay of the service's detector, side by side with a rolling mean/standard-deviation z-score
// at the same threshold (the textbook baseline the robust detector is meant to beat).
import { autoSeasonality, defaultDetectorOptions, median, scoreSeries, sensitivityThresholds, type SeriesPoint } from '../shared/domain/signals/detector';
import type { BenchmarkContext, BenchmarkOutcome } from './support/benchmark';
import { combineScores, precisionOf, recallOf, scoreDetections, type DetectionScore } from './support/detector-scoring';
import type { Row } from './support/report';
import { evaluationSet, type SyntheticSeries } from './support/synthetic-series';

/** Rolling mean and standard deviation of the `window` points before each point. */
function meanStdFlags(points: SeriesPoint[], window: number, threshold: number): boolean[] {
  const history: number[] = [];
  return points.map((point) => {
    if (point.value === undefined) return false;
    const baseline = history.slice(-window);
    history.push(point.value);
    if (baseline.length < defaultDetectorOptions.minHistory) return false;
    const mean = baseline.reduce((sum, value) => sum + value, 0) / baseline.length;
    const deviation = Math.sqrt(baseline.reduce((sum, value) => sum + (value - mean) ** 2, 0) / baseline.length) || 1e-9;
    return Math.abs(point.value - mean) / deviation > threshold;
  });
}

function ourFlags(series: SyntheticSeries, threshold: number, seasonal: boolean): boolean[] {
  const counts = series.name.includes('counts');
  const options = { ...defaultDetectorOptions, threshold, countData: counts, seasonality: seasonal ? autoSeasonality(series.points) : ('none' as const) };
  return scoreSeries(series.points, options).map((point) => point.anomalous);
}

/** Anomalies start after each series' warm-up; the first labelled start bounds the probation. */
function probation(series: SyntheticSeries): number {
  return Math.min(...series.labels.map((label) => label.start)) - 1;
}

interface Contender {
  name: string;
  flags: (series: SyntheticSeries) => boolean[];
}

function evaluate(contender: Contender, set: SyntheticSeries[]): { total: DetectionScore; perSeries: Record<string, DetectionScore> } {
  const perSeries: Record<string, DetectionScore> = {};
  for (const series of set) perSeries[series.name] = scoreDetections(contender.flags(series), series.labels, probation(series));
  return { total: combineScores(Object.values(perSeries)), perSeries };
}

const percent = (value: number) => Math.round(value * 1000) / 10;

export async function benchDetector(context: BenchmarkContext): Promise<BenchmarkOutcome> {
  const set = evaluationSet();
  const threshold = sensitivityThresholds.medium;
  const ours: Contender = { name: 'robust median/MAD, hour-of-week', flags: (series) => ourFlags(series, threshold, true) };
  const contenders: Contender[] = [
    ours,
    { name: 'robust median/MAD, no seasonality', flags: (series) => ourFlags(series, threshold, false) },
    { name: 'rolling mean/std z-score', flags: (series) => meanStdFlags(series.points, defaultDetectorOptions.window, threshold) },
  ];
  const started = performance.now();
  const results = new Map(contenders.map((contender) => [contender.name, evaluate(contender, set)]));
  const seconds = (performance.now() - started) / 1000;
  const mine = results.get(ours.name)!.total;
  const peer = results.get('rolling mean/std z-score')!.total;
  const unseasonal = results.get('robust median/MAD, no seasonality')!.total;
  for (const [name, result] of results) {
    context.log(
      `  ${name}: precision ${percent(precisionOf(result.total))} %, recall ${percent(recallOf(result.total))} %, median delay ${median(result.total.delays)} points`,
    );
  }
  const points = set.reduce((sum, series) => sum + series.points.length, 0);
  const rows: Row[] = [
    {
      benchmark: 'detector',
      measure: `precision (alarms on a labelled anomaly), ${set.length} synthetic series, ${mine.windows} anomalies`,
      value: percent(precisionOf(mine)),
      unit: '%',
      reference: { value: percent(precisionOf(peer)), label: 'rolling mean/std z-score' },
      ratio: precisionOf(mine) / Math.max(precisionOf(peer), 1e-9),
      ratioAs: 'multiple',
      target: '≥ 80 %',
      met: precisionOf(mine) >= 0.8,
    },
    {
      benchmark: 'detector',
      measure: 'recall (labelled anomalies with an alarm in their window)',
      value: percent(recallOf(mine)),
      unit: '%',
      reference: { value: percent(recallOf(peer)), label: 'rolling mean/std z-score' },
      ratio: recallOf(mine) / Math.max(recallOf(peer), 1e-9),
      ratioAs: 'multiple',
      target: '≥ 85 %',
      met: recallOf(mine) >= 0.85,
    },
    {
      benchmark: 'detector',
      measure: 'median detection delay (points after the anomaly starts)',
      value: median(mine.delays),
      unit: 'points',
      reference: { value: median(peer.delays), label: 'rolling mean/std z-score' },
      lowerIsBetter: true,
      target: '≤ 1 point',
      met: median(mine.delays) <= 1,
    },
    {
      benchmark: 'detector',
      measure: 'precision without the hour-of-week baseline (same detector)',
      value: percent(precisionOf(unseasonal)),
      unit: '%',
      reference: { value: percent(precisionOf(mine)), label: 'with hour-of-week' },
      note: 'what the seasonal baseline adds on the two seasonal series',
    },
    {
      benchmark: 'detector',
      measure: 'scoring speed (every point, all contenders)',
      value: Math.round((points * contenders.length) / seconds),
      unit: 'points/s',
    },
  ];
  const details = Object.fromEntries(
    [...results].map(([name, result]) => [
      name,
      {
        precision: precisionOf(result.total),
        recall: recallOf(result.total),
        medianDelayPoints: median(result.total.delays),
        maxDelayPoints: Math.max(...result.total.delays),
        perSeries: Object.fromEntries(
          Object.entries(result.perSeries).map(([series, score]) => [
            series,
            { precision: precisionOf(score), recall: recallOf(score), alarms: score.alarms, windows: score.windows },
          ]),
        ),
      },
    ]),
  );
  return {
    rows,
    details: { threshold, series: set.map((series) => ({ name: series.name, points: series.points.length, anomalies: series.labels.length })), ...details },
  };
}
