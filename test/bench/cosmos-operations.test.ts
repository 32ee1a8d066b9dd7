// The benchmark's Cosmos operation recorder, against the embedded Cosmos through the real SDK: a delete sends no
// document, so it is priced with the document as it was written, in the same window or (asked for) an earlier one.
import { randomUUID } from 'node:crypto';
import type { Database } from '@azure/cosmos';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { cosmosOperations, installCosmosOperationRecorder } from '../../bench/servers/cosmos-operations';
import { operationCharge } from '../../bench/support/request-units';
import { COSMOS_EMULATOR_KEY } from '../../local-host/backends';
import { createCosmosDatabase, ensureContainers } from '../../shared/adapters/cosmos/cosmos-client';
import { containerDefinitions } from '../../shared/adapters/cosmos/containers';

let database: Database;

beforeAll(async () => {
  installCosmosOperationRecorder();
  database = createCosmosDatabase({
    endpoint: inject('cosmosEndpoint'),
    key: COSMOS_EMULATOR_KEY,
    database: `recorder-${randomUUID().slice(0, 8)}`,
    allowSelfSignedCertificate: true,
  });
  await ensureContainers(database);
});
afterAll(async () => {
  await database.delete();
});

const logDocument = (id: string, pk: string) => ({
  id,
  pk,
  productId: 'demo',
  sessionId: 's',
  docType: 'log',
  level: 'info',
  message: 'x'.repeat(2_000),
  timestamp: new Date().toISOString(),
});

describe('the Cosmos operation recorder', () => {
  it('prices point and bulk deletes with the documents they remove, and marks a document it never saw written', async () => {
    const container = database.container(containerDefinitions.logs.id);
    const pk = `pk-${randomUUID()}`;
    await container.items.upsert(logDocument('before', pk));

    cosmosOperations.start();
    await container.items.upsert(logDocument('a', pk));
    await container.items.upsert(logDocument('b', pk));
    await container.item('a', pk).delete();
    await container.items.bulk([
      { operationType: 'Delete', id: 'b', partitionKey: pk },
      { operationType: 'Delete', id: 'before', partitionKey: pk },
    ]);
    const operations = cosmosOperations.stop();

    const [writeA, writeB, deleteA, deleteB, deleteBefore] = operations;
    expect(operations.map((operation) => operation.kind)).toEqual(['upsert', 'upsert', 'delete', 'delete', 'delete']);
    expect(writeA!.documentBytes).toBeGreaterThan(2_000);
    expect(deleteA).toMatchObject({ container: containerDefinitions.logs.id, documentBytes: writeA!.documentBytes, indexedTerms: writeA!.indexedTerms });
    expect(deleteB).toMatchObject({ documentBytes: writeB!.documentBytes, indexedTerms: writeB!.indexedTerms });
    expect(operationCharge(deleteA!)).toBe(operationCharge(writeA!));
    expect(deleteBefore).toMatchObject({ documentBytes: 0, label: 'size unknown' });
  });

  it('keeps what earlier windows wrote only when asked', async () => {
    const container = database.container(containerDefinitions.logs.id);
    const pk = `pk-${randomUUID()}`;
    cosmosOperations.start();
    await container.items.upsert(logDocument('kept', pk));
    await container.items.upsert(logDocument('forgotten', pk));
    const [written] = cosmosOperations.stop();

    cosmosOperations.start(true);
    await container.item('kept', pk).delete();
    const [kept] = cosmosOperations.stop();
    expect(kept).toMatchObject({ kind: 'delete', documentBytes: written!.documentBytes });

    cosmosOperations.start();
    await container.item('forgotten', pk).delete();
    expect(cosmosOperations.stop()[0]).toMatchObject({ kind: 'delete', label: 'size unknown' });
  });
});
