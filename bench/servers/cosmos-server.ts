// The embedded Cosmos (@vercel/cosmosdb-server) in a process of its own, with a counter on its HTTP
// listener: every request the app makes to storage is counted, so a benchmark can prove a path makes none.
import type { AddressInfo } from 'node:net';
import type { IncomingMessage } from 'node:http';
import { createEmbeddedCosmosServer } from '../../local-host/backends';
import { serveParent } from '../support/child-protocol';

export interface CosmosRequestCounts {
  total: number;
  byKind: Record<string, number>;
}

const counts = new Map<string, number>();
let total = 0;

/** `GET docs`, `POST docs` (create, upsert, query and bulk all POST), `GET colls`…: the method and the last resource type. */
function describe(request: IncomingMessage): string {
  const segments = (request.url ?? '/').split('?')[0]!.split('/').filter(Boolean);
  const resourceTypes = new Set(['dbs', 'colls', 'docs', 'pkranges', 'offers', 'sprocs', 'udfs', 'triggers']);
  const resource = [...segments].reverse().find((segment) => resourceTypes.has(segment)) ?? 'account';
  const isQuery = request.headers['x-ms-documentdb-isquery'] === 'True' || request.headers['content-type'] === 'application/query+json';
  const isBatch = request.headers['x-ms-cosmos-is-batch-request'] !== undefined;
  return `${request.method} ${resource}${isQuery ? ' (query)' : ''}${isBatch ? ' (bulk)' : ''}`;
}

const server = createEmbeddedCosmosServer();
server.on('request', (request: IncomingMessage) => {
  total++;
  const kind = describe(request);
  counts.set(kind, (counts.get(kind) ?? 0) + 1);
});
server.listen(0, '127.0.0.1', () => {
  serveParent(
    { requests: (): CosmosRequestCounts => ({ total, byKind: Object.fromEntries(counts) }) },
    { endpoint: `https://127.0.0.1:${(server.address() as AddressInfo).port}` },
  );
});
