// Records every Cosmos operation the app makes through @azure/cosmos in this process (the benchmark host only):
// the SDK's item, items and query-iterator methods are wrapped, so what is counted is the real code path's calls,
// each with its kind, container, document bytes and the index terms the container's policy gives the document.
// bench/support/request-units.ts prices them. Off until `start()`; nothing is recorded outside a window.
import { Container, Item, Items, QueryIterator } from '@azure/cosmos';
import { SESSION_INDEX_PROJECTION } from '../../shared/adapters/cosmos/cosmos-session-store';
import { bicepIndexingPolicies, indexedTermCount, type CosmosOperation, type OperationKind } from '../support/request-units';

let recording = false;
let recorded: CosmosOperation[] = [];
/**
 * The size and index terms of each document written while recording, by container and id: a delete sends no
 * document, but Cosmos charges it for the document it removes, so a delete is priced with what was written.
 */
const writtenDocuments = new Map<string, { bytes: number; terms: number }>();
const documentKey = (container: string, id: unknown) => `${container}\u0000${String(id)}`;
const iteratorContainers = new WeakMap<object, { container: string; pageSize: number; label?: string }>();

const bytesOf = (document: unknown) => (document === undefined ? 0 : Buffer.byteLength(JSON.stringify(document)));

function write(kind: OperationKind, container: string, document: unknown): void {
  const policy = bicepIndexingPolicies().get(container) ?? {};
  const operation: CosmosOperation = {
    kind,
    container,
    documentBytes: bytesOf(document),
    indexedTerms: document === undefined ? 0 : indexedTermCount(document, policy),
  };
  // A signal total (written beside the per-series buckets) is priced apart, so its share can be quoted.
  if (container === 'signal_buckets' && (document as { derived?: unknown } | undefined)?.derived === true) operation.label = 'signal total';
  const id = (document as { id?: unknown } | undefined)?.id;
  if (id !== undefined) writtenDocuments.set(documentKey(container, id), { bytes: operation.documentBytes, terms: operation.indexedTerms });
  recorded.push(operation);
}

/** A delete, priced with the document as it was written (while recording); unknown documents count as empty. */
function deleted(container: string, id: unknown): void {
  const written = writtenDocuments.get(documentKey(container, id));
  writtenDocuments.delete(documentKey(container, id));
  recorded.push({
    kind: 'delete',
    container,
    documentBytes: written?.bytes ?? 0,
    indexedTerms: written?.terms ?? 0,
    ...(written ? {} : { label: 'size unknown' }),
  });
}

type Method = (...args: unknown[]) => Promise<unknown>;

function wrap(prototype: object, name: string, after: (self: { container: { id: string } }, args: unknown[], result: unknown) => void): void {
  const target = prototype as Record<string, Method>;
  const original = target[name]!;
  target[name] = async function (this: { container: { id: string } }, ...args: unknown[]) {
    const result = await original.apply(this, args);
    if (recording) after(this, args, result);
    return result;
  };
}

const bulkKinds: Record<string, OperationKind> = { Create: 'create', Upsert: 'upsert', Replace: 'replace', Delete: 'delete', Read: 'read', Patch: 'patch' };

let installed = false;

export function installCosmosOperationRecorder(): void {
  if (installed) return;
  installed = true;
  wrap(Items.prototype, 'create', (self, args) => write('create', self.container.id, args[0]));
  wrap(Items.prototype, 'upsert', (self, args) => write('upsert', self.container.id, args[0]));
  wrap(Items.prototype, 'bulk', (self, args, result) => {
    const operations = args[0] as Array<{ operationType: string; id?: string; resourceBody?: unknown }>;
    const responses = result as Array<{ resourceBody?: unknown } | undefined>;
    operations.forEach((operation, index) => {
      const kind = bulkKinds[operation.operationType] ?? 'replace';
      // A patch sends its operations, not the document: the document it rewrote comes back in the response.
      const document = kind === 'patch' || kind === 'read' ? responses[index]?.resourceBody : operation.resourceBody;
      if (kind === 'read') recorded.push({ kind, container: self.container.id, documentBytes: bytesOf(document), indexedTerms: 0 });
      else if (kind === 'delete') deleted(self.container.id, operation.id);
      else write(kind, self.container.id, document);
    });
  });
  wrap(Item.prototype, 'read', (self, _args, result) =>
    recorded.push({ kind: 'read', container: self.container.id, documentBytes: bytesOf((result as { resource?: unknown }).resource), indexedTerms: 0 }),
  );
  wrap(Item.prototype, 'replace', (self, args) => write('replace', self.container.id, args[0]));
  wrap(Item.prototype, 'patch', (self, _args, result) => write('patch', self.container.id, (result as { resource?: unknown }).resource));
  wrap(Item.prototype, 'delete', (self) => deleted(self.container.id, (self as unknown as { id: string }).id));
  // A partition delete runs in the background on Azure; the call is counted, its charge is not published per item.
  wrap(Container.prototype, 'deleteAllItemsForPartitionKey', (self) =>
    recorded.push({ kind: 'delete partition', container: (self as unknown as { id: string }).id, documentBytes: 0, indexedTerms: 0 }),
  );

  // Queries: the iterator does not know its container, so the query call tags it.
  const items = Items.prototype as unknown as Record<string, (...args: unknown[]) => object>;
  const query = items.query!;
  items.query = function (this: { container: { id: string } }, ...args: unknown[]) {
    const iterator = query.apply(this, args);
    const options = args[1] as { maxItemCount?: number } | undefined;
    const statement = typeof args[0] === 'string' ? args[0] : (args[0] as { query?: string } | undefined)?.query;
    iteratorContainers.set(iterator, {
      container: this.container.id,
      pageSize: options?.maxItemCount && options.maxItemCount > 0 ? options.maxItemCount : 100,
      // The config index's load and refresh, told apart by their projection: what they return is priced per session.
      ...(statement?.startsWith(`SELECT ${SESSION_INDEX_PROJECTION} `) ? { label: 'index refresh' } : {}),
    });
    return iterator;
  };
  const recordQuery = (iterator: object, result: unknown, wholeQuery: boolean) => {
    const resources = ((result as { resources?: unknown[] }).resources ?? []) as unknown[];
    const tag = iteratorContainers.get(iterator) ?? { container: 'unknown', pageSize: 100 };
    recorded.push({
      kind: 'query',
      container: tag.container,
      documentBytes: 0,
      indexedTerms: 0,
      // fetchAll reads every page; fetchNext one.
      pages: wholeQuery ? Math.max(1, Math.ceil(resources.length / tag.pageSize)) : 1,
      returnedDocuments: resources.length,
      returnedBytes: resources.reduce<number>((sum, resource) => sum + bytesOf(resource), 0),
      ...(tag.label ? { label: tag.label } : {}),
    });
  };
  const iterators = QueryIterator.prototype as unknown as Record<string, Method>;
  for (const name of ['fetchAll', 'fetchNext'] as const) {
    const original = iterators[name]!;
    iterators[name] = async function (this: object, ...args: unknown[]) {
      const result = await original.apply(this, args);
      if (recording) recordQuery(this, result, name === 'fetchAll');
      return result;
    };
  }
}

export const cosmosOperations = {
  /** `keepDocuments`: deletes in this window are priced with documents written in earlier ones. */
  start(keepDocuments = false): void {
    recorded = [];
    if (!keepDocuments) writtenDocuments.clear();
    recording = true;
  },
  /** Stops recording and hands back what was recorded since `start`. */
  stop(): CosmosOperation[] {
    recording = false;
    const taken = recorded;
    recorded = [];
    return taken;
  },
};
