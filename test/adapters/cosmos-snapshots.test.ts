// The embedded Cosmos's snapshots (local-host/cosmos-snapshots.ts over the patched server): a batch of writes
// reaches the file without a shutdown, so a process that dies keeps what it answered before the batch window
// closed; a second server loads it with ids, etags and partition keys intact and answers queries on it.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COSMOS_EMULATOR_KEY, startCosmos, type RunningCosmos } from '../../local-host/backends';
import { createCosmosDatabase } from '../../shared/adapters/cosmos/cosmos-client';

let directory: string;
const running: RunningCosmos[] = [];

beforeAll(async () => {
  directory = await mkdtemp(path.join(tmpdir(), 'cosmos-snapshot-'));
});
afterAll(async () => {
  await Promise.all(running.map((server) => server.close()));
  await rm(directory, { recursive: true, force: true });
});

async function start(file: string): Promise<RunningCosmos> {
  const server = await startCosmos(0, { file, batchWindowInMs: 50 });
  running.push(server);
  return server;
}

describe('embedded Cosmos snapshots', () => {
  it('writes a batch of writes without a shutdown and loads it into a new server', async () => {
    const file = path.join(directory, 'cosmos', 'snapshot.json');
    const first = await start(file);
    expect(first.restored).toBeUndefined();
    const database = createCosmosDatabase({ endpoint: first.endpoint, database: 'snap', key: COSMOS_EMULATOR_KEY, allowSelfSignedCertificate: true });
    await database.client.databases.createIfNotExists({ id: 'snap' });
    const { container } = await database.containers.createIfNotExists({ id: 'things', partitionKey: { paths: ['/pk'] } });
    const written = await Promise.all([1, 2, 3].map(async (n) => (await container.items.create({ id: `t${n}`, pk: n % 2 ? 'odd' : 'even', n })).resource!));

    // No close: the snapshot comes from the write batch alone, as when the process is killed afterwards.
    await expect.poll(async () => (await readFile(file, 'utf8').catch(() => '')).includes('"t3"'), { timeout: 5000 }).toBe(true);

    const second = await start(file);
    expect(second.restored).toEqual({ databases: 1, containers: 1, documents: 3 });
    const again = createCosmosDatabase({ endpoint: second.endpoint, database: 'snap', key: COSMOS_EMULATOR_KEY, allowSelfSignedCertificate: true }).container(
      'things',
    );
    const { resource } = await again.item('t2', 'even').read<{ n: number; _etag: string }>();
    expect(resource).toMatchObject({ id: 't2', n: 2, _etag: written[1]!._etag });
    const { resources } = await again.items
      .query<{ id: string }>({ query: 'SELECT c.id FROM c WHERE c.pk = @pk ORDER BY c.id', parameters: [{ name: '@pk', value: 'odd' }] })
      .fetchAll();
    expect(resources.map((item) => item.id)).toEqual(['t1', 't3']);
    // New documents get ids past the restored ones rather than reusing a resource id.
    const created = (await again.items.create({ id: 't4', pk: 'even', n: 4 })).resource!;
    expect(written.map((item) => item._rid)).not.toContain(created._rid);
  });

  it('refuses a snapshot it cannot read, naming the file and --fresh', async () => {
    const file = path.join(directory, 'broken', 'snapshot.json');
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, '{"version":1,"databa');
    await expect(startCosmos(0, { file })).rejects.toThrow(/snapshot\.json could not be loaded .*--fresh/);
  });
});
