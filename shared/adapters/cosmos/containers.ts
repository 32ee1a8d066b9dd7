// Every Cosmos container the app uses, with partition key and TTL: read by the local bootstrap
// and checked against bicep/ by a test, so the two cannot drift.
import { PartitionKeyDefinitionVersion, PartitionKeyKind } from '@azure/cosmos';

const DAY_IN_SECONDS = 86_400;

export interface ContainerDefinition {
  id: string;
  partitionKeyPath: string;
  /** Seconds; Cosmos deletes items this long after their last write. -1 = on, no default expiry. */
  defaultTtlInSeconds: number;
}

/**
 * How every container hashes its partition key, as the Bicep declares it (`kind: 'Hash', version: 2`). Local
 * containers take it too: without it they hashed with version 1, which the SDK works out ~2x slower per operation
 * (13 against 7 µs here, for every item of a bulk write), so local mode and its benchmarks were not Azure's.
 */
export const partitionKeyScheme = { kind: PartitionKeyKind.Hash, version: PartitionKeyDefinitionVersion.V2 } as const;

export const containerDefinitions = {
  sessions: { id: 'debug_sessions', partitionKeyPath: '/id', defaultTtlInSeconds: 7 * DAY_IN_SECONDS },
  traces: { id: 'debug_traces', partitionKeyPath: '/pk', defaultTtlInSeconds: 7 * DAY_IN_SECONDS },
  logs: { id: 'debug_logs', partitionKeyPath: '/pk', defaultTtlInSeconds: 3 * DAY_IN_SECONDS },
  screenshots: { id: 'debug_screenshots', partitionKeyPath: '/sessionId', defaultTtlInSeconds: 7 * DAY_IN_SECONDS },
  reports: { id: 'debug_reports', partitionKeyPath: '/sessionId', defaultTtlInSeconds: 30 * DAY_IN_SECONDS },
  audit: { id: 'audit_log', partitionKeyPath: '/productId', defaultTtlInSeconds: 400 * DAY_IN_SECONDS },
  /** First answers to ingest requests that carried an Idempotency-Key, remembered one day. */
  idempotency: { id: 'ingest_idempotency', partitionKeyPath: '/id', defaultTtlInSeconds: DAY_IN_SECONDS },
  // Events (issue 5): the outbox keeps unsent records forever (TTL on, set per record once settled).
  eventOutbox: { id: 'event_outbox', partitionKeyPath: '/id', defaultTtlInSeconds: -1 },
  processedEvents: { id: 'processed_events', partitionKeyPath: '/id', defaultTtlInSeconds: 30 * DAY_IN_SECONDS },
  deadLetters: { id: 'dead_letters', partitionKeyPath: '/subscription', defaultTtlInSeconds: 30 * DAY_IN_SECONDS },
  notificationThrottle: { id: 'notification_throttle', partitionKeyPath: '/id', defaultTtlInSeconds: 7 * DAY_IN_SECONDS },
  ticketLinks: { id: 'ticket_links', partitionKeyPath: '/id', defaultTtlInSeconds: 365 * DAY_IN_SECONDS },
  // Signals (issue 17): per-minute buckets expire after 8 days, hourly rollups set their own 90-day ttl.
  signalBuckets: { id: 'signal_buckets', partitionKeyPath: '/productId', defaultTtlInSeconds: 8 * DAY_IN_SECONDS },
  /** Alert and trigger rules, alert state and auto-session caps; TTL on, set per record where it applies. */
  signalRules: { id: 'signal_rules', partitionKeyPath: '/productId', defaultTtlInSeconds: -1 },
  // Live tail, pattern hooks, grouping by user (issue 16).
  /** A product's pattern hooks: configuration, kept until deleted. */
  patternHooks: { id: 'pattern_hooks', partitionKeyPath: '/productId', defaultTtlInSeconds: -1 },
  /** One entry per (product, user, session): the sessions that targeted or observed a user, without a cross-partition scan. */
  userSessions: { id: 'user_sessions', partitionKeyPath: '/userKey', defaultTtlInSeconds: 7 * DAY_IN_SECONDS },
} as const satisfies Record<string, ContainerDefinition>;

export type ContainerName = keyof typeof containerDefinitions;
