// Tier 2 of the composition root: our ports over the infrastructure. One factory per storage backend builds them
// all; adding a backend (say, another document store) is one more factory returning `Stores`.
import type { SasSigner } from '../adapters/blob/sas-signer';
import { AzureBlobStore } from '../adapters/blob/azure-blob-store';
import { BlobPrefixErasable } from '../adapters/blob/blob-erasure';
import { AzureHealthProbe } from '../adapters/azure-health-probe';
import { containerDefinitions } from '../adapters/cosmos/containers';
import { CosmosAlertThrottleStore } from '../adapters/cosmos/cosmos-alert-throttle';
import { CosmosAuditLog } from '../adapters/cosmos/cosmos-audit-log';
import {
  CosmosAuditErasable,
  CosmosErasureRecordStore,
  CosmosPartitionErasable,
  CosmosQueryErasable,
  CosmosSubjectSessionFinder,
  deviceSignalsSpec,
  sessionPartitions,
  sessionScopedSpecs,
  type QuerySpec,
} from '../adapters/cosmos/cosmos-erasure';
import { CosmosEventOutbox } from '../adapters/cosmos/cosmos-event-outbox';
import { CosmosIdempotencyStore } from '../adapters/cosmos/cosmos-idempotency-store';
import { CosmosReportStore } from '../adapters/cosmos/cosmos-report-store';
import { CosmosScreenshotStore } from '../adapters/cosmos/cosmos-screenshot-store';
import { CosmosRecentSessionUpdates, CosmosSessionStore } from '../adapters/cosmos/cosmos-session-store';
import { CosmosPatternHookStore } from '../adapters/cosmos/cosmos-pattern-hook-store';
import { CosmosTailReader } from '../adapters/cosmos/cosmos-tail-reader';
import { CosmosUserSessionIndex } from '../adapters/cosmos/cosmos-user-session-index';
import { CosmosSignalRuleStore } from '../adapters/cosmos/cosmos-signal-rule-store';
import { CosmosSignalStore } from '../adapters/cosmos/cosmos-signal-store';
import { CosmosSubscriberLedger } from '../adapters/cosmos/cosmos-subscriber-ledger';
import { CosmosTelemetryStore } from '../adapters/cosmos/cosmos-telemetry-store';
import { CosmosTicketLinkStore } from '../adapters/cosmos/cosmos-ticket-links';
import type { AlertThrottleStore } from '../ports/alert-throttle';
import type { AuditLog } from '../ports/audit-log';
import type { BlobStore } from '../ports/blob-store';
import type { ErasableStore, ErasureRecordStore, SubjectSessionFinder } from '../ports/erasure';
import type { EventOutbox } from '../ports/event-outbox';
import type { HealthProbe } from '../ports/health-probe';
import type { IdempotencyStore } from '../ports/idempotency-store';
import type { ReportStore } from '../ports/report-store';
import type { ScreenshotStore } from '../ports/screenshot-store';
import type { RecentSessionUpdates, SessionStore } from '../ports/session-store';
import type { PatternHookStore } from '../ports/pattern-hook-store';
import type { TailReader } from '../ports/tail-reader';
import type { UserSessionIndex } from '../ports/user-session-index';
import type { SignalRuleStore } from '../ports/signal-rule-store';
import type { SignalStore } from '../ports/signal-store';
import type { SubscriberLedger } from '../ports/subscriber-ledger';
import type { TelemetryStore } from '../ports/telemetry-store';
import type { TicketLinkStore } from '../ports/ticket-tracker';
import type { Container } from '@azure/cosmos';
import type { Infrastructure } from './composition';

export interface Stores {
  sessions: SessionStore;
  /** Feeds the config poll's targeting index. */
  recentSessionUpdates: RecentSessionUpdates;
  audit: AuditLog;
  /** A session's logs, breadcrumbs, network captures and spans. */
  telemetry: TelemetryStore;
  idempotency: IdempotencyStore;
  screenshots: ScreenshotStore;
  reports: ReportStore;
  outbox: EventOutbox;
  /** SAS links and the blob reads/writes of screenshots, reports and exports. */
  blobs: BlobStore;
  subscriberLedger: SubscriberLedger;
  alertThrottle: AlertThrottleStore;
  ticketLinks: TicketLinkStore;
  /** Per-product, per-minute signal buckets and their hourly rollups. */
  signalBuckets: SignalStore;
  /** Alert and trigger rules with their state. */
  signalRules: SignalRuleStore;
  /** A product's pattern hooks. */
  patternHooks: PatternHookStore;
  /** A session's stored items from a cursor, for the live tail. */
  tailReader: TailReader;
  /** The sessions that targeted or observed a user. */
  userSessions: UserSessionIndex;
  /** Per-user erasure: its records, the subject's session finder, and every store as an ErasableStore, in erasure order. */
  privacy: PrivacyStores;
  health: HealthProbe;
}

