// The signal stores against the embedded Cosmos through the real SDK: concurrent reports of one bucket add up
// (patch increments, create races), hourly rollups, reads by series and filter, the totals per product, version
// and route written beside the series, rule caps and reporters.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import type { Database } from '@azure/cosmos';
import { COSMOS_EMULATOR_KEY } from '../../local-host/backends';
import { createCosmosDatabase, ensureContainers } from '../../shared/adapters/cosmos/cosmos-client';
import { CosmosSignalRuleStore } from '../../shared/adapters/cosmos/cosmos-signal-rule-store';
import { CosmosSignalStore, HOURLY_TTL_IN_SECONDS } from '../../shared/adapters/cosmos/cosmos-signal-store';
import type { Bucket, SignalPoint } from '../../shared/domain/signals/series';
import { isBucketLimitError } from '../../shared/ports/signal-store';
import { alertRuleInputSchema, newAlertRule } from '../../shared/domain/signals/rules';

let database: Database;

beforeAll(async () => {
  database = createCosmosDatabase({
    endpoint: inject('cosmosEndpoint'),
    key: COSMOS_EMULATOR_KEY,
    database: `signals-${randomUUID().slice(0, 8)}`,
    allowSelfSignedCertificate: true,
  });
  await ensureContainers(database);
});
afterAll(async () => {
  await database.delete();
});

const minute = Date.UTC(2024, 4, 1, 10, 7);

describe('CosmosSignalStore', () => {
  it('adds concurrent reports of the same bucket without losing any, and rolls them up by the hour', async () => {
    const store = new CosmosSignalStore(database.container('signal_buckets'));
    await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        store.add('demo', [
          { series: 'errors', dimensions: { appVersion: '1.0.0', fingerprint: 'fp-a' }, minute, sum: 2, count: 1 },
          {
            series: 'latency',
            dimensions: { appVersion: '1.0.0', route: '/a' },
            minute: minute + (index % 2) * 60_000,
            sum: 100,
            count: 10,
            weightedQuantiles: { p50: 50, p95: 90, p99: 99 },
          },
        ]),
      ),
    );
    const minutes = await store.read('demo', { series: ['errors', 'latency'], resolution: 'minute', from: minute, to: minute + 120_000, maxBuckets: 100 });
    const errors = minutes.filter((bucket) => bucket.series === 'errors');
    expect(errors).toEqual([
      { series: 'errors', dimensions: { appVersion: '1.0.0', fingerprint: 'fp-a' }, start: minute, sum: 40, count: 20, weightedQuantiles: undefined },
    ]);
    expect(minutes.filter((bucket) => bucket.series === 'latency').map((bucket) => [bucket.start, bucket.count, bucket.weightedQuantiles?.p95])).toEqual(
      expect.arrayContaining([
        [minute, 100, 900],
        [minute + 60_000, 100, 900],
      ]),
    );
    const hours = await store.read('demo', {
      series: ['latency'],
      resolution: 'hour',
      from: Date.UTC(2024, 4, 1, 10),
      to: Date.UTC(2024, 4, 1, 11),
      maxBuckets: 100,
    });
    expect(hours).toEqual([
      expect.objectContaining({ start: Date.UTC(2024, 4, 1, 10), sum: 2000, count: 200, weightedQuantiles: { p50: 1000, p95: 1800, p99: 1980 } }),
    ]);
    const { resources } = await database.container('signal_buckets').items.query({ query: "SELECT c.ttl FROM c WHERE c.resolution = 'hour'" }).fetchAll();
    expect(resources.every((resource) => resource.ttl === HOURLY_TTL_IN_SECONDS)).toBe(true);
  });

  it('reads one product and filters by app version, and refuses a read larger than its limit', async () => {
    const store = new CosmosSignalStore(database.container('signal_buckets'));
    await store.add('other', [{ series: 'errors', dimensions: { appVersion: '1.0.0' }, minute, sum: 5, count: 1 }]);
    await store.add('demo', [{ series: 'errors', dimensions: { appVersion: '2.0.0' }, minute, sum: 7, count: 1 }]);
    const filtered = await store.read('demo', {
      series: ['errors'],
      resolution: 'minute',
      from: minute,
      to: minute + 60_000,
      filter: { appVersion: '2.0.0' },
      maxBuckets: 100,
    });
    expect(filtered.map((bucket) => bucket.sum)).toEqual([7]);
    await expect(
      store.read('demo', { series: ['errors', 'latency'], resolution: 'minute', from: minute, to: minute + 120_000, maxBuckets: 1 }),
    ).rejects.toMatchObject({ kind: 'invalid_input' });
  });
});

/** Sums of a read per series and period start, the way the readers add buckets up. */
function sums(buckets: Bucket[]): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const bucket of buckets)
    totals[`${bucket.series}@${(bucket.start - minute) / 60_000}`] = (totals[`${bucket.series}@${(bucket.start - minute) / 60_000}`] ?? 0) + bucket.sum;
  return totals;
}

