// The whole local stack `npm start` runs: the embedded Cosmos (persisted under DATA_DIR), Azurite (its data under
// DATA_DIR, on a fixed port so the links it signed still work after a restart) and the local Functions host.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { AZURITE_ACCOUNT_KEY, AZURITE_ACCOUNT_NAME, COSMOS_EMULATOR_KEY, assertPortFree, startAzurite, startCosmos, type RunningCosmos } from './backends';
import { startLocalHost, type LocalHost } from './host';
import { localEnvironment } from './local-settings';

/** Azurite's own default blob port: links signed before a restart point here. */
export const DEFAULT_AZURITE_PORT = 10000;

export interface LocalStackOptions {
  dataDirectory: string;
  /** The host's port; 0 picks a free one. */
  port: number;
  /** 0 picks a free one: nothing outside the host holds the Cosmos endpoint. */
  cosmosPort?: number;
  azuritePort?: number;
  /** Deletes what DATA_DIR holds (documents and blobs) before starting. */
  fresh?: boolean;
  /** Process settings: explicit ones win over the local defaults. */
  environment?: Record<string, string | undefined>;
  runTimers?: boolean;
  log?: (line: string) => void;
}

export interface LocalStack {
  host: LocalHost;
  cosmos: RunningCosmos;
  azurite: { endpoint: string; location: string };
  cosmosSnapshot: string;
  close(): Promise<void>;
}

export function dataPaths(dataDirectory: string): { cosmosSnapshot: string; azurite: string } {
  return { cosmosSnapshot: path.join(dataDirectory, 'cosmos', 'snapshot.json'), azurite: path.join(dataDirectory, 'azurite') };
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const log = options.log ?? ((line: string) => console.log(line));
  const paths = dataPaths(options.dataDirectory);
  if (options.fresh) {
    await rm(path.dirname(paths.cosmosSnapshot), { recursive: true, force: true });
    await rm(paths.azurite, { recursive: true, force: true });
  }
  const azuritePort = options.azuritePort ?? DEFAULT_AZURITE_PORT;
  await assertPortFree(azuritePort, 'AZURITE_PORT');
  const cosmos = await startCosmos(options.cosmosPort ?? 0, { file: paths.cosmosSnapshot, log });
  let azurite: Awaited<ReturnType<typeof startAzurite>> | undefined;
  try {
    azurite = await startAzurite({ port: azuritePort, location: paths.azurite });
    const publicBaseUrl = options.environment?.PUBLIC_BASE_URL ?? `http://127.0.0.1:${options.port || 7071}`;
    const environment = localEnvironment(
      {
        cosmosEndpoint: cosmos.endpoint,
        cosmosKey: COSMOS_EMULATOR_KEY,
        blobEndpoint: azurite.endpoint,
        blobAccountName: AZURITE_ACCOUNT_NAME,
        blobAccountKey: AZURITE_ACCOUNT_KEY,
        publicBaseUrl,
      },
      options.environment ?? {},
    );
    const host = await startLocalHost({ port: options.port, environment, runTimers: options.runTimers ?? true, log });
    const running = azurite;
    return {
      host,
      cosmos,
      azurite: { endpoint: azurite.endpoint, location: paths.azurite },
      cosmosSnapshot: paths.cosmosSnapshot,
      async close() {
        // The host first (its last writes land), then Cosmos writes its shutdown snapshot.
        await host.close();
        await Promise.all([cosmos.close(), running.close()]);
      },
    };
  } catch (error) {
    await Promise.all([cosmos.close(), azurite?.close()]);
    throw error;
  }
}
