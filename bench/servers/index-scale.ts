// The config poll's targeting index at scale, in a process of its own per size (a clean heap to weigh): N live
// sessions loaded through the service's own path (DeviceConfigService over RecentSessionUpdates, here in memory),
// then the CPU of a 304 poll (an idle device sending its ETag) and of a poll that finds its session, the heap per
// live session, and what an index refresh costs when a share of the sessions changes every second.
import { LOCAL_DEV_SECRETS, DEMO_PRODUCT_ID } from '../../local-host/local-settings';
import { InMemoryTelemetry } from '../../shared/adapters/memory/in-memory-telemetry';
import { MemoryRateLimiter } from '../../shared/adapters/memory/memory-rate-limiter';
import { createSessionRequestSchema, newSession, type DebugSession } from '../../shared/domain/sessions/session';
import type { Clock } from '../../shared/ports/clock';
import { DeviceConfigService } from '../../shared/services/device-config-service';
import { serveParent, usageNow } from '../support/child-protocol';
import { MemorySessionUpdates } from '../support/memory-ports';
import { median } from '../support/statistics';

const REFRESH_INTERVAL_MS = 1000;
const POLL_INTERVAL_SECONDS = 5;

export interface IndexScaleRequest {
  sessions: number;
  /** Polls timed per run, and runs (the median is kept). */
  polls: number;
  runs: number;
  /** When set: this share of the sessions changes before each of `refreshes` refreshes. */
  churn?: { fraction: number; refreshes: number };
}

export interface IndexScaleResult {
  sessions: number;
  /**
   * Heap after a full GC, before the sessions existed and with the index holding them, with the memory of array
   * buffers (the index's hash table of targets lives in typed arrays, outside the V8 heap).
   */
  heapBeforeBytes: number;
  heapAfterBytes: number;
  rssBeforeBytes: number;
  rssAfterBytes: number;
  loadSeconds: number;
  /** CPU µs per poll, per run. */
  idlePollMicros: number[];
  targetedPollMicros: number[];
  /** CPU ms per refresh that folded in `churn.fraction` of the sessions. */
  refreshMillis?: number[];
  changedPerRefresh?: number;
}

class ManualClock implements Clock {
  constructor(private at: number) {}
  now(): Date {
    return new Date(this.at);
  }
  advance(milliseconds: number): void {
    this.at += milliseconds;
  }
}

const collect = () => (globalThis as { gc?: () => void }).gc?.();

/**
 * Sessions as the index holds them in production: parsed from storage's JSON (no keys left undefined), each its
 * own objects. Built one at a time so the only copies alive are the ones handed to the index.
 */
function liveSessions(count: number, now: Date): DebugSession[] {
  const template = createSessionRequestSchema.parse({
    productId: DEMO_PRODUCT_ID,
    targetDeviceId: 'template',
    userConsent: 'pre_consent',
    maxDurationMinutes: 1440,
  });
  const sessions = new Array<DebugSession>(count);
  for (let index = 0; index < count; index++) {
    sessions[index] = JSON.parse(JSON.stringify(newSession({ ...template, targetDeviceId: `scale-device-${index}` }, 'bench-admin', now))) as DebugSession;
  }
  return sessions;
}

/**
 * The sessions live in their own frame, so nothing of this bench keeps them once the index has loaded them. Only the
 * churn run holds them as storage handed them over, to derive changed copies; its memory is not quoted. Every other run
 * lets them go: the index keeps what it needs of each, not the session.
 */
function sessionStore(request: IndexScaleRequest, now: Date): { updates: MemorySessionUpdates; held: DebugSession[] } {
  const sessions = liveSessions(request.sessions, now);
  return { updates: new MemorySessionUpdates(sessions), held: request.churn ? sessions : [] };
}

function cpuMicros(): number {
  return usageNow().cpuMicros;
}

