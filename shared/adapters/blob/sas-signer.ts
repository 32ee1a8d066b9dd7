// Signs blob SAS tokens: with a user delegation key in Azure (no account key in the app, revocable through
// Entra ID), with the account key only against Azurite. Both produce the same query string shape.
import {
  BlobSASPermissions,
  generateBlobSASQueryParameters,
  SASProtocol,
  type BlobServiceClient,
  type StorageSharedKeyCredential,
  type UserDelegationKey,
} from '@azure/storage-blob';

export interface SasRequest {
  containerName: string;
  blobName: string;
  /** Letters of the SAS permission string, e.g. `c` (create) or `r` (read). */
  permissions: string;
  expiresOn: Date;
  contentType?: string;
  contentDisposition?: string;
}

export interface SasSigner {
  /** The SAS query string, without the leading `?`. */
  sign(request: SasRequest): Promise<string>;
}

/** Tolerates small clock differences between this instance and the storage service. */
const START_SKEW_IN_MS = 5 * 60_000;

function signatureValues(request: SasRequest, now: Date, protocol: SASProtocol) {
  return {
    containerName: request.containerName,
    blobName: request.blobName,
    permissions: BlobSASPermissions.parse(request.permissions),
    startsOn: new Date(now.getTime() - START_SKEW_IN_MS),
    expiresOn: request.expiresOn,
    protocol,
    contentType: request.contentType,
    contentDisposition: request.contentDisposition,
  };
}

/** Azurite only: the emulator's well-known account key, plain HTTP allowed. */
export class AccountKeySasSigner implements SasSigner {
  constructor(
    private readonly credential: StorageSharedKeyCredential,
    private readonly now: () => Date,
  ) {}

  async sign(request: SasRequest): Promise<string> {
    return generateBlobSASQueryParameters(signatureValues(request, this.now(), SASProtocol.HttpsAndHttp), this.credential).toString();
  }
}

/** A delegation key lives at most 7 days; we ask for a day and renew an hour before it ends. */
const DELEGATION_KEY_LIFETIME_IN_MS = 24 * 3_600_000;
const DELEGATION_KEY_RENEW_MARGIN_IN_MS = 3_600_000;

/** Azure: signs with a user delegation key obtained with the app's managed identity, cached and renewed. */
export class UserDelegationSasSigner implements SasSigner {
  private key: Promise<UserDelegationKey> | undefined;
  private keyExpiresAt = 0;

  constructor(
    private readonly service: BlobServiceClient,
    private readonly now: () => Date,
  ) {}

  async sign(request: SasRequest): Promise<string> {
    const now = this.now();
    if (request.expiresOn.getTime() - now.getTime() > DELEGATION_KEY_LIFETIME_IN_MS - DELEGATION_KEY_RENEW_MARGIN_IN_MS) {
      throw new Error('A user delegation SAS may not outlive its key');
    }
    const key = await this.delegationKey(now);
    return generateBlobSASQueryParameters(signatureValues(request, now, SASProtocol.Https), key, this.service.accountName).toString();
  }

  private delegationKey(now: Date): Promise<UserDelegationKey> {
    if (!this.key || now.getTime() > this.keyExpiresAt - DELEGATION_KEY_RENEW_MARGIN_IN_MS) {
      const startsOn = new Date(now.getTime() - START_SKEW_IN_MS);
      const expiresOn = new Date(now.getTime() + DELEGATION_KEY_LIFETIME_IN_MS);
      this.keyExpiresAt = expiresOn.getTime();
      const pending = this.service.getUserDelegationKey(startsOn, expiresOn);
      // A failed fetch must not be cached: the next request asks again.
      pending.catch(() => {
        if (this.key === pending) this.key = undefined;
      });
      this.key = pending;
    }
    return this.key;
  }
}
