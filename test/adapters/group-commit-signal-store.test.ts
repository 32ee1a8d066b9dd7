// Signal writes committed in groups, over the Cosmos signal store on the embedded Cosmos: batches of one product that
// arrive within the window are written as one (every count kept), each caller answered once that write is done; a
// failed write fails every caller of its group and no other; a full group goes early; flush writes what is gathering.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import type { Database } from '@azure/cosmos';
import { COSMOS_EMULATOR_KEY } from '../../local-host/backends';
import { GroupCommitSignalStore } from '../../shared/adapters/caching/group-commit-signal-store';
import { createCosmosDatabase, ensureContainers } from '../../shared/adapters/cosmos/cosmos-client';
import { CosmosSignalStore } from '../../shared/adapters/cosmos/cosmos-signal-store';
import type { SignalPoint } from '../../shared/domain/signals/series';
import { InMemoryTelemetry } from '../../shared/adapters/memory/in-memory-telemetry';
import type { BucketQuery, SignalStore } from '../../shared/ports/signal-store';

let database: Database;
let telemetry: InMemoryTelemetry;

beforeAll(async () => {
  database = createCosmosDatabase({
    endpoint: inject('cosmosEndpoint'),
    key: COSMOS_EMULATOR_KEY,
    database: `group-commit-${randomUUID().slice(0, 8)}`,
    allowSelfSignedCertificate: true,
  });
  await ensureContainers(database);
});
afterAll(async () => {
  await database.delete();
});

const minute = Date.UTC(2024, 4, 1, 10, 7);

beforeEach(() => {
  telemetry = new InMemoryTelemetry({ strict: true });
});

/** The real store, with every call it gets recorded (what the group handed on). */
class RecordingStore implements SignalStore {
  readonly writes: Array<{ productId: string; points: SignalPoint[] }> = [];
  constructor(
    private readonly store: SignalStore,
    private readonly failFor = new Set<string>(),
  ) {}
  async add(productId: string, points: SignalPoint[]): Promise<void> {
    this.writes.push({ productId, points });
    if (this.failFor.has(productId)) throw new Error(`storage refused ${productId}`);
    await this.store.add(productId, points);
  }
  read(productId: string, query: BucketQuery) {
    return this.store.read(productId, query);
  }
}

/** A device's minute: requests and latency on its routes, an error of one of three fingerprints. */
function deviceMinute(device: number): SignalPoint[] {
  const route = `/api/r${device % 4}/{id}`;
  return [
    { series: 'requests', dimensions: { appVersion: '2.0.0', route }, minute, sum: 10 + device, count: 1 },
    { series: 'errors', dimensions: { appVersion: '2.0.0', fingerprint: `fp-${device % 3}` }, minute, sum: 1, count: 1 },
    {
      series: 'latency',
      dimensions: { appVersion: '2.0.0', route },
      minute,
      sum: 100 * (device + 1),
      count: 2,
      weightedQuantiles: { p50: 80, p95: 180, p99: 190 },
    },
  ];
}

function sumsOf(buckets: Array<{ series: string; sum: number; count: number; weightedQuantiles?: Record<string, number | undefined> }>) {
  const sums: Record<string, number> = {};
  for (const bucket of buckets) {
    sums[`${bucket.series}:sum`] = (sums[`${bucket.series}:sum`] ?? 0) + bucket.sum;
    sums[`${bucket.series}:count`] = (sums[`${bucket.series}:count`] ?? 0) + bucket.count;
    for (const [name, value] of Object.entries(bucket.weightedQuantiles ?? {}))
      sums[`${bucket.series}:${name}`] = (sums[`${bucket.series}:${name}`] ?? 0) + (value ?? 0);
  }
  return sums;
}

const everySeries: BucketQuery = { series: ['requests', 'errors', 'latency'], resolution: 'minute', from: minute, to: minute + 60_000, maxBuckets: 10_000 };