async function measure(request: IndexScaleRequest): Promise<IndexScaleResult> {
  const clock = new ManualClock(Date.now());
  collect();
  const before = process.memoryUsage();
  const loadStarted = performance.now();
  const { updates, held } = sessionStore(request, clock.now());
  const telemetry = new InMemoryTelemetry();
  const service = new DeviceConfigService(updates, clock, new MemoryRateLimiter(clock), telemetry, {
    ingestKeySecret: LOCAL_DEV_SECRETS.INGEST_KEY_SECRET,
    pollIntervalSeconds: POLL_INTERVAL_SECONDS,
    refreshIntervalInMs: REFRESH_INTERVAL_MS,
  });
  const caller = { productId: DEMO_PRODUCT_ID, authenticatedUserId: undefined };
  // The first poll loads the index (loadLive), as on a cold instance.
  const idle = await service.answerPoll({ deviceId: 'scale-probe', platform: 'ios', appVersion: '5.12.0' }, caller, null);
  const loadSeconds = (performance.now() - loadStarted) / 1000;
  collect();
  const after = process.memoryUsage();

  let device = 0;
  const timePolls = async (targeted: boolean): Promise<number> => {
    // Queries built before the clock starts; each a device never seen, so the per-device limit never refuses.
    // Targeted polls name distinct devices of the index (7919 is prime, so consecutive numbers give distinct ones).
    const polls = targeted ? Math.min(request.polls, request.sessions) : request.polls;
    const queries = Array.from({ length: polls }, () => {
      device++;
      return targeted
        ? { deviceId: `scale-device-${(device * 7919) % request.sessions}`, platform: 'ios', appVersion: '5.12.0' }
        : { deviceId: `scale-idle-${device}`, platform: 'ios', appVersion: '5.12.0' };
    });
    // A targeted device polls at most every 5 s: time moves on between runs so its window has passed.
    clock.advance(POLL_INTERVAL_SECONDS * 1000);
    const started = cpuMicros();
    for (const query of queries) {
      const result = await service.answerPoll(query, caller, targeted ? null : idle.answer.etag);
      if (result.notModified === targeted) throw new Error(`a ${targeted ? 'targeted' : 'idle'} poll answered ${result.notModified ? '304' : '200'}`);
    }
    return (cpuMicros() - started) / polls;
  };
  const idlePollMicros: number[] = [];
  const targetedPollMicros: number[] = [];
  await timePolls(false);
  await timePolls(true);
  for (let run = 0; run < request.runs; run++) {
    idlePollMicros.push(await timePolls(false));
    targetedPollMicros.push(await timePolls(true));
  }
  const result: IndexScaleResult = {
    sessions: request.sessions,
    heapBeforeBytes: before.heapUsed + before.arrayBuffers,
    heapAfterBytes: after.heapUsed + after.arrayBuffers,
    rssBeforeBytes: before.rss,
    rssAfterBytes: after.rss,
    loadSeconds,
    idlePollMicros,
    targetedPollMicros,
  };

  if (request.churn) {
    // A share of the sessions changes every second (paused, resumed, extended: a newer updatedAt), and the next
    // poll after the interval folds them in with one refresh, as readChanges would hand them over.
    const changed = Math.round(request.sessions * request.churn.fraction);
    const refreshMillis: number[] = [];
    let next = 0;
    for (let refresh = 0; refresh < request.churn.refreshes + 2; refresh++) {
      clock.advance(REFRESH_INTERVAL_MS);
      const at = clock.now().toISOString();
      const batch: DebugSession[] = [];
      for (let index = 0; index < changed; index++) {
        const known = held[next++ % held.length]!;
        batch.push({ ...known, status: known.status === 'active' ? 'paused' : 'active', updatedAt: at });
      }
      // What storage would return: parsed documents, built before the clock starts.
      const parsed = JSON.parse(JSON.stringify(batch)) as DebugSession[];
      updates.queueChanges(parsed);
      const started = cpuMicros();
      await service.liveSession('ds_00000000-0000-0000-0000-000000000000');
      if (refresh >= 2) refreshMillis.push((cpuMicros() - started) / 1000);
    }
    result.refreshMillis = refreshMillis;
    result.changedPerRefresh = changed;
  }
  return result;
}

serveParent(
  {
    measure: async (payload) => {
      const request = payload as IndexScaleRequest;
      const result = await measure(request);
      return { ...result, medianIdlePollMicros: median(result.idlePollMicros), medianTargetedPollMicros: median(result.targetedPollMicros) };
    },
  },
  {},
);
