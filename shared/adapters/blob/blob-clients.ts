// Builds the Blob service client once: shared key only against Azurite, managed identity in Azure.
import { BlobServiceClient, StorageSharedKeyCredential, type StoragePipelineOptions } from '@azure/storage-blob';
import type { TokenCredential } from '@azure/identity';

import { blobContainers, type BlobContainerName } from '../../ports/blob-store';

export { blobContainers, type BlobContainerName };

/** Days a blob is kept after its last write; the storage lifecycle rules in bicep/ delete it then (a test checks they match). */
export const blobRetentionInDays = { screenshots: 7, reports: 30, exports: 7 } as const satisfies Record<BlobContainerName, number>;

export interface BlobRetry {
  /** Each try is abandoned after this long, so a storage account that accepts and never answers cannot hold a call. */
  tryTimeoutInMs: number;
  maxTries: number;
}

export interface BlobConnection {
  endpoint: string;
  accountName?: string;
  accountKey?: string;
  credential?: TokenCredential;
  retry?: BlobRetry;
}

export function createBlobService(connection: BlobConnection): BlobServiceClient {
  // The SDK's own default waits on a try without limit; the per-call deadline sits in AzureBlobStore.
  const options: StoragePipelineOptions = connection.retry
    ? { retryOptions: { tryTimeoutInMs: connection.retry.tryTimeoutInMs, maxTries: connection.retry.maxTries, retryDelayInMs: 200, maxRetryDelayInMs: 2000 } }
    : {};
  if (connection.accountName && connection.accountKey) {
    return new BlobServiceClient(connection.endpoint, new StorageSharedKeyCredential(connection.accountName, connection.accountKey), options);
  }
  if (!connection.credential) throw new Error('Blob storage needs a credential or an account key');
  return new BlobServiceClient(connection.endpoint, connection.credential, options);
}

/** Local mode only: Bicep declares the containers in Azure. */
export async function ensureBlobContainers(service: BlobServiceClient): Promise<void> {
  for (const name of blobContainers) await service.getContainerClient(name).createIfNotExists();
}
