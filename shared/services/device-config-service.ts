// The config poll: answers from an in-memory targeting index kept fresh by reading the sessions updated since the last refresh,
// so a poll with nothing new costs a map look-up and a hash, and no storage read.
import { AppError } from '../errors';
import { issueIngestToken } from '../domain/devices/credentials';
import { deviceConfigFor, entityTagOfText, matchesIfNoneMatch, type DeviceConfig } from '../domain/sessions/device-config';
import type { DebugSession } from '../domain/sessions/session';
import {
  deviceBinding,
  deviceBindingKind,
  deviceBindingValue,
  SessionTargetIndex,
  type BindingKind,
  type IndexedSession,
  type ConfigPollQuery,
  type DevicePoll,
} from '../domain/sessions/targeting';
import { nowInMs, type Clock } from '../ports/clock';
import type { RateLimit, RateLimiter } from '../ports/rate-limiter';
import type { RecentSessionUpdates } from '../ports/session-store';
import type { Telemetry } from '../ports/telemetry';

export interface DeviceConfigServiceOptions {
  ingestKeySecret: string;
  pollIntervalSeconds: number;
  /** How stale the index may get before a poll folds in the recent updates (one query). */
  refreshIntervalInMs: number;
}

export interface ConfigAnswer {
  config: DeviceConfig;
  /** The config as JSON, serialized once: the ETag is its hash and the 200 answer sends it as it is. */
  json: string;
  etag: string;
  session?: IndexedSession;
}

export interface PollResult {
  notModified: boolean;
  answer: ConfigAnswer;
}

/** Products whose poll limits are kept ready (see pollLimitsOf). */
const MAX_PRODUCTS_WITH_LIMITS = 10_000;

/** The four dimension sets of `config.poll_total`, built once: the metric is counted on every poll. */
const POLL_OUTCOMES = {
  not_modified: {
    targeted: Object.freeze({ outcome: 'not_modified', session: 'targeted' }),
    none: Object.freeze({ outcome: 'not_modified', session: 'none' }),
  },
  changed: { targeted: Object.freeze({ outcome: 'changed', session: 'targeted' }), none: Object.freeze({ outcome: 'changed', session: 'none' }) },
};

/**
 * The poll as the index reads it: every field named, so each poll has one shape (V8 keeps the look-ups that read it
 * fast), where merging the parsed query and the caller would give one shape per combination of fields sent.
 */
function devicePoll(query: ConfigPollQuery, caller: { productId: string; authenticatedUserId: string | undefined }): DevicePoll {
  return {
    userId: query.userId,
    anonymousId: query.anonymousId,
    deviceId: query.deviceId,
    appSessionId: query.appSessionId,
    platform: query.platform,
    appVersion: query.appVersion,
    productId: caller.productId,
    authenticatedUserId: caller.authenticatedUserId,
  } satisfies { [Field in keyof Required<DevicePoll>]: DevicePoll[Field] };
}

export class DeviceConfigService {
  private readonly index = new SessionTargetIndex();
  private loaded = false;
  private lastRefreshAt = 0;
  private refreshing: Promise<void> | undefined;
  /** Most polls find no session, and that answer never changes: built and hashed once, not per poll. */
  private readonly idleAnswer: ConfigAnswer;
  /** The per-device limit by product and kind of id, each scoped to its own keys (`config-poll:<product>:<kind>`). */
  private readonly pollLimits = new Map<string, Record<BindingKind, RateLimit>>();

  constructor(
    private readonly updates: RecentSessionUpdates,
    private readonly clock: Clock,
    private readonly rateLimiter: RateLimiter,
    private readonly telemetry: Telemetry,
    private readonly options: DeviceConfigServiceOptions,
  ) {
    this.idleAnswer = Object.freeze(this.answer(Object.freeze(deviceConfigFor(undefined, undefined, options.pollIntervalSeconds))));
  }

  /** Write-through from this instance's own session writes; other instances learn from the next refresh. */
  noteSessionWritten(session: DebugSession): void {
    this.index.apply(session);
  }

  /**
   * A session as this instance's index knows it, at most `refreshIntervalInMs` behind storage: the live
   * session, `ended`, or undefined when the index does not hold it (untargeted, or not yet seen). Ingest
   * reads its per-batch session state here, so all sessions together cost one query per interval.
   */
  async liveSession(sessionId: string): Promise<IndexedSession | 'ended' | undefined> {
    await this.refreshIfStale();
    return this.index.get(sessionId) ?? (this.index.hasEnded(sessionId) ? 'ended' : undefined);
  }

