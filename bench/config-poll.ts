// Config poll: requests/s and p99 of the 304 path and of the changed path, each run alternately with a
// bare Node server that answers the same bytes (the ceiling), and the Cosmos requests made meanwhile.
import type autocannon from 'autocannon';
import type { HandlerCost, HandlerCostRequest } from './servers/in-process-cost';
import { adminToken, createSession, pollConfig, productKey } from './support/api';
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
function pollRequests(query: Record<string, string>, ifNoneMatch: string): autocannon.Request[] {
  const fixed = new URLSearchParams(query).toString();
  return [
    {
      method: 'GET',
      path: '/api/diagnostics/config',
      headers: { 'x-diagnostics-key': productKey, 'if-none-match': ifNoneMatch },
      setupRequest: (request) => ({ ...request, path: `/api/diagnostics/config?deviceId=bench-device-${++deviceCounter}&${fixed}` }),
    },
  ];
}

interface PathRuns {
  ours: LoadResult[];
  ceiling: LoadResult[];
  storageRequests: number;
  storageByKind: Record<string, number>;
}

export async function benchConfigPoll(context: BenchmarkContext): Promise<BenchmarkOutcome> {
  const scene = await startHostScene({ store: 'cosmos', settings: { CONFIG_INDEX_REFRESH_MS: String(INDEX_REFRESH_MS) } });
  let ceiling: BenchChild | undefined;
  try {
    ceiling = await startChild('bare config server', 'bare-http-server.js', { BENCH_MODE: 'config' });
    const anonymousId = 'bench-config-anonymous';
    await createSession(scene.url, await adminToken(), { targetAnonymousId: anonymousId });
    const fleet = { platform: 'ios', appVersion: '5.12.0' };
    const idle = await pollConfig(scene.url, { deviceId: 'bench-probe-idle', ...fleet });
    const targeted = await pollConfig(scene.url, { deviceId: 'bench-probe-targeted', anonymousId, ...fleet });
    if (idle.config.active || !targeted.config.session?.ingestToken) throw new Error('config poll set-up: expected an idle and a targeted answer');

    const paths = {
      // A device with nothing new: its ETag matches, the answer is an empty 304.
      notModified: { query: fleet, ifNoneMatch: idle.etag, expected: 304, ceilingBody: idle.body, ceilingTag: idle.etag },
      // A session just started for the device: its old ETag no longer matches, the answer carries a fresh ingest token.
      changed: { query: { anonymousId, ...fleet }, ifNoneMatch: idle.etag, expected: 200, ceilingBody: targeted.body, ceilingTag: targeted.etag },
    };
    const runs: Record<keyof typeof paths, PathRuns> = {
      notModified: { ours: [], ceiling: [], storageRequests: 0, storageByKind: {} },
      changed: { ours: [], ceiling: [], storageRequests: 0, storageByKind: {} },
    };
    let measuredSeconds = 0;
    const rounds = context.quick ? 1 : 2;
    for (let round = -1; round < rounds; round++) {
      const warmUp = round < 0;
      const durationSeconds = warmUp ? 2 : context.quick ? 3 : 5;
      for (const [name, path] of Object.entries(paths) as Array<[keyof typeof paths, (typeof paths)[keyof typeof paths]]>) {
        await ceiling.call('configure', { configBody: path.ceilingBody, configTag: path.ceilingTag });
        const load = { connections: CONNECTIONS, durationSeconds, expectedStatuses: [path.expected] };
        const ceilingRun = await runLoad({ ...load, url: String(ceiling.info.url), requests: pollRequests(path.query, path.ifNoneMatch) }, ceiling);
        const before = await scene.cosmosRequests();
        const ourRun = await runLoad({ ...load, url: scene.url, requests: pollRequests(path.query, path.ifNoneMatch) }, scene.host);
        const storage = requestsBetween(before, await scene.cosmosRequests());
        if (failures(ourRun) > 0) throw new Error(`config poll ${name}: unexpected answers ${JSON.stringify(ourRun.unexpected)}, ${ourRun.errors} errors`);
        if (warmUp) continue;
        context.log(`  config ${name}: ours ${ourRun.requestsPerSecond.toFixed(0)}/s, ceiling ${ceilingRun.requestsPerSecond.toFixed(0)}/s, Cosmos requests ${storage.total}`);
        runs[name].ours.push(ourRun);
        runs[name].ceiling.push(ceilingRun);
        runs[name].storageRequests += storage.total;
        for (const [kind, count] of Object.entries(storage.byKind)) runs[name].storageByKind[kind] = (runs[name].storageByKind[kind] ?? 0) + count;
        if (name === 'notModified') measuredSeconds += ourRun.durationSeconds;
      }
    }

    const rows: Row[] = [];
    const labels = { notModified: '304 path', changed: 'changed path (200 + token)' };
    for (const name of ['notModified', 'changed'] as const) {
      const ours = runs[name].ours;
      const bare = runs[name].ceiling;
      const oursRate = median(ours.map((run) => run.requestsPerSecond));
      const bareRate = median(bare.map((run) => run.requestsPerSecond));
      rows.push(
        compared({
          benchmark: 'config poll',
          measure: `${labels[name]} throughput`,
          value: oursRate,
          unit: 'req/s',
          reference: { value: bareRate, label: 'bare node:http' },
          ...(name === 'notModified' ? { target: '≥ 80 % of ceiling', met: oursRate >= 0.8 * bareRate } : {}),
        }),
        compared({
          benchmark: 'config poll',
          measure: `${labels[name]} p99 latency (${CONNECTIONS} connections)`,
          value: median(ours.map((run) => run.latencyP99Ms)),
          unit: 'ms',
          reference: { value: median(bare.map((run) => run.latencyP99Ms)), label: 'bare node:http' },
          lowerIsBetter: true,
        }),
        compared({
          benchmark: 'config poll',
          measure: `${labels[name]} server CPU per 1k polls`,
          value: median(ours.map((run) => run.serverCpuMsPer1000 ?? Number.NaN)),
          unit: 'ms',
          reference: { value: median(bare.map((run) => run.serverCpuMsPer1000 ?? Number.NaN)), label: 'bare node:http' },
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
    return { rows, details: { connections: CONNECTIONS, indexRefreshMs: INDEX_REFRESH_MS, runs } };
  } finally {
    await ceiling?.stop();
    await scene.stop();
  }
}
