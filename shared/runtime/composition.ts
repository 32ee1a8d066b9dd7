// The composition root, in three tiers built once from the parsed settings: infrastructure (SDK clients, private
// to this file and the tests), stores (our ports over that infrastructure) and services (the use cases with what
// each needs). Handlers receive only the services; the endpoint wrapper and the subscriber runtime also get the
// edge (authentication, telemetry, clock). No handler creates an SDK client or reads process.env.
import { hostname } from 'node:os';
import { StorageSharedKeyCredential, type BlobServiceClient } from '@azure/storage-blob';
import type { Database } from '@azure/cosmos';
import { DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import { app } from '@azure/functions';
import { parseSettings, SettingsError, type Settings } from '../config/settings';
import { loadMaskingEngine } from '../config/masking-rules';
import { loadReportTemplate } from '../config/report-template';
import { loadFieldPolicy } from '../config/field-access';
import { createBlobService } from '../adapters/blob/blob-clients';
import { AccountKeySasSigner, UserDelegationSasSigner, type SasSigner } from '../adapters/blob/sas-signer';
import { createCosmosDatabase } from '../adapters/cosmos/cosmos-client';
import { CachedSessionStateReader } from '../adapters/caching/cached-session-state';
import { IndexedSessionStateReader } from '../adapters/caching/indexed-session-state';
import { WriteBehindSessionStats } from '../adapters/caching/write-behind-session-stats';
import { ProductKeyVerifier } from '../domain/devices/credentials';
import { deriveMaskingHashKey, type MaskingEngine } from '../domain/masking';
import type { DebugSession } from '../domain/sessions/session';
import { createTokenVerifier } from '../adapters/identity/jose-token-verifier';
import { InProcessServiceBus } from '../adapters/local/in-process-bus';
import { MemoryRateLimiter } from '../adapters/memory/memory-rate-limiter';
import { InMemoryTelemetry } from '../adapters/memory/in-memory-telemetry';
import { applicationInsightsFromSettings } from '../adapters/telemetry/application-insights-telemetry';
import { ServiceBusEventPublisher } from '../adapters/servicebus/service-bus-publisher';
import { systemClock, systemClockReadOncePerTurn, type Clock } from '../ports/clock';
import type { EventPublisher } from '../ports/event-publisher';
import type { HealthProbe } from '../ports/health-probe';
import type { RateLimiter } from '../ports/rate-limiter';
import type { Telemetry } from '../ports/telemetry';
import type { TelemetryStore } from '../ports/telemetry-store';
import type { TokenVerifier } from '../ports/token-verifier';
import { DeviceConfigService } from '../services/device-config-service';
import { DeviceTokenVerifier } from '../services/device-credentials';
import { OutboxEventPublisher, type EventRelayDependencies } from '../services/event-relay';
import type { AuditQueryDependencies } from '../services/audit-service';
import type { ExportServiceDependencies } from '../services/export-service';
import type { IngestServiceDependencies } from '../services/ingest-service';
import type { OtlpServiceDependencies } from '../services/otlp-service';
import type { RegressionServiceDependencies } from '../services/regression-service';
import type { ReportServiceDependencies } from '../services/report-service';
import type { ScreenshotServiceDependencies } from '../services/screenshot-service';
import type { SessionServiceDependencies } from '../services/session-service';
import type { TelemetryQueryDependencies } from '../services/telemetry-query-service';
import type { DashboardSettings } from '../http/dashboard-assets';
import { deriveSubjectKeys } from '../domain/privacy/subject-keys';
import { ERASURE_DEFAULT_LIMITS, type ErasureServiceDependencies } from '../services/erasure-service';
import { createEventing, type EventingDependencies } from './event-wiring';
import { createSignals, type SignalDependencies } from './signal-wiring';
import { createWatching, type WatchDependencies } from './watch-wiring';
import { functionRegistry, functionsHostPresent } from './registry';
import { createAzureStores, type Stores } from './stores';

/** Tier 1: the SDK clients. Only the stores factory (and tests that inspect the backends) touch them. */
export interface Infrastructure {
  settings: Settings;
  local: boolean;
  clock: Clock;
  telemetry: Telemetry;
  credential: TokenCredential | undefined;
  database: Database;
  blobService: BlobServiceClient;
  /** The raw topic sender: Service Bus, or the in-process stand-in locally. */
  bus: EventPublisher;
  /** Present in local mode: the in-process stand-in for the Service Bus topic. */
  localBus?: InProcessServiceBus;
}

/** Tier 3: the use cases, each with the dependencies it needs. This is all a handler receives. */
export interface Services {
  health: HealthProbe;
  deviceConfig: DeviceConfigService;
  sessions: SessionServiceDependencies;
  ingest: IngestServiceDependencies;
  otlp: OtlpServiceDependencies;
  telemetryQuery: TelemetryQueryDependencies;
  /** GET /diagnostics/audit: admins read their product's audit trail. */
  auditQuery: AuditQueryDependencies;
  screenshots: ScreenshotServiceDependencies;
  reports: ReportServiceDependencies;
  regressions: RegressionServiceDependencies;
  exports: ExportServiceDependencies;
  /** Redaction preview masks with the app's one engine. */
  masking: MaskingEngine;
  /** What the dashboard's page and sign-in settings depend on. */
  dashboard: DashboardSettings;
  /** Lossless publishing for every area: the outbox first, then the bus (shared/services/event-relay.ts). */
  events: OutboxEventPublisher;
  /** What the outbox relay and its drain timer need. */
  relay: EventRelayDependencies;
  /** What the event subscribers (notifications, tickets, audit) need. */
  eventing: EventingDependencies;
  /** Signals intake, series, alert and trigger rules, detection. */
  signals: SignalDependencies;
  /** Live tail, pattern hooks and grouping by user. */
  watch: WatchDependencies;
  /** Per-user erasure: requests, the worker, certificates (docs/privacy.md). */
  erasures: ErasureServiceDependencies;
}

/** What the endpoint wrapper and the subscriber runtime need around a handler. */
export interface Edge {
  clock: Clock;
  telemetry: Telemetry;
  /** Bearer JWTs of admins, engineers and users. */
  tokens: TokenVerifier;
  /** The product ingest keys (`x-diagnostics-key`). */
  productKeys: ProductKeyVerifier;
  /** Session ingest tokens (`Authorization: Bearer it1.…`). */
  deviceTokens: DeviceTokenVerifier;
}

export interface Dependencies {
  settings: Settings;
  infra: Infrastructure;
  stores: Stores;
  services: Services;
  edge: Edge;
  /** Writes what is held in memory to be written behind (ingest's stats); the host calls it on shutdown. */
  close(): Promise<void>;
}

export interface DependencyOverrides {
  clock?: Clock;
  telemetry?: Telemetry;
  credential?: TokenCredential;
  /** Benchmarks swap storage out to measure the runtime alone (bench/servers/bench-store.ts). */
  telemetryStore?: TelemetryStore;
  /** Tests sign with a user delegation key against Azurite, which issues none: a real signing failure. */
  sasSigner?: SasSigner;
}

export const LOCAL_BUS_MAX_DELIVERY_COUNT = 10;

function createInfrastructure(settings: Settings, overrides: DependencyOverrides): Infrastructure {
  const local = settings.DIAGNOSTICS_MODE === 'local';
  const credential = local ? undefined : (overrides.credential ?? new DefaultAzureCredential({ managedIdentityClientId: process.env.AZURE_CLIENT_ID }));
  // Application Insights only when a connection string is set and TELEMETRY_DISABLED is not; else in memory.
  const telemetry = overrides.telemetry ?? applicationInsightsFromSettings(settings, credential) ?? new InMemoryTelemetry();
  const database = createCosmosDatabase({
    endpoint: settings.COSMOS_ENDPOINT,
    database: settings.COSMOS_DATABASE,
    key: local ? settings.COSMOS_KEY : undefined,
    credential,
    allowSelfSignedCertificate: local,
  });
  const blobService = createBlobService({
    endpoint: settings.STORAGE_BLOB_ENDPOINT,
    accountName: local ? settings.STORAGE_ACCOUNT_NAME : undefined,
    accountKey: local ? settings.STORAGE_ACCOUNT_KEY : undefined,
    credential,
    retry: { tryTimeoutInMs: settings.BLOB_TRY_TIMEOUT_MS, maxTries: settings.BLOB_MAX_TRIES },
  });
  const localBus = local
    ? new InProcessServiceBus(() => functionRegistry.topics, {
        topicName: settings.SERVICEBUS_TOPIC,
        maxDeliveryCount: LOCAL_BUS_MAX_DELIVERY_COUNT,
        redeliveryDelayInMs: 50,
      })
    : undefined;
  const bus = localBus ?? new ServiceBusEventPublisher(settings.SERVICEBUS_FULLY_QUALIFIED_NAMESPACE ?? '', settings.SERVICEBUS_TOPIC, credential!);
  return { settings, local, clock: overrides.clock ?? systemClock, telemetry, credential, database, blobService, bus, localBus };
}

function sasSignerOf(infra: Infrastructure, overrides: DependencyOverrides): SasSigner {
  const now = () => infra.clock.now();
  if (overrides.sasSigner) return overrides.sasSigner;
  // Account-key SAS only against Azurite; in Azure the app holds no account key and signs with a user delegation key.
  const { settings } = infra;
  return infra.local
    ? new AccountKeySasSigner(new StorageSharedKeyCredential(settings.STORAGE_ACCOUNT_NAME!, settings.STORAGE_ACCOUNT_KEY!), now)
    : new UserDelegationSasSigner(infra.blobService, now);
}

function createServices(infra: Infrastructure, stores: Stores, rateLimiter: RateLimiter, requestClock: Clock): { services: Services; close(): Promise<void> } {
  const { settings, clock, telemetry } = infra;
  // Compiled now, so a missing or invalid rules file or template fails the cold start, naming the field.
  const masking = loadMaskingEngine({ hashKey: deriveMaskingHashKey(settings.INGEST_KEY_SECRET) });
  const reportTemplate = loadReportTemplate();
  const fieldPolicy = loadFieldPolicy();
  const deviceConfig = new DeviceConfigService(stores.recentSessionUpdates, requestClock, rateLimiter, telemetry, {
    ingestKeySecret: settings.INGEST_KEY_SECRET,
    pollIntervalSeconds: settings.RATE_LIMIT_CONFIG_POLL_INTERVAL_SECONDS,
    refreshIntervalInMs: settings.CONFIG_INDEX_REFRESH_MS,
  });
  const cachedSessionState = new CachedSessionStateReader(stores.sessions, clock, telemetry, {
    maxAgeInMs: settings.INGEST_SESSION_CACHE_MS,
    maxEntries: 50_000,
  });
  // A cache age of 0 asks for a storage read per batch, so the index is left out too.
  const sessionState = settings.INGEST_SESSION_CACHE_MS > 0 ? new IndexedSessionStateReader(deviceConfig, cachedSessionState, telemetry) : cachedSessionState;
  const ingestStats = new WriteBehindSessionStats(stores.sessions, telemetry, { flushIntervalInMs: settings.INGEST_STATS_FLUSH_MS });
  // This instance's own writes reach its config index and ingest's session cache at once.
  const onSessionWritten = (session: DebugSession) => {
    deviceConfig.noteSessionWritten(session);
    sessionState.noteSessionWritten(session);
  };
  const relay: EventRelayDependencies = {
    outbox: stores.outbox,
    bus: infra.bus,
    sessions: stores.sessions,
    clock,
    telemetry,
    preparedGraceInMs: settings.OUTBOX_PREPARED_GRACE_SECONDS * 1000,
  };
  const events = new OutboxEventPublisher(relay);
  const { sessions, audit, telemetry: telemetryStore, screenshots, reports, blobs } = stores;
  const watching = createWatching({ settings, stores, sessionState, events, clock, telemetry, fieldPolicy });
  const ingest: IngestServiceDependencies = {
    sessions,
    sessionState,
    stats: ingestStats,
    telemetryStore,
    idempotency: stores.idempotency,
    events,
    audit,
    clock,
    telemetry,
    rateLimiter,
    masking,
    regionHeaderName: settings.INGEST_REGION_HEADER,
    limits: { batchesPerMinutePerDevice: settings.RATE_LIMIT_INGEST_BATCHES_PER_MINUTE },
    onSessionWritten,
    afterStore: watching.afterStore,
  };
  const sessionService: SessionServiceDependencies = {
    sessions,
    audit,
    events,
    clock,
    telemetry,
    rateLimiter,
    limits: { sessionCreatesPerHour: settings.RATE_LIMIT_SESSION_CREATES_PER_HOUR },
    onSessionWritten,
    beforeCreate: watching.beforeSessionCreate,
  };
  const signals = createSignals({
    stores,
    clock,
    telemetry,
    rateLimiter,
    events,
    deviceConfig,
    sessionService,
    publicBaseUrl: settings.PUBLIC_BASE_URL,
    groupCommitInMs: settings.SIGNALS_GROUP_COMMIT_MS,
  });
  const services: Services = {
    health: stores.health,
    deviceConfig,
    sessions: sessionService,
    ingest,
    otlp: { ingest, deviceTokens: new DeviceTokenVerifier(settings.INGEST_KEY_SECRET, clock) },
    telemetryQuery: { sessions, telemetryStore, audit, clock, fieldPolicy },
    auditQuery: { audit, sessions },
    screenshots: {
      sessions,
      screenshots,
      blobs,
      audit,
      fieldPolicy,
      events,
      clock,
      telemetry,
      rateLimiter,
      links: { uploadValidForInMs: settings.SCREENSHOT_UPLOAD_LINK_MINUTES * 60_000, readValidForInMs: settings.SCREENSHOT_READ_LINK_MINUTES * 60_000 },
    },
    reports: {
      sessions,
      telemetryStore,
      screenshots,
      reports,
      blobs,
      audit,
      events,
      clock,
      telemetry,
      rateLimiter,
      template: reportTemplate,
      masking,
      fieldPolicy,
      linkValidForInMs: settings.REPORT_LINK_MINUTES * 60_000,
      publicBaseUrl: settings.PUBLIC_BASE_URL,
    },
    regressions: { sessions, reports, audit, events, clock, telemetry, publicBaseUrl: settings.PUBLIC_BASE_URL },
    exports: {
      sessions,
      telemetryStore,
      blobs,
      audit,
      events,
      clock,
      telemetry,
      rateLimiter,
      masking,
      fieldPolicy,
      linkValidForInMs: settings.EXPORT_LINK_MINUTES * 60_000,
      limits: { maxLogs: 200_000, maxSpans: 50_000, pageSize: 20_000 },
    },
    masking,
    dashboard: settings,
    events,
    relay,
    eventing: createEventing({ settings, stores, clock, telemetry, masking, credential: infra.credential }),
    watch: watching.watch,
    signals,
    erasures: {
      records: stores.privacy.erasures,
      finder: stores.privacy.finder,
      stores: stores.privacy.erasable,
      sessions: sessionService,
      audit,
      events,
      clock,
      telemetry,
      keys: deriveSubjectKeys(settings.ERASURE_HASH_SECRET ?? `erasure:${settings.INGEST_KEY_SECRET}`),
      retention: { cosmosBackupRetentionDays: settings.COSMOS_BACKUP_RETENTION_DAYS, blobSoftDeleteDays: settings.BLOB_SOFT_DELETE_DAYS },
      performedBy: {
        service: 'remote-diagnostics',
        identity: infra.local ? 'local-host' : `managed-identity:${process.env.AZURE_CLIENT_ID ?? 'system-assigned'}`,
        instance: process.env.WEBSITE_INSTANCE_ID?.slice(0, 16) ?? hostname(),
      },
      limits: { ...ERASURE_DEFAULT_LIMITS },
    },
  };
  return {
    services,
    close: async () => {
      await signals.intake.close();
      await ingestStats.close();
    },
  };
}

export function createDependencies(settings: Settings, overrides: DependencyOverrides = {}): Dependencies {
  const infra = createInfrastructure(settings, overrides);
  const stores = createAzureStores(infra, { sasSigner: sasSignerOf(infra, overrides), telemetryStore: overrides.telemetryStore });
  // The poll and the limiter read the time on every request, once between them (a test's own clock is kept as given).
  const requestClock = overrides.clock ?? systemClockReadOncePerTurn();
  // In memory per instance, in Azure too; the API Management policy in bicep/ limits across instances.
  const rateLimiter = new MemoryRateLimiter(requestClock);
  const { services, close } = createServices(infra, stores, rateLimiter, requestClock);
  const edge: Edge = {
    clock: infra.clock,
    telemetry: infra.telemetry,
    tokens: createTokenVerifier({
      issuer: settings.AUTH_ISSUER,
      audience: settings.AUTH_AUDIENCE,
      rolesClaim: settings.AUTH_ROLES_CLAIM,
      productsClaim: settings.AUTH_PRODUCTS_CLAIM,
      jwksUrl: infra.local ? undefined : settings.AUTH_JWKS_URL,
      localSecret: infra.local ? settings.AUTH_LOCAL_SECRET : undefined,
    }),
    productKeys: new ProductKeyVerifier(settings.INGEST_KEY_SECRET),
    deviceTokens: services.otlp.deviceTokens,
  };
  return { settings, infra, stores, services, edge, close };
}

let current: Promise<Dependencies> | undefined;
/** `current` once it has settled: a request on a warm instance need not wait a turn for it. */
let ready: Dependencies | undefined;

/** The dependencies when already built, else undefined (then await getDependencies()). */
export function readyDependencies(): Dependencies | undefined {
  return ready;
}

/** Built on first use from the environment (cold start in Azure); the local host installs its own first. */
export function getDependencies(): Promise<Dependencies> {
  if (current) return current;
  const building = Promise.resolve().then(() => {
    const dependencies = createDependencies(parseSettings(process.env));
    dependencies.edge.telemetry.event('settings.loaded', { mode: dependencies.settings.DIAGNOSTICS_MODE });
    if (current === building) ready = dependencies;
    return dependencies;
  });
  current = building;
  building.catch((error: unknown) => {
    // A failed cold start must not be cached forever: the next invocation tries again.
    if (current === building) current = undefined;
    // Names only (SettingsError never quotes a value), so the host log says which setting to fix.
    if (error instanceof SettingsError) console.error(error.message);
  });
  return building;
}

// In Azure the worker builds the dependencies as it starts, so a missing setting stops the app at once,
// named in the host log, instead of failing the first request. Outside a host this is skipped.
if (functionsHostPresent()) {
  app.hook.appStart(async () => {
    await getDependencies();
  });

  // A graceful shutdown (scale-in, deployment) writes the stats still held in memory; a forced one loses them.
  app.hook.appTerminate(async () => {
    if (current) await (await current).close();
  });
}

export function installDependencies(dependencies: Dependencies): void {
  current = Promise.resolve(dependencies);
  ready = dependencies;
}
