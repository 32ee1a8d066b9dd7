// The load generator: autocannon, driven programmatically, reduced to the figures the tables quote.
import autocannon from 'autocannon';
import type { BenchChild } from './child-process';

export interface LoadOptions {
  url: string;
  connections: number;
  durationSeconds: number;
  /** autocannon request templates; `setupRequest` gives each request its own device, token or body. */
  requests: autocannon.Request[];
  /** Status codes that count as the path under test answering as intended (e.g. [304]). */
  expectedStatuses: number[];
}

export interface LoadResult {
  requests: number;
  /** Requests answered with one of `expectedStatuses`. */
  answered: number;
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  /** Requests answered with a status outside `expectedStatuses`, by status. */
  unexpected: Record<string, number>;
  errors: number;
  timeouts: number;
  durationSeconds: number;
  /** CPU milliseconds the server process spent per 1,000 requests, when the server is a child we can ask. */
  serverCpuMsPer1000?: number;
  serverPeakRssBytes?: number;
}

export async function runLoad(options: LoadOptions, server?: BenchChild): Promise<LoadResult> {
  const before = server ? await server.usage() : undefined;
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.durationSeconds,
    requests: options.requests,
    timeout: 30,
  });
  const after = server ? await server.usage() : undefined;
  const unexpected: Record<string, number> = {};
  for (const [status, stats] of Object.entries(result.statusCodeStats ?? {})) {
    if (!options.expectedStatuses.includes(Number(status))) unexpected[status] = (stats as { count: number }).count;
  }
  const total = result.requests.total;
  const unexpectedCount = Object.values(unexpected).reduce((sum, count) => sum + count, 0);
  const load: LoadResult = {
    requests: total,
    answered: Math.max(0, total - unexpectedCount - result.errors - result.timeouts),
    requestsPerSecond: total / result.duration,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    unexpected,
    errors: result.errors,
    timeouts: result.timeouts,
    durationSeconds: result.duration,
  };
  if (before && after && total > 0) load.serverCpuMsPer1000 = (after.cpuMicros - before.cpuMicros) / 1000 / (total / 1000);
  return load;
}

/** Total requests answered outside the expected statuses, plus socket errors and timeouts. */
export function failures(result: LoadResult): number {
  return Object.values(result.unexpected).reduce((sum, count) => sum + count, 0) + result.errors + result.timeouts;
}