export interface PrivacyStores {
  erasures: ErasureRecordStore;
  finder: SubjectSessionFinder;
  erasable: ErasableStore[];
}

export interface StoreOptions {
  sasSigner: SasSigner;
  /** Benchmarks swap the telemetry store out to measure the runtime alone. */
  telemetryStore?: TelemetryStore;
}

/** Cosmos DB for documents, Blob Storage for files (the emulators locally). */
export function createAzureStores(infra: Infrastructure, options: StoreOptions): Stores {
  const { database, blobService } = infra;
  const container = (definition: { id: string }) => database.container(definition.id);
  const sessionsContainer = container(containerDefinitions.sessions);
  return {
    sessions: new CosmosSessionStore(sessionsContainer),
    recentSessionUpdates: new CosmosRecentSessionUpdates(sessionsContainer, () => infra.clock.now()),
    audit: new CosmosAuditLog(container(containerDefinitions.audit)),
    telemetry: options.telemetryStore ?? new CosmosTelemetryStore(container(containerDefinitions.logs), container(containerDefinitions.traces)),
    idempotency: new CosmosIdempotencyStore(container(containerDefinitions.idempotency)),
    screenshots: new CosmosScreenshotStore(container(containerDefinitions.screenshots)),
    reports: new CosmosReportStore(container(containerDefinitions.reports)),
    outbox: new CosmosEventOutbox(container(containerDefinitions.eventOutbox)),
    blobs: new AzureBlobStore(blobService, options.sasSigner, () => infra.clock.now(), { deadlineInMs: infra.settings.BLOB_DEADLINE_MS }),
    subscriberLedger: new CosmosSubscriberLedger(container(containerDefinitions.processedEvents), container(containerDefinitions.deadLetters)),
    alertThrottle: new CosmosAlertThrottleStore(container(containerDefinitions.notificationThrottle)),
    ticketLinks: new CosmosTicketLinkStore(container(containerDefinitions.ticketLinks)),
    signalBuckets: new CosmosSignalStore(container(containerDefinitions.signalBuckets)),
    signalRules: new CosmosSignalRuleStore(container(containerDefinitions.signalRules)),
    patternHooks: new CosmosPatternHookStore(container(containerDefinitions.patternHooks)),
    tailReader: new CosmosTailReader(container(containerDefinitions.logs), container(containerDefinitions.traces)),
    userSessions: new CosmosUserSessionIndex(container(containerDefinitions.userSessions)),
    privacy: createPrivacyStores(infra, container),
    health: new AzureHealthProbe(database, blobService),
  };
}

/**
 * Every store that can hold a subject's data, in erasure order (erasureStoreNames). Containers partitioned by session
 * drop whole partitions where the account has that capability (COSMOS_PARTITION_KEY_DELETE); else query and bulk delete.
 */
function createPrivacyStores(infra: Infrastructure, container: (definition: { id: string }) => Container): PrivacyStores {
  const { blobService, settings } = infra;
  const bySession = (definition: { id: string }, spec: QuerySpec, partitionOf: (productId: string, sessionId: string) => string): ErasableStore =>
    settings.COSMOS_PARTITION_KEY_DELETE
      ? new CosmosPartitionErasable(container(definition), spec, partitionOf)
      : new CosmosQueryErasable(container(definition), spec);
  const query = (definition: { id: string }, spec: QuerySpec) => new CosmosQueryErasable(container(definition), spec);
  const specs = sessionScopedSpecs;
  return {
    erasures: new CosmosErasureRecordStore(container(containerDefinitions.erasures)),
    finder: new CosmosSubjectSessionFinder({
      sessions: container(containerDefinitions.sessions),
      userSessions: container(containerDefinitions.userSessions),
      logs: container(containerDefinitions.logs),
      traces: container(containerDefinitions.traces),
    }),
    erasable: [
      bySession(containerDefinitions.logs, specs.logs, sessionPartitions.telemetry),
      bySession(containerDefinitions.traces, specs.spans, sessionPartitions.telemetry),
      bySession(containerDefinitions.screenshots, specs.screenshotRecords, sessionPartitions.bySessionId),
      new BlobPrefixErasable('screenshotBlobs', blobService, 'screenshots'),
      bySession(containerDefinitions.reports, specs.reportRecords, sessionPartitions.bySessionId),
      new BlobPrefixErasable('reportBlobs', blobService, 'reports'),
      new BlobPrefixErasable('exportBlobs', blobService, 'exports'),
      query(containerDefinitions.idempotency, specs.idempotencyRecords),
      query(containerDefinitions.eventOutbox, specs.outboxRecords),
      query(containerDefinitions.deadLetters, specs.deadLetters),
      query(containerDefinitions.userSessions, specs.userSessionIndex),
      query(containerDefinitions.signalRules, deviceSignalsSpec),
      new CosmosAuditErasable(container(containerDefinitions.audit)),
      query(containerDefinitions.sessions, specs.sessions),
    ],
  };
}
