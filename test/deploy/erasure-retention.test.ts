// Erasure certificates state how long backups and soft-deleted blobs keep erased data: the settings' defaults must
// be the windows the Bicep actually deploys.
import { describe, expect, it } from 'vitest';
import { settingsSchema } from '../../shared/config/settings';
import { readBicep } from '../support/bicep-text';

describe('what erasure certificates say remains', () => {
  it('states the blob soft-delete window storage.bicep sets', () => {
    const days = /deleteRetentionPolicy:\s*\{\s*enabled:\s*true,\s*days:\s*(\d+)\s*\}/.exec(readBicep('modules/storage.bicep'))?.[1];
    expect(Number(days)).toBe(settingsSchema.shape.BLOB_SOFT_DELETE_DAYS.parse(undefined));
  });

  it('states the Cosmos continuous backup window cosmos.bicep sets', () => {
    const days = /backupPolicy:\s*\{\s*type:\s*'Continuous',\s*continuousModeProperties:\s*\{\s*tier:\s*'Continuous(\d+)Days'/.exec(
      readBicep('modules/cosmos.bicep'),
    )?.[1];
    expect(Number(days)).toBe(settingsSchema.shape.COSMOS_BACKUP_RETENTION_DAYS.parse(undefined));
  });
});
