// A TCP proxy on 127.0.0.1 in front of a real backend that a test can freeze: while frozen it accepts connections
// and reads nothing, and open connections stop moving in both directions, as a SIGSTOPped emulator behaves.
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

export interface FreezableProxy {
  /** The backend URL with its host and port replaced by the proxy's. */
  url: string;
  freeze(): void;
  thaw(): void;
  close(): Promise<void>;
}

export async function startFreezableProxy(backendUrl: string): Promise<FreezableProxy> {
  const backend = new URL(backendUrl);
  let frozen = false;
  const pairs = new Set<[Socket, Socket]>();
  const waiting = new Set<Socket>();

  const pipe = (client: Socket) => {
    const upstream = connect(Number(backend.port), backend.hostname);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    client.pipe(upstream);
    upstream.pipe(client);
    const forget = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.once('close', forget);
    upstream.once('close', forget);
    client.once('error', forget);
    upstream.once('error', forget);
  };

  const server = createServer((client) => {
    client.on('error', () => client.destroy());
    if (frozen) {
      // Accepted, never read, never answered: the caller's timeout is all that ends it.
      client.pause();
      waiting.add(client);
      client.once('close', () => waiting.delete(client));
      return;
    }
    pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(backendUrl);
  url.port = String((server.address() as AddressInfo).port);

  return {
    url: url.toString().replace(/\/$/, ''),
    freeze() {
      frozen = true;
      for (const [client, upstream] of pairs) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
      }
    },
    thaw() {
      frozen = false;
      for (const [client, upstream] of pairs) {
        client.pipe(upstream);
        upstream.pipe(client);
      }
      for (const client of waiting) {
        waiting.delete(client);
        client.resume();
        pipe(client);
      }
    },
    async close() {
      for (const [client, upstream] of pairs) {
        client.destroy();
        upstream.destroy();
      }
      for (const client of waiting) client.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
