// Ingest over HTTP on the local host, batches of 50 realistic items at a few concurrency levels, in two
// set-ups, each run alternately with its ceiling:
//   (a) storage replaced by a no-op TelemetryStore, against a bare node:http server that parses the same JSON
//       and answers 202 (the runtime's ceiling);
//   (b) the embedded Cosmos, against the embedded Cosmos's own bulk-upsert rate for the same documents
//       written directly with the SDK (the storage ceiling).
// Then memory: the host's RSS sampled through the ingest runs and over a longer steady run.
import type autocannon from 'autocannon';
import { loadMaskingEngine } from '../shared/config/masking-rules';
import { toDocument } from '../shared/domain/telemetry/ingest';
import { ingestItemSchema } from '../shared/domain/telemetry/items';
import type { HandlerCost, HandlerCostRequest, InProcessRequest } from './servers/in-process-cost';
import type { StorageRunResult } from './servers/storage-writer';
import { productKey } from './support/api';
import type { BenchmarkContext, BenchmarkOutcome } from './support/benchmark';
import { startChild, type BenchChild } from './support/child-process';
import type { MemorySample, UsageSnapshot } from './support/child-protocol';
import { openDevices, type BenchDevice } from './support/devices';
import { failures, runLoad, type LoadResult } from './support/load';
import { ingestPipelineCost, medianCost, stageBreakdown } from './support/ingest-pipeline';
import { BatchFactory, ITEMS_PER_BATCH, REALISTIC_DEVICE, REALISTIC_USER_AGENT } from './support/realistic-items';
import type { Row } from './support/report';
import { requestsBetween, startCosmosChild, startHostScene, type HostScene } from './support/scene';
import { mean, median } from './support/statistics';

/** Enough devices that 100 batches/min/device never binds: 600 devices allow 1,000 batches/s (50k items/s), about twice the fastest (a) run. */
const DEVICES_PER_SETUP = 600;
const SETUP_SETTINGS = { RATE_LIMIT_SESSION_CREATES_PER_HOUR: '100000' };
const MEGABYTE = 1024 * 1024;
/** How long V8 takes under this load to grow its heap back after a forced full GC (seen here: about 6 s). */
const HEAP_REGROWTH_SECONDS = 10;

const INGEST_PATH = '/api/diagnostics/ingest';
/** Our own CPU per ingested item (no SDK, no HTTP) may be at most this. */
const PIPELINE_TARGET_MICROS_PER_ITEM = 5;

/** One batch from one device, as both the load and the in-process timing send it. */
function deviceBatch(device: BenchDevice, factory: BatchFactory): { headers: Record<string, string>; body: string } {
  return {
    headers: {
      'content-type': 'application/json',
      'x-diagnostics-key': productKey,
      authorization: `Bearer ${device.ingestToken}`,
      'user-agent': REALISTIC_USER_AGENT,
    },
    body: JSON.stringify({ sessionId: device.sessionId, device: { deviceId: device.deviceId, ...REALISTIC_DEVICE }, items: factory.nextItems() }),
  };
}

/** A batch per device, for the host to time in process (see in-process-cost.ts). */
function inProcessBatches(devices: BenchDevice[], factory: BatchFactory): InProcessRequest[] {
  return devices.map((device) => ({ method: 'POST', target: INGEST_PATH, ...deviceBatch(device, factory) }));
}

function ingestRequests(devices: BenchDevice[], factory: BatchFactory): autocannon.Request[] {
  let next = 0;
  return [
    {
      method: 'POST',
      path: INGEST_PATH,
      setupRequest: (request) => ({ ...request, ...deviceBatch(devices[next++ % devices.length]!, factory) }),
    },
  ];
}

interface LevelResult {
  connections: number;
  ours: LoadResult[];
  ceiling: Array<LoadResult | StorageRunResult>;
  /** (b) only: what the embedded Cosmos did per 1,000 items stored, for ours and for the direct writer. */
  cosmosPer1000Items?: { ours: StorageCost[]; ceiling: StorageCost[] };
}

