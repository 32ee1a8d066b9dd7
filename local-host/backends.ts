// The embedded backends for local mode: @vercel/cosmosdb-server for Cosmos, Azurite for Blob storage.
// Both speak the real wire protocols, so the app talks to them through the real SDKs.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { connect, createServer as createNetServer, type AddressInfo } from 'node:net';
import type { Server as HttpsServer } from 'node:https';
import path from 'node:path';
import createCosmosServer from '@vercel/cosmosdb-server';
import { CosmosSnapshots, type SnapshotAccount, type SnapshotCounts } from './cosmos-snapshots';

/** Azurite's well-known development account: public, documented, accepted only by the emulator. */
export const AZURITE_ACCOUNT_NAME = 'devstoreaccount1';
export const AZURITE_ACCOUNT_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
/** The emulator accepts any key; this one is the Cosmos emulator's documented key. */
export const COSMOS_EMULATOR_KEY = 'C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU9DsVUVSvrNr0UZSWrJcsEKRsSiSN2zNSr4lQwDVXEUWyJHlA==';

export interface RunningBackend {
  endpoint: string;
  close(): Promise<void>;
}

/** Fails with the setting to change when a fixed port is taken, rather than talking to whatever holds it. */
export async function assertPortFree(port: number, setting: string): Promise<void> {
  const server = createNetServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(new Error(error.code === 'EADDRINUSE' ? `Port ${port} is in use; stop what holds it or set ${setting} to another port` : error.message)),
    );
    server.listen(port, '127.0.0.1', resolve);
  });
  await new Promise((resolve) => server.close(resolve));
}

export async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** How long the embedded Cosmos keeps an idle connection: far beyond the SDK's pauses between requests. */
const COSMOS_KEEP_ALIVE_IN_MS = 10 * 60_000;

/**
 * The embedded Cosmos as an HTTPS server that keeps connections open, as the real gateway does. Its
 * default answers `Connection: close`, which made every SDK request a new TLS handshake on both sides:
 * about a fifth of the app's CPU under ingest load went to setting up TLS sessions.
 */
export function createEmbeddedCosmosServer(options: { onWrite?: () => void } = {}): HttpsServer & { readonly account: SnapshotAccount } {
  // `onWrite` and `account` come from patches/@vercel+cosmosdb-server+1.0.1.patch.
  const server = createCosmosServer({ keepAlive: true, onWrite: options.onWrite } as Parameters<typeof createCosmosServer>[0]) as HttpsServer & {
    readonly account: SnapshotAccount;
  };
  server.keepAliveTimeout = COSMOS_KEEP_ALIVE_IN_MS;
  // Node requires the header timeout to exceed the keep-alive timeout.
  server.headersTimeout = COSMOS_KEEP_ALIVE_IN_MS + 1000;
  return server;
}

export interface CosmosPersistence {
  /** The snapshot file; loaded on start, written after each batch of writes and on close. */
  file: string;
  batchWindowInMs?: number;
  log?: (line: string) => void;
}

export interface RunningCosmos extends RunningBackend {
  /** What the snapshot held when the server started; undefined without persistence or snapshot. */
  restored: SnapshotCounts | undefined;
}

export async function startCosmos(port = 0, persistence?: CosmosPersistence): Promise<RunningCosmos> {
  let snapshots: CosmosSnapshots | undefined;
  const server = createEmbeddedCosmosServer({ onWrite: persistence ? () => snapshots?.noteWrite() : undefined });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const closeServer = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      // Kept-alive connections would otherwise hold the close open until they idle out.
      server.closeAllConnections();
    });
  let restored: SnapshotCounts | undefined;
  if (persistence) {
    snapshots = new CosmosSnapshots(() => server.account, persistence);
    try {
      // Before the first request: the account is created as the server starts listening, empty.
      restored = await snapshots.load();
    } catch (error) {
      await closeServer();
      throw error;
    }
  }
  const address = server.address() as AddressInfo;
  return {
    endpoint: `https://127.0.0.1:${address.port}`,
    restored,
    close: async () => {
      await closeServer();
      // After the last request, so the shutdown snapshot holds every answered write.
      await snapshots?.close();
    },
  };
}

async function waitForPort(port: number, child: ChildProcess, timeoutInMs: number): Promise<void> {
  const deadline = Date.now() + timeoutInMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`Azurite exited with code ${child.exitCode}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Azurite did not listen on ${port} within ${timeoutInMs} ms`);
}

export interface AzuriteOptions {
  port?: number;
  /** Folder for Azurite's data; omitted = in memory only. */
  location?: string;
}

export async function startAzurite(options: AzuriteOptions = {}): Promise<RunningBackend> {
  const port = options.port || (await freePort());
  const script = path.join(path.dirname(require.resolve('azurite/package.json')), 'dist', 'src', 'blob', 'main.js');
  const args = [script, '--blobHost', '127.0.0.1', '--blobPort', String(port), '--silent', '--disableTelemetry', '--skipApiVersionCheck', '--loose'];
  if (options.location) {
    mkdirSync(options.location, { recursive: true });
    args.push('--location', options.location);
  } else {
    args.push('--inMemoryPersistence');
  }
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  await waitForPort(port, child, 20_000);
  return {
    endpoint: `http://127.0.0.1:${port}/${AZURITE_ACCOUNT_NAME}`,
    close: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
