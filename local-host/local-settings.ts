// Settings for local mode: development-only secrets (never valid in Azure) and the embedded backends' endpoints.
import { LOCAL_DEV_SECRETS } from '../shared/config/settings';

export { LOCAL_DEV_SECRETS };

export const LOCAL_AUTH = { AUTH_ISSUER: 'https://local.diagnostics.dev/', AUTH_AUDIENCE: 'api://diagnostics-local' } as const;

export const DEMO_PRODUCT_ID = 'demo';

export interface LocalEndpoints {
  cosmosEndpoint: string;
  cosmosKey: string;
  blobEndpoint: string;
  blobAccountName: string;
  blobAccountKey: string;
  publicBaseUrl: string;
}

/** The local environment: explicit process settings win, so a developer can override any of them. */
export function localEnvironment(endpoints: LocalEndpoints, overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    DIAGNOSTICS_MODE: 'local',
    PUBLIC_BASE_URL: endpoints.publicBaseUrl,
    COSMOS_ENDPOINT: endpoints.cosmosEndpoint,
    COSMOS_KEY: endpoints.cosmosKey,
    STORAGE_BLOB_ENDPOINT: endpoints.blobEndpoint,
    STORAGE_ACCOUNT_NAME: endpoints.blobAccountName,
    STORAGE_ACCOUNT_KEY: endpoints.blobAccountKey,
    ...LOCAL_AUTH,
    ...LOCAL_DEV_SECRETS,
    ...Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined)),
  };
}