describe('CosmosSignalStore totals', () => {
  // 60 error series (fingerprint × version), 3 routes of requests per version, latency per route, an error
  // without a fingerprint and requests without a route, over two minutes, from several concurrent batches.
  const versions = ['3.0.0', '3.1.0'];
  const routes = ['/a', '/b/{id}', '/c'];
  const batch = (offset: number): SignalPoint[] => [
    ...Array.from({ length: 30 }, (_, index) => ({
      series: 'errors' as const,
      dimensions: { appVersion: versions[index % 2]!, fingerprint: `fp-${index}` },
      minute: minute + offset * 60_000,
      sum: 1 + (index % 3),
      count: 1,
    })),
    ...versions.flatMap((appVersion) =>
      routes.map((route) => ({ series: 'requests' as const, dimensions: { appVersion, route }, minute: minute + offset * 60_000, sum: 100, count: 1 })),
    ),
    {
      series: 'latency',
      dimensions: { appVersion: '3.0.0', route: '/a' },
      minute: minute + offset * 60_000,
      sum: 1000,
      count: 10,
      weightedQuantiles: { p50: 800, p95: 1500, p99: 2000 },
    },
    { series: 'errors', dimensions: { appVersion: '3.1.0' }, minute: minute + offset * 60_000, sum: 7, count: 1 },
    { series: 'requests', dimensions: { appVersion: '3.1.0' }, minute: minute + offset * 60_000, sum: 50, count: 1 },
  ];
  const range = { resolution: 'minute' as const, from: minute, to: minute + 120_000, maxBuckets: 1000 };
  let store: CosmosSignalStore;

  beforeAll(async () => {
    store = new CosmosSignalStore(database.container('signal_buckets'));
    // Each minute arrives as four batches at once: the totals are patched concurrently, like the series buckets.
    await Promise.all([0, 0, 0, 0, 1, 1, 1, 1].map((offset) => store.add('totals', batch(offset))));
  });

  it('adds every point to the product total: one bucket per series and minute, equal to the sum of the series', async () => {
    const series = await store.read('totals', { ...range, series: ['errors', 'requests'] });
    const product = await store.read('totals', { ...range, series: ['errors', 'requests'], view: 'totals' });
    expect(product.every((bucket) => Object.keys(bucket.dimensions).length === 0)).toBe(true);
    expect(product).toHaveLength(4);
    expect(sums(product)).toEqual(sums(series));
    // 4 batches × (30 fingerprints of 1-3 errors = 60, plus 7 without a fingerprint); requests 4 × (600 + 50).
    expect(sums(product)).toEqual({ 'errors@0': 268, 'errors@1': 268, 'requests@0': 2600, 'requests@1': 2600 });
  });

  it('keeps a total per app version, per route and per both, each point counted once', async () => {
    const byVersion = await store.read('totals', { ...range, series: ['errors', 'requests'], filter: { appVersion: '3.1.0' }, view: 'totals' });
    // 15 fingerprints of 3.1.0 (30 errors a batch) plus the 7 without a fingerprint, whose own bucket is part of the total.
    expect(sums(byVersion)).toEqual({ 'errors@0': 148, 'errors@1': 148, 'requests@0': 1400, 'requests@1': 1400 });
    const byRoute = await store.read('totals', { ...range, series: ['errors', 'requests', 'latency'], filter: { route: '/a' }, view: 'totals' });
    // Errors carry no route, so no route's total holds them; the requests without a route are in none either.
    expect(sums(byRoute)).toEqual({ 'requests@0': 800, 'requests@1': 800, 'latency@0': 4000, 'latency@1': 4000 });
    const both = await store.read('totals', { ...range, series: ['requests', 'latency'], filter: { appVersion: '3.0.0', route: '/a' }, view: 'totals' });
    // A request series of one version and route is its own total: read as such, not written twice.
    expect(sums(both)).toEqual({ 'requests@0': 400, 'requests@1': 400, 'latency@0': 4000, 'latency@1': 4000 });
    expect(both.find((bucket) => bucket.series === 'latency')).toMatchObject({ count: 40, weightedQuantiles: { p50: 3200, p95: 6000, p99: 8000 } });
  });

  it('rolls the totals up by the hour, and keeps them out of the per-series reads', async () => {
    const hour = Date.UTC(2024, 4, 1, 10);
    const hourly = await store.read('totals', { series: ['errors'], resolution: 'hour', from: hour, to: hour + 3_600_000, view: 'totals', maxBuckets: 10 });
    expect(hourly).toEqual([expect.objectContaining({ start: hour, sum: 536, dimensions: {} })]);
    const { resources } = await database
      .container('signal_buckets')
      .items.query({ query: "SELECT c.ttl FROM c WHERE c.productId = 'totals' AND c.resolution = 'hour' AND c.derived = true" })
      .fetchAll();
    expect(resources.length).toBeGreaterThan(0);
    expect(resources.every((resource) => resource.ttl === HOURLY_TTL_IN_SECONDS)).toBe(true);
    // The per-series read holds the series as reported: 31 error buckets and 7 request buckets a minute.
    const series = await store.read('totals', { ...range, series: ['errors', 'requests'] });
    expect(series.filter((bucket) => bucket.series === 'errors')).toHaveLength(62);
    expect(series.filter((bucket) => bucket.series === 'requests')).toHaveLength(14);
    const fingerprint = await store.read('totals', { ...range, series: ['errors', 'requests'], filter: { fingerprint: 'fp-4' } });
    expect(fingerprint.filter((bucket) => bucket.series === 'errors').map((bucket) => [bucket.dimensions.fingerprint, bucket.sum])).toEqual([
      ['fp-4', 8],
      ['fp-4', 8],
    ]);
    expect(fingerprint.filter((bucket) => bucket.series === 'requests')).toHaveLength(14);
  });

  it('refuses a per-series read over its cap with an error callers can tell apart', async () => {
    const refused = await store.read('totals', { ...range, series: ['errors'], maxBuckets: 61 }).catch((error: unknown) => error);
    expect(isBucketLimitError(refused)).toBe(true);
    await expect(store.read('totals', { ...range, series: ['errors'], view: 'totals', maxBuckets: 2 })).resolves.toHaveLength(2);
  });
});

