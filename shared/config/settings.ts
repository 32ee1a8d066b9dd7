// Application settings: parsed once with zod at cold start, frozen, and handed out by the composition root.
import { z } from 'zod';

const booleanFlag = z
  .enum(['true', 'false', '1', '0'])
  .transform((value) => value === 'true' || value === '1');

const positiveInt = z.coerce.number().int().positive();

export const settingsSchema = z
  .object({
    /** `local` runs on the embedded emulators; `azure` uses managed identity against real resources. */
    DIAGNOSTICS_MODE: z.enum(['local', 'azure']).default('azure'),
    PUBLIC_BASE_URL: z.url().default('http://127.0.0.1:7071'),

    COSMOS_ENDPOINT: z.url(),
    /** Only against the local emulator; Azure uses DefaultAzureCredential. */
    COSMOS_KEY: z.string().min(1).optional(),
    COSMOS_DATABASE: z.string().min(1).default('diagnostics'),

    /** Blob service URL, e.g. https://<account>.blob.core.windows.net */
    STORAGE_BLOB_ENDPOINT: z.url(),
    /** Only against Azurite: the well-known dev account name and key. */
    STORAGE_ACCOUNT_NAME: z.string().min(1).optional(),
    STORAGE_ACCOUNT_KEY: z.string().min(1).optional(),

    /** e.g. <namespace>.servicebus.windows.net; unused in local mode (in-process delivery). */
    SERVICEBUS_FULLY_QUALIFIED_NAMESPACE: z.string().min(1).optional(),
    SERVICEBUS_TOPIC: z.string().min(1).default('diagnostics-events'),

    AUTH_ISSUER: z.string().min(1),
    AUTH_AUDIENCE: z.string().min(1),
    /** JWKS of the identity provider (Entra ID); unused in local mode, which signs with AUTH_LOCAL_SECRET. */
    AUTH_JWKS_URL: z.url().optional(),
    AUTH_LOCAL_SECRET: z.string().min(32).optional(),
    AUTH_ROLES_CLAIM: z.string().default('roles'),
    AUTH_PRODUCTS_CLAIM: z.string().default('products'),

    /** Secret from which product ingest keys and device ingest tokens are derived (Key Vault in Azure). */
    INGEST_KEY_SECRET: z.string().min(32),

    RATE_LIMIT_SESSION_CREATES_PER_HOUR: positiveInt.default(10),
    RATE_LIMIT_CONFIG_POLL_INTERVAL_SECONDS: positiveInt.default(5),
    CONFIG_INDEX_REFRESH_MS: z.coerce.number().int().min(0).default(1000),

    APPLICATIONINSIGHTS_CONNECTION_STRING: z.string().min(1).optional(),
    TELEMETRY_DISABLED: booleanFlag.default(false),
  })
  .superRefine((settings, context) => {
    if (settings.DIAGNOSTICS_MODE === 'local') {
      for (const name of ['COSMOS_KEY', 'STORAGE_ACCOUNT_NAME', 'STORAGE_ACCOUNT_KEY', 'AUTH_LOCAL_SECRET'] as const) {
        if (!settings[name]) context.addIssue({ code: 'custom', path: [name], message: `${name} is required in local mode` });
      }
    } else {
      for (const name of ['AUTH_JWKS_URL', 'SERVICEBUS_FULLY_QUALIFIED_NAMESPACE'] as const) {
        if (!settings[name]) context.addIssue({ code: 'custom', path: [name], message: `${name} is required in azure mode` });
      }
    }
  });

export type Settings = Readonly<z.infer<typeof settingsSchema>>;

export class SettingsError extends Error {
  constructor(readonly missingOrInvalid: string[]) {
    super(`Invalid application settings: ${missingOrInvalid.join('; ')}`);
    this.name = 'SettingsError';
  }
}

/** Fails fast, naming each missing or invalid setting (never its value: some are secrets). */
export function parseSettings(environment: Record<string, string | undefined>): Settings {
  const result = settingsSchema.safeParse(environment);
  if (!result.success) {
    throw new SettingsError(result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`));
  }
  return Object.freeze(result.data);
}