  /**
   * The poll as the endpoint answers it: 304 when `If-None-Match` names the current answer, counted by outcome.
   * The hot path of the app (every device, every few seconds), so it keeps to what V8 runs fast: with the index
   * fresh (all but one poll a second) the answer is worked out and handed back in hand, not in a promise (a settled
   * promise still costs its caller a `then` and a turn of the microtask queue); only a refresh waits, and only then
   * is the answer a promise. A poll refused by the limit throws its `rate_limited` error here, before any wait.
   */
  answerPoll(
    query: ConfigPollQuery,
    caller: { productId: string; authenticatedUserId: string | undefined },
    ifNoneMatch: string | null,
  ): PollResult | Promise<PollResult> {
    const poll = devicePoll(query, caller);
    this.admit(poll);
    const now = nowInMs(this.clock);
    if (this.isFresh(now)) return this.result(this.answerAt(poll, now), ifNoneMatch);
    return this.refreshIfStale().then(() => this.result(this.answerAt(poll, nowInMs(this.clock)), ifNoneMatch));
  }

  /** The live session a poll like this would be handed (no rate limit): trigger rules join it instead of opening another. */
  async liveSessionFor(poll: DevicePoll): Promise<IndexedSession | undefined> {
    await this.refreshIfStale();
    return this.index.findAt(poll, nowInMs(this.clock));
  }

  /**
   * The per-device limit, a `rate_limited` error when the device polled too soon. The key is the id as the device sent
   * it, in a scope made once per product and kind: no key string is built per poll (building, flattening and hashing
   * `config-poll:<product>:device:<id>` was most of what the limiter cost a poll).
   */
  private admit(poll: DevicePoll): void {
    const kind = deviceBindingKind(poll);
    const decision = this.rateLimiter.take(deviceBindingValue(poll, kind), this.pollLimitsOf(poll.productId)[kind]);
    if (!decision.allowed) {
      throw new AppError('rate_limited', `Poll at most once every ${this.options.pollIntervalSeconds} s`, { retryAfterSeconds: decision.retryAfterSeconds });
    }
  }

  private pollLimitsOf(productId: string): Record<BindingKind, RateLimit> {
    let limits = this.pollLimits.get(productId);
    if (!limits) {
      // Product ids come from verified keys, so these stay few; the bound only caps memory if that ever changes.
      if (this.pollLimits.size >= MAX_PRODUCTS_WITH_LIMITS) this.pollLimits.clear();
      const windowInMs = this.options.pollIntervalSeconds * 1000;
      const limitOf = (kind: BindingKind) => Object.freeze({ limit: 1, windowInMs, scope: `config-poll:${productId}:${kind}` });
      limits = { device: limitOf('device'), appSession: limitOf('appSession'), anonymous: limitOf('anonymous'), user: limitOf('user') };
      this.pollLimits.set(productId, limits);
    }
    return limits;
  }

  private result(answer: ConfigAnswer, ifNoneMatch: string | null): PollResult {
    const notModified = matchesIfNoneMatch(ifNoneMatch, answer.etag);
    this.telemetry.metric('config.poll_total', 1, POLL_OUTCOMES[notModified ? 'not_modified' : 'changed'][answer.session ? 'targeted' : 'none']);
    return { notModified, answer };
  }

  /** The answer for the poll from the index as it stands. */
  private answerAt(poll: DevicePoll, now: number): ConfigAnswer {
    const session = this.index.findAt(poll, now);
    if (!session) return this.idleAnswer;
    const token = issueIngestToken(this.options.ingestKeySecret, {
      sid: session.id,
      pid: session.productId,
      dev: deviceBinding(poll),
      exp: Math.floor(Date.parse(session.expiresAt) / 1000),
    });
    return Object.assign(this.answer(deviceConfigFor(session, token, this.options.pollIntervalSeconds)), { session });
  }

  private answer(config: DeviceConfig): ConfigAnswer {
    const json = JSON.stringify(config);
    return { config, json, etag: entityTagOfText(json) };
  }

  private isFresh(now: number): boolean {
    return this.loaded && now - this.lastRefreshAt < this.options.refreshIntervalInMs;
  }

  private async refreshIfStale(): Promise<void> {
    if (this.isFresh(nowInMs(this.clock))) return;
    // Single flight: concurrent polls share one refresh instead of each querying.
    this.refreshing ??= this.refresh().finally(() => {
      this.refreshing = undefined;
    });
    await this.refreshing;
  }

  private async refresh(): Promise<void> {
    const started = performance.now();
    const sessions = this.loaded ? await this.updates.readChanges() : await this.updates.loadLive();
    for (const session of sessions) this.index.apply(session);
    this.loaded = true;
    this.lastRefreshAt = nowInMs(this.clock);
    if (sessions.length > 0) this.telemetry.metric('config.index_refresh_ms', performance.now() - started);
  }
}
