// /products/{productId}/signals: the product's alert rules with their state (firing first), and one metric's series
// with its expected band. An alert's notification links here with the rule, its metric, filter and time range in
// the query, so the page opens on what fired. Refreshed every 30 s while visible.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import type { AlertView, MetricName, SeriesAnswer, SeriesQuery } from '../api/types';
import { ErrorState, Empty, Loading } from '../components/states';
import { formatSeriesValue, SeriesChart } from '../components/SeriesChart';
import { useVisibleInterval } from '../components/visible-interval';
import { time } from '../format';
import { query, setQuery } from '../router';

export const SIGNALS_REFRESH_MS = 30_000;

/** Every metric the series API reads, by its label (a Record, so a new metric name fails to compile here). */
const metricLabels: Record<MetricName, string> = {
  error_rate: 'Error rate',
  errors: 'Errors',
  crashes: 'Crashes',
  requests: 'Requests',
  http_5xx: 'HTTP 5xx',
  http_5xx_rate: 'HTTP 5xx rate',
  latency_p50: 'Latency p50',
  latency_p95: 'Latency p95',
  latency_p99: 'Latency p99',
  latency_mean: 'Latency mean',
};

const ranges = { '1h': 3_600_000, '3h': 3 * 3_600_000, '24h': 24 * 3_600_000, '7d': 7 * 24 * 3_600_000 } as const;
type RangeName = keyof typeof ranges;

const filterFields = [
  { name: 'appVersion', label: 'App version' },
  { name: 'route', label: 'Route' },
  { name: 'fingerprint', label: 'Error fingerprint' },
] as const;

function isMetric(value: string | null): value is MetricName {
  return value !== null && value in metricLabels;
}

/** The series read the query asks for: an explicit range (an alert's link) or the last `range`, at a step that fits. */
function seriesQueryOf(params: URLSearchParams): SeriesQuery {
  const metric = params.get('metric');
  const range = (params.get('range') ?? '3h') as RangeName;
  const from = params.get('from') ?? undefined;
  const to = params.get('to') ?? undefined;
  const span = from && to ? Date.parse(to) - Date.parse(from) : (ranges[range] ?? ranges['3h']);
  const query: SeriesQuery = {
    name: isMetric(metric) ? metric : 'error_rate',
    from: from ?? new Date(Date.now() - span).toISOString(),
    to,
    // The API answers at most 1,500 points: minutes up to a day, hours beyond.
    step: span > 24 * 3_600_000 ? '1h' : '1m',
    band: 'true',
  };
  for (const field of filterFields) {
    const value = params.get(field.name);
    if (value) query[field.name] = value;
  }
  return query;
}

function scopeOf(alert: AlertView): string {
  const entries = Object.entries(alert.filter ?? {}).filter(([, value]) => value !== undefined);
  return entries.length ? entries.map(([name, value]) => `${name} ${value}`).join(', ') : 'whole product';
}

/** The query that shows an alert's series: its metric and filter, over the current range. */
function alertHref(productId: string, alert: AlertView, params: URLSearchParams): string {
  const next = new URLSearchParams({ rule: alert.ruleId, metric: alert.metric });
  const range = params.get('range');
  if (range) next.set('range', range);
  for (const [name, value] of Object.entries(alert.filter ?? {})) if (value !== undefined) next.set(name, String(value));
  return `/products/${encodeURIComponent(productId)}/signals?${next.toString()}`;
}

