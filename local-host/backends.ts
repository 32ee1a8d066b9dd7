// The embedded backends for local mode: @vercel/cosmosdb-server for Cosmos, Azurite for Blob storage.
// Both speak the real wire protocols, so the app talks to them through the real SDKs.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { connect, createServer as createNetServer, type AddressInfo } from 'node:net';
import type { Server as HttpsServer } from 'node:https';
import path from 'node:path';
import createCosmosServer from '@vercel/cosmosdb-server';

/** Azurite's well-known development account: public, documented, accepted only by the emulator. */
export const AZURITE_ACCOUNT_NAME = 'devstoreaccount1';
export const AZURITE_ACCOUNT_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
/** The emulator accepts any key; this one is the Cosmos emulator's documented key. */
export const COSMOS_EMULATOR_KEY = 'C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU9DsVUVSvrNr0UZSWrJcsEKRsSiSN2zNSr4lQwDVXEUWyJHlA==';

export interface RunningBackend {
  endpoint: string;
  close(): Promise<void>;
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
export function createEmbeddedCosmosServer(): HttpsServer {
  const server = createCosmosServer({ keepAlive: true });
  server.keepAliveTimeout = COSMOS_KEEP_ALIVE_IN_MS;
  // Node requires the header timeout to exceed the keep-alive timeout.
  server.headersTimeout = COSMOS_KEEP_ALIVE_IN_MS + 1000;
  return server;
}

export async function startCosmos(port = 0): Promise<RunningBackend> {
  const server = createEmbeddedCosmosServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    endpoint: `https://127.0.0.1:${address.port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        // Kept-alive connections would otherwise hold the close open until they idle out.
        server.closeAllConnections();
      }),
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
