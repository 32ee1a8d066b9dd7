// A real HTTP listener on 127.0.0.1 that answers each request with whatever the test scripted
// (429, 503, dropped connections, 304...) and records what arrived, parsed.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
  json: unknown;
}

export type Reply =
  | { status: number; headers?: Record<string, string>; body?: unknown }
  /** Closes the socket without answering: what a dropped connection looks like to fetch. */
  | 'drop';

export type Script = (request: RecordedRequest) => Reply | Promise<Reply>;

export interface ScriptedServer {
  url: string;
  requests: RecordedRequest[];
  /** Requests whose path starts with the prefix. */
  requestsTo(pathPrefix: string): RecordedRequest[];
  setScript(script: Script): void;
  close(): Promise<void>;
}

export async function startScriptedServer(script: Script): Promise<ScriptedServer> {
  let current = script;
  const requests: RecordedRequest[] = [];
  const server = createServer(async (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    let json: unknown;
    try {
      json = body ? JSON.parse(body) : undefined;
    } catch {
      json = undefined;
    }
    const recorded: RecordedRequest = { method: request.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: request.headers, body, json };
    requests.push(recorded);
    const reply = await current(recorded);
    if (reply === 'drop') {
      request.socket.destroy();
      return;
    }
    const payload = reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
    response.writeHead(reply.status, {
      ...(payload && typeof reply.body !== 'string' ? { 'content-type': 'application/json' } : {}),
      'content-length': String(Buffer.byteLength(payload)),
      ...reply.headers,
    });
    response.end(payload);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    requestsTo: (pathPrefix) => requests.filter((request) => request.path.startsWith(pathPrefix)),
    setScript: (next) => {
      current = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
