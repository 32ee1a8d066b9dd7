// The local Functions host under load, in a process of its own: the same startLocalHost that `npm start`
// runs, on the benchmark's embedded Cosmos (its own process, BENCH_COSMOS_ENDPOINT) and an in-memory Azurite.
// Timers are off so that background work does not blur what one request costs. BENCH_EMPTY_FUNCTION=1 registers
// an empty function beside the app's (here only, never in the app), BENCH_RECORD_COSMOS=1 records its Cosmos calls.
import { AZURITE_ACCOUNT_KEY, AZURITE_ACCOUNT_NAME, COSMOS_EMULATOR_KEY, startAzurite } from '../../local-host/backends';
import { startLocalHost } from '../../local-host/host';
import { localEnvironment } from '../../local-host/local-settings';
import { serveParent } from '../support/child-protocol';
import { benchStoreOverrides } from './bench-store';
import { cosmosOperations, installCosmosOperationRecorder } from './cosmos-operations';
import { registerEmptyFunction, setEmptyFunctionTag } from './empty-function';
import { measureHandlerCost, measurePipelineCost, type HandlerCostRequest, type PipelineCostRequest } from './in-process-cost';

async function main(): Promise<void> {
  const cosmosEndpoint = process.env.BENCH_COSMOS_ENDPOINT;
  if (!cosmosEndpoint) throw new Error('BENCH_COSMOS_ENDPOINT is required');
  if (process.env.BENCH_EMPTY_FUNCTION === '1') registerEmptyFunction();
  if (process.env.BENCH_RECORD_COSMOS === '1') installCosmosOperationRecorder();
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
      pipelineCostInProcess: (payload) => measurePipelineCost(payload as PipelineCostRequest),
      configureEmptyFunction: (payload) => setEmptyFunctionTag((payload as { etag: string }).etag),
      startCosmosOperations: (payload) => cosmosOperations.start((payload as { keepDocuments?: boolean } | undefined)?.keepDocuments === true),
      stopCosmosOperations: () => cosmosOperations.stop(),
    },
    { url: host.url },
  );
}

main().catch((error: unknown) => {
  console.error('[bench host] failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
