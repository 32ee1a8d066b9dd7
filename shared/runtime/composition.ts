// The composition root: builds every client and adapter once from the parsed settings and hands them
// to handlers. No handler creates an SDK client or reads process.env.
import { StorageSharedKeyCredential, type BlobServiceClient } from '@azure/storage-blob';
import type { Database } from '@azure/cosmos';
import { DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import { app } from '@azure/functions';
import { parseSettings, SettingsError, type Settings } from '../config/settings';
import { AzureBlobStore } from '../adapters/blob/azure-blob-store';
import { createBlobService } from '../adapters/blob/blob-clients';
import { AccountKeySasSigner, UserDelegationSasSigner, type SasSigner } from '../adapters/blob/sas-signer';
import { CosmosAuditLog } from '../adapters/cosmos/cosmos-audit-log';
import { CosmosEventOutbox } from '../adapters/cosmos/cosmos-event-outbox';
import { createCosmosDatabase } from '../adapters/cosmos/cosmos-client';
import { containerDefinitions } from '../adapters/cosmos/containers';
import { CosmosReportStore } from '../adapters/cosmos/cosmos-report-store';
import { CosmosScreenshotStore } from '../adapters/cosmos/cosmos-screenshot-store';
import { CosmosSessionChangeFeed, CosmosSessionStore } from '../adapters/cosmos/cosmos-session-store';
import { CosmosTelemetryStore } from '../adapters/cosmos/cosmos-telemetry-store';
import { CosmosIdempotencyStore } from '../adapters/cosmos/cosmos-idempotency-store';
import { CachedSessionStateReader } from '../adapters/caching/cached-session-state';
import { IndexedSessionStateReader } from '../adapters/caching/indexed-session-state';
import { WriteBehindSessionStats } from '../adapters/caching/write-behind-session-stats';
import { ProductKeyVerifier } from '../domain/devices/credentials';
import { configureMaskingEngine, deriveMaskingHashKey, getMaskingEngine } from '../domain/masking';
import { createTokenVerifier } from '../adapters/identity/jose-token-verifier';
import { InProcessServiceBus } from '../adapters/local/in-process-bus';
import { MemoryRateLimiter } from '../adapters/local/memory-rate-limiter';
import { InMemoryTelemetry } from '../adapters/local/quiet-telemetry';
import { applicationInsightsFromSettings } from '../adapters/telemetry/application-insights-telemetry';
import { ServiceBusEventPublisher } from '../adapters/servicebus/service-bus-publisher';
import type { AuditLog } from '../ports/audit-log';
import type { BlobStore } from '../ports/blob-store';
import { systemClock, type Clock } from '../ports/clock';
import type { EventPublisher } from '../ports/event-publisher';
import type { RateLimiter } from '../ports/rate-limiter';
import type { ReportStore } from '../ports/report-store';
import type { ScreenshotStore } from '../ports/screenshot-store';
import type { SessionStore } from '../ports/session-store';
import type { DebugSession } from '../domain/sessions/session';
import type { Telemetry } from '../ports/telemetry';
import type { TelemetryStore } from '../ports/telemetry-store';
import type { TokenVerifier } from '../ports/token-verifier';
import { DeviceConfigService } from '../services/device-config-service';
import { OutboxEventPublisher, type EventRelayDependencies } from '../services/event-relay';
import { loadReportTemplate } from '../config/report-template';
import type { ExportServiceDependencies } from '../services/export-service';
import type { RegressionServiceDependencies } from '../services/regression-service';
import type { ReportServiceDependencies } from '../services/report-service';
import type { ScreenshotServiceDependencies } from '../services/screenshot-service';
import type { SessionServiceDependencies } from '../services/session-service';
import type { IngestServiceDependencies } from '../services/ingest-service';
import { createEventing, type EventingDependencies } from './event-wiring';
import { createWatching, type WatchDependencies } from './watch-wiring';
import { functionRegistry } from './registry';

export interface Dependencies {
  settings: Settings;
  clock: Clock;
  telemetry: Telemetry;
  rateLimiter: RateLimiter;
  tokens: TokenVerifier;
  /** The product ingest keys (`x-diagnostics-key`) the endpoint wrapper checks. */
  productKeys: ProductKeyVerifier;
  database: Database;
  blobService: BlobServiceClient;
  sessions: SessionStore;
  audit: AuditLog;
  /** A session's logs, breadcrumbs, network captures and spans. */
  telemetryStore: TelemetryStore;
  /** Lossless publishing for every area: the outbox first, then the bus (shared/services/event-relay.ts). */
  events: OutboxEventPublisher;
  /** The raw topic sender; only the outbox relay uses it. */
  bus: EventPublisher;
  /** What the outbox relay and its drain timer need. */
  relay: EventRelayDependencies;
  /** What the event subscribers (notifications, tickets, audit) need. */
  eventing: EventingDependencies;
  /** Present in local mode: the in-process stand-in for the Service Bus topic. */
  localBus?: InProcessServiceBus;
  deviceConfig: DeviceConfigService;
  /** What the session use cases need, assembled once. */
  sessionService: SessionServiceDependencies;
  /** SAS links and the blob reads/writes of screenshots, reports and exports. */
  blobs: BlobStore;
  screenshots: ScreenshotStore;
  screenshotService: ScreenshotServiceDependencies;
  /** What device ingest and consent need, assembled once. */
  ingestService: IngestServiceDependencies;
  reports: ReportStore;
  reportService: ReportServiceDependencies;
  regressionService: RegressionServiceDependencies;
  exportService: ExportServiceDependencies;
  /** Live tail, pattern hooks and grouping by user (issue 16). */
  watch: WatchDependencies;
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

export function createDependencies(settings: Settings, overrides: DependencyOverrides = {}): Dependencies {
  const local = settings.DIAGNOSTICS_MODE === 'local';
  const clock = overrides.clock ?? systemClock;
  configureMaskingEngine({ hashKey: deriveMaskingHashKey(settings.INGEST_KEY_SECRET) });
  // Compiled now, so a missing or invalid rules file fails the cold start, not the first ingest.
  getMaskingEngine();
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
  });
  const sessionsContainer = database.container(containerDefinitions.sessions.id);
  const rateLimiter = new MemoryRateLimiter(clock);
  const localBus = local
    ? new InProcessServiceBus(() => functionRegistry.topics, {
        topicName: settings.SERVICEBUS_TOPIC,
        maxDeliveryCount: LOCAL_BUS_MAX_DELIVERY_COUNT,
        redeliveryDelayInMs: 50,
      })
    : undefined;
  const bus: EventPublisher =
    localBus ?? new ServiceBusEventPublisher(settings.SERVICEBUS_FULLY_QUALIFIED_NAMESPACE ?? '', settings.SERVICEBUS_TOPIC, credential!);
  const deviceConfig = new DeviceConfigService(new CosmosSessionChangeFeed(sessionsContainer, () => clock.now()), clock, rateLimiter, telemetry, {
    ingestKeySecret: settings.INGEST_KEY_SECRET,
    pollIntervalSeconds: settings.RATE_LIMIT_CONFIG_POLL_INTERVAL_SECONDS,
    refreshIntervalInMs: settings.CONFIG_INDEX_REFRESH_MS,
  });
  const sessions = new CosmosSessionStore(sessionsContainer);
  const cachedSessionState = new CachedSessionStateReader(sessions, clock, telemetry, { maxAgeInMs: settings.INGEST_SESSION_CACHE_MS, maxEntries: 50_000 });
  // A cache age of 0 asks for a storage read per batch, so the index is left out too.
  const sessionState = settings.INGEST_SESSION_CACHE_MS > 0 ? new IndexedSessionStateReader(deviceConfig, cachedSessionState, telemetry) : cachedSessionState;
  const ingestStats = new WriteBehindSessionStats(sessions, telemetry, { flushIntervalInMs: settings.INGEST_STATS_FLUSH_MS });
  // This instance's own writes reach its config index and ingest's session cache at once.
  const onSessionWritten = (session: DebugSession) => {
    deviceConfig.noteSessionWritten(session);
    sessionState.noteSessionWritten(session);
  };
  const audit = new CosmosAuditLog(database.container(containerDefinitions.audit.id));
  const relay: EventRelayDependencies = {
    outbox: new CosmosEventOutbox(database.container(containerDefinitions.eventOutbox.id)),
    bus,
    sessions,
    clock,
    telemetry,
    preparedGraceInMs: settings.OUTBOX_PREPARED_GRACE_SECONDS * 1000,
  };
  const events = new OutboxEventPublisher(relay);
  const now = () => clock.now();
  // Account-key SAS only against Azurite; in Azure the app holds no account key and signs with a user delegation key.
  const sasSigner =
    overrides.sasSigner ??
    (local
      ? new AccountKeySasSigner(new StorageSharedKeyCredential(settings.STORAGE_ACCOUNT_NAME!, settings.STORAGE_ACCOUNT_KEY!), now)
      : new UserDelegationSasSigner(blobService, now));
  const blobs = new AzureBlobStore(blobService, sasSigner, now);
  const screenshots = new CosmosScreenshotStore(database.container(containerDefinitions.screenshots.id));
  const reports = new CosmosReportStore(database.container(containerDefinitions.reports.id));
  // Parsed at cold start: a broken template fails the start, naming the field, not the first report.
  const reportTemplate = loadReportTemplate();
  const telemetryStore = overrides.telemetryStore ?? new CosmosTelemetryStore(database.container(containerDefinitions.logs.id), database.container(containerDefinitions.traces.id));
  const watching = createWatching({ settings, database, sessions, sessionState, audit, events, telemetryStore, clock, telemetry });
  return {
    settings,
    clock,
    telemetry,
    rateLimiter,
    tokens: createTokenVerifier({
      issuer: settings.AUTH_ISSUER,
      audience: settings.AUTH_AUDIENCE,
      rolesClaim: settings.AUTH_ROLES_CLAIM,
      productsClaim: settings.AUTH_PRODUCTS_CLAIM,
      jwksUrl: local ? undefined : settings.AUTH_JWKS_URL,
      localSecret: local ? settings.AUTH_LOCAL_SECRET : undefined,
    }),
    productKeys: new ProductKeyVerifier(settings.INGEST_KEY_SECRET),
    database,
    blobService,
    sessions,
    audit,
    telemetryStore,
    events,
    bus,
    relay,
    eventing: createEventing({ settings, database, clock, telemetry, audit, credential }),
    localBus,
    deviceConfig,
    sessionService: {
      sessions,
      audit,
      events,
      clock,
      telemetry,
      rateLimiter,
      limits: { sessionCreatesPerHour: settings.RATE_LIMIT_SESSION_CREATES_PER_HOUR },
      onSessionWritten,
      beforeCreate: watching.beforeSessionCreate,
    },
    blobs,
    screenshots,
    screenshotService: {
      sessions,
      screenshots,
      blobs,
      events,
      clock,
      telemetry,
      rateLimiter,
      links: { uploadValidForInMs: settings.SCREENSHOT_UPLOAD_LINK_MINUTES * 60_000, readValidForInMs: settings.SCREENSHOT_READ_LINK_MINUTES * 60_000 },
    },
    ingestService: {
      sessions,
      sessionState,
      stats: ingestStats,
      telemetryStore,
      idempotency: new CosmosIdempotencyStore(database.container(containerDefinitions.idempotency.id)),
      events,
      audit,
      clock,
      telemetry,
      rateLimiter,
      masking: getMaskingEngine,
      ingestKeySecret: settings.INGEST_KEY_SECRET,
      limits: { batchesPerMinutePerDevice: settings.RATE_LIMIT_INGEST_BATCHES_PER_MINUTE },
      onSessionWritten,
      afterStore: watching.afterStore,
    },
    reports,
    reportService: {
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
      template: () => reportTemplate,
      linkValidForInMs: settings.REPORT_LINK_MINUTES * 60_000,
      publicBaseUrl: settings.PUBLIC_BASE_URL,
    },
    regressionService: { sessions, reports, audit, events, clock, telemetry, publicBaseUrl: settings.PUBLIC_BASE_URL },
    exportService: {
      sessions,
      telemetryStore,
      blobs,
      audit,
      events,
      clock,
      telemetry,
      rateLimiter,
      linkValidForInMs: settings.EXPORT_LINK_MINUTES * 60_000,
      limits: { maxLogs: 200_000, maxSpans: 50_000, pageSize: 20_000 },
    },
    watch: watching.watch,
    close: () => ingestStats.close(),
  };
}

