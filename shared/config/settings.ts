// Application settings: parsed once with zod at cold start, frozen, and handed out by the composition root.
import { z } from 'zod';
import { parseNotificationRouting } from '../domain/events/notification-routing';
import { parseProductDirectory } from '../domain/events/product-directory';

const booleanFlag = z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1');

const positiveInt = z.coerce.number().int().positive();

/** A device batch waits at most this long for others of its product to be written with it (SIGNALS_GROUP_COMMIT_MS). */
export const DEFAULT_SIGNALS_GROUP_COMMIT_MS = 250;

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

    /**
     * The dashboard's Entra ID sign-in (MSAL, auth code + PKCE) in azure mode: the SPA app registration's client
     * id, the authority (https://login.microsoftonline.com/<tenant id>) and the API scope it asks for
     * (api://<API app id>/<scope>). Unset in azure mode, the dashboard says sign-in is not configured.
     */
    DASHBOARD_CLIENT_ID: z.string().min(1).optional(),
    DASHBOARD_AUTHORITY: z.url().optional(),
    DASHBOARD_API_SCOPE: z.string().min(1).optional(),

    /** Secret from which product ingest keys and device ingest tokens are derived (Key Vault in Azure). */
    INGEST_KEY_SECRET: z.string().min(32),

    RATE_LIMIT_SESSION_CREATES_PER_HOUR: positiveInt.default(10),
    RATE_LIMIT_CONFIG_POLL_INTERVAL_SECONDS: positiveInt.default(5),
    RATE_LIMIT_INGEST_BATCHES_PER_MINUTE: positiveInt.default(100),
    /**
     * Header a trusted edge (Front Door rule set, CDN) sets to the client's country, e.g. `x-client-country`;
     * unset means no region is recorded. Never an IP header: the client IP is not read.
     */
    INGEST_REGION_HEADER: z
      .string()
      .regex(/^[a-z0-9-]+$/i)
      .optional(),
    CONFIG_INDEX_REFRESH_MS: z.coerce.number().int().min(0).default(1000),
    /**
     * How long ingest trusts its per-instance copy of a session's state (status, consent, capture, level,
     * expiry time) before reading it again; 0 reads it per batch. Other instances' changes show within it.
     * Live sessions are served from the config index instead (CONFIG_INDEX_REFRESH_MS behind) unless this is 0.
     */
    INGEST_SESSION_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(5000),
    /** Ingest's stats increments are summed per session and written this often; 0 writes them per batch. */
    INGEST_STATS_FLUSH_MS: z.coerce.number().int().min(0).max(60_000).default(5000),
    /**
     * Device signal batches of one product arriving within this window are summed per bucket and written together,
     * each request answered once that write is done; 0 writes each batch on its own.
     */
    SIGNALS_GROUP_COMMIT_MS: z.coerce.number().int().min(0).max(5_000).default(DEFAULT_SIGNALS_GROUP_COMMIT_MS),

    // Live tail (issue 16): every stream polls its session's partition; the caps are per instance.
    TAIL_POLL_INTERVAL_MS: z.coerce.number().int().min(100).max(10_000).default(1000),
    /** Streams close themselves after this long, before Azure's 230 s HTTP limit; clients resume with Last-Event-ID. */
    TAIL_MAX_STREAM_SECONDS: z.coerce.number().int().min(1).max(220).default(200),
    TAIL_HEARTBEAT_SECONDS: z.coerce.number().int().min(1).max(120).default(15),
    /** How long after a second ends its commits count as complete (clock skew to storage plus commit visibility). */
    TAIL_SETTLE_MS: z.coerce.number().int().min(0).max(10_000).default(500),
    TAIL_MAX_STREAMS_PER_CALLER: positiveInt.max(100).default(3),
    TAIL_MAX_STREAMS_PER_PRODUCT: positiveInt.max(10_000).default(50),
    /** How long an instance matches ingest against its copy of a product's pattern hooks before reading them again. */
    PATTERN_HOOK_CACHE_MS: z.coerce.number().int().min(0).max(300_000).default(10_000),

    // Events, notifications and tickets (issue 5). Every channel is optional: one without its URL is skipped.
    /** How long an outbox record may wait for its session write's proof before the drain abandons it. */
    OUTBOX_PREPARED_GRACE_SECONDS: positiveInt.default(120),
    /** Routing of events to channels per product and event type: JSON, see notificationRoutingSchema. */
    NOTIFICATION_ROUTING: z.string().min(2).optional(),
    NOTIFICATION_THROTTLE_WINDOW_SECONDS: positiveInt.default(900),
    /** Comma-separated on-call addresses for email alerts. */
    NOTIFICATION_ONCALL_EMAILS: z.string().optional(),
    NOTIFICATION_HTTP_TIMEOUT_MS: positiveInt.default(10_000),
    SLACK_WEBHOOK_URL: z.url().optional(),
    TEAMS_WEBHOOK_URL: z.url().optional(),
    PAGERDUTY_EVENTS_URL: z.url().default('https://events.pagerduty.com/v2/enqueue'),
    PAGERDUTY_ROUTING_KEY: z.string().min(1).optional(),
    WEBHOOK_URL: z.url().optional(),
    WEBHOOK_SECRET: z.string().min(16).optional(),
    /** Azure Communication Services, e.g. https://<resource>.communication.azure.com */
    ACS_ENDPOINT: z.url().optional(),
    /** Access key (HMAC auth); without it the managed identity is used. */
    ACS_ACCESS_KEY: z.string().min(1).optional(),
    ACS_SENDER_ADDRESS: z.string().min(3).optional(),

    /** Owner and app per product, as ticket labels: JSON, see productDirectorySchema. */
    PRODUCT_DIRECTORY: z.string().min(2).optional(),
    TICKET_PROVIDER: z.enum(['none', 'github', 'jira', 'azure-devops']).default('none'),
    GITHUB_API_URL: z.url().default('https://api.github.com'),
    /** owner/name */
    GITHUB_REPOSITORY: z
      .string()
      .regex(/^[\w.-]+\/[\w.-]+$/, 'owner/name')
      .optional(),
    GITHUB_TOKEN: z.string().min(1).optional(),
    JIRA_BASE_URL: z.url().optional(),
    JIRA_EMAIL: z.string().min(3).optional(),
    JIRA_API_TOKEN: z.string().min(1).optional(),
    JIRA_PROJECT_KEY: z.string().min(1).optional(),
    JIRA_ISSUE_TYPE: z.string().min(1).default('Bug'),
    /** e.g. https://dev.azure.com/<organization> */
    ADO_ORGANIZATION_URL: z.url().optional(),
    ADO_PROJECT: z.string().min(1).optional(),
    ADO_TOKEN: z.string().min(1).optional(),
    ADO_WORK_ITEM_TYPE: z.string().min(1).default('Bug'),
    /** Validity of the SAS links handed out: uploads are short, reads and downloads a little longer. */
    SCREENSHOT_UPLOAD_LINK_MINUTES: positiveInt.max(60).default(5),
    SCREENSHOT_READ_LINK_MINUTES: positiveInt.max(60).default(15),
    EXPORT_LINK_MINUTES: positiveInt.max(24 * 60).default(60),
    REPORT_LINK_MINUTES: positiveInt.max(24 * 60).default(60),

    /**
     * Blob storage calls: each try is cut after BLOB_TRY_TIMEOUT_MS and tried at most BLOB_MAX_TRIES times, and
     * the whole call gives up after BLOB_DEADLINE_MS; then export streams its file instead, the rest answer 503.
     */
    BLOB_TRY_TIMEOUT_MS: positiveInt.max(600_000).default(5000),
    BLOB_MAX_TRIES: positiveInt.max(10).default(3),
    BLOB_DEADLINE_MS: positiveInt.max(600_000).default(10_000),

    /**
     * Per-user erasure (docs/privacy.md): the key of the subject's keyed hash (HMAC-SHA256) and of its seal while the
     * erasure runs (Key Vault in Azure). Unset, both are derived from INGEST_KEY_SECRET.
     */
    ERASURE_HASH_SECRET: z.string().min(32).optional(),
    /** The Cosmos account has the delete-by-partition-key capability: erasure drops a session's partitions in one call. */
    COSMOS_PARTITION_KEY_DELETE: booleanFlag.default(false),
    /** What erasure certificates state as kept by design: the Cosmos continuous backup window and the blob soft-delete window (bicep/). */
    COSMOS_BACKUP_RETENTION_DAYS: positiveInt.max(30).default(7),
    BLOB_SOFT_DELETE_DAYS: positiveInt.max(365).default(7),

    APPLICATIONINSIGHTS_CONNECTION_STRING: z.string().min(1).optional(),
    TELEMETRY_DISABLED: booleanFlag.default(false),
  })
  .superRefine((settings, context) => {
    const requiredTogether: Array<[boolean, readonly (keyof typeof settings)[], string]> = [
      [settings.TICKET_PROVIDER === 'github', ['GITHUB_REPOSITORY', 'GITHUB_TOKEN'], 'TICKET_PROVIDER=github'],
      [settings.TICKET_PROVIDER === 'jira', ['JIRA_BASE_URL', 'JIRA_EMAIL', 'JIRA_API_TOKEN', 'JIRA_PROJECT_KEY'], 'TICKET_PROVIDER=jira'],
      [settings.TICKET_PROVIDER === 'azure-devops', ['ADO_ORGANIZATION_URL', 'ADO_PROJECT', 'ADO_TOKEN'], 'TICKET_PROVIDER=azure-devops'],
      [settings.WEBHOOK_URL !== undefined, ['WEBHOOK_SECRET'], 'WEBHOOK_URL'],
      [settings.ACS_ENDPOINT !== undefined, ['ACS_SENDER_ADDRESS'], 'ACS_ENDPOINT'],
    ];
    try {
      parseNotificationRouting(settings.NOTIFICATION_ROUTING);
    } catch (error) {
      context.addIssue({ code: 'custom', path: ['NOTIFICATION_ROUTING'], message: (error as Error).message });
    }
    try {
      parseProductDirectory(settings.PRODUCT_DIRECTORY);
    } catch (error) {
      context.addIssue({ code: 'custom', path: ['PRODUCT_DIRECTORY'], message: (error as Error).message });
    }
    for (const [applies, names, because] of requiredTogether) {
      if (!applies) continue;
      for (const name of names) {
        if (!settings[name]) context.addIssue({ code: 'custom', path: [name], message: `${name} is required with ${because}` });
      }
    }
    if (settings.DIAGNOSTICS_MODE === 'azure') {
      // The development secrets are committed to this repository: anyone could mint tokens and keys with them.
      for (const name of ['INGEST_KEY_SECRET', 'AUTH_LOCAL_SECRET', 'ERASURE_HASH_SECRET'] as const) {
        const value = settings[name];
        if (value !== undefined && (COMMITTED_DEVELOPMENT_SECRETS.has(value) || Buffer.byteLength(value) < 32)) {
          context.addIssue({ code: 'custom', path: [name], message: `${name} is a development value or shorter than 32 bytes; use the Key Vault secret` });
        }
      }
    }
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

/** Development-only secrets for local mode; published with the code, so refused in Azure mode. */
export const LOCAL_DEV_SECRETS = {
  AUTH_LOCAL_SECRET: 'local-dev-signing-secret-not-for-production-use',
  INGEST_KEY_SECRET: 'local-dev-ingest-secret-not-for-production-use',
} as const;

const COMMITTED_DEVELOPMENT_SECRETS: ReadonlySet<string> = new Set(Object.values(LOCAL_DEV_SECRETS));

export class SettingsError extends Error {
  constructor(readonly missingOrInvalid: string[]) {
    super(`Invalid application settings: ${missingOrInvalid.join('; ')}`);
    this.name = 'SettingsError';
  }
}

/** Fails fast, naming each missing or invalid setting (never its value: some are secrets). */
export function parseSettings(environment: Record<string, string | undefined>): Settings {
  // An app setting left empty (as a template or portal leaves it) counts as not set.
  const present = Object.fromEntries(Object.entries(environment).filter(([, value]) => value !== undefined && value !== ''));
  const result = settingsSchema.safeParse(present);
  if (!result.success) {
    throw new SettingsError(result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`));
  }
  return Object.freeze(result.data);
}
