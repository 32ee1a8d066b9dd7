// The detection timer's use case: every minute, each product's alert rules are evaluated over the minute
// buckets; a rule that starts failing (N of M, enough history) fires once per episode and recovers after a
// clean window. Alerts go out as events (outbox, then notifications and tickets) and can open sessions. A rule
// reads the per-minute totals of its filter, so its cost does not grow with the number of series in the product.
import type { SeriesPoint } from '../domain/signals/detector';
import {
  evaluateRule,
  formatMetric,
  hourlyHistory,
  lookbackMinutes,
  MinuteTotals,
  nextAlertState,
  SEASONAL_HISTORY_WEEKS,
  type AlertRule,
  type AlertState,
  type Evaluation,
} from '../domain/signals/rules';
import {
  emptyTotals,
  floorToHour,
  floorToMinute,
  HOUR_IN_MS,
  MINUTE_IN_MS,
  seriesOfMetric,
  topDimensions,
  totalsByPeriod,
  type Bucket,
} from '../domain/signals/series';
import type { Clock } from '../ports/clock';
import { newEvent, stableEventId, type SignalAlertPayload } from '../domain/events/event-envelope';
import type { EventPublisher } from '../ports/event-publisher';
import type { SignalRuleStore } from '../ports/signal-rule-store';
import { isBucketLimitError, type Resolution, type SignalStore } from '../ports/signal-store';
import type { Telemetry } from '../ports/telemetry';
import { readMetricBuckets } from './signal-reads';
import { onAlertFired, type TriggerServiceDependencies } from './trigger-service';

export interface DetectionServiceDependencies {
  store: SignalStore;
  rules: SignalRuleStore;
  events: EventPublisher;
  clock: Clock;
  telemetry: Telemetry;
  publicBaseUrl: string;
  triggers: TriggerServiceDependencies;
  /**
   * How long after a minute ends it is evaluated: devices send each minute's counts within the next minute, so
   * evaluating at once would read a minute half-filled (a false recovery, a missed failure).
   */
  evaluationDelayInMs: number;
  /** The guard on one read of a rule (default MAX_BUCKETS_PER_RULE); ordinary rules read a few hundred buckets. */
  maxBucketsPerRule?: number;
}

export interface DetectionResult {
  rules: number;
  fired: number;
  recovered: number;
  sessionsOpened: number;
  /** Rules left for the next run (time budget) or that failed (logged by name, retried next minute). */
  skipped: number;
  /** Of the skipped, rules whose read held more buckets than the cap (counted in `signals.rule_over_cap_total`). */
  overCap: number;
}

/**
 * A guard, not a working limit: a rule reads its filter's totals, one bucket per minute and series (165 minutes
 * by default), whatever the product holds. Only a fingerprint rule reads per-series buckets (that fingerprint's
 * versions), and only an alert's top fingerprints read the window's per-series buckets.
 */
export const MAX_BUCKETS_PER_RULE = 100_000;

/** A read of a rule over the cap: said so by name and metric, never a silent skip. */
class RuleReadOverCap extends Error {
  constructor(readonly read: 'evaluation' | 'seasonal') {
    super(`read over the bucket cap (${read})`);
    this.name = 'RuleReadOverCap';
  }
}

