// Alert rules and their evaluation, pure: a rule's condition over per-minute totals, N of the last M periods,
// minimum history, one alert per episode, and recovery only after a clean window.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { scoreSeries, thresholdOf, type DetectorOptions, type SeriesPoint } from './detector';
import { dimensionsSchema, emptyTotals, metricNameSchema, metricValue, MINUTE_IN_MS, quantileNames, type MetricName, type PeriodTotals } from './series';

const directionSchema = z.enum(['up', 'down', 'both']);

export const conditionSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('threshold'),
      operator: z.enum(['above', 'below']).default('above'),
      /** Rates as fractions (0.05 = 5 %), latency in ms, counters as counts per window. */
      value: z.number().finite(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('relative'),
      direction: directionSchema.default('up'),
      /** Change against the baseline's value, in percent (50 = half as much again). */
      changePercent: z.number().positive().max(100_000),
      /** The baseline: the window of this length just before the evaluated one. */
      baselineMinutes: z.number().int().min(5).max(1440).default(60),
    })
    .strict(),
  z
    .object({
      kind: z.literal('anomaly'),
      sensitivity: z.union([z.enum(['low', 'medium', 'high']), z.number().min(1.5).max(20)]).default('medium'),
      direction: directionSchema.default('up'),
      seasonality: z.enum(['none', 'hour_of_week']).default('none'),
      /** Windows of history the median and MAD are taken over. */
      baselinePeriods: z.number().int().min(10).max(120).default(30),
    })
    .strict(),
]);
export type AlertCondition = z.infer<typeof conditionSchema>;

export const firingPolicySchema = z
  .object({
    /** Fires when at least `periods` of the last `of` evaluated minutes fail. */
    periods: z.number().int().min(1).max(60).default(3),
    of: z.number().int().min(1).max(60).default(5),
    /** The series must have data this far back before the rule can fire. */
    minHistoryMinutes: z.number().int().min(0).max(1440).default(10),
    /** Recovers after this many consecutive clean minutes. */
    recoveryMinutes: z.number().int().min(1).max(1440).default(10),
  })
  .strict()
  .refine((policy) => policy.periods <= policy.of, { message: 'periods must not exceed of', path: ['periods'] });

export const alertRuleInputSchema = z
  .object({
    name: z.string().trim().min(1).max(120),
    enabled: z.boolean().default(true),
    metric: metricNameSchema,
    filter: dimensionsSchema.default({}),
    /** Each evaluated period covers this many minutes (the "over 5 min" of a threshold). */
    windowMinutes: z.number().int().min(1).max(60).default(5),
    condition: conditionSchema,
    /** A period with fewer samples (requests for rates, measured requests for latency) never fails. */
    minSamples: z.number().int().min(0).max(1_000_000).default(20),
    firing: firingPolicySchema.default({ periods: 3, of: 5, minHistoryMinutes: 10, recoveryMinutes: 10 }),
    severity: z.enum(['critical', 'error', 'warning']).default('error'),
  })
  .strict();
export type AlertRuleInput = z.infer<typeof alertRuleInputSchema>;

export const alertRuleSchema = alertRuleInputSchema.extend({
  id: z.string(),
  productId: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  updatedBy: z.string(),
});
export type AlertRule = z.infer<typeof alertRuleSchema>;

export function newAlertRule(productId: string, input: AlertRuleInput, by: string, now: Date): AlertRule {
  const at = now.toISOString();
  return { ...input, id: `ar_${randomUUID()}`, productId, createdAt: at, updatedAt: at, updatedBy: by };
}

/** Minutes of data one evaluation reads, counted back from the evaluated minute. */
export function lookbackMinutes(rule: AlertRule): number {
  const periods = Math.max(rule.firing.of, rule.firing.recoveryMinutes);
  const condition = rule.condition;
  const baseline =
    condition.kind === 'relative' ? condition.baselineMinutes : condition.kind === 'anomaly' ? condition.baselinePeriods * rule.windowMinutes : 0;
  return Math.max(periods + rule.windowMinutes + baseline, rule.firing.minHistoryMinutes + 1);
}

function addTotals(into: PeriodTotals, from: PeriodTotals): void {
  into.errors += from.errors;
  into.crashes += from.crashes;
  into.requests += from.requests;
  into.http_5xx += from.http_5xx;
  into.latencyCount += from.latencyCount;
  into.latencySum += from.latencySum;
  for (const name of quantileNames) into.weightedQuantiles[name] += from.weightedQuantiles[name];
}

/** Per-minute totals, oldest first, from `start`: windows over them are sums of consecutive minutes. */
export class MinuteTotals {
  constructor(
    private readonly start: number,
    private readonly minutes: PeriodTotals[],
  ) {}

  /** Totals over [end - minutes, end). */
  window(end: number, minutes: number): PeriodTotals {
    const totals = emptyTotals();
    const last = (end - this.start) / MINUTE_IN_MS;
    for (let index = Math.max(0, last - minutes); index < last && index < this.minutes.length; index++) addTotals(totals, this.minutes[index]!);
    return totals;
  }

