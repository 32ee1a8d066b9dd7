// Per-user erasure over Blob Storage: every blob of a session sits under `<product>/<session>/` in its container
// (screenshots, reports, exports), so a session's files are deleted by prefix, with their snapshots and versions.
import type { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import { AppError } from '../../errors';
import type { ErasureStoreName } from '../../domain/privacy/erasure';
import type { BlobContainerName } from '../../ports/blob-store';
import type { ErasableRef, ErasableStore, ErasureTarget } from '../../ports/erasure';

function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | undefined)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

interface BlobRef {
  name: string;
  snapshot?: string;
  versionId?: string;
}

export function sessionPrefix(productId: string, sessionId: string): string {
  return `${productId}/${sessionId}/`;
}

export class BlobPrefixErasable implements ErasableStore {
  readonly scope = 'sessions' as const;
  private readonly container: ContainerClient;

  constructor(
    readonly name: ErasureStoreName,
    service: BlobServiceClient,
    containerName: BlobContainerName,
  ) {
    this.container = service.getContainerClient(containerName);
  }

  async count(target: ErasureTarget): Promise<number> {
    return (await this.list(target, Number.MAX_SAFE_INTEGER)).length;
  }

  /** Base blobs, snapshots and versions alike: each is one item that must go. */
  async list(target: ErasureTarget, maxItems: number): Promise<ErasableRef[]> {
    const refs: ErasableRef[] = [];
    try {
      for (const sessionId of target.sessionIds) {
        for await (const item of this.container.listBlobsFlat({
          prefix: sessionPrefix(target.productId, sessionId),
          includeSnapshots: true,
          includeVersions: true,
          includeDeleted: false,
        })) {
          if (refs.length >= maxItems) return refs;
          const ref: BlobRef = {
            name: item.name,
            snapshot: item.snapshot || undefined,
            versionId: item.isCurrentVersion === false ? item.versionId : undefined,
          };
          refs.push({ ref: JSON.stringify(ref), count: 1 });
        }
      }
    } catch (error) {
      if (statusOf(error) === 404) return refs;
      throw new AppError('unavailable', `Blob storage is unavailable for the erasure of ${this.name}; retrying`, { cause: error, retryAfterSeconds: 2 });
    }
    return refs;
  }

  async erase(_target: ErasureTarget, refs: readonly ErasableRef[]): Promise<void> {
    for (const { ref } of refs) {
      const parsed = JSON.parse(ref) as BlobRef;
      let blob = this.container.getBlobClient(parsed.name);
      if (parsed.snapshot) blob = blob.withSnapshot(parsed.snapshot);
      else if (parsed.versionId) blob = blob.withVersion(parsed.versionId);
      try {
        // The base blob takes its snapshots with it; a snapshot or version is deleted on its own.
        await blob.delete(parsed.snapshot || parsed.versionId ? {} : { deleteSnapshots: 'include' });
      } catch (error) {
        if (statusOf(error) === 404) continue;
        throw new AppError('unavailable', `Blob storage is unavailable for the erasure of ${this.name}; retrying`, { cause: error, retryAfterSeconds: 2 });
      }
    }
  }
}
