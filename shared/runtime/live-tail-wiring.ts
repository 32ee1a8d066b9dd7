// Builds what live tail streams need from settings (called once by the composition root).
import type { Database } from '@azure/cosmos';
import type { Settings } from '../config/settings';
import { containerDefinitions } from '../adapters/cosmos/containers';
import { CosmosTailReader } from '../adapters/cosmos/cosmos-tail-reader';
import type { Clock } from '../ports/clock';
import type { SessionStateReader } from '../ports/session-state-reader';
import type { SessionStore } from '../ports/session-store';
import type { Telemetry } from '../ports/telemetry';
import { OpenStreams, type LiveTailDependencies } from '../services/live-tail-service';

export const TAIL_MAX_ITEMS_PER_MESSAGE = 500;

export function createLiveTail(inputs: { settings: Settings; database: Database; sessions: SessionStore; sessionState: SessionStateReader; clock: Clock; telemetry: Telemetry }): LiveTailDependencies {
  const { settings, database } = inputs;
  return {
    sessions: inputs.sessions,
    sessionState: inputs.sessionState,
    reader: new CosmosTailReader(database.container(containerDefinitions.logs.id), database.container(containerDefinitions.traces.id)),
    clock: inputs.clock,
    telemetry: inputs.telemetry,
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
}