interface StorageCost {
  cpuMs: number;
  requests: number;
  byKind: Record<string, number>;
}

/** Runs `work` (which waits for its requests in flight) and reports the Cosmos process's CPU time and requests per 1,000 items worked on. */
async function measureStorage<T>(scene: HostScene, work: () => Promise<T>, items: (result: T) => number): Promise<{ result: T; cost: StorageCost }> {
  const [usageBefore, requestsBefore] = await Promise.all([scene.cosmos.usage(), scene.cosmosRequests()]);
  const result = await work();
  const [usageAfter, requestsAfter] = await Promise.all([scene.cosmos.usage(), scene.cosmosRequests()]);
  const thousands = Math.max(1, items(result)) / 1000;
  const requests = requestsBetween(requestsBefore, requestsAfter);
  return {
    result,
    cost: {
      cpuMs: (usageAfter.cpuMicros - usageBefore.cpuMicros) / 1000 / thousands,
      requests: requests.total / thousands,
      byKind: Object.fromEntries(Object.entries(requests.byKind).map(([kind, count]) => [kind, count / thousands])),
    },
  };
}

const itemsPerSecond = (run: LoadResult) => run.requestsPerSecond * ITEMS_PER_BATCH;

function checkAnswers(what: string, run: LoadResult): void {
  if (failures(run) > 0) throw new Error(`${what}: unexpected answers ${JSON.stringify(run.unexpected)}, ${run.errors} errors, ${run.timeouts} timeouts`);
}

/** CPU the host spends per batch only on validating items, masking them and building documents, on this core. */
function maskingCostPerBatchInMs(): number {
  const factory = new BatchFactory('cost');
  const engine = loadMaskingEngine();
  const batches = Array.from({ length: 40 }, () => factory.nextItems());
  const context = {
    productId: 'demo',
    sessionId: 'ds_cost',
    receivedAt: new Date().toISOString(),
    device: { deviceId: 'cost' },
    deviceRedaction: { fieldsRedacted: [], patternsMatched: [], count: 0 },
  };
  const once = (batch: unknown[]) => batch.forEach((raw) => toDocument(ingestItemSchema.parse(raw), context, engine));
  batches.forEach(once);
  // CPU time, like the host's CPU per batch it is set beside: wall time would count what other processes take.
  const cpuMs = () => {
    const usage = process.cpuUsage();
    return (usage.user + usage.system) / 1000;
  };
  let done = 0;
  const started = cpuMs();
  while (cpuMs() - started < 1000) once(batches[done++ % batches.length]!);
  return (cpuMs() - started) / done;
}