describe('CosmosSignalRuleStore', () => {
  it('keeps rules per product with If-Match, and state writes that lose a race report it', async () => {
    const store = new CosmosSignalRuleStore(database.container('signal_rules'));
    const rule = newAlertRule(
      'demo',
      alertRuleInputSchema.parse({ name: 'r', metric: 'errors', condition: { kind: 'threshold', value: 5 } }),
      'admin',
      new Date(minute),
    );
    const created = await store.create('alertRule', rule);
    expect((await store.get('alertRule', 'demo', rule.id))?.value).toEqual(rule);
    expect(await store.get('alertRule', 'other', rule.id)).toBeUndefined();
    await store.replace('alertRule', { ...rule, name: 'renamed' }, created.etag);
    await expect(store.replace('alertRule', rule, created.etag)).rejects.toMatchObject({ kind: 'precondition_failed' });
    expect(await store.productsWithAlertRules()).toContain('demo');

    const state = { ruleId: rule.id, productId: 'demo', status: 'ok' as const, evaluatedThrough: minute, history: [] };
    expect(await store.writeAlertState(state, undefined)).toBe(true);
    expect(await store.writeAlertState(state, undefined)).toBe(false);
    const stored = await store.getAlertState('demo', rule.id);
    expect(await store.writeAlertState({ ...state, evaluatedThrough: minute + 60_000 }, stored!.etag)).toBe(true);
    expect(await store.writeAlertState({ ...state, evaluatedThrough: minute + 120_000 }, stored!.etag)).toBe(false);
    await store.delete('alertRule', 'demo', rule.id);
    await store.delete('alertRule', 'demo', rule.id);
    expect(await store.get('alertRule', 'demo', rule.id)).toBeUndefined();
  });

  it('gives out exactly the hourly cap under concurrency, and one day per device', async () => {
    const store = new CosmosSignalRuleStore(database.container('signal_rules'));
    const claims = await Promise.all(Array.from({ length: 8 }, () => store.claimHourlySlot('demo', 'tr_1', minute, 3)));
    expect(claims.filter(Boolean)).toHaveLength(3);
    const days = await Promise.all(Array.from({ length: 4 }, () => store.claimDeviceDay('demo', 'device-1', '2024-05-01')));
    expect(days.filter(Boolean)).toHaveLength(1);
    await store.releaseDeviceDay('demo', 'device-1', '2024-05-01');
    expect(await store.claimDeviceDay('demo', 'device-1', '2024-05-01')).toBe(true);
  });

  it('finds recent reporters by fingerprint and version, merging what a device reported', async () => {
    const store = new CosmosSignalRuleStore(database.container('signal_rules'));
    await store.noteReporter('demo', { deviceId: 'd1', lastSeen: minute, fingerprints: ['fp-a'], appVersions: ['1.0.0'] });
    await store.noteReporter('demo', { deviceId: 'd1', lastSeen: minute + 1000, fingerprints: ['fp-b'], appVersions: ['1.0.0'] });
    await store.noteReporter('demo', { deviceId: 'd2', lastSeen: minute - 7_200_000, fingerprints: ['fp-a'], appVersions: ['1.0.0'] });
    const found = await store.findReporters('demo', { fingerprint: 'fp-a', since: minute - 3_600_000 }, 10);
    expect(found.map((reporter) => [reporter.deviceId, reporter.fingerprints.sort()])).toEqual([['d1', ['fp-a', 'fp-b']]]);
    expect(await store.findReporters('demo', { appVersion: '9.9.9', since: 0 }, 10)).toEqual([]);
  });
});
