// How cost grows with the product: the config poll and the host's memory with 1k to 1M live sessions in the
// targeting index (each size in a process of its own, built through the service's own load path), an index
// refresh when 1 % of 100k sessions change every second, and anomaly rule evaluation with 1k to 100k error
// series in a product (the detection service over in-memory ports, storage excluded, reading the totals the
// store keeps beside the series). Each curve is a table of size → cost with the fitted growth exponent.
import { DEMO_PRODUCT_ID } from '../local-host/local-settings';
import { InMemoryTelemetry } from '../shared/adapters/memory/in-memory-telemetry';
import { alertRuleInputSchema, evaluateRule, lookbackMinutes, MinuteTotals, newAlertRule, type AlertRule } from '../shared/domain/signals/rules';
import {
  emptyTotals,
  floorToMinute,
  MINUTE_IN_MS,
  totalOfFilter,
  totalPoints,
  totalsByPeriod,
  type Bucket,
  type Dimensions,
  type TotalName,
} from '../shared/domain/signals/series';
import { AppError } from '../shared/errors';
import { BUCKET_LIMIT_ISSUE, type BucketQuery, type SignalStore } from '../shared/ports/signal-store';
import type { SignalRuleStore } from '../shared/ports/signal-rule-store';
import { evaluateSignalRules, MAX_BUCKETS_PER_RULE, type DetectionServiceDependencies } from '../shared/services/detection-service';
import type { IndexScaleRequest, IndexScaleResult } from './servers/index-scale';
import type { BenchmarkContext, BenchmarkOutcome } from './support/benchmark';
import { startChild } from './support/child-process';
import { CountingEventPublisher, unreachable } from './support/memory-ports';
import { growthRows, type Row } from './support/report';
import { fittedGrowthExponent, median } from './support/statistics';

const MEBIBYTE = 1024 * 1024;
/** A flat curve may drift this much over three decades of size before it counts as growing. */
const FLAT_EXPONENT_LIMIT = 0.1;

type IndexOutcome = IndexScaleResult & { medianIdlePollMicros: number; medianTargetedPollMicros: number };

async function indexAt(request: IndexScaleRequest): Promise<IndexOutcome> {
  // Its own process and heap per size; 1M sessions take ~1 GiB of heap.
  const child = await startChild('index scale', 'index-scale.js', {}, ['--max-old-space-size=8192']);
  try {
    return await child.call<IndexOutcome>('measure', request);
  } finally {
    await child.stop();
  }
}

/** Error series in one product: fingerprint × app version × route, each reporting in one minute of ten. */
export const SERIES_DENSITY = 0.1;

function errorBuckets(series: number, from: number, to: number): Bucket[] {
  const buckets: Bucket[] = [];
  const every = Math.round(1 / SERIES_DENSITY);
  for (let index = 0; index < series; index++) {
    const dimensions = { fingerprint: `fp-${index.toString(36)}`, appVersion: `5.${index % 20}.0`, route: `/api/r${index % 50}` };
    for (let start = from + (index % every) * MINUTE_IN_MS; start < to; start += every * MINUTE_IN_MS) {
      buckets.push({ series: 'errors', dimensions, start, sum: 1 + ((index + start / MINUTE_IN_MS) % 3), count: 1 });
    }
  }
  return buckets;
}

/**
 * Hands the detection service the buckets prepared for its reads, under the port's rules: the per-series view,
 * or the totals the store writes beside them (built by the store's own projection, `totalPoints`); a read of more
 * than `maxBuckets` fails. Storage is excluded: each answer is an array prepared before the clock starts.
 */
