// Per-user erasure where the account can delete by partition key (COSMOS_PARTITION_KEY_DELETE=true): the stores
// partitioned by session drop each session's partition with `deleteAllItemsForPartitionKey` (the embedded Cosmos
// answers that route through patches/@vercel+cosmosdb-server+1.0.1.patch), counted before, and verified after.
import type { SqlParameter } from '@azure/cosmos';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CosmosPartitionErasable } from '../../shared/adapters/cosmos/cosmos-erasure';
import { containerDefinitions } from '../../shared/adapters/cosmos/containers';
import type { ErasureCertificate } from '../../shared/domain/privacy/erasure';
import { openDeviceSession } from '../support/device-session';
import { startTestHost, type TestHost } from '../support/test-host';

let host: TestHost;
let admin: string;

beforeAll(async () => {
  host = await startTestHost({ RATE_LIMIT_SESSION_CREATES_PER_HOUR: '1000', COSMOS_PARTITION_KEY_DELETE: 'true' });
  admin = await host.token({ roles: ['admin'], products: ['demo'] });
});
afterAll(() => host.close());

async function countIn(name: keyof typeof containerDefinitions, sessionIds: string[]): Promise<number> {
  const parameters: SqlParameter[] = [{ name: '@ids', value: sessionIds }];
  const { resources } = await host.deps.infra.database
    .container(containerDefinitions[name].id)
    .items.query<number>({ query: 'SELECT VALUE COUNT(1) FROM c WHERE ARRAY_CONTAINS(@ids, c.sessionId)', parameters })
    .fetchAll();
  return resources.reduce((sum, value) => sum + value, 0);
}

describe('erasure with the partition-key delete capability', () => {
  it('drops each session partition in one call and certifies what was in it', async () => {
    const stores = host.deps.services.erasures.stores;
    expect(stores.filter((store) => store instanceof CosmosPartitionErasable).map((store) => store.name)).toEqual([
      'logs',
      'spans',
      'screenshotRecords',
      'reportRecords',
    ]);
    const sessions = [await openDeviceSession(host, admin), await openDeviceSession(host, admin)];
    const deviceId = sessions[0]!.deviceId;
    const bystander = sessions[1]!;
    const now = Date.now();
    for (const session of sessions) {
      const items = [
        ...Array.from({ length: 130 }, (_, index) => ({
          kind: 'log',
          id: `l${index}`,
          timestamp: new Date(now - 1000 + index).toISOString(),
          level: 'info',
          message: `line ${index}`,
        })),
      ];
      for (let start = 0; start < items.length; start += 50) {
        const response = await host.call('POST', '/api/diagnostics/ingest', {
          body: { sessionId: session.sessionId, device: { deviceId: session.deviceId }, items: items.slice(start, start + 50) },
          headers: session.deviceHeaders,
        });
        expect(response.status).toBe(202);
      }
    }
    const target = sessions[0]!.sessionId;
    expect(await countIn('logs', [target])).toBe(130);

    const response = await host.call('POST', '/api/diagnostics/erasures', {
      body: { productId: 'demo', deviceId, requestId: 'pk-1' },
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(response.status).toBe(202);
    const { id } = (await response.json()) as { id: string };
    await host.deps.infra.localBus?.whenIdle();
    const certificate = (await (
      await host.call('GET', `/api/diagnostics/erasures/${id}/certificate`, { headers: { authorization: `Bearer ${admin}` } })
    ).json()) as ErasureCertificate;
    expect(certificate.deleted).toMatchObject({ logs: 130, spans: 0, sessions: 1 });
    expect(await countIn('logs', [target])).toBe(0);
    // Only that session's partition went: the other device's logs are all there.
    expect(await countIn('logs', [bystander.sessionId])).toBe(130);
  });
});
