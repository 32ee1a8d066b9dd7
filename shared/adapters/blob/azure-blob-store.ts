// The BlobStore over @azure/storage-blob: SAS links come from the injected signer (user delegation in
// Azure, account key against Azurite); reads and writes use the service client built in the composition root.
import type { BlobServiceClient } from '@azure/storage-blob';
import { AppError } from '../../errors';
import type { BlobContainerName, BlobLink, BlobProperties, BlobStore, ReadLinkOptions, UploadLinkOptions } from '../../ports/blob-store';
import type { SasSigner } from './sas-signer';

function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | undefined)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

class DeadlineExceeded extends Error {
  override name = 'DeadlineExceeded';
}

/**
 * Runs one storage call under an overall deadline: the signal aborts the SDK's request (and its retries), and the
 * race answers even where a body stream would not notice the abort. The pipeline's per-try timeout sits under it.
 */
async function withinDeadline<T>(deadlineInMs: number, call: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new DeadlineExceeded(`No answer within ${deadlineInMs} ms`));
    }, deadlineInMs);
  });
  try {
    return await Promise.race([call(controller.signal), expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Storage errors never reach callers as SDK errors: they may quote URLs. */
function toAppError(error: unknown, what: string): AppError {
  const status = statusOf(error);
  if (error instanceof DeadlineExceeded)
    return new AppError('unavailable', `Blob storage did not answer in time for ${what}; retry shortly`, { cause: error, retryAfterSeconds: 5 });
  if (status === 404) return new AppError('not_found', `${what} not found`, { cause: error });
  if (status === 412 || status === 409) return new AppError('conflict', `${what} already exists`, { cause: error });
  return new AppError('unavailable', `Blob storage is unavailable for ${what}; retry shortly`, { cause: error, retryAfterSeconds: 2 });
}

export interface AzureBlobStoreOptions {
  /** The most one call (all its tries) may take before it is abandoned as unavailable. */
  deadlineInMs: number;
}

export class AzureBlobStore implements BlobStore {
  constructor(
    private readonly service: BlobServiceClient,
    private readonly signer: SasSigner,
    private readonly now: () => Date,
    private readonly options: AzureBlobStoreOptions = { deadlineInMs: 10_000 },
  ) {}

  async createUploadLink(container: BlobContainerName, blobName: string, options: UploadLinkOptions): Promise<BlobLink> {
    return this.link(container, blobName, 'c', options.validForInMs, {});
  }

  async createReadLink(container: BlobContainerName, blobName: string, options: ReadLinkOptions): Promise<BlobLink> {
    return this.link(container, blobName, 'r', options.validForInMs, { contentType: options.contentType, contentDisposition: options.contentDisposition });
  }

  async getProperties(container: BlobContainerName, blobName: string): Promise<BlobProperties | undefined> {
    try {
      const properties = await this.within((abortSignal) => this.blob(container, blobName).getProperties({ abortSignal }));
      return { sizeBytes: properties.contentLength ?? 0, contentType: properties.contentType };
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw toAppError(error, 'Blob');
    }
  }

  async readHead(container: BlobContainerName, blobName: string, count: number): Promise<Buffer> {
    try {
      // download() with a range answers what exists, where downloadToBuffer insists on `count` bytes.
      return await this.within(async (abortSignal) => {
        const response = await this.blob(container, blobName).download(0, count, { abortSignal });
        const chunks: Buffer[] = [];
        for await (const chunk of response.readableStreamBody ?? []) chunks.push(Buffer.from(chunk as Buffer));
        return Buffer.concat(chunks).subarray(0, count);
      });
    } catch (error) {
      // A range past the end of an empty blob is answered 416: there is nothing to read.
      if (statusOf(error) === 416) return Buffer.alloc(0);
      throw toAppError(error, 'Blob');
    }
  }

  async upload(container: BlobContainerName, blobName: string, data: Buffer, options: { contentType: string; contentEncoding?: string }): Promise<void> {
    try {
      await this.within((abortSignal) =>
        this.blob(container, blobName).uploadData(data, {
          abortSignal,
          blobHTTPHeaders: { blobContentType: options.contentType, blobContentEncoding: options.contentEncoding },
        }),
      );
    } catch (error) {
      throw toAppError(error, 'Blob');
    }
  }

  async delete(container: BlobContainerName, blobName: string): Promise<void> {
    try {
      await this.within((abortSignal) => this.blob(container, blobName).deleteIfExists({ abortSignal, deleteSnapshots: 'include' }));
    } catch (error) {
      throw toAppError(error, 'Blob');
    }
  }

  private within<T>(call: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
    return withinDeadline(this.options.deadlineInMs, call);
  }

  private blob(container: BlobContainerName, blobName: string) {
    return this.service.getContainerClient(container).getBlockBlobClient(blobName);
  }

  private async link(
    container: BlobContainerName,
    blobName: string,
    permissions: string,
    validForInMs: number,
    pinned: { contentType?: string; contentDisposition?: string },
  ): Promise<BlobLink> {
    const expiresOn = new Date(this.now().getTime() + validForInMs);
    let query: string;
    try {
      // A user delegation key is fetched from the storage account: the same deadline holds.
      query = await this.within(() => this.signer.sign({ containerName: container, blobName, permissions, expiresOn, ...pinned }));
    } catch (error) {
      throw new AppError('unavailable', 'Could not sign a storage link; retry shortly', { cause: error, retryAfterSeconds: 2 });
    }
    return { url: `${this.blob(container, blobName).url}?${query}`, expiresOn };
  }
}
