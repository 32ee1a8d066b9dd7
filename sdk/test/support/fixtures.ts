// Config answers as the server sends them, for tests that script the server.
import type { CaptureFlags, DeviceConfig } from '../../src/wire';

export const SESSION_ID = 'ds_00000000-0000-4000-8000-000000000001';

export const allCapture: CaptureFlags = {
  logs: true,
  traces: true,
  breadcrumbs: true,
  network: true,
  console: true,
  screenshots: true,
  screenshotOnError: true,
};

export function activeConfig(overrides: Partial<NonNullable<DeviceConfig['session']>> = {}, pollIntervalSeconds = 5): DeviceConfig {
  return {
    active: true,
    pollIntervalSeconds,
    session: {
      id: SESSION_ID,
      status: 'active',
      collectionLevel: 'debug',
      capture: allCapture,
      expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
      consentRequired: false,
      consentStatus: 'not_required',
      ingestToken: 'it1.test-token.signature',
      ...overrides,
    },
  };
}

export const inactiveConfig = (pollIntervalSeconds = 5): DeviceConfig => ({ active: false, pollIntervalSeconds });
