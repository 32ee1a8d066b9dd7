// The local Functions host under load, in a process of its own: the same startLocalHost that `npm start`
// runs, on the benchmark's embedded Cosmos (its own process, BENCH_COSMOS_ENDPOINT) and an in-memory Azurite.
// Timers are off so that background work does not blur what one request costs.
import { AZURITE_ACCOUNT_KEY, AZURITE_ACCOUNT_NAME, COSMOS_EMULATOR_KEY, startAzurite } from '../../local-host/backends';
import { startLocalHost } from '../../local-host/host';
import { localEnvironment } from '../../local-host/local-settings';
import { serveParent } from '../support/child-protocol';
import { benchStoreOverrides } from './bench-store';
import { measureHandlerCost, type HandlerCostRequest } from './in-process-cost';

async function main(): Promise<void> {
  const cosmosEndpoint = process.env.BENCH_COSMOS_ENDPOINT;
  if (!cosmosEndpoint) throw new Error('BENCH_COSMOS_ENDPOINT is required');
  const azurite = await startAzurite({});
  const settings = JSON.parse(process.env.BENCH_SETTINGS ?? '{}') as Record<string, string>;
  const environment = localEnvironment(
    {
      cosmosEndpoint,
      cosmosKey: COSMOS_EMULATOR_KEY,
      blobEndpoint: azurite.endpoint,
      blobAccountName: AZURITE_ACCOUNT_NAME,
      blobAccountKey: AZURITE_ACCOUNT_KEY,
      publicBaseUrl: 'http://127.0.0.1:0',
    },
    settings,
  );
  const host = await startLocalHost({
    port: 0,
    environment,
    overrides: benchStoreOverrides(process.env.BENCH_STORE ?? 'cosmos'),
    runTimers: false,
    log: (line) => console.error(`[bench host] ${line}`),
  });
  const shutdown = async () => {
    await host.close();
    await azurite.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown());
  // Ingest writes its stats behind: a run's measurement ends with them written, so it pays for them.
  serveParent(
    {
      flushWrittenBehind: () => host.deps.services.ingest.stats.flush(),
      handlerCostInProcess: (payload) => measureHandlerCost(payload as HandlerCostRequest),
    },
    { url: host.url },
  );
}

main().catch((error: unknown) => {
  console.error('[bench host] failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