  /** The first minute holding any data, or undefined. */
  firstDataMinute(): number | undefined {
    const index = this.minutes.findIndex((totals) => totals.requests + totals.errors + totals.crashes + totals.http_5xx + totals.latencyCount > 0);
    return index < 0 ? undefined : this.start + index * MINUTE_IN_MS;
  }
}

function samplesOf(metric: MetricName, totals: PeriodTotals): number {
  if (metric === 'error_rate' || metric === 'http_5xx_rate') return totals.requests;
  if (metric.startsWith('latency_')) return totals.latencyCount;
  return Number.POSITIVE_INFINITY;
}

const COUNT_METRICS = new Set<MetricName>(['errors', 'crashes', 'requests', 'http_5xx']);

export interface PeriodResult {
  /** End of the evaluated window (exclusive), epoch ms. */
  end: number;
  value: number | undefined;
  failing: boolean;
  /** The bound the value was held to: a threshold, or the edge of the expected band. */
  threshold?: number;
  expected?: { value: number; lower: number; upper: number };
}

/**
 * Whether one period (window ending at `end`) fails the rule's condition. `seasonalHistory`, for anomaly rules
 * with hour-of-week seasonality: the metric per hour over past weeks (from the hourly rollups), in the units of
 * one window; without two weeks of it the detector runs without seasonality.
 */
export function evaluatePeriod(rule: AlertRule, totals: MinuteTotals, end: number, seasonalHistory: SeriesPoint[] = []): PeriodResult {
  const window = totals.window(end, rule.windowMinutes);
  const value = metricValue(rule.metric, window);
  const enough = samplesOf(rule.metric, window) >= rule.minSamples;
  const condition = rule.condition;
  if (condition.kind === 'threshold') {
    const failing = enough && value !== undefined && (condition.operator === 'above' ? value > condition.value : value < condition.value);
    return { end, value, failing, threshold: condition.value };
  }
  if (condition.kind === 'relative') {
    const baselineWindow = totals.window(end - rule.windowMinutes * MINUTE_IN_MS, condition.baselineMinutes);
    const rawBaseline = metricValue(rule.metric, baselineWindow);
    // Counters compare like with like: the baseline per window of the evaluated length.
    const baseline = rawBaseline !== undefined && COUNT_METRICS.has(rule.metric) ? (rawBaseline * rule.windowMinutes) / condition.baselineMinutes : rawBaseline;
    if (value === undefined || baseline === undefined || !enough) return { end, value, failing: false };
    const factor = condition.changePercent / 100;
    const upper = baseline * (1 + factor);
    const lower = baseline * Math.max(0, 1 - factor);
    const failing = (condition.direction !== 'down' && value > upper && value > 0) || (condition.direction !== 'up' && value < lower);
    return { end, value, failing, threshold: condition.direction === 'down' ? lower : upper, expected: { value: baseline, lower, upper } };
  }
  const points: SeriesPoint[] = [];
  for (let period = condition.baselinePeriods; period >= 0; period--) {
    const periodEnd = end - period * rule.windowMinutes * MINUTE_IN_MS;
    const periodTotals = totals.window(periodEnd, rule.windowMinutes);
    // Timed by the window's start, so the hour-of-week baseline compares it with the hour it covers.
    const start = periodEnd - rule.windowMinutes * MINUTE_IN_MS;
    points.push({ time: start, value: samplesOf(rule.metric, periodTotals) >= rule.minSamples ? metricValue(rule.metric, periodTotals) : undefined });
  }
  const options: DetectorOptions = {
    threshold: thresholdOf(condition.sensitivity),
    direction: condition.direction,
    window: condition.baselinePeriods,
    minHistory: Math.min(10, condition.baselinePeriods),
    seasonality: condition.seasonality === 'hour_of_week' && seasonalHistory.length > 0 ? 'hour_of_week' : 'none',
    countData: COUNT_METRICS.has(rule.metric),
  };
  const scored = scoreSeries(points, options, seasonalHistory).at(-1)!;
  const expected = scored.expected !== undefined ? { value: scored.expected, lower: scored.lower!, upper: scored.upper! } : undefined;
  return {
    end,
    value,
    failing: enough && scored.anomalous,
    threshold: expected ? (condition.direction === 'down' ? expected.lower : expected.upper) : undefined,
    expected,
  };
}

/** Alert state of one rule: stored per rule and written with If-Match. */
export const alertStateSchema = z.object({
  ruleId: z.string(),
  productId: z.string(),
  status: z.enum(['ok', 'firing']),
  /** The minute evaluated last (epoch ms): a second evaluation of the same minute changes nothing. */
  evaluatedThrough: z.number(),
  episode: z
    .object({
      id: z.string(),
      firedAt: z.string(),
      lastFailingAt: z.string(),
      value: z.number().optional(),
      peak: z.number().optional(),
    })
    .optional(),
  /** The last episodes, newest first (at most 20). */
  history: z.array(z.object({ id: z.string(), firedAt: z.string(), recoveredAt: z.string(), peak: z.number().optional() })).max(20),
});
export type AlertState = z.infer<typeof alertStateSchema>;