class PreparedSignalStore implements SignalStore {
  /** Buckets handed out by the last read of each view. */
  lastRead: Record<'series' | 'totals', number> = { series: 0, totals: 0 };
  private readonly totals = new Map<TotalName, Bucket[]>();
  constructor(private readonly series: Bucket[]) {
    // A minute at a time, as intake batches arrive: the projection of 1.65M buckets at once would not fit the heap.
    const byMinute = new Map<number, Bucket[]>();
    for (const bucket of series) {
      const minute = byMinute.get(bucket.start);
      if (minute) minute.push(bucket);
      else byMinute.set(bucket.start, [bucket]);
    }
    const points = [...byMinute.values()].flatMap((minute) =>
      totalPoints(
        minute.map((bucket) => ({ series: bucket.series, dimensions: bucket.dimensions, minute: bucket.start, sum: bucket.sum, count: bucket.count })),
      ),
    );
    for (const point of points) {
      const name = totalOfFilter(point.dimensions);
      const list = this.totals.get(name) ?? [];
      list.push({ series: point.series, dimensions: point.dimensions, start: point.minute, sum: point.sum, count: point.count });
      this.totals.set(name, list);
    }
  }
  /** Totals buckets of a filter's total over the whole range, as the store would hold them. */
  totalsOf(filter: Dimensions): number {
    return this.totals.get(totalOfFilter(filter))?.length ?? 0;
  }
  add(): Promise<void> {
    return Promise.reject(new Error('not on the benchmark path'));
  }
  read(_productId: string, query: BucketQuery): Promise<Bucket[]> {
    const view = query.view ?? 'series';
    // The benchmark's rule has no filter: its totals are the product's, one per series and minute.
    const buckets = view === 'totals' ? (this.totals.get(totalOfFilter(query.filter ?? {})) ?? []) : this.series;
    this.lastRead[view] = buckets.length;
    if (buckets.length > query.maxBuckets) {
      return Promise.reject(
        new AppError('invalid_input', `The range holds more than ${query.maxBuckets} buckets`, { issues: [{ field: 'from', message: BUCKET_LIMIT_ISSUE }] }),
      );
    }
    return Promise.resolve(buckets);
  }
}

function oneRuleStore(rule: AlertRule): SignalRuleStore {
  const store = unreachable<SignalRuleStore>('rules');
  return Object.assign(Object.create(store) as SignalRuleStore, {
    productsWithAlertRules: () => Promise.resolve([rule.productId]),
    list: () => Promise.resolve([{ value: rule, etag: '"bench"' }]),
    getAlertState: () => Promise.resolve(undefined),
    writeAlertState: () => Promise.resolve(true),
  });
}

interface AnomalyPoint {
  series: number;
  buckets: number;
  /** Buckets the detection service read for the rule (the product's totals). */
  bucketsRead: number;
  /** The rule's evaluation in the detection service, storage excluded; undefined when the read was refused. */
  serviceMillis?: number;
  refused: boolean;
  /** The domain's part alone (totals per minute and the rule's evaluation), with no bucket cap. */
  domainMillis: number;
}

async function anomalyAt(series: number, repeats: number): Promise<AnomalyPoint> {
  const now = new Date();
  const rule = newAlertRule(
    DEMO_PRODUCT_ID,
    alertRuleInputSchema.parse({ name: 'error anomaly', metric: 'errors', condition: { kind: 'anomaly' } }),
    'bench',
    now,
  );
  const evaluationDelayInMs = 60_000;
  const end = floorToMinute(now.getTime() - evaluationDelayInMs);
  const from = end - lookbackMinutes(rule) * MINUTE_IN_MS;
  const buckets = errorBuckets(series, from, end);
  const store = new PreparedSignalStore(buckets);
  const deps: DetectionServiceDependencies = {
    store,
    rules: oneRuleStore(rule),
    events: new CountingEventPublisher(),
    clock: { now: () => now },
    telemetry: new InMemoryTelemetry(),
    publicBaseUrl: 'http://127.0.0.1:0',
    triggers: unreachable('triggers'),
    evaluationDelayInMs,
  };
  const serviceRuns: number[] = [];
  let refused = false;
  const domainRuns: number[] = [];
  // CPU time, as the other benchmarks read it: on a shared core the wall clock also counts other processes' time.
  const cpuMillis = () => {
    const usage = process.cpuUsage();
    return (usage.user + usage.system) / 1000;
  };
  for (let repeat = 0; repeat < repeats + 1; repeat++) {
    let started = cpuMillis();
    const result = await evaluateSignalRules(deps, { budgetInMs: 600_000 });
    const serviceMillis = cpuMillis() - started;
    refused = result.skipped > 0;
    if (result.fired + result.recovered > 0) throw new Error('the benchmark series is steady: the rule must not change state');
    started = cpuMillis();
    const byMinute = totalsByPeriod(buckets, rule.filter, from, end, MINUTE_IN_MS);
    evaluateRule(
      rule,
      new MinuteTotals(
        from,
        [...byMinute.values()].map((entry) => entry ?? emptyTotals()),
      ),
      end,
      [],
    );
    const domainMillis = cpuMillis() - started;
    // The first run warms the code up.
    if (repeat === 0) continue;
    serviceRuns.push(serviceMillis);
    domainRuns.push(domainMillis);
  }
  return {
    series,
    buckets: buckets.length,
    bucketsRead: store.lastRead.totals + store.lastRead.series,
    serviceMillis: refused ? undefined : median(serviceRuns),
    refused,
    domainMillis: median(domainRuns),
  };
}

