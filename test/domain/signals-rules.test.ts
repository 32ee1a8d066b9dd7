// Signal rules, pure: route templates and intake mapping, histogram quantiles, period evaluation (threshold,
// minimum samples, relative change) and the alert state machine (N of M, history, one per episode, recovery).
import { describe, expect, it } from 'vitest';
import { mapSignalBatch, signalBatchSchema } from '../../shared/domain/signals/intake';
import { histogramQuantile } from '../../shared/domain/signals/otlp-metrics';
import {
  alertRuleInputSchema,
  evaluatePeriod,
  evaluateRule,
  hourlyHistory,
  MinuteTotals,
  newAlertRule,
  nextAlertState,
  type AlertRule,
  type AlertState,
} from '../../shared/domain/signals/rules';
import { emptyTotals, routeTemplateSchema, type PeriodTotals } from '../../shared/domain/signals/series';
import { inPercentage, newTriggerRule, triggerRuleInputSchema } from '../../shared/domain/signals/triggers';

const MINUTE = 60_000;
const START = Date.UTC(2024, 0, 1, 12, 0);

describe('route templates', () => {
  it.each([
    ['/api/orders/{id}', true],
    ['/users/:id/profile', true],
    ['/', true],
    ['/users/12345', false],
    ['/users/3f2a1b4c-1d2e-4f5a-9b8c-0123456789ab', false],
    ['/files/0123456789abcdef0123', false],
    ['/mail/jane@example.com', false],
    ['https://api.example.com/orders', false],
    ['/search?q=term', false],
  ])('%s -> %s', (route, ok) => {
    expect(routeTemplateSchema.safeParse(route).success).toBe(ok);
  });
});

describe('device batches', () => {
  it('maps counters and latency to points, naming entries outside the time window', () => {
    const now = new Date(START);
    const batch = signalBatchSchema.parse({
      deviceId: 'dev-1',
      appVersion: '1.0.0',
      counters: [
        { minute: new Date(START - MINUTE).toISOString(), series: 'errors', count: 3, fingerprint: 'fp-1', route: '/ignored' },
        { minute: new Date(START - 25 * 3_600_000).toISOString(), series: 'requests', count: 3 },
        { minute: new Date(START).toISOString(), series: 'crashes', count: 1, fingerprint: 'fp-2', appVersion: '1.0.1' },
      ],
      latency: [{ minute: new Date(START).toISOString(), route: '/a', count: 10, p50: 10, p95: 50, p99: 90 }],
    });
    const mapped = mapSignalBatch(batch, now);
    expect(mapped.issues).toEqual([{ field: 'counters.1.minute', message: 'older than 24 hours' }]);
    expect(mapped.points).toEqual([
      { series: 'errors', dimensions: { appVersion: '1.0.0', fingerprint: 'fp-1' }, minute: START - MINUTE, sum: 3, count: 1 },
      { series: 'crashes', dimensions: { appVersion: '1.0.1', fingerprint: 'fp-2' }, minute: START, sum: 1, count: 1 },
      {
        series: 'latency',
        dimensions: { appVersion: '1.0.0', route: '/a' },
        minute: START,
        sum: 100,
        count: 10,
        weightedQuantiles: { p50: 100, p95: 500, p99: 900 },
      },
    ]);
    expect(mapped.crashes).toEqual([{ fingerprint: 'fp-2', appVersion: '1.0.1', minute: START, count: 1 }]);
  });

  it('refuses unknown fields and disordered quantiles', () => {
    const extra = signalBatchSchema.safeParse({
      deviceId: 'd',
      counters: [{ minute: new Date(START).toISOString(), series: 'errors', count: 1, message: 'x' }],
    });
    expect(extra.success).toBe(false);
    const disordered = signalBatchSchema.safeParse({ deviceId: 'd', latency: [{ minute: new Date(START).toISOString(), count: 1, p50: 9, p95: 5, p99: 10 }] });
    expect(disordered.success).toBe(false);
  });
});

