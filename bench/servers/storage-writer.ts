// The storage ceiling: the embedded Cosmos's own bulk-upsert rate for the documents ingest stores, written
// directly with the SDK (the same `items.bulk` call, 50 per batch, logs and spans in parallel, one
// partition per session), at a given concurrency. Documents are built and masked before the clock starts.
import { performance } from 'node:perf_hooks';
import type { Container, JSONObject, OperationInput } from '@azure/cosmos';
import { COSMOS_EMULATOR_KEY } from '../../local-host/backends';
import { createCosmosDatabase, ensureContainers } from '../../shared/adapters/cosmos/cosmos-client';
import { containerDefinitions } from '../../shared/adapters/cosmos/containers';
import { loadMaskingEngine } from '../../shared/config/masking-rules';
import { enrichDevice } from '../../shared/domain/telemetry/enrichment';
import { maskDevice, toDocument, type StoredDoc } from '../../shared/domain/telemetry/ingest';
import { ingestItemSchema } from '../../shared/domain/telemetry/items';
import { serveParent } from '../support/child-protocol';
import { BatchFactory, REALISTIC_DEVICE, REALISTIC_USER_AGENT } from '../support/realistic-items';
import { percentile } from '../support/statistics';

export interface StorageRunRequest {
  concurrency: number;
  durationSeconds: number;
  /** Sessions (partitions) the batches are spread over, as many as the HTTP run has devices. */
  sessions: number;
}

export interface StorageRunResult {
  items: number;
  batches: number;
  seconds: number;
  itemsPerSecond: number;
  batchLatencyP50Ms: number;
  batchLatencyP99Ms: number;
  failedItems: number;
  /** This process's CPU time per batch written: what the SDK alone costs a client. */
  cpuMsPerBatch: number;
}

const TEMPLATE_BATCHES = 100;

function templateBatches(): StoredDoc[][] {
  const factory = new BatchFactory('ceiling');
  const engine = loadMaskingEngine();
  const receivedAt = new Date().toISOString();
  // The device context each document carries, enriched and masked as ingest does for the HTTP runs' devices.
  const device = maskDevice(enrichDevice({ deviceId: 'bench-ceiling-0', ...REALISTIC_DEVICE }, REALISTIC_USER_AGENT, null), engine);
  return Array.from({ length: TEMPLATE_BATCHES }, () =>
    factory
      .nextItems()
      .map((raw) =>
        toDocument(
          ingestItemSchema.parse(raw),
          { productId: 'demo', sessionId: 'ds_template', receivedAt, device: device.device, deviceRedaction: device.redaction },
          engine,
        ),
      ),
  );
}

async function main(): Promise<void> {
  const endpoint = process.env.BENCH_COSMOS_ENDPOINT;
  const databaseName = process.env.BENCH_DATABASE;
  if (!endpoint || !databaseName) throw new Error('BENCH_COSMOS_ENDPOINT and BENCH_DATABASE are required');
  const database = createCosmosDatabase({ endpoint, database: databaseName, key: COSMOS_EMULATOR_KEY, allowSelfSignedCertificate: true });
  await ensureContainers(database);
  const logs = database.container(containerDefinitions.logs.id);
  const traces = database.container(containerDefinitions.traces.id);
  const templates = templateBatches();
  let written = 0;

  async function upsert(container: Container, partitionKey: string, docs: StoredDoc[]): Promise<number> {
    if (docs.length === 0) return 0;
    const operations: OperationInput[] = docs.map((doc) => ({ operationType: 'Upsert', partitionKey, resourceBody: doc as unknown as JSONObject }));
    const responses = await container.items.bulk(operations, { continueOnError: true });
    return responses.filter((response) => response.statusCode !== 200 && response.statusCode !== 201).length;
  }

  async function run(request: StorageRunRequest): Promise<StorageRunResult> {
    const latencies: number[] = [];
    let items = 0;
    let failedItems = 0;
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const deadline = started + request.durationSeconds * 1000;
    const worker = async () => {
      while (performance.now() < deadline) {
        const batch = written++;
        const sessionId = `ds_ceiling-${batch % request.sessions}`;
        const partitionKey = `demo:${sessionId}`;
        // Object.assign, not a literal opening with a spread: V8 takes a slow path for that (~9 µs a document),
        // which would be booked to the SDK's cost and set the ceiling too low.
        const docs = templates[batch % templates.length]!.map((doc) =>
          Object.assign({}, doc, { id: `${doc.id}-${batch}`, itemId: `${doc.itemId}-${batch}`, pk: partitionKey, sessionId }),
        );
        const begun = performance.now();
        const failures = await Promise.all([
          upsert(
            logs,
            partitionKey,
            docs.filter((doc) => doc.docType !== 'span'),
          ),
          upsert(
            traces,
            partitionKey,
            docs.filter((doc) => doc.docType === 'span'),
          ),
        ]);
        latencies.push(performance.now() - begun);
        items += docs.length;
        failedItems += failures[0]! + failures[1]!;
      }
    };
    await Promise.all(Array.from({ length: request.concurrency }, worker));
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    return {
      cpuMsPerBatch: (cpu.user + cpu.system) / 1000 / Math.max(1, latencies.length),
      items,
      batches: latencies.length,
      seconds,
      itemsPerSecond: (items - failedItems) / seconds,
      batchLatencyP50Ms: percentile(latencies, 0.5),
      batchLatencyP99Ms: percentile(latencies, 0.99),
      failedItems,
    };
  }

  serveParent({ run: (payload) => run(payload as StorageRunRequest) }, {});
}

main().catch((error: unknown) => {
  console.error('[storage writer] failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