async function runtimeSetup(context: BenchmarkContext, cosmos: BenchChild, levels: number[], durationSeconds: number, rounds: number) {
  const scene = await startHostScene({ store: 'noop', cosmos, settings: SETUP_SETTINGS });
  let ceiling: BenchChild | undefined;
  try {
    const devices = await openDevices(scene.url, DEVICES_PER_SETUP, 'bench-runtime');
    const factory = new BatchFactory('runtime');
    ceiling = await startChild('bare ingest server', 'bare-http-server.js', { BENCH_MODE: 'ingest' });
    const probe = await runLoad({ url: scene.url, connections: 1, durationSeconds: 1, requests: ingestRequests(devices, factory), expectedStatuses: [202] });
    checkAnswers('ingest (a) probe', probe);
    const answer = await fetchAnswer(scene, devices[0]!, factory);
    await ceiling.call('configure', { ingestAnswer: answer });
    // Before the load, while every device is well inside its 100 batches a minute (a few calls each here).
    const inProcess = await scene.host.call<HandlerCost>('handlerCostInProcess', {
      functionName: 'ingest-post',
      requests: inProcessBatches(devices.slice(0, 200), factory),
      iterations: context.quick ? 200 : 2_000,
      expectedStatus: 202,
    } satisfies HandlerCostRequest);

    const results: LevelResult[] = [];
    let storageRequests = 0;
    let batches = 0;
    for (const connections of levels) {
      const level: LevelResult = { connections, ours: [], ceiling: [] };
      for (let round = 0; round < rounds; round++) {
        const load = { connections, durationSeconds, expectedStatuses: [202] };
        const bare = await runLoad({ ...load, url: String(ceiling.info.url), requests: ingestRequests(devices, factory) }, ceiling);
        checkAnswers('bare ingest server', bare);
        const before = await scene.cosmosRequests();
        const ours = await runLoad({ ...load, url: scene.url, requests: ingestRequests(devices, factory) }, scene.host);
        await scene.host.call('flushWrittenBehind');
        storageRequests += requestsBetween(before, await scene.cosmosRequests()).total;
        batches += ours.answered;
        checkAnswers(`ingest (a) at ${connections} connections`, ours);
        level.ours.push(ours);
        level.ceiling.push(bare);
        context.log(`  (a) ${connections} conn: ours ${itemsPerSecond(ours).toFixed(0)} items/s, bare ${itemsPerSecond(bare).toFixed(0)} items/s`);
      }
      results.push(level);
    }
    return { results, storageRequestsPerBatch: storageRequests / batches, inProcess };
  } finally {
    await ceiling?.stop();
    await scene.stop();
  }
}

async function fetchAnswer(scene: HostScene, device: BenchDevice, factory: BatchFactory): Promise<string> {
  const response = await fetch(`${scene.url}/api/diagnostics/ingest`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-diagnostics-key': productKey, authorization: `Bearer ${device.ingestToken}` },
    body: JSON.stringify({ sessionId: device.sessionId, device: { deviceId: device.deviceId }, items: factory.nextItems() }),
  });
  if (response.status !== 202) throw new Error(`ingest answered ${response.status}: ${await response.text()}`);
  return response.text();
}