export interface Evaluation {
  /** The evaluated periods, newest first. */
  periods: PeriodResult[];
  hasHistory: boolean;
}

/** Evaluates the rule over the last periods ending at `evaluatedEnd` (the end of the last complete minute). */
export function evaluateRule(rule: AlertRule, totals: MinuteTotals, evaluatedEnd: number, seasonalHistory: SeriesPoint[] = []): Evaluation {
  const count = Math.max(rule.firing.of, rule.firing.recoveryMinutes);
  const periods: PeriodResult[] = [];
  for (let index = 0; index < count; index++) periods.push(evaluatePeriod(rule, totals, evaluatedEnd - index * MINUTE_IN_MS, seasonalHistory));
  const first = totals.firstDataMinute();
  const hasHistory = first !== undefined && first <= evaluatedEnd - rule.firing.minHistoryMinutes * MINUTE_IN_MS;
  return { periods, hasHistory };
}

export type Transition = 'fired' | 'recovered' | 'none';

/**
 * The next state: `ok` fires when N of the last M periods fail and history suffices; `firing` stays firing
 * (no second alert) until the last `recoveryMinutes` periods are all clean.
 */
export function nextAlertState(
  rule: AlertRule,
  current: AlertState | undefined,
  evaluation: Evaluation,
  evaluatedEnd: number,
): { state: AlertState; transition: Transition } {
  const base: AlertState = current ?? { ruleId: rule.id, productId: rule.productId, status: 'ok', evaluatedThrough: 0, history: [] };
  if (base.evaluatedThrough >= evaluatedEnd) return { state: base, transition: 'none' };
  const latest = evaluation.periods[0];
  const at = new Date(evaluatedEnd).toISOString();
  if (base.status === 'ok') {
    // Periods before the last recovery belong to the episode that ended: they never start a new one.
    const recoveredAt = base.history[0] ? Date.parse(base.history[0].recoveredAt) : 0;
    const failing = evaluation.periods.slice(0, rule.firing.of).filter((period) => period.failing && period.end > recoveredAt).length;
    if (rule.enabled && evaluation.hasHistory && failing >= rule.firing.periods) {
      const peak = maxValue(evaluation.periods.slice(0, rule.firing.of));
      return {
        state: {
          ...base,
          status: 'firing',
          evaluatedThrough: evaluatedEnd,
          episode: { id: `ep_${evaluatedEnd}`, firedAt: at, lastFailingAt: at, value: latest?.value, peak },
        },
        transition: 'fired',
      };
    }
    return { state: { ...base, evaluatedThrough: evaluatedEnd }, transition: 'none' };
  }
  const episode = base.episode!;
  const clean = evaluation.periods.slice(0, rule.firing.recoveryMinutes).every((period) => !period.failing);
  if (clean || !rule.enabled) {
    const history = [{ id: episode.id, firedAt: episode.firedAt, recoveredAt: at, peak: episode.peak }, ...base.history].slice(0, 20);
    return { state: { ...base, status: 'ok', evaluatedThrough: evaluatedEnd, episode: undefined, history }, transition: 'recovered' };
  }
  const peak = Math.max(episode.peak ?? Number.NEGATIVE_INFINITY, latest?.value ?? Number.NEGATIVE_INFINITY);
  return {
    state: {
      ...base,
      evaluatedThrough: evaluatedEnd,
      episode: {
        ...episode,
        lastFailingAt: latest?.failing ? at : episode.lastFailingAt,
        value: latest?.value,
        peak: Number.isFinite(peak) ? peak : undefined,
      },
    },
    transition: 'none',
  };
}

function maxValue(periods: PeriodResult[]): number | undefined {
  const values = periods.map((period) => period.value).filter((value): value is number => value !== undefined);
  return values.length ? Math.max(...values) : undefined;
}

/**
 * The hourly rollups as the seasonal history of an anomaly rule: the metric per hour, counters scaled to one
 * window (an hour of 600 requests is 50 per 5-minute window), rates and latency as they are.
 */
export function hourlyHistory(rule: AlertRule, hourly: Map<number, PeriodTotals>): SeriesPoint[] {
  const scale = COUNT_METRICS.has(rule.metric) ? rule.windowMinutes / 60 : 1;
  const points: SeriesPoint[] = [];
  for (const [start, totals] of hourly) {
    const value = metricValue(rule.metric, totals);
    points.push({ time: start, value: value === undefined || samplesOf(rule.metric, totals) < rule.minSamples ? undefined : value * scale });
  }
  return points;
}

/** Weeks of hourly rollups an hour-of-week rule reads (the detector uses up to four earlier weeks). */
export const SEASONAL_HISTORY_WEEKS = 5;

/** Rates read as percentages, latency in ms, counts as they are. */
export function formatMetric(metric: MetricName, value: number | undefined): string {
  if (value === undefined) return 'no data';
  if (metric.endsWith('_rate')) return `${(value * 100).toFixed(value < 0.01 ? 2 : 1)} %`;
  if (metric.startsWith('latency_')) return `${Math.round(value)} ms`;
  return String(Math.round(value * 100) / 100);
}