describe('GroupCommitSignalStore', () => {
  it('writes the batches of one window as one, keeping every count, and answers each caller once it is stored', async () => {
    const cosmos = new CosmosSignalStore(database.container('signal_buckets'));
    const recording = new RecordingStore(cosmos);
    const grouped = new GroupCommitSignalStore(recording, telemetry, { windowInMs: 100, maxPointsPerGroup: 5_000 });
    const devices = Array.from({ length: 30 }, (_, device) => device);
    let answered = 0;
    await Promise.all(devices.map((device) => grouped.add('p-window', deviceMinute(device)).then(() => answered++)));
    expect(answered).toBe(30);
    // One write, its points summed per bucket: 4 routes × (requests, latency) + 3 fingerprints, not 30 × 3.
    expect(recording.writes).toHaveLength(1);
    expect(recording.writes[0]!.points).toHaveLength(11);
    // Operators tune the window by how many batches a group holds.
    expect(telemetry.metrics).toEqual([{ name: 'signals.group_batches', value: 30, dimensions: { outcome: 'written' } }]);

    const expected = sumsOf(devices.flatMap(deviceMinute));
    expect(sumsOf(await cosmos.read('p-window', everySeries))).toEqual(expected);
    // The same batches written one by one store the same buckets.
    for (const device of devices) await cosmos.add('p-alone', deviceMinute(device));
    expect(sumsOf(await cosmos.read('p-alone', everySeries))).toEqual(expected);
    const totals = (productId: string) => cosmos.read(productId, { ...everySeries, view: 'totals' });
    expect(sumsOf(await totals('p-window'))).toEqual(sumsOf(await totals('p-alone')));
  });

  it('fails every caller of a group whose write failed, and no other group', async () => {
    const recording = new RecordingStore(new CosmosSignalStore(database.container('signal_buckets')), new Set(['p-broken']));
    const grouped = new GroupCommitSignalStore(recording, telemetry, { windowInMs: 50, maxPointsPerGroup: 5_000 });
    const outcomes = await Promise.allSettled([
      grouped.add('p-broken', deviceMinute(1)),
      grouped.add('p-healthy', deviceMinute(1)),
      grouped.add('p-broken', deviceMinute(2)),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'fulfilled', 'rejected']);
    expect((outcomes[0] as PromiseRejectedResult).reason).toEqual(new Error('storage refused p-broken'));
    expect(recording.writes.map((write) => write.productId).sort()).toEqual(['p-broken', 'p-healthy']);
    expect(telemetry.metrics.map((metric) => [metric.value, metric.dimensions.outcome]).sort()).toEqual([
      [1, 'written'],
      [2, 'failed'],
    ]);
    // The next window starts a new group: the failed one is not retried by the store (each device resends).
    await grouped.add('p-healthy', deviceMinute(3));
    expect(recording.writes).toHaveLength(3);
  });

  it('writes a full group at once, flushes what is gathering, and with no window writes each batch on its own', async () => {
    const recording = new RecordingStore(new CosmosSignalStore(database.container('signal_buckets')));
    const grouped = new GroupCommitSignalStore(recording, telemetry, { windowInMs: 60_000, maxPointsPerGroup: 6 });
    // Two batches of three points fill the group: written long before the minute-long window ends.
    await Promise.all([grouped.add('p-full', deviceMinute(1)), grouped.add('p-full', deviceMinute(2))]);
    expect(recording.writes).toHaveLength(1);

    const pending = grouped.add('p-flush', deviceMinute(1));
    expect(recording.writes).toHaveLength(1);
    await grouped.flush();
    await pending;
    expect(recording.writes).toHaveLength(2);

    const direct = new GroupCommitSignalStore(recording, telemetry, { windowInMs: 0, maxPointsPerGroup: 6 });
    await Promise.all([direct.add('p-direct', deviceMinute(1)), direct.add('p-direct', deviceMinute(2))]);
    expect(recording.writes).toHaveLength(4);
    expect(sumsOf(await grouped.read('p-direct', everySeries))).toEqual(sumsOf([...deviceMinute(1), ...deviceMinute(2)]));
  });
});