async function storageSetup(context: BenchmarkContext, cosmos: BenchChild, levels: number[], durationSeconds: number, rounds: number, memorySeconds: number) {
  const scene = await startHostScene({ store: 'cosmos', cosmos, settings: SETUP_SETTINGS });
  let writer: BenchChild | undefined;
  try {
    const devices = await openDevices(scene.url, DEVICES_PER_SETUP, 'bench-storage');
    const factory = new BatchFactory('storage');
    writer = await startChild('storage writer', 'storage-writer.js', { BENCH_COSMOS_ENDPOINT: scene.cosmosEndpoint, BENCH_DATABASE: scene.database });
    const memoryFrom = Date.now();
    const warmUp = await runLoad({ url: scene.url, connections: 8, durationSeconds: 2, requests: ingestRequests(devices, factory), expectedStatuses: [202] });
    checkAnswers('ingest (b) warm-up', warmUp);
    await writer.call<StorageRunResult>('run', { concurrency: 8, durationSeconds: 2, sessions: devices.length });

    const results: LevelResult[] = [];
    for (const connections of levels) {
      const level: LevelResult = { connections, ours: [], ceiling: [], cosmosPer1000Items: { ours: [], ceiling: [] } };
      for (let round = 0; round < rounds; round++) {
        const directRun = await measureStorage(
          scene,
          () => writer!.call<StorageRunResult>('run', { concurrency: connections, durationSeconds, sessions: devices.length }),
          (run) => run.items,
        );
        const ourRun = await measureStorage(
          scene,
          async () => {
            const run = await runLoad(
              { connections, durationSeconds, expectedStatuses: [202], url: scene.url, requests: ingestRequests(devices, factory) },
              scene.host,
            );
            // The stats still held for write-behind are written inside our window, not the direct writer's next one.
            await scene.host.call('flushWrittenBehind');
            return run;
          },
          (run) => run.worked * ITEMS_PER_BATCH,
        );
        const direct = directRun.result;
        const ours = ourRun.result;
        level.cosmosPer1000Items!.ceiling.push(directRun.cost);
        level.cosmosPer1000Items!.ours.push(ourRun.cost);
        checkAnswers(`ingest (b) at ${connections} connections`, ours);
        if (direct.failedItems > 0) throw new Error(`storage ceiling: ${direct.failedItems} items refused`);
        level.ours.push(ours);
        level.ceiling.push(direct);
        context.log(`  (b) ${connections} conn: ours ${itemsPerSecond(ours).toFixed(0)} items/s, direct SDK bulk ${direct.itemsPerSecond.toFixed(0)} items/s`);
      }
      results.push(level);
    }
    const ingestSamples = await scene.host.memorySamples(memoryFrom);

    // The longer run: steady load, RSS sampled every 200 ms; flat means the last third is no higher than the first.
    // The leak check's full GC at the start shrinks V8's heap far below its working size, and V8 takes some
    // seconds of load to grow it back: that regrowth is the benchmark's own doing, so the RSS comparison
    // starts once it is over (the samples before are kept in results.json).
    const heapBefore = await scene.host.call<UsageSnapshot>('collectGarbage');
    const regrowthFrom = Date.now();
    const steady = await runLoad(
      {
        connections: 8,
        durationSeconds: HEAP_REGROWTH_SECONDS + memorySeconds,
        expectedStatuses: [202],
        url: scene.url,
        requests: ingestRequests(devices, factory),
      },
      scene.host,
    );
    checkAnswers('ingest memory run', steady);
    const regrowthAndSteadySamples = await scene.host.memorySamples(regrowthFrom);
    const steadySamples = regrowthAndSteadySamples.filter((sample) => sample.atMs >= regrowthFrom + HEAP_REGROWTH_SECONDS * 1000);
    const heapAfter = await scene.host.call<UsageSnapshot>('collectGarbage');
    context.log(
      `  memory run: ${HEAP_REGROWTH_SECONDS} + ${memorySeconds} s, ${itemsPerSecond(steady).toFixed(0)} items/s, ${steadySamples.length} RSS samples compared`,
    );
    return { results, ingestSamples, regrowthAndSteadySamples, steadySamples, steady, heapBefore, heapAfter };
  } finally {
    await writer?.stop();
    await scene.stop();
  }
}

function thirds(samples: MemorySample[], field: 'rssBytes' | 'heapTotalBytes' | 'externalBytes' = 'rssBytes'): { first: number; last: number } {
  const third = Math.max(1, Math.floor(samples.length / 3));
  return { first: mean(samples.slice(0, third).map((sample) => sample[field])), last: mean(samples.slice(-third).map((sample) => sample[field])) };
}

/** Where RSS moved: V8's reserved heap and external memory, first third → last third, in MiB. */
function thirdsInMiB(samples: MemorySample[]): string {
  const describe = (field: 'heapTotalBytes' | 'externalBytes') => {
    const { first, last } = thirds(samples, field);
    return `${(first / MEGABYTE).toFixed(0)} → ${(last / MEGABYTE).toFixed(0)} MiB`;
  };
  return `V8 heap reserved ${describe('heapTotalBytes')}, external ${describe('externalBytes')}`;
}

const ceilingItemsPerSecond = (run: LoadResult | StorageRunResult) => ('itemsPerSecond' in run ? run.itemsPerSecond : itemsPerSecond(run));
const ceilingLatency = (run: LoadResult | StorageRunResult, which: 'p50' | 'p99') =>
  'itemsPerSecond' in run ? (which === 'p50' ? run.batchLatencyP50Ms : run.batchLatencyP99Ms) : which === 'p50' ? run.latencyP50Ms : run.latencyP99Ms;

