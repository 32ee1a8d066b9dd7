// SAS signing in both modes. The account-key signer is exercised against Azurite by the HTTP tests; the user
// delegation signer needs Entra ID, which cannot run here, so the delegation-key call of the service client is
// stood in for, and the signer's own logic (key caching, renewal, failure, shape of the SAS) is checked.
import { BlobSASPermissions, generateBlobSASQueryParameters, SASProtocol, type BlobServiceClient, type UserDelegationKey } from '@azure/storage-blob';
import { describe, expect, it } from 'vitest';
import { UserDelegationSasSigner } from '../../shared/adapters/blob/sas-signer';

function delegationService(options: { failFirst?: boolean } = {}) {
  const calls: Array<{ startsOn: Date; expiresOn: Date }> = [];
  const service = {
    accountName: 'diagprod',
    async getUserDelegationKey(startsOn: Date, expiresOn: Date): Promise<UserDelegationKey> {
      calls.push({ startsOn, expiresOn });
      if (options.failFirst && calls.length === 1) throw Object.assign(new Error('AuthorizationPermissionMismatch'), { statusCode: 403 });
      return {
        signedObjectId: '11111111-1111-1111-1111-111111111111',
        signedTenantId: '22222222-2222-2222-2222-222222222222',
        signedStartsOn: startsOn,
        signedExpiresOn: expiresOn,
        signedService: 'b',
        signedVersion: '2025-01-05',
        value: Buffer.from(`key-${calls.length}`).toString('base64'),
      };
    },
  };
  return { service: service as unknown as BlobServiceClient, calls };
}

describe('UserDelegationSasSigner', () => {
  it('signs a blob-scoped, https-only SAS with the delegation key, fetching the key once for many links', async () => {
    let now = new Date('2026-01-01T10:00:00Z');
    const { service, calls } = delegationService();
    const signer = new UserDelegationSasSigner(service, () => now);
    const expiresOn = new Date(now.getTime() + 5 * 60_000);
    const query = new URLSearchParams(await signer.sign({ containerName: 'screenshots', blobName: 'demo/ds_x/sc_y.png', permissions: 'c', expiresOn }));
    expect(Object.fromEntries(query)).toMatchObject({
      sr: 'b',
      sp: 'c',
      spr: 'https',
      skoid: '11111111-1111-1111-1111-111111111111',
      sktid: '22222222-2222-2222-2222-222222222222',
      sks: 'b',
    });
    // The signature is the one the SDK computes for the same key and values.
    const key: UserDelegationKey = {
      signedObjectId: '11111111-1111-1111-1111-111111111111',
      signedTenantId: '22222222-2222-2222-2222-222222222222',
      signedStartsOn: calls[0]!.startsOn,
      signedExpiresOn: calls[0]!.expiresOn,
      signedService: 'b',
      signedVersion: '2025-01-05',
      value: Buffer.from('key-1').toString('base64'),
    };
    const expected = generateBlobSASQueryParameters(
      {
        containerName: 'screenshots',
        blobName: 'demo/ds_x/sc_y.png',
        permissions: BlobSASPermissions.parse('c'),
        startsOn: new Date(now.getTime() - 5 * 60_000),
        expiresOn,
        protocol: SASProtocol.Https,
      },
      key,
      'diagprod',
    );
    expect(query.get('sig')).toBe(expected.signature);

    now = new Date(now.getTime() + 3_600_000);
    await signer.sign({ containerName: 'reports', blobName: 'a.json', permissions: 'r', expiresOn: new Date(now.getTime() + 60_000) });
    expect(calls).toHaveLength(1);
    // Within the last hour of the key's day it is renewed.
    now = new Date(calls[0]!.expiresOn.getTime() - 30 * 60_000);
    await signer.sign({ containerName: 'reports', blobName: 'a.json', permissions: 'r', expiresOn: new Date(now.getTime() + 60_000) });
    expect(calls).toHaveLength(2);
  });

  it('asks again after a failed key request instead of caching the failure', async () => {
    const now = new Date('2026-01-01T10:00:00Z');
    const { service, calls } = delegationService({ failFirst: true });
    const signer = new UserDelegationSasSigner(service, () => now);
    const request = { containerName: 'exports', blobName: 'x.gz', permissions: 'r', expiresOn: new Date(now.getTime() + 60_000) };
    await expect(signer.sign(request)).rejects.toThrow('AuthorizationPermissionMismatch');
    await expect(signer.sign(request)).resolves.toContain('sig=');
    expect(calls).toHaveLength(2);
  });

  it('refuses a link that would outlive its delegation key', async () => {
    const now = new Date('2026-01-01T10:00:00Z');
    const signer = new UserDelegationSasSigner(delegationService().service, () => now);
    await expect(
      signer.sign({ containerName: 'reports', blobName: 'a', permissions: 'r', expiresOn: new Date(now.getTime() + 48 * 3_600_000) }),
    ).rejects.toThrow(/outlive/);
  });
});
