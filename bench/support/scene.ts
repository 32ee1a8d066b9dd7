// The processes a host benchmark needs: the embedded Cosmos in one process (counting its requests),
// the local host in another, and the benchmark itself (with autocannon) in the parent.
import type { CosmosRequestCounts } from '../servers/cosmos-server';
import { startChild, type BenchChild } from './child-process';

export type BenchStore = 'cosmos' | 'noop';

export interface HostScene {
  url: string;
  /** The host's Cosmos database, for a direct writer to share. */
  database: string;
  cosmosEndpoint: string;
  cosmos: BenchChild;
  host: BenchChild;
  cosmosRequests(): Promise<CosmosRequestCounts>;
  stop(): Promise<void>;
}

export async function startCosmosChild(): Promise<BenchChild> {
  return startChild('embedded Cosmos', 'cosmos-server.js');
}

/** `hostEnvironment` reaches the host process only (BENCH_EMPTY_FUNCTION, BENCH_RECORD_COSMOS: see host-server.ts). */
export async function startHostScene(options: {
  store: BenchStore;
  settings?: Record<string, string>;
  cosmos?: BenchChild;
  hostEnvironment?: Record<string, string>;
}): Promise<HostScene> {
  const cosmos = options.cosmos ?? (await startCosmosChild());
  const cosmosEndpoint = String(cosmos.info.endpoint);
  const database = `bench-${Date.now().toString(36)}-${options.store}`;
  let host: BenchChild;
  try {
    host = await startChild(
      'local host',
      'host-server.js',
      {
        BENCH_COSMOS_ENDPOINT: cosmosEndpoint,
        BENCH_STORE: options.store,
        BENCH_SETTINGS: JSON.stringify({ COSMOS_DATABASE: database, ...options.settings }),
        ...options.hostEnvironment,
      },
      process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : [],
    );
  } catch (error) {
    if (!options.cosmos) await cosmos.stop();
    throw error;
  }
  return {
    url: String(host.info.url),
    database,
    cosmosEndpoint,
    cosmos,
    host,
    cosmosRequests: () => cosmos.call<CosmosRequestCounts>('requests'),
    async stop() {
      await host.stop();
      if (!options.cosmos) await cosmos.stop();
    },
  };
}

/** Requests made between two counts, by kind. */
export function requestsBetween(before: CosmosRequestCounts, after: CosmosRequestCounts): CosmosRequestCounts {
  const byKind: Record<string, number> = {};
  for (const [kind, count] of Object.entries(after.byKind)) {
    const delta = count - (before.byKind[kind] ?? 0);
    if (delta > 0) byKind[kind] = delta;
  }
  return { total: after.total - before.total, byKind };
}