/** Deep links for people: the dashboard view of the rule's series, and the series API behind it. */
export function alertLinks(baseUrl: string, rule: AlertRule, end: number): { dashboardUrl: string; seriesUrl: string } {
  const base = baseUrl.replace(/\/+$/, '');
  const from = new Date(end - 3 * 3_600_000).toISOString();
  const to = new Date(end + 30 * MINUTE_IN_MS).toISOString();
  const filter = new URLSearchParams(Object.entries(rule.filter).filter((entry): entry is [string, string] => entry[1] !== undefined));
  const range = `from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;
  const extra = filter.size ? `&${filter.toString()}` : '';
  return {
    // The dashboard is served at the site root (functions/dashboard-get.ts): its signals page for the product.
    dashboardUrl: `${base}/products/${encodeURIComponent(rule.productId)}/signals?rule=${encodeURIComponent(rule.id)}&metric=${rule.metric}&${range}${extra}`,
    seriesUrl: `${base}/api/diagnostics/products/${encodeURIComponent(rule.productId)}/series?name=${rule.metric}&${range}&step=1m&band=true${extra}`,
  };
}

function describeBound(rule: AlertRule, evaluation: Evaluation): string {
  const latest = evaluation.periods[0];
  const condition = rule.condition;
  if (condition.kind === 'threshold') return `threshold ${condition.operator === 'above' ? '>' : '<'} ${formatMetric(rule.metric, condition.value)}`;
  if (latest?.expected) {
    const band = `${formatMetric(rule.metric, latest.expected.lower)} to ${formatMetric(rule.metric, latest.expected.upper)}`;
    return condition.kind === 'relative' ? `baseline ${formatMetric(rule.metric, latest.expected.value)}, allowed ${band}` : `expected ${band}`;
  }
  return condition.kind === 'relative' ? `change beyond ${condition.changePercent} %` : 'outside the expected band';
}

function payloadOf(
  deps: DetectionServiceDependencies,
  rule: AlertRule,
  state: AlertState,
  evaluation: Evaluation,
  window: Bucket[],
  end: number,
  episodeId: string,
): SignalAlertPayload {
  const failing = evaluation.periods.slice(0, rule.firing.of).filter((period) => period.failing).length;
  const filter = Object.fromEntries(Object.entries(rule.filter).filter((entry): entry is [string, string] => entry[1] !== undefined));
  return {
    alertKey: `signal:${rule.productId}:${rule.id}`,
    actor: { kind: 'system', id: 'signals-detect' },
    ruleId: rule.id,
    ruleName: rule.name,
    episodeId,
    severity: rule.severity,
    metric: rule.metric,
    filter,
    windowMinutes: rule.windowMinutes,
    value: formatMetric(rule.metric, evaluation.periods[0]?.value ?? state.episode?.value),
    bound: describeBound(rule, evaluation),
    failing: `${failing} of the last ${rule.firing.of} minutes failing`,
    topFingerprints: topDimensions(window, ['errors', 'crashes'], 'fingerprint', 5),
    topAppVersions: topDimensions(window, ['errors', 'crashes', 'requests', 'latency'], 'appVersion', 5),
    ...alertLinks(deps.publicBaseUrl, rule, end),
  };
}

/** A rule's buckets over [from, to) (`readMetricBuckets`: its filter's totals), an over-the-cap read said so. */
async function readRule(
  deps: DetectionServiceDependencies,
  rule: AlertRule,
  resolution: Resolution,
  from: number,
  to: number,
  read: RuleReadOverCap['read'],
): Promise<Bucket[]> {
  try {
    return await readMetricBuckets(deps.store, rule.productId, {
      metric: rule.metric,
      filter: rule.filter,
      resolution,
      from,
      to,
      maxBuckets: deps.maxBucketsPerRule ?? MAX_BUCKETS_PER_RULE,
    });
  } catch (error) {
    throw isBucketLimitError(error) ? new RuleReadOverCap(read) : error;
  }
}

/** For anomaly rules with hour-of-week seasonality: past weeks from the hourly rollups (minute buckets live 8 days). */
async function seasonalHistoryOf(deps: DetectionServiceDependencies, rule: AlertRule, end: number): Promise<SeriesPoint[]> {
  if (rule.condition.kind !== 'anomaly' || rule.condition.seasonality !== 'hour_of_week') return [];
  const to = floorToHour(end - lookbackMinutes(rule) * MINUTE_IN_MS);
  const from = to - SEASONAL_HISTORY_WEEKS * 7 * 24 * HOUR_IN_MS;
  const buckets = await readRule(deps, rule, 'hour', from, to, 'seasonal');
  return hourlyHistory(rule, totalsByPeriod(buckets, rule.filter, from, to, HOUR_IN_MS));
}

/**
 * The window's per-series buckets, for an alert's top fingerprints and versions: read only when a rule fires or
 * recovers. Over the cap, the alert goes out without them (counted) rather than not at all.
 */
async function windowBucketsOf(deps: DetectionServiceDependencies, rule: AlertRule, end: number): Promise<Bucket[]> {
  const series = [...new Set([...seriesOfMetric(rule.metric), 'errors' as const])];
  const filter = { appVersion: rule.filter.appVersion, route: rule.filter.route };
  try {
    return await deps.store.read(rule.productId, {
      series,
      resolution: 'minute',
      from: end - rule.windowMinutes * MINUTE_IN_MS,
      to: end,
      filter,
      view: 'series',
      maxBuckets: deps.maxBucketsPerRule ?? MAX_BUCKETS_PER_RULE,
    });
  } catch (error) {
    if (!isBucketLimitError(error)) throw error;
    deps.telemetry.metric('signals.rule_over_cap_total', 1, { read: 'top_dimensions' });
    return [];
  }
}

async function evaluateOne(deps: DetectionServiceDependencies, rule: AlertRule, end: number, result: DetectionResult): Promise<void> {
  const minutes = lookbackMinutes(rule);
  const from = end - minutes * MINUTE_IN_MS;
  const buckets = await readRule(deps, rule, 'minute', from, end, 'evaluation');
  deps.telemetry.metric('signals.rule_read_buckets', buckets.length, { metric: rule.metric });
  const byMinute = totalsByPeriod(buckets, rule.filter, from, end, MINUTE_IN_MS);
  const totals = new MinuteTotals(
    from,
    [...byMinute.values()].map((entry) => entry ?? emptyTotals()),
  );
  const evaluation = evaluateRule(rule, totals, end, await seasonalHistoryOf(deps, rule, end));
  const current = await deps.rules.getAlertState(rule.productId, rule.id);
  const { state, transition } = nextAlertState(rule, current?.value, evaluation, end);
  if (state === current?.value) return;
  const episodeId = transition === 'recovered' ? state.history[0]!.id : (state.episode?.id ?? '');
  if (transition !== 'none') {
    const type = transition === 'fired' ? 'diagnostics.signal.alert_fired' : 'diagnostics.signal.alert_recovered';
    // Outbox first, under an id derived from the episode: a run that loses the state write below re-announces
    // the same event, which the outbox and subscribers keep once.
    await deps.events.publish([
      newEvent(type, {
        id: stableEventId(transition, rule.productId, rule.id, episodeId),
        productId: rule.productId,
        payload: payloadOf(deps, rule, state, evaluation, await windowBucketsOf(deps, rule, end), end, episodeId),
        time: deps.clock.now(),
      }),
    ]);
  }
  if (!(await deps.rules.writeAlertState(state, current?.etag))) return;
  if (transition === 'fired') {
    result.fired++;
    deps.telemetry.metric('signals.alert_total', 1, { transition, metric: rule.metric });
    const opened = await onAlertFired(deps.triggers, rule, episodeId);
    result.sessionsOpened += opened.filter((entry) => entry.outcome === 'opened').length;
  } else if (transition === 'recovered') {
    result.recovered++;
    deps.telemetry.metric('signals.alert_total', 1, { transition, metric: rule.metric });
  }
}

/** Evaluates every enabled rule for the last complete minute, within a time budget. */
export async function evaluateSignalRules(
  deps: DetectionServiceDependencies,
  options: { budgetInMs: number; log?: (line: string) => void },
): Promise<DetectionResult> {
  const result: DetectionResult = { rules: 0, fired: 0, recovered: 0, sessionsOpened: 0, skipped: 0, overCap: 0 };
  const deadline = Date.now() + options.budgetInMs;
  const end = floorToMinute(deps.clock.now().getTime() - deps.evaluationDelayInMs);
  for (const productId of await deps.rules.productsWithAlertRules()) {
    for (const { value: rule } of await deps.rules.list('alertRule', productId)) {
      if (Date.now() > deadline) {
        result.skipped++;
        continue;
      }
      result.rules++;
      try {
        await evaluateOne(deps, rule, end, result);
      } catch (error) {
        // One rule's failure (storage busy, a bad read) must not stop the others; it is evaluated again next minute.
        result.skipped++;
        if (error instanceof RuleReadOverCap) {
          result.overCap++;
          deps.telemetry.metric('signals.rule_over_cap_total', 1, { read: error.read });
          options.log?.(
            `signals-detect: rule ${rule.id} not evaluated: its ${error.read} read holds more than ${deps.maxBucketsPerRule ?? MAX_BUCKETS_PER_RULE} buckets`,
          );
          continue;
        }
        deps.telemetry.metric('signals.rule_failure_total', 1, {});
        options.log?.(`signals-detect: rule ${rule.id} failed: ${error instanceof Error ? error.name : 'error'}`);
      }
    }
  }
  return result;
}
