// Config poll: requests/s and p99 of the 304 path and of the changed path, each run alternately with its
// ceilings: an empty function on the same local host answering the same 304 bytes (the Functions host's own
// ceiling, registered here only), and a bare Node server that answers the same bytes (context); the Cosmos
// requests made meanwhile; and our own CPU per poll, the handler pipeline called with a minimal request.
import type autocannon from 'autocannon';
import type { HandlerCost, HandlerCostRequest, PipelineCostRequest } from './servers/in-process-cost';
import { adminToken, createSession, EMPTY_FUNCTION_ROUTE, pollConfig, productKey } from './support/api';
import type { BenchmarkContext, BenchmarkOutcome } from './support/benchmark';
import { startChild, type BenchChild } from './support/child-process';
import { failures, runLoad, type LoadResult } from './support/load';
import { compared, type Row } from './support/report';
import { requestsBetween, startHostScene } from './support/scene';
import { median } from './support/statistics';

const CONNECTIONS = 32;
/** The production default: polls fold in the session change feed at most this often. */
const INDEX_REFRESH_MS = 1000;
/** A refresh is one query; allow for the SDK's metadata reads (partition key ranges) beside it. */
const REQUESTS_PER_REFRESH_ALLOWANCE = 2;

let deviceCounter = 0;

/**
 * One template whose path gets a device id never used before: the per-device limit (1 poll / 5 s)
 * stays on, and every request is a different device, as in a fleet.
 */
function pollRequests(query: Record<string, string>, ifNoneMatch: string, route = '/api/diagnostics/config'): autocannon.Request[] {
  const fixed = new URLSearchParams(query).toString();
  return [
    {
      method: 'GET',
      path: route,
      headers: { 'x-diagnostics-key': productKey, 'if-none-match': ifNoneMatch },
      setupRequest: (request) => ({ ...request, path: `${route}?deviceId=bench-device-${++deviceCounter}&${fixed}` }),
    },
  ];
}

/** The empty function's route as the host serves it. */
const EMPTY_ROUTE = `/api/${EMPTY_FUNCTION_ROUTE}`;
/** Our own CPU per poll (wrapper + poll service) may be at most this. */
const PIPELINE_TARGET_MICROS = 5;
/** The 304 path's throughput against the empty function on the same host. */
const EMPTY_FUNCTION_TARGET = 0.9;

interface PathRuns {
  ours: LoadResult[];
  ceiling: LoadResult[];
  /** The empty function on the same host (304 path only). */
  empty: LoadResult[];
  storageRequests: number;
  storageByKind: Record<string, number>;
}

