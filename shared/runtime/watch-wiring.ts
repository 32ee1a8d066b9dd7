// Builds live tail, pattern hooks and the per-user index from settings (issue 16), called once by the composition
// root: one field of Dependencies (`watch`) plus what ingest runs after it stores a batch.
import type { Settings } from '../config/settings';
import type { FieldPolicy } from '../domain/access/field-policy';
import { systemClock, type Clock } from '../ports/clock';
import type { EventPublisher } from '../ports/event-publisher';
import type { SessionStateReader } from '../ports/session-state-reader';
import type { Telemetry } from '../ports/telemetry';
import type { AfterStore } from '../services/ingest-service';
import { SharedTailReads } from '../adapters/caching/shared-tail-reads';
import { OpenStreams, type LiveTailDependencies } from '../services/live-tail-service';
import { PatternHookCache, PatternMatcher, type PatternHookDependencies } from '../services/pattern-hook-service';
import { indexTargetedSession, UserObserver, type UserGroupingDependencies } from '../services/user-grouping-service';
import type { DebugSession } from '../domain/sessions/session';
import type { Stores } from './stores';

export const TAIL_MAX_ITEMS_PER_MESSAGE = 500;

export interface WatchDependencies {
  liveTail: LiveTailDependencies;
  hooks: PatternHookDependencies;
  users: UserGroupingDependencies;
}

export interface WatchInputs {
  settings: Settings;
  stores: Pick<Stores, 'sessions' | 'audit' | 'telemetry' | 'patternHooks' | 'tailReader' | 'userSessions'>;
  sessionState: SessionStateReader;
  events: EventPublisher;
  clock: Clock;
  telemetry: Telemetry;
  fieldPolicy: FieldPolicy;
}

export interface Watching {
  watch: WatchDependencies;
  /** Ingest runs it after storing a batch: pattern hooks, then the per-user index. */
  afterStore: AfterStore;
  /** Session creation runs it before writing: the per-user index. */
  beforeSessionCreate: (session: DebugSession) => Promise<void>;
}

export function createWatching(inputs: WatchInputs): Watching {
  const { settings, stores, clock, telemetry } = inputs;
  const hookStore = stores.patternHooks;
  const hooks: PatternHookDependencies = {
    hooks: hookStore,
    cache: new PatternHookCache((productId) => hookStore.list(productId), clock, telemetry, settings.PATTERN_HOOK_CACHE_MS),
    audit: stores.audit,
    events: inputs.events,
    clock,
    telemetry,
    publicBaseUrl: settings.PUBLIC_BASE_URL,
    webhookSigningConfigured: settings.WEBHOOK_SECRET !== undefined,
    allowPlainHttpWebhooks: settings.DIAGNOSTICS_MODE === 'local',
  };
  const matcher = new PatternMatcher(hooks);
  const liveTail: LiveTailDependencies = {
    sessions: stores.sessions,
    sessionState: inputs.sessionState,
    // Streams of one session on this instance share their reads: storage sees one query a second per session.
    // Shared for one poll interval of real time (streams wait on timers, not on the app's clock).
    reader: new SharedTailReads(stores.tailReader, systemClock, telemetry, { shareForMs: settings.TAIL_POLL_INTERVAL_MS, maxEntries: 1024 }),
    audit: stores.audit,
    fieldPolicy: inputs.fieldPolicy,
    clock,
    // Cosmos stamps `_ts` with its own wall clock, whatever clock the app runs on.
    storageClock: systemClock,
    telemetry,
    streams: new OpenStreams(),
    limits: {
      pollIntervalInMs: settings.TAIL_POLL_INTERVAL_MS,
      maxItemsPerMessage: TAIL_MAX_ITEMS_PER_MESSAGE,
      maxStreamInMs: settings.TAIL_MAX_STREAM_SECONDS * 1000,
      heartbeatInMs: settings.TAIL_HEARTBEAT_SECONDS * 1000,
      settleInMs: settings.TAIL_SETTLE_MS,
      // Another instance may accept a batch until its session index refreshes (CONFIG_INDEX_REFRESH_MS).
      endGraceInMs: 2000 + settings.CONFIG_INDEX_REFRESH_MS + settings.TAIL_SETTLE_MS,
      retryInMs: 1000,
      maxStreamsPerCaller: settings.TAIL_MAX_STREAMS_PER_CALLER,
      maxStreamsPerProduct: settings.TAIL_MAX_STREAMS_PER_PRODUCT,
    },
  };
  const users: UserGroupingDependencies = {
    index: stores.userSessions,
    sessions: stores.sessions,
    telemetryStore: stores.telemetry,
    audit: stores.audit,
    fieldPolicy: inputs.fieldPolicy,
    clock,
  };
  const observer = new UserObserver(users);
  return {
    watch: { liveTail, hooks, users },
    afterStore: {
      async onStored(batch, stored) {
        await matcher.onStored(batch.productId, stored, batch.correlationId);
        await observer.onStored(batch);
      },
    },
    beforeSessionCreate: (session) => indexTargetedSession(users, session),
  };
}
