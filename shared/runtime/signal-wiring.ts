// Builds the signals area's dependencies (called once by the composition root): intake, series reads,
// rules, detection and trigger rules over the signal stores.
import { GroupCommitSignalStore } from '../adapters/caching/group-commit-signal-store';
import type { Clock } from '../ports/clock';
import type { EventPublisher } from '../ports/event-publisher';
import type { RateLimiter } from '../ports/rate-limiter';
import type { Telemetry } from '../ports/telemetry';
import type { DeviceConfigService } from '../services/device-config-service';
import type { DetectionServiceDependencies } from '../services/detection-service';
import type { SessionServiceDependencies } from '../services/session-service';
import type { SignalRuleServiceDependencies } from '../services/signal-rule-service';
import type { SignalServiceDependencies } from '../services/signal-service';
import { forgetTriggerRules, onDeviceReports, type TriggerServiceDependencies } from '../services/trigger-service';
import type { Stores } from './stores';

export interface SignalDependencies {
  /** `close` writes the signal batches still gathering in a group (the instance is shutting down). */
  intake: SignalServiceDependencies & { close(): Promise<void> };
  rules: SignalRuleServiceDependencies;
  detection: DetectionServiceDependencies;
  triggers: TriggerServiceDependencies;
}

export interface SignalInputs {
  /** `idempotency` is shared with ingest: first answers to requests that carried an Idempotency-Key. */
  stores: Pick<Stores, 'signalBuckets' | 'signalRules' | 'audit' | 'idempotency'>;
  clock: Clock;
  telemetry: Telemetry;
  rateLimiter: RateLimiter;
  events: EventPublisher;
  deviceConfig: DeviceConfigService;
  sessionService: SessionServiceDependencies;
  publicBaseUrl: string;
  /** SIGNALS_GROUP_COMMIT_MS: device batches arriving this close together are written as one group. */
  groupCommitInMs: number;
}

/** A device sends one batch a minute; a few more absorb retries and a flush on exit. */
const SIGNAL_BATCHES_PER_MINUTE_PER_DEVICE = 6;
const TRIGGER_RULE_CACHE_IN_MS = 30_000;
/** A group is written early past this many points: a device batch has at most ~250, a product's minute a few thousand. */
const MAX_POINTS_PER_GROUP = 5_000;
/** Devices send a minute's counts within the next minute (SDK interval 60 s); detection waits that long. */
const EVALUATION_DELAY_IN_MS = 60_000;

export function createSignals(inputs: SignalInputs): SignalDependencies {
  const { clock, telemetry } = inputs;
  const { signalBuckets: store, signalRules: rules, audit, idempotency } = inputs.stores;
  // Intake writes in groups; reads (detection, the dashboard's series) go to the store itself.
  const grouped = new GroupCommitSignalStore(store, telemetry, { windowInMs: inputs.groupCommitInMs, maxPointsPerGroup: MAX_POINTS_PER_GROUP });
  const triggers: TriggerServiceDependencies = {
    rules,
    sessionService: inputs.sessionService,
    liveSessionFor: (poll) => inputs.deviceConfig.liveSessionFor(poll),
    audit,
    clock,
    telemetry,
    cacheForInMs: TRIGGER_RULE_CACHE_IN_MS,
  };
  return {
    intake: {
      store: grouped,
      close: () => grouped.flush(),
      clock,
      telemetry,
      rateLimiter: inputs.rateLimiter,
      limits: { batchesPerMinutePerDevice: SIGNAL_BATCHES_PER_MINUTE_PER_DEVICE },
      idempotency,
      onReports: async (productId, deviceId, reports) => void (await onDeviceReports(triggers, productId, deviceId, reports)),
    },
    rules: { rules, audit, clock, publicBaseUrl: inputs.publicBaseUrl, onTriggerRulesChanged: (productId) => forgetTriggerRules(triggers, productId) },
    detection: {
      store,
      rules,
      events: inputs.events,
      clock,
      telemetry,
      publicBaseUrl: inputs.publicBaseUrl,
      triggers,
      evaluationDelayInMs: EVALUATION_DELAY_IN_MS,
    },
    triggers,
  };
}