function levelRows(setup: string, label: string, results: LevelResult[], target?: (ours: number, ceiling: number) => { target: string; met: boolean }): Row[] {
  return results.flatMap((level) => {
    const ours = median(level.ours.map(itemsPerSecond));
    const ceiling = median(level.ceiling.map(ceilingItemsPerSecond));
    const latency = (which: 'p50' | 'p99') => median(level.ours.map((run) => (which === 'p50' ? run.latencyP50Ms : run.latencyP99Ms)));
    const ceilingLatencyOf = (which: 'p50' | 'p99') => median(level.ceiling.map((run) => ceilingLatency(run, which)));
    return [
      {
        benchmark: 'ingest',
        measure: `${setup} items/s, ${level.connections} concurrent batches`,
        value: ours,
        unit: 'items/s',
        reference: { value: ceiling, label },
        ratio: ours / ceiling,
        ...(target ? target(ours, ceiling) : {}),
      },
      {
        benchmark: 'ingest',
        measure: `${setup} batch latency p50 / p99, ${level.connections} concurrent`,
        value: latency('p99'),
        valueText: `${latency('p50').toFixed(1)} / ${latency('p99').toFixed(1)}`,
        unit: 'ms',
        reference: { value: ceilingLatencyOf('p99'), label },
        referenceText: `${ceilingLatencyOf('p50').toFixed(1)} / ${ceilingLatencyOf('p99').toFixed(1)}`,
        ratio: latency('p99') / ceilingLatencyOf('p99'),
        lowerIsBetter: true,
      },
    ];
  });
}