export async function benchScale(context: BenchmarkContext): Promise<BenchmarkOutcome> {
  const rows: Row[] = [];
  // Config poll and memory against the number of live sessions in the index.
  const sizes = context.quick ? [1_000, 10_000] : [1_000, 10_000, 100_000, 1_000_000];
  const indexResults: IndexOutcome[] = [];
  for (const sessions of sizes) {
    const result = await indexAt({ sessions, polls: context.quick ? 5_000 : 20_000, runs: context.quick ? 3 : 7 });
    indexResults.push(result);
    const perSession = (result.heapAfterBytes - result.heapBeforeBytes) / sessions;
    context.log(
      `  index of ${sessions.toLocaleString('en-US')} sessions: loaded in ${result.loadSeconds.toFixed(1)} s, 304 poll ${result.medianIdlePollMicros.toFixed(2)} µs, targeted poll ${result.medianTargetedPollMicros.toFixed(2)} µs, heap ${(perSession / 1024).toFixed(2)} KiB a session`,
    );
  }
  const pollPoints = indexResults.map((result) => ({ size: result.sessions, cost: result.medianIdlePollMicros }));
  const targetedPoints = indexResults.map((result) => ({ size: result.sessions, cost: result.medianTargetedPollMicros }));
  const heapPoints = indexResults.map((result) => ({
    size: result.sessions,
    cost: (result.heapAfterBytes - result.heapBeforeBytes) / MEBIBYTE,
    note: `${((result.heapAfterBytes - result.heapBeforeBytes) / result.sessions).toFixed(0)} bytes of heap and array buffers per live session; host RSS ${(result.rssBeforeBytes / MEBIBYTE).toFixed(0)} → ${(result.rssAfterBytes / MEBIBYTE).toFixed(0)} MiB; loaded in ${result.loadSeconds.toFixed(1)} s`,
  }));
  const sessionsText = (size: number) => `${size.toLocaleString('en-US')} live sessions`;
  rows.push(
    ...growthRows({
      benchmark: 'scale: config index',
      measure: (size) => `304 poll CPU (poll service, idle device with its ETag), ${sessionsText(size)}`,
      unit: 'µs',
      points: pollPoints,
      expect: 'flat',
      exponent: {
        measure: '304 poll CPU growth exponent k (∝ sessions^k, fitted)',
        target: `flat (k ≤ ${FLAT_EXPONENT_LIMIT})`,
        limit: FLAT_EXPONENT_LIMIT,
        value: fittedGrowthExponent(pollPoints),
      },
    }),
    ...growthRows({
      benchmark: 'scale: config index',
      measure: (size) => `targeted poll CPU (finds its session, signs a token), ${sessionsText(size)}`,
      unit: 'µs',
      points: targetedPoints,
      expect: 'flat',
      exponent: {
        measure: 'targeted poll CPU growth exponent k (fitted)',
        target: `flat (k ≤ ${FLAT_EXPONENT_LIMIT})`,
        limit: FLAT_EXPONENT_LIMIT,
        value: fittedGrowthExponent(targetedPoints),
      },
    }),
    ...growthRows({
      benchmark: 'scale: config index',
      measure: (size) => `host heap and array buffers held by the index (after a full GC), ${sessionsText(size)}`,
      unit: 'MiB',
      points: heapPoints,
      expect: 'linear',
      exponent: { measure: 'index memory growth exponent k (fitted)', target: 'linear (k ≤ 1.05)', limit: 1.05, value: fittedGrowthExponent(heapPoints) },
    }),
  );
  const largest = indexResults[indexResults.length - 1]!;
  rows.push({
    benchmark: 'scale: config index',
    measure: `memory per live session in the index (${largest.sessions.toLocaleString('en-US')} sessions, heap and array buffers after a full GC)`,
    value: (largest.heapAfterBytes - largest.heapBeforeBytes) / largest.sessions / 1024,
    unit: 'KiB',
    reference: {
      value: (indexResults[0]!.heapAfterBytes - indexResults[0]!.heapBeforeBytes) / indexResults[0]!.sessions / 1024,
      label: `at ${indexResults[0]!.sessions.toLocaleString('en-US')} sessions`,
    },
    ratio:
      (largest.heapAfterBytes - largest.heapBeforeBytes) /
      largest.sessions /
      ((indexResults[0]!.heapAfterBytes - indexResults[0]!.heapBeforeBytes) / indexResults[0]!.sessions),
    lowerIsBetter: true,
  });

  // Index refresh: 1 % of 100k sessions change every second, folded in by one refresh a second.
  const churnSessions = context.quick ? 10_000 : 100_000;
  const churn = await indexAt({ sessions: churnSessions, polls: 1_000, runs: 1, churn: { fraction: 0.01, refreshes: context.quick ? 5 : 20 } });
  const refreshMs = median(churn.refreshMillis ?? []);
  context.log(
    `  refresh of ${churn.changedPerRefresh} changed sessions in an index of ${churnSessions.toLocaleString('en-US')}: ${refreshMs.toFixed(2)} ms CPU (${(churn.refreshMillis ?? []).map((ms) => ms.toFixed(1)).join(', ')})`,
  );
  rows.push({
    benchmark: 'scale: config index',
    measure: `index refresh CPU, 1 % of ${churnSessions.toLocaleString('en-US')} sessions changing per second (${churn.changedPerRefresh?.toLocaleString('en-US')} sessions folded in per 1 s refresh)`,
    value: refreshMs,
    unit: 'ms/s',
    reference: { value: 1000, label: 'one core (1,000 ms of CPU per second)' },
    ratio: refreshMs / 1000,
    target: '≤ 5 % of a core',
    met: refreshMs <= 50,
    note: `${((refreshMs * 1000) / (churn.changedPerRefresh ?? 1)).toFixed(2)} µs per changed session; medians of ${(churn.refreshMillis ?? []).length} refreshes; the storage read (a query for updatedAt >= since) is priced in the RU rows`,
  });

  // Anomaly rule evaluation against the number of error series in a product.
  const seriesSizes = context.quick ? [1_000, 10_000] : [1_000, 10_000, 100_000];
  const anomaly: AnomalyPoint[] = [];
  for (const series of seriesSizes) {
    // Small sizes are quick and noisy: more repeats there.
    const point = await anomalyAt(series, Math.max(3, Math.round((context.quick ? 20_000 : 100_000) / series)));
    anomaly.push(point);
    context.log(
      `  anomaly rule over ${series.toLocaleString('en-US')} series (${point.buckets.toLocaleString('en-US')} buckets, ${point.bucketsRead} read): service ${point.refused ? 'refused the read' : `${point.serviceMillis!.toFixed(2)} ms`}, domain over the series ${point.domainMillis.toFixed(1)} ms`,
    );
  }
  const domainPoints = anomaly.map((point) => ({
    size: point.series,
    cost: point.domainMillis,
    note: `${point.buckets.toLocaleString('en-US')} minute buckets over the rule's lookback`,
  }));
  rows.push(
    ...growthRows({
      benchmark: 'scale: anomaly evaluation',
      measure: (size) =>
        `one anomaly rule (errors, default window and baseline), ${size.toLocaleString('en-US')} error series in the product: totals per minute summed from the per-series buckets + evaluation`,
      unit: 'ms',
      points: domainPoints,
      expect: 'linear',
      exponent: {
        measure: 'anomaly evaluation growth exponent k (∝ series^k, fitted)',
        target: 'linear or better (k ≤ 1.05)',
        limit: 1.05,
        value: fittedGrowthExponent(domainPoints),
      },
    }),
  );
  // Through the detection service: the rule reads the product's totals, so its cost should not grow with the series.
  const servicePoints = anomaly.map((point) => ({
    size: point.series,
    cost: point.serviceMillis ?? Number.NaN,
    valueText: point.refused ? 'not evaluated' : undefined,
    note: point.refused
      ? `the rule's read holds more than ${MAX_BUCKETS_PER_RULE.toLocaleString('en-US')} buckets (MAX_BUCKETS_PER_RULE): counted in signals.rule_over_cap_total`
      : `read ${point.bucketsRead} buckets (the product's per-minute totals over the lookback) instead of ${point.buckets.toLocaleString('en-US')} per-series buckets`,
  }));
  const evaluated = servicePoints.filter((point) => point.valueText === undefined);
  const serviceRows = growthRows({
    benchmark: 'scale: anomaly evaluation',
    measure: (size) => `through the detection service (storage excluded), ${size.toLocaleString('en-US')} series`,
    unit: 'ms',
    points: servicePoints,
    expect: 'flat',
    exponent: {
      measure: 'detection service growth exponent k (∝ series^k, fitted)',
      target: `flat (k ≤ ${FLAT_EXPONENT_LIMIT}), every size evaluated`,
      limit: evaluated.length === servicePoints.length ? FLAT_EXPONENT_LIMIT : Number.NEGATIVE_INFINITY,
      value: evaluated.length >= 2 ? fittedGrowthExponent(evaluated) : Number.NaN,
    },
  });
  for (const row of serviceRows.slice(0, -1)) {
    row.target = 'evaluated within the 1-minute timer';
    row.met = row.valueText === undefined && row.value < 60_000;
  }
  rows.push(...serviceRows);
  return { rows, details: { index: indexResults, churn, anomaly, seriesDensity: SERIES_DENSITY } };
}