let current: Promise<Dependencies> | undefined;
/** The same dependencies once built, so a warm invocation takes them without awaiting a promise. */
let ready: Dependencies | undefined;

/** Built on first use from the environment (cold start in Azure); the local host installs its own first. */
export function getDependencies(): Promise<Dependencies> {
  if (current) return current;
  const building = Promise.resolve().then(() => {
    const dependencies = createDependencies(parseSettings(process.env));
    dependencies.telemetry.event('settings.loaded', { mode: dependencies.settings.DIAGNOSTICS_MODE });
    return dependencies;
  });
  current = building;
  building.then(
    (dependencies) => {
      if (current === building) ready = dependencies;
    },
    (error: unknown) => {
      // A failed cold start must not be cached forever: the next invocation tries again.
      if (current === building) current = undefined;
      // Names only (SettingsError never quotes a value), so the host log says which setting to fix.
      if (error instanceof SettingsError) console.error(error.message);
    },
  );
  return building;
}

/** The built dependencies, or undefined before the first build finished (then await getDependencies()). */
export function readyDependencies(): Dependencies | undefined {
  return ready;
}

// In Azure the worker builds the dependencies as it starts, so a missing setting stops the app at once,
// named in the host log, instead of failing the first request. Outside a host this is skipped.
app.hook.appStart(async () => {
  await getDependencies();
});

// A graceful shutdown (scale-in, deployment) writes the stats still held in memory; a forced one loses them.
app.hook.appTerminate(async () => {
  if (current) await (await current).close();
});

export function installDependencies(dependencies: Dependencies): void {
  current = Promise.resolve(dependencies);
  ready = dependencies;
}