describe('histogram quantiles', () => {
  it.each([
    [0.5, [0, 5, 4, 1], [0.05, 0.1, 0.5], 0.1],
    [0.25, [0, 5, 4, 1], [0.05, 0.1, 0.5], 0.075],
    [0.99, [0, 5, 4, 1], [0.05, 0.1, 0.5], 0.5],
    [0.5, [0, 0, 0], [1, 2], undefined],
  ])('q%s of %j', (q, counts, bounds, expected) => {
    const value = histogramQuantile(q, bounds, counts);
    if (expected === undefined) expect(value).toBeUndefined();
    else expect(value).toBeCloseTo(expected, 9);
  });
});

function rule(overrides: Record<string, unknown> = {}): AlertRule {
  return newAlertRule(
    'demo',
    alertRuleInputSchema.parse({
      name: 'error rate',
      metric: 'error_rate',
      windowMinutes: 1,
      condition: { kind: 'threshold', value: 0.05 },
      minSamples: 10,
      firing: { periods: 2, of: 3, minHistoryMinutes: 2, recoveryMinutes: 3 },
      ...overrides,
    }),
    'admin',
    new Date(START),
  );
}

function minutes(rates: Array<number | undefined>, requests = 100): MinuteTotals {
  return new MinuteTotals(
    START,
    rates.map((rate): PeriodTotals => (rate === undefined ? emptyTotals() : { ...emptyTotals(), requests, errors: Math.round(rate * requests) })),
  );
}

describe('period evaluation', () => {
  it('holds rates to the threshold only with enough samples', () => {
    expect(evaluatePeriod(rule(), minutes([0.2]), START + MINUTE)).toMatchObject({ value: 0.2, failing: true, threshold: 0.05 });
    expect(evaluatePeriod(rule(), minutes([0.2], 5), START + MINUTE)).toMatchObject({ failing: false });
    expect(evaluatePeriod(rule(), minutes([undefined]), START + MINUTE)).toMatchObject({ value: undefined, failing: false });
  });

  it('compares a relative rule against the window before it', () => {
    const relative = rule({ condition: { kind: 'relative', changePercent: 100, baselineMinutes: 5 }, metric: 'errors', minSamples: 0 });
    const totals = minutes([0.02, 0.02, 0.02, 0.02, 0.02, 0.05]);
    expect(evaluatePeriod(relative, totals, START + 6 * MINUTE)).toMatchObject({ value: 5, failing: true, expected: { value: 2, upper: 4 } });
    expect(evaluatePeriod(relative, minutes([0.02, 0.02, 0.02, 0.02, 0.02, 0.03]), START + 6 * MINUTE).failing).toBe(false);
  });
});

describe('anomaly rules with hour-of-week seasonality', () => {
  const HOUR = 3_600_000;
  const hourStart = Date.UTC(2024, 0, 22, 9);
  const end = hourStart + 10 * MINUTE;
  const anomaly = rule({
    metric: 'requests',
    windowMinutes: 5,
    minSamples: 0,
    condition: { kind: 'anomaly', sensitivity: 'medium', direction: 'up', seasonality: 'hour_of_week', baselinePeriods: 30 },
  });
  // 150 minutes at 10 requests a minute, then the 9 o'clock rush at 40 a minute.
  const first = end - 160 * MINUTE;
  const perMinute = Array.from({ length: 160 }, (_, index) => ({ ...emptyTotals(), requests: first + index * MINUTE >= hourStart ? 40 : 10 }));
  const totals = new MinuteTotals(first, perMinute);
  // Three earlier weeks of hourly rollups with the same rush at 9.
  const hourly = new Map<number, PeriodTotals>();
  for (let hour = hourStart - 3 * 7 * 24 * HOUR; hour < hourStart - 3 * HOUR; hour += HOUR) {
    hourly.set(hour, { ...emptyTotals(), requests: (hour - hourStart) % (7 * 24 * HOUR) === 0 ? 2400 : 600 });
  }

  it('scales the hourly rollups to one window', () => {
    const history = hourlyHistory(anomaly, hourly);
    expect(history.find((point) => point.time === hourStart - 7 * 24 * HOUR)?.value).toBe(200);
    expect(history.find((point) => point.time === hourStart - 7 * 24 * HOUR - HOUR)?.value).toBe(50);
  });

  it('does not flag the weekly rush it has seen before, and flags it without that history', () => {
    expect(evaluatePeriod(anomaly, totals, end, hourlyHistory(anomaly, hourly))).toMatchObject({ value: 200, failing: false });
    expect(evaluatePeriod(anomaly, totals, end)).toMatchObject({ value: 200, failing: true });
  });
});

