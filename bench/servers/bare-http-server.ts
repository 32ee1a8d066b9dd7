// The runtime ceilings: a bare Node HTTP server that does only what the transport needs.
// BENCH_MODE=config answers the config poll's JSON, or 304 when If-None-Match is the ETag;
// BENCH_MODE=ingest reads the body, parses the same JSON and answers 202.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serveParent } from '../support/child-protocol';

const mode = process.env.BENCH_MODE;
/** Set by the parent to exactly what the host answered, so both servers send the same bytes. */
let configBody = '{}';
let configTag = '"none"';
let ingestAnswer = '{}';
/**
 * Our answers carry a correlation id; the ceiling sends a header of the same length so both put the same bytes on
 * the wire, fixed because making one is the application's work, not the transport's.
 */
const CORRELATION_ID = '00000000-0000-4000-8000-000000000000';

const server = createServer((request, response) => {
  if (mode === 'config') {
    const headers = { etag: configTag, 'cache-control': 'no-cache', 'x-correlation-id': CORRELATION_ID };
    if (request.headers['if-none-match'] === configTag) {
      response.writeHead(304, headers).end();
      return;
    }
    response.writeHead(200, { ...headers, 'content-type': 'application/json' }).end(configBody);
    return;
  }
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    try {
      const batch = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { items?: unknown[] };
      if (!Array.isArray(batch.items)) throw new Error('no items');
      response.writeHead(202, { 'content-type': 'application/json', 'x-correlation-id': CORRELATION_ID }).end(ingestAnswer);
    } catch {
      response.writeHead(400).end();
    }
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  serveParent(
    {
      configure: (payload) => {
        const answer = payload as { configBody?: string; configTag?: string; ingestAnswer?: string };
        configBody = answer.configBody ?? configBody;
        configTag = answer.configTag ?? configTag;
        ingestAnswer = answer.ingestAnswer ?? ingestAnswer;
        return true;
      },
    },
    { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` },
  );
});