export async function benchIngest(context: BenchmarkContext): Promise<BenchmarkOutcome> {
  const levels = context.quick ? [8] : [1, 4, 16];
  const durationSeconds = context.quick ? 2 : 3;
  const rounds = context.quick ? 1 : 2;
  const memorySeconds = context.quick ? 10 : 30;
  // Our own CPU per item first, in this process, before the servers start.
  const pipeline = await ingestPipelineCost({ rounds: context.quick ? 2 : 7, batchesPerRound: context.quick ? 200 : 600 });
  const pipelineMedian = medianCost(pipeline);
  context.log(
    `  own CPU per item (no SDK, no HTTP): ${pipeline.oursMicrosPerItem.map((micros) => micros.toFixed(1)).join(', ')} µs; JSON.parse alone ${pipelineMedian.parse.toFixed(2)} µs`,
  );
  const stages = stageBreakdown(pipeline)
    .map(({ stage, micros }) => `${stage} ${micros.toFixed(2)}`)
    .join(', ');
  context.log(
    `  with masking passed through: ${pipeline.passThroughMicrosPerItem.map((micros) => micros.toFixed(1)).join(', ')} µs; by stage (median µs per item): ${stages}`,
  );
  const cosmos = await startCosmosChild();
  try {
    const runtime = await runtimeSetup(context, cosmos, levels, durationSeconds, rounds);
    const storage = await storageSetup(context, cosmos, levels, durationSeconds, rounds, memorySeconds);
    const maskingMs = maskingCostPerBatchInMs();

    const rows: Row[] = [
      ...levelRows('(a) no-op store', 'bare node:http parse + 202', runtime.results),
      // Context only (issue 23): the target is our own CPU per item below; this ratio is mostly the SDK's and Cosmos's.
      ...levelRows('(b) embedded Cosmos', 'direct SDK bulk upsert', storage.results),
    ];
    rows.push({
      benchmark: 'ingest',
      measure:
        'host CPU per ingested item, realistic mix, without the Cosmos SDK or HTTP: key and token checks, parse + validate, session state, rate limits, Idempotency-Key, masking, documents, write-behind stats, pattern hooks (in-memory ports, no-op telemetry store)',
      value: pipelineMedian.ours,
      unit: 'µs',
      reference: { value: pipelineMedian.parse, label: 'JSON.parse of the same bodies alone' },
      ratio: pipelineMedian.ours / pipelineMedian.parse,
      lowerIsBetter: true,
      target: `≤ ${PIPELINE_TARGET_MICROS_PER_ITEM} µs per item`,
      met: pipelineMedian.ours <= PIPELINE_TARGET_MICROS_PER_ITEM,
      note: `median of ${pipeline.oursMicrosPerItem.length} rounds of ${pipeline.batchesPerRound} batches of ${ITEMS_PER_BATCH}: ${pipeline.oursMicrosPerItem.map((micros) => micros.toFixed(1)).join(', ')} µs; by stage (median µs per item): ${stages}`,
    });
    // Context for the target above: the same pipeline over the same batches, its masking engine passed through.
    rows.push({
      benchmark: 'ingest',
      measure:
        'host CPU per ingested item, the same pipeline with a masking engine that finds nothing and copies nothing (context: the pipeline around masking)',
      value: pipelineMedian.passThrough,
      unit: 'µs',
      reference: { value: pipelineMedian.parse, label: 'JSON.parse of the same bodies alone' },
      ratio: pipelineMedian.passThrough / pipelineMedian.parse,
      lowerIsBetter: true,
      note: `rounds ${pipeline.passThroughMicrosPerItem.map((micros) => micros.toFixed(1)).join(', ')} µs, alternating with the row above over the same batches; masking in place (the difference, per round, median) ${pipelineMedian.masking.toFixed(2)} µs per item`,
    });
    const busiest = runtime.results[runtime.results.length - 1]!;
    const oursCpu = median(busiest.ours.map((run) => run.serverCpuMsPer1000 ?? Number.NaN)) / 1000;
    const bareCpu = median(busiest.ceiling.map((run) => (run as LoadResult).serverCpuMsPer1000 ?? Number.NaN)) / 1000;
    rows.push({
      benchmark: 'ingest',
      measure: `(a) host CPU per batch of 50, of which validating + masking + building documents ${maskingMs.toFixed(2)} ms`,
      value: oursCpu,
      unit: 'ms',
      reference: { value: bareCpu, label: 'bare node:http parse + 202' },
      ratio: oursCpu / bareCpu,
      lowerIsBetter: true,
      note: `Cosmos requests per batch with the no-op store (session reads + stats writes, flushed at the end of each run): ${runtime.storageRequestsPerBatch.toFixed(3)}`,
    });
    rows.push({
      benchmark: 'ingest',
      measure: `(a) in the host process, no HTTP: CPU per batch of the Functions-model objects (${(runtime.inProcess.objectsMicros / 1000).toFixed(3)} ms) and the ingest handler with them`,
      value: runtime.inProcess.wholeMicros / 1000,
      unit: 'ms',
      reference: { value: bareCpu, label: 'bare node:http parse + 202, a whole request with HTTP' },
      ratio: runtime.inProcess.wholeMicros / 1000 / bareCpu,
      lowerIsBetter: true,
    });
    const storageBusiest = storage.results[storage.results.length - 1]!;
    const cosmosCpu = (side: 'ours' | 'ceiling') => median(storageBusiest.cosmosPer1000Items![side].map((cost) => cost.cpuMs));
    const cosmosRequests = (side: 'ours' | 'ceiling') => median(storageBusiest.cosmosPer1000Items![side].map((cost) => cost.requests));
    rows.push({
      benchmark: 'ingest',
      measure: `(b) embedded Cosmos CPU per 1k items stored, ${storageBusiest.connections} concurrent (requests per 1k: ours ${cosmosRequests('ours').toFixed(0)}, direct ${cosmosRequests('ceiling').toFixed(0)})`,
      value: cosmosCpu('ours'),
      unit: 'ms',
      reference: { value: cosmosCpu('ceiling'), label: 'direct SDK bulk upsert' },
      ratio: cosmosCpu('ours') / cosmosCpu('ceiling'),
      lowerIsBetter: true,
      note: `by kind per 1k items, ours: ${JSON.stringify(storageBusiest.cosmosPer1000Items!.ours[0]?.byKind)}; direct: ${JSON.stringify(storageBusiest.cosmosPer1000Items!.ceiling[0]?.byKind)}`,
    });
    // The writer's CPU per batch is the SDK's alone; the host's adds HTTP, validation, masking and documents.
    const hostCpuPerBatch = median(storageBusiest.ours.map((run) => (run.serverCpuMsPer1000 ?? Number.NaN) / 1000));
    const writerCpuPerBatch = median(storageBusiest.ceiling.map((run) => (run as StorageRunResult).cpuMsPerBatch));
    rows.push({
      benchmark: 'ingest',
      measure: `(b) client CPU per batch of 50 stored, ${storageBusiest.connections} concurrent: the host (HTTP, validation, masking, documents, SDK) vs the direct writer (SDK only)`,
      value: hostCpuPerBatch,
      unit: 'ms',
      reference: { value: writerCpuPerBatch, label: 'direct SDK bulk upsert' },
      ratio: hostCpuPerBatch / writerCpuPerBatch,
      lowerIsBetter: true,
    });
    const allSamples = [...storage.ingestSamples, ...storage.regrowthAndSteadySamples];
    const peak = Math.max(...allSamples.map((sample) => sample.rssBytes));
    const { first, last } = thirds(storage.steadySamples);
    rows.push(
      { benchmark: 'memory', measure: 'host peak RSS during the ingest runs (b)', value: peak / MEGABYTE, unit: 'MiB' },
      {
        benchmark: 'memory',
        measure: `host RSS, last third vs first third of a ${memorySeconds} s steady ingest run (after ${HEAP_REGROWTH_SECONDS} s in which V8 regrows the heap the leak check's full GC shrank)`,
        value: last / MEGABYTE,
        unit: 'MiB',
        reference: { value: first / MEGABYTE, label: 'first third' },
        ratio: last / first,
        target: 'flat (≤ 110 %)',
        met: last <= 1.1 * first,
        note: thirdsInMiB(storage.steadySamples),
      },
      {
        benchmark: 'memory',
        measure: `host heap after a full GC, end vs start of the steady run (${storage.steady.answered.toLocaleString('en-US')} batches)`,
        value: storage.heapAfter.heapUsedBytes / MEGABYTE,
        unit: 'MiB',
        reference: { value: storage.heapBefore.heapUsedBytes / MEGABYTE, label: 'start' },
        ratio: storage.heapAfter.heapUsedBytes / storage.heapBefore.heapUsedBytes,
        target: 'no growth (≤ 110 %)',
        met: storage.heapAfter.heapUsedBytes <= 1.1 * storage.heapBefore.heapUsedBytes,
        note: `RSS right after that GC: ${(storage.heapBefore.rssBytes / MEGABYTE).toFixed(0)} MiB at the start, ${(storage.heapAfter.rssBytes / MEGABYTE).toFixed(0)} MiB at the end`,
      },
    );
    return {
      rows,
      details: {
        devicesPerSetup: DEVICES_PER_SETUP,
        itemsPerBatch: ITEMS_PER_BATCH,
        durationSeconds,
        rounds,
        runtime,
        storage: { results: storage.results, steady: storage.steady },
        maskingCostPerBatchMs: maskingMs,
        pipeline,
        memory: {
          heapAfterGcStart: storage.heapBefore,
          heapAfterGcEnd: storage.heapAfter,
          peakRssBytes: peak,
          steadyFirstThirdRssBytes: first,
          steadyLastThirdRssBytes: last,
          samples: storage.regrowthAndSteadySamples,
          comparedFromMs: storage.steadySamples[0]?.atMs,
        },
      },
    };
  } finally {
    await cosmos.stop();
  }
}