function AlertTable({ productId, alerts, selected }: { productId: string; alerts: AlertView[]; selected: string | null }) {
  if (alerts.length === 0)
    return (
      <Empty>
        No alert rules for {productId} yet. Create one with POST /api/diagnostics/products/{productId}/rules.
      </Empty>
    );
  const params = query.value;
  return (
    <div class="table-wrap">
      <table class="table alerts">
        <caption class="visually-hidden">Alert rules of {productId}, firing first</caption>
        <thead>
          <tr>
            <th scope="col">Rule</th>
            <th scope="col">Metric</th>
            <th scope="col">Scope</th>
            <th scope="col">State</th>
            <th scope="col">Evaluated through</th>
            <th scope="col" class="number">
              Episodes
            </th>
          </tr>
        </thead>
        <tbody>
          {alerts.map((alert) => (
            <tr key={alert.ruleId} class={alert.ruleId === selected ? 'selected' : undefined}>
              <td>
                <a href={alertHref(productId, alert, params)} aria-current={alert.ruleId === selected ? 'true' : undefined}>
                  {alert.ruleName}
                </a>
                {alert.enabled ? null : <span class="muted"> (disabled)</span>}
              </td>
              <td>{metricLabels[alert.metric as MetricName] ?? alert.metric}</td>
              <td>{scopeOf(alert)}</td>
              <td>
                <span class={`badge badge-alert-${alert.status}`}>{alert.status}</span>
              </td>
              <td>{time(alert.evaluatedThrough)}</td>
              <td class="number">{alert.history.length}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function SeriesTable({ answer }: { answer: SeriesAnswer }) {
  const rows = answer.points.filter((point) => point.value !== null);
  return (
    <details class="series-data">
      <summary>Data table ({rows.length} points with data)</summary>
      <div class="table-wrap">
        <table class="table">
          <caption class="visually-hidden">Points of {answer.name}</caption>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col" class="number">
                Value
              </th>
              <th scope="col" class="number">
                Expected
              </th>
              <th scope="col">Band</th>
              <th scope="col">Anomalous</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((point) => (
              <tr key={point.time}>
                <td>{time(point.time)}</td>
                <td class="number">{formatSeriesValue(answer.unit, point.value)}</td>
                <td class="number">{formatSeriesValue(answer.unit, point.expected)}</td>
                <td>{point.lower !== undefined ? `${formatSeriesValue(answer.unit, point.lower)} to ${formatSeriesValue(answer.unit, point.upper)}` : '–'}</td>
                <td>{point.anomalous ? 'yes' : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}

export function Signals({ productId }: { productId: string }) {
  const params = query.value;
  const seriesQuery = seriesQueryOf(params);
  const selected = params.get('rule');
  const [alerts, setAlerts] = useState<AlertView[]>();
  const [series, setSeries] = useState<SeriesAnswer>();
  const [error, setError] = useState<unknown>();
  const requestKey = `${productId}|${params.toString()}`;

  const load = (signal?: AbortSignal) =>
    Promise.all([api.listAlerts(productId, signal), api.readSeries(productId, seriesQueryOf(query.value), signal)])
      .then(([alertPage, answer]) => {
        setAlerts(alertPage.items);
        setSeries(answer);
        setError(undefined);
      })
      .catch((failure) => {
        if ((failure as Error).name !== 'AbortError') setError(failure);
      });

  useEffect(() => {
    const controller = new AbortController();
    setSeries(undefined);
    void load(controller.signal);
    return () => controller.abort();
  }, [requestKey]);
  useVisibleInterval(() => void load(), SIGNALS_REFRESH_MS);

  const metric = seriesQuery.name as MetricName;
  const explicitRange = params.has('from') && params.has('to');
  return (
    <section>
      <div class="page-head">
        <h1>Signals · {productId}</h1>
      </div>
      {error ? <ErrorState error={error} retry={() => void load()} /> : null}
      <h2>Alert rules</h2>
      {alerts ? <AlertTable productId={productId} alerts={alerts} selected={selected} /> : error ? null : <Loading label="Loading alert rules…" />}
      <h2>Series</h2>
      <form class="filters" aria-label="Choose a series" onSubmit={(event) => event.preventDefault()}>
        <label class="field">
          <span>Metric</span>
          <select value={metric} onChange={(event) => setQuery({ metric: (event.target as HTMLSelectElement).value, rule: undefined })}>
            {Object.entries(metricLabels).map(([name, label]) => (
              <option key={name} value={name}>
                {label}
              </option>
            ))}
          </select>
        </label>
        {filterFields.map((field) => (
          <label key={field.name} class="field">
            <span>{field.label}</span>
            <input
              type="text"
              value={params.get(field.name) ?? ''}
              placeholder="any"
              onChange={(event) => setQuery({ [field.name]: (event.target as HTMLInputElement).value.trim(), rule: undefined })}
            />
          </label>
        ))}
        <label class="field">
          <span>Range</span>
          <select
            value={explicitRange ? 'link' : (params.get('range') ?? '3h')}
            onChange={(event) => setQuery({ range: (event.target as HTMLSelectElement).value, from: undefined, to: undefined })}
          >
            {explicitRange ? <option value="link">From the alert's link</option> : null}
            {Object.keys(ranges).map((range) => (
              <option key={range} value={range}>
                Last {range}
              </option>
            ))}
          </select>
        </label>
      </form>
      {series ? (
        series.points.some((point) => point.value !== null) ? (
          <>
            <SeriesChart answer={series} label={metricLabels[metric]} />
            <SeriesTable answer={series} />
          </>
        ) : (
          <Empty>No data for {metricLabels[metric]} in this range and scope.</Empty>
        )
      ) : error ? null : (
        <Loading label="Loading the series…" />
      )}
    </section>
  );
}