export async function benchConfigPoll(context: BenchmarkContext): Promise<BenchmarkOutcome> {
  const scene = await startHostScene({
    store: 'cosmos',
    settings: { CONFIG_INDEX_REFRESH_MS: String(INDEX_REFRESH_MS) },
    hostEnvironment: { BENCH_EMPTY_FUNCTION: '1' },
  });
  let ceiling: BenchChild | undefined;
  try {
    ceiling = await startChild('bare config server', 'bare-http-server.js', { BENCH_MODE: 'config' });
    const anonymousId = 'bench-config-anonymous';
    await createSession(scene.url, await adminToken(), { targetAnonymousId: anonymousId });
    const fleet = { platform: 'ios', appVersion: '5.12.0' };
    const idle = await pollConfig(scene.url, { deviceId: 'bench-probe-idle', ...fleet });
    const targeted = await pollConfig(scene.url, { deviceId: 'bench-probe-targeted', anonymousId, ...fleet });
    if (idle.config.active || !targeted.config.session?.ingestToken) throw new Error('config poll set-up: expected an idle and a targeted answer');
    await scene.host.call('configureEmptyFunction', { etag: idle.etag });

    const paths = {
      // A device with nothing new: its ETag matches, the answer is an empty 304.
      notModified: { query: fleet, ifNoneMatch: idle.etag, expected: 304, ceilingBody: idle.body, ceilingTag: idle.etag },
      // A session just started for the device: its old ETag no longer matches, the answer carries a fresh ingest token.
      changed: { query: { anonymousId, ...fleet }, ifNoneMatch: idle.etag, expected: 200, ceilingBody: targeted.body, ceilingTag: targeted.etag },
    };
    const runs: Record<keyof typeof paths, PathRuns> = {
      notModified: { ours: [], ceiling: [], empty: [], storageRequests: 0, storageByKind: {} },
      changed: { ours: [], ceiling: [], empty: [], storageRequests: 0, storageByKind: {} },
    };
    let measuredSeconds = 0;
    const rounds = context.quick ? 1 : 3;
    for (let round = -1; round < rounds; round++) {
      const warmUp = round < 0;
      const durationSeconds = warmUp ? 2 : context.quick ? 3 : 5;
      for (const [name, path] of Object.entries(paths) as Array<[keyof typeof paths, (typeof paths)[keyof typeof paths]]>) {
        await ceiling.call('configure', { configBody: path.ceilingBody, configTag: path.ceilingTag });
        const load = { connections: CONNECTIONS, durationSeconds, expectedStatuses: [path.expected] };
        const ceilingRun = await runLoad({ ...load, url: String(ceiling.info.url), requests: pollRequests(path.query, path.ifNoneMatch) }, ceiling);
        // The empty function answers the 304 bytes only: it stands beside the 304 path.
        const emptyRun =
          name === 'notModified'
            ? await runLoad({ ...load, url: scene.url, requests: pollRequests(path.query, path.ifNoneMatch, EMPTY_ROUTE) }, scene.host)
            : undefined;
        if (emptyRun && failures(emptyRun) > 0)
          throw new Error(`empty function: unexpected answers ${JSON.stringify(emptyRun.unexpected)}, ${emptyRun.errors} errors`);
        const before = await scene.cosmosRequests();
        const ourRun = await runLoad({ ...load, url: scene.url, requests: pollRequests(path.query, path.ifNoneMatch) }, scene.host);
        const storage = requestsBetween(before, await scene.cosmosRequests());
        if (failures(ourRun) > 0) throw new Error(`config poll ${name}: unexpected answers ${JSON.stringify(ourRun.unexpected)}, ${ourRun.errors} errors`);
        if (warmUp) continue;
        context.log(
          `  config ${name}: ours ${ourRun.requestsPerSecond.toFixed(0)}/s, ${emptyRun ? `empty function ${emptyRun.requestsPerSecond.toFixed(0)}/s, ` : ''}bare ${ceilingRun.requestsPerSecond.toFixed(0)}/s, Cosmos requests ${storage.total}`,
        );
        runs[name].ours.push(ourRun);
        if (emptyRun) runs[name].empty.push(emptyRun);
        runs[name].ceiling.push(ceilingRun);
        runs[name].storageRequests += storage.total;
        for (const [kind, count] of Object.entries(storage.byKind)) runs[name].storageByKind[kind] = (runs[name].storageByKind[kind] ?? 0) + count;
        if (name === 'notModified') measuredSeconds += ourRun.durationSeconds;
      }
    }

    const rows: Row[] = [];
    const labels = { notModified: '304 path', changed: 'changed path (200 + token)' };
    const medianOf = (results: LoadResult[], figure: (run: LoadResult) => number | undefined) => median(results.map((run) => figure(run) ?? Number.NaN));
    const rate = (run: LoadResult) => run.requestsPerSecond;
    const p99 = (run: LoadResult) => run.latencyP99Ms;
    const cpu = (run: LoadResult) => run.serverCpuMsPer1000;
    const emptyLabel = 'empty function, same host';
    const bareLabel = 'bare node:http';
    {
      const { ours, empty, ceiling: bare } = runs.notModified;
      const oursRate = medianOf(ours, rate);
      const emptyRate = medianOf(empty, rate);
      rows.push(
        compared({
          benchmark: 'config poll',
          measure: '304 path throughput vs an empty function on the same local host',
          value: oursRate,
          unit: 'req/s',
          reference: { value: emptyRate, label: emptyLabel },
          target: `≥ ${EMPTY_FUNCTION_TARGET * 100} % of the empty function`,
          met: oursRate >= EMPTY_FUNCTION_TARGET * emptyRate,
        }),
        compared({
          benchmark: 'config poll',
          measure: '304 path throughput vs a bare server (context)',
          value: oursRate,
          unit: 'req/s',
          reference: { value: medianOf(bare, rate), label: bareLabel },
        }),
        compared({
          benchmark: 'config poll',
          measure: `304 path p99 latency (${CONNECTIONS} connections)`,
          value: medianOf(ours, p99),
          unit: 'ms',
          reference: { value: medianOf(empty, p99), label: emptyLabel },
          lowerIsBetter: true,
        }),
        compared({
          benchmark: 'config poll',
          measure: '304 path server CPU per 1k polls',
          value: medianOf(ours, cpu),
          unit: 'ms',
          reference: { value: medianOf(empty, cpu), label: emptyLabel },
          lowerIsBetter: true,
        }),
        compared({
          benchmark: 'config poll',
          measure: '304 path server CPU per 1k polls (context)',
          value: medianOf(ours, cpu),
          unit: 'ms',
          reference: { value: medianOf(bare, cpu), label: bareLabel },
          lowerIsBetter: true,
        }),
      );
    }
    {
      const { ours, ceiling: bare } = runs.changed;
      const label = labels.changed;
      rows.push(
        compared({
          benchmark: 'config poll',
          measure: `${label} throughput`,
          value: medianOf(ours, rate),
          unit: 'req/s',
          reference: { value: medianOf(bare, rate), label: bareLabel },
        }),
        compared({
          benchmark: 'config poll',
          measure: `${label} p99 latency (${CONNECTIONS} connections)`,
          value: medianOf(ours, p99),
          unit: 'ms',
          reference: { value: medianOf(bare, p99), label: bareLabel },
          lowerIsBetter: true,
        }),
        compared({
          benchmark: 'config poll',
          measure: `${label} server CPU per 1k polls`,
          value: medianOf(ours, cpu),
          unit: 'ms',
          reference: { value: medianOf(bare, cpu), label: bareLabel },
          lowerIsBetter: true,
        }),
      );
    }
    // Where a 304 poll's CPU goes, timed inside the host process without HTTP, beside the bare server's whole request.
    const inProcess = await scene.host.call<HandlerCost>('handlerCostInProcess', {
      functionName: 'config-get',
      requests: [
        {
          method: 'GET',
          target: `/api/diagnostics/config?deviceId=bench-in-process-{n}&${new URLSearchParams(paths.notModified.query)}`,
          headers: { 'x-diagnostics-key': productKey, 'if-none-match': idle.etag },
        },
      ],
      iterations: context.quick ? 5_000 : 50_000,
      expectedStatus: 304,
    } satisfies HandlerCostRequest);
    // Our own CPU per poll: the handler pipeline (endpoint wrapper, auth, query parsing, the poll service) given a
    // minimal request object, without the Functions-model objects and HTTP; a few repeats, the median.
    const pipelineRequest: PipelineCostRequest = {
      functionName: 'config-get',
      query: [['deviceId', 'bench-pipeline-{n}'], ...Object.entries(paths.notModified.query)],
      headers: { 'x-diagnostics-key': productKey, 'if-none-match': idle.etag },
      iterations: context.quick ? 10_000 : 100_000,
      expectedStatus: 304,
    };
    const pipelineRuns: number[] = [];
    for (let repeat = 0; repeat < (context.quick ? 1 : 5); repeat++) pipelineRuns.push(await scene.host.call<number>('pipelineCostInProcess', pipelineRequest));
    const pipelineMicros = median(pipelineRuns);
    const emptyMicrosPerPoll = median(runs.notModified.empty.map((run) => run.serverCpuMsPer1000 ?? Number.NaN));
    rows.push(
      compared({
        benchmark: 'config poll',
        measure: '304 path, our own CPU per poll: endpoint wrapper + poll service, called with a minimal request (no Functions-model objects, no HTTP)',
        value: pipelineMicros,
        unit: 'µs',
        reference: { value: emptyMicrosPerPoll, label: 'empty function, a whole request on the same host' },
        lowerIsBetter: true,
        target: `≤ ${PIPELINE_TARGET_MICROS} µs`,
        met: pipelineMicros <= PIPELINE_TARGET_MICROS,
        note: `median of ${pipelineRuns.length} runs of ${pipelineRequest.iterations.toLocaleString('en-US')} polls: ${pipelineRuns.map((micros) => micros.toFixed(2)).join(', ')} µs`,
      }),
    );
    const bareMicrosPerPoll = median(runs.notModified.ceiling.map((run) => run.serverCpuMsPer1000 ?? Number.NaN));
    const bareReference = { value: bareMicrosPerPoll, label: 'bare node:http, a whole request with HTTP' };
    rows.push(
      compared({
        benchmark: 'config poll',
        measure: '304 path in the host process, no HTTP: CPU per poll of the Functions-model objects alone (HttpRequest, InvocationContext)',
        value: inProcess.objectsMicros,
        unit: 'µs',
        reference: bareReference,
        lowerIsBetter: true,
      }),
      compared({
        benchmark: 'config poll',
        measure: '304 path in the host process, no HTTP: CPU per poll of the objects, the endpoint wrapper and the poll',
        value: inProcess.wholeMicros,
        unit: 'µs',
        reference: bareReference,
        lowerIsBetter: true,
      }),
    );
    const polls304 = runs.notModified.ours.reduce((sum, run) => sum + run.requests, 0);
    const allowedRefreshRequests = Math.ceil((measuredSeconds * 1000) / INDEX_REFRESH_MS) * REQUESTS_PER_REFRESH_ALLOWANCE;
    rows.push({
      benchmark: 'config poll',
      measure: `304 path Cosmos requests during ${polls304.toLocaleString('en-US')} polls in ${measuredSeconds.toFixed(0)} s`,
      value: runs.notModified.storageRequests,
      unit: 'requests',
      target: `no read per poll (only the ≤ 1/s index refresh: ≤ ${allowedRefreshRequests})`,
      met: runs.notModified.storageRequests <= allowedRefreshRequests,
      note: `by kind: ${JSON.stringify(runs.notModified.storageByKind)}`,
    });
    return { rows, details: { connections: CONNECTIONS, indexRefreshMs: INDEX_REFRESH_MS, runs, pipelineMicrosRuns: pipelineRuns } };
  } finally {
    await ceiling?.stop();
    await scene.stop();
  }
}
