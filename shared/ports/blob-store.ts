// Blob storage as the app needs it: short-lived SAS links scoped to one blob, and the few reads and
// writes the services do themselves, in a fixed set of containers.

export const blobContainers = ['screenshots', 'reports', 'exports'] as const;
export type BlobContainerName = (typeof blobContainers)[number];

export interface BlobLink {
  url: string;
  expiresOn: Date;
}

export interface UploadLinkOptions {
  /** How long the link may be used to create the blob. */
  validForInMs: number;
}

export interface ReadLinkOptions {
  validForInMs: number;
  /** Pinned as the response content type (SAS `rsct`), whatever the blob claims. */
  contentType?: string;
  /** Pinned as Content-Disposition (SAS `rscd`), e.g. `attachment; filename="x.ndjson.gz"`. */
  contentDisposition?: string;
}

export interface BlobProperties {
  sizeBytes: number;
  contentType: string | undefined;
}

export interface BlobStore {
  /** A create-only SAS for exactly this blob: it cannot read, list, overwrite or write anywhere else. */
  createUploadLink(container: BlobContainerName, blobName: string, options: UploadLinkOptions): Promise<BlobLink>;
  /** A read-only SAS for exactly this blob. */
  createReadLink(container: BlobContainerName, blobName: string, options: ReadLinkOptions): Promise<BlobLink>;
  /** Undefined when the blob does not exist. */
  getProperties(container: BlobContainerName, blobName: string): Promise<BlobProperties | undefined>;
  /** Up to `count` bytes from the start of the blob. */
  readHead(container: BlobContainerName, blobName: string, count: number): Promise<Buffer>;
  upload(container: BlobContainerName, blobName: string, data: Buffer, options: { contentType: string; contentEncoding?: string }): Promise<void>;
  /** Idempotent: deleting a missing blob is not an error. */
  delete(container: BlobContainerName, blobName: string): Promise<void>;
}
