// Health of the Azure backends: a database read for Cosmos, a container existence check for Blob.
import type { Database } from '@azure/cosmos';
import type { BlobServiceClient } from '@azure/storage-blob';
import type { HealthProbe, Reachability } from '../ports/health-probe';

const PROBE_TIMEOUT_IN_MS = 3000;

async function probe(call: () => Promise<unknown>): Promise<Reachability> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([call(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), PROBE_TIMEOUT_IN_MS)))]);
    return 'ok';
  } catch {
    return 'unreachable';
  } finally {
    clearTimeout(timer);
  }
}

export class AzureHealthProbe implements HealthProbe {
  constructor(
    private readonly database: Database,
    private readonly blobService: BlobServiceClient,
  ) {}

  async check(): Promise<Record<string, Reachability>> {
    const [cosmos, blob] = await Promise.all([probe(() => this.database.read()), probe(() => this.blobService.getContainerClient('screenshots').exists())]);
    return { cosmos, blob };
  }
}
