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
  /** Answered requests per second in the steady part of the run (after the ramp). */
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  /** Requests answered with a status outside `expectedStatuses`, by status. */
  unexpected: Record<string, number>;
  errors: number;
  timeouts: number;
  durationSeconds: number;
  /** Requests the server worked on: those completed plus the one each connection had in flight at the end. */
  worked: number;
  /** CPU milliseconds the server process spent per 1,000 requests worked on, when the server is a child we can ask. */
  serverCpuMsPer1000?: number;
}

/** autocannon with its instance exposed, so each response's completion time can be recorded. */
function fire(options: autocannon.Options, onResponse: (statusCode: number) => void): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(options, (error, result) => (error ? reject(error) : resolve(result)));
    instance.on('response', (_client: unknown, statusCode: number) => onResponse(statusCode));
  });
}

/**
 * Requests/s of the steady part of the run: responses completed after the first p50 latency (the ramp,
 * while every connection waits for its first answer) until the end. Short runs at high concurrency
 * would otherwise understate throughput by about latency / duration.
 */
function steadyRate(completions: number[], started: number, ended: number, rampInMs: number): number {
  const from = started + Math.min(rampInMs, (ended - started) / 2);
  return completions.filter((time) => time >= from).length / ((ended - from) / 1000);
}

export async function runLoad(options: LoadOptions, server?: BenchChild): Promise<LoadResult> {
  const before = server ? await server.usage() : undefined;
  const completions: number[] = [];
  const started = Date.now();
  const result = await fire(
    { url: options.url, connections: options.connections, duration: options.durationSeconds, requests: options.requests, timeout: 30 },
    () => completions.push(Date.now()),
  );
  const ended = Date.now();
  // The server still finishes the requests in flight when autocannon stopped: let it, so its CPU time
  // is set against every request it worked on (completed + one in flight per connection).
  if (server) await new Promise((resolve) => setTimeout(resolve, Math.min(5000, Math.max(100, result.latency.p99 * 1.5))));
  const after = server ? await server.usage() : undefined;
  const unexpected: Record<string, number> = {};
  for (const [status, stats] of Object.entries(result.statusCodeStats ?? {})) {
    if (!options.expectedStatuses.includes(Number(status))) unexpected[status] = (stats as { count: number }).count;
  }
  const total = result.requests.total;
  const unexpectedCount = Object.values(unexpected).reduce((sum, count) => sum + count, 0);
  const answered = Math.max(0, total - unexpectedCount - result.errors - result.timeouts);
  const load: LoadResult = {
    requests: total,
    answered,
    requestsPerSecond: steadyRate(completions, started, ended, result.latency.p50) * (total ? answered / total : 0),
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    unexpected,
    errors: result.errors,
    timeouts: result.timeouts,
    durationSeconds: result.duration,
    worked: total + options.connections,
  };
  if (before && after && total > 0) load.serverCpuMsPer1000 = (after.cpuMicros - before.cpuMicros) / 1000 / (load.worked / 1000);
  return load;
}

/** Total requests answered outside the expected statuses, plus socket errors and timeouts. */
export function failures(result: LoadResult): number {
  return Object.values(result.unexpected).reduce((sum, count) => sum + count, 0) + result.errors + result.timeouts;
}
