// An alert rule over a product with many error series, through the local host: the counters come in over HTTP,
// the rule reads its filter's per-minute totals, not every series, so it is evaluated and fires where reading the
// series would be over the per-rule cap; a read over the cap is counted and named, never silently skipped.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isBucketLimitError } from '../../shared/ports/signal-store';
import { evaluateSignalRules, type DetectionServiceDependencies } from '../../shared/services/detection-service';
import { recordEvents } from '../support/event-recorder';
import { startTestHost, type TestHost } from '../support/test-host';

const events = recordEvents();
let host: TestHost;
let admin: string;

/** 200 error series: 100 fingerprints × 2 app versions, each reporting every minute. */
const FINGERPRINTS = 100;
const VERSIONS = ['4.0.0', '4.1.0'];
const SERIES = FINGERPRINTS * VERSIONS.length;
/** Minutes of data: the rule's whole lookback (15 minutes) and more. */
const MINUTES = 16;
/** Below the per-series buckets the rule's lookback holds (200 × 15), above its totals (15) and an alert window's series (200 × 5). */
const CAP = 2_000;

let evaluatedEnd: number;

beforeAll(async () => {
  host = await startTestHost();
  admin = await host.token({ roles: ['admin'], products: ['demo'] });
  host.clock.freeze();
  host.clock.advance(60_000 - (host.clock.now().getTime() % 60_000) + 1_000);
  const now = host.clock.now().getTime();
  // Detection evaluates the minute that ended at least a minute ago; the data ends with that minute.
  evaluatedEnd = Math.floor(now / 60_000) * 60_000 - 60_000;
  const firstMinute = evaluatedEnd - MINUTES * 60_000;
  let device = 0;
  for (let minute = 0; minute < MINUTES; minute++) {
    // The last four minutes triple every series' errors.
    const count = minute >= MINUTES - 4 ? 3 : 1;
    const counters = VERSIONS.flatMap((appVersion) =>
      Array.from({ length: FINGERPRINTS }, (_, index) => ({
        minute: new Date(firstMinute + minute * 60_000).toISOString(),
        series: 'errors',
        count,
        fingerprint: `fp-${index.toString(36)}`,
        appVersion,
      })),
    );
    for (let start = 0; start < counters.length; start += 200) {
      const response = await host.call('POST', '/api/diagnostics/signals', {
        headers: { 'x-diagnostics-key': host.productKey() },
        body: { deviceId: `scale-device-${device++}`, counters: counters.slice(start, start + 200) },
      });
      expect(response.status).toBe(202);
    }
  }
}, 120_000);
afterAll(async () => {
  await host.close();
});

function detection(maxBucketsPerRule: number): DetectionServiceDependencies {
  return { ...host.deps.services.signals.detection, maxBucketsPerRule };
}

function metricsNamed(name: string) {
  return host.telemetry.metrics.filter((metric) => metric.name === name);
}

describe('an error rule over a product with many series', () => {
  let ruleId: string;

  it('holds more per-series buckets over the rule lookback than the cap', async () => {
    const created = await host.call('POST', '/api/diagnostics/products/demo/rules', {
      headers: { authorization: `Bearer ${admin}` },
      // Healthy: 1,000 errors per 5 minutes; the last minutes reach 1,400 to 2,600.
      body: {
        name: 'All errors',
        metric: 'errors',
        windowMinutes: 5,
        condition: { kind: 'threshold', operator: 'above', value: 1_600 },
        firing: { periods: 3, of: 5, minHistoryMinutes: 10, recoveryMinutes: 10 },
      },
    });
    expect(created.status).toBe(201);
    ruleId = ((await created.json()) as { id: string }).id;
    const from = evaluatedEnd - 15 * 60_000;
    const perSeries = await host.deps.stores.signalBuckets.read('demo', {
      series: ['errors'],
      resolution: 'minute',
      from,
      to: evaluatedEnd,
      maxBuckets: 100_000,
    });
    expect(perSeries).toHaveLength(SERIES * 15);
    const refused = await host.deps.stores.signalBuckets
      .read('demo', { series: ['errors'], resolution: 'minute', from, to: evaluatedEnd, maxBuckets: CAP })
      .catch((error: unknown) => error);
    expect(isBucketLimitError(refused)).toBe(true);
  });

  it('says so when even the totals are over the cap, without failing the run', async () => {
    const lines: string[] = [];
    const result = await evaluateSignalRules(detection(10), { budgetInMs: 30_000, log: (line) => lines.push(line) });
    expect(result).toMatchObject({ rules: 1, fired: 0, skipped: 1, overCap: 1 });
    expect(metricsNamed('signals.rule_over_cap_total')).toEqual([expect.objectContaining({ value: 1, dimensions: { read: 'evaluation' } })]);
    expect(metricsNamed('signals.rule_failure_total')).toHaveLength(0);
    expect(lines).toEqual([`signals-detect: rule ${ruleId} not evaluated: its evaluation read holds more than 10 buckets`]);
    expect(await host.deps.stores.signalRules.getAlertState('demo', ruleId)).toBeUndefined();
  });

  it('is evaluated from the product totals and fires, with the top fingerprints of the window', async () => {
    const result = await evaluateSignalRules(detection(CAP), { budgetInMs: 30_000 });
    expect(result).toMatchObject({ rules: 1, fired: 1, skipped: 0, overCap: 0 });
    // One bucket per minute of the lookback, whatever the number of series.
    expect(metricsNamed('signals.rule_read_buckets').at(-1)).toMatchObject({ value: 15, dimensions: { metric: 'errors' } });
    await host.deps.infra.localBus!.whenIdle();
    const fired = events.ofType('diagnostics.signal.alert_fired');
    expect(fired).toHaveLength(1);
    expect(fired[0]!.payload).toMatchObject({
      ruleId,
      value: String(SERIES * (3 * 4 + 1)),
      failing: '3 of the last 5 minutes failing',
      topAppVersions: [
        { value: '4.0.0', count: FINGERPRINTS * 13 },
        { value: '4.1.0', count: FINGERPRINTS * 13 },
      ],
    });
    expect(fired[0]!.payload.topFingerprints).toHaveLength(5);
    const alerts = (await (await host.call('GET', '/api/diagnostics/products/demo/alerts', { headers: { authorization: `Bearer ${admin}` } })).json()) as {
      items: Array<{ status: string; ruleId: string }>;
    };
    expect(alerts.items).toEqual([expect.objectContaining({ ruleId, status: 'firing' })]);
  });

  it('serves the dashboard the same totals, per app version too', async () => {
    const from = encodeURIComponent(new Date(evaluatedEnd - 10 * 60_000).toISOString());
    const to = encodeURIComponent(new Date(evaluatedEnd).toISOString());
    const read = async (filter: string) => {
      const response = await host.call('GET', `/api/diagnostics/products/demo/series?name=errors&from=${from}&to=${to}&step=1m${filter}`, {
        headers: { authorization: `Bearer ${admin}` },
      });
      expect(response.status).toBe(200);
      return ((await response.json()) as { points: Array<{ value: number | null }> }).points.map((point) => point.value);
    };
    expect(await read('')).toEqual([...Array(6).fill(SERIES), ...Array(4).fill(SERIES * 3)]);
    expect(await read('&appVersion=4.1.0')).toEqual([...Array(6).fill(FINGERPRINTS), ...Array(4).fill(FINGERPRINTS * 3)]);
    expect(await read('&fingerprint=fp-a&appVersion=4.0.0')).toEqual([...Array(6).fill(1), ...Array(4).fill(3)]);
  });
});