describe('alert state', () => {
  /** Runs the rule minute by minute over the rates and returns the transitions by minute. */
  function run(testRule: AlertRule, rates: Array<number | undefined>): Array<[number, string]> {
    const totals = minutes(rates);
    let state: AlertState | undefined;
    const transitions: Array<[number, string]> = [];
    for (let minute = 1; minute <= rates.length; minute++) {
      const end = START + minute * MINUTE;
      const next = nextAlertState(testRule, state, evaluateRule(testRule, totals, end), end);
      if (next.transition !== 'none') transitions.push([minute, next.transition]);
      // Evaluating the same minute again changes nothing.
      expect(nextAlertState(testRule, next.state, evaluateRule(testRule, totals, end), end).transition).toBe('none');
      state = next.state;
    }
    return transitions;
  }

  const ok = 0.01;
  const bad = 0.3;
  const table: Array<{ name: string; rates: Array<number | undefined>; expected: Array<[number, string]>; history?: number }> = [
    {
      name: 'fires at the 2nd failing of 3, once for the episode, recovers after 3 clean minutes',
      rates: [ok, ok, ok, bad, bad, bad, bad, bad, ok, ok, ok, ok],
      expected: [
        [5, 'fired'],
        [11, 'recovered'],
      ],
    },
    { name: 'one failing minute in three never fires', rates: [ok, ok, bad, ok, ok, bad, ok, ok, bad, ok], expected: [] },
    {
      name: 'flapping inside the recovery window does not recover or re-fire',
      rates: [ok, ok, bad, bad, ok, bad, ok, ok, bad, ok, ok, ok],
      expected: [
        [4, 'fired'],
        [12, 'recovered'],
      ],
    },
    {
      name: 'without the minimum history it waits',
      rates: [bad, bad, bad, bad, ok, ok, ok],
      expected: [
        [4, 'fired'],
        [7, 'recovered'],
      ],
      history: 4,
    },
    {
      name: 'missing data is clean data',
      rates: [ok, ok, bad, bad, undefined, undefined, undefined],
      expected: [
        [4, 'fired'],
        [7, 'recovered'],
      ],
    },
  ];
  it.each(table)('$name', ({ rates, expected, history }) => {
    const testRule = rule({ firing: { periods: 2, of: 3, minHistoryMinutes: history ?? 2, recoveryMinutes: 3 } });
    expect(run(testRule, rates)).toEqual(expected);
  });

  it('a rule disabled while firing recovers and does not fire again', () => {
    const disabled = { ...rule(), enabled: false };
    expect(run(disabled, [ok, ok, bad, bad, bad])).toEqual([]);
  });
});

describe('trigger rules', () => {
  it('keeps a stable share of devices per rule', () => {
    const trigger = newTriggerRule('demo', triggerRuleInputSchema.parse({ name: 't', on: 'crash', scope: { percentage: 25 } }), 'admin', new Date(START));
    const devices = Array.from({ length: 2000 }, (_, index) => `device-${index}`);
    const inScope = devices.filter((device) => inPercentage(trigger, device));
    expect(inScope.length / devices.length).toBeGreaterThan(0.2);
    expect(inScope.length / devices.length).toBeLessThan(0.3);
    expect(devices.filter((device) => inPercentage(trigger, device))).toEqual(inScope);
  });
});
