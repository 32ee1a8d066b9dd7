// Ingest use case: authenticate the device against its session, apply the rate limit and the
// Idempotency-Key, refuse what the session does not accept, mask and enrich every item, store in bulk,
// count what was newly created into the session's stats, and announce fatal logs. Every item ends with
// exactly one outcome (ItemOutcome), recorded once when the batch ends, however it ends.
import { createHash, hash } from 'node:crypto';
import { AppError } from '../errors';
import type { MaskingEngine } from '../domain/masking';
import { requireSessionOf, type DeviceCredential } from './device-credentials';
import { isTerminal, type DebugSession } from '../domain/sessions/session';
import { enrichDevice } from '../domain/telemetry/enrichment';
import { errorFingerprint } from '../domain/telemetry/error-fingerprint';
import {
  maskDevice,
  parseItems,
  statsDelta,
  timeWindowRejection,
  toDocument,
  itemIdOf,
  MAX_ITEM_AGE_IN_MS,
  MAX_ITEM_AHEAD_IN_MS,
  type ItemRejection,
  type StoredDoc,
} from '../domain/telemetry/ingest';
import { MAX_ITEMS_PER_BATCH, type DeviceContext, type IngestItem, type LogDoc, type SpanDoc } from '../domain/telemetry/items';
import type { AuditLog } from '../ports/audit-log';
import type { Clock } from '../ports/clock';
import { newEvent, stableEventId } from '../domain/events/event-envelope';
import type { EventPublisher } from '../ports/event-publisher';
import type { IdempotencyStore } from '../ports/idempotency-store';
import type { RateLimiter } from '../ports/rate-limiter';
import type { SessionStore } from '../ports/session-store';
import type { IngestSessionState, SessionStateReader } from '../ports/session-state-reader';
import type { SessionStatsWriter } from '../ports/session-stats-writer';
import type { Telemetry } from '../ports/telemetry';
import type { TelemetryStore } from '../ports/telemetry-store';

export const IDEMPOTENCY_WINDOW_IN_MS = 86_400_000;
const CONSENT_WRITE_ATTEMPTS = 5;
/** A session's ingest budget, in devices' worth: a user-targeted session may run on a few devices at once. */
const SESSION_BUDGET_DEVICES = 3;

export interface IngestServiceDependencies {
  /** Consent's read-modify-write goes to the store itself. */
  sessions: SessionStore;
  /** The per-batch session check: may be served from a short per-instance cache. */
  sessionState: SessionStateReader;
  /** The per-batch stats increments: may be summed and written behind. */
  stats: SessionStatsWriter;
  telemetryStore: TelemetryStore;
  idempotency: IdempotencyStore;
  events: EventPublisher;
  audit: AuditLog;
  clock: Clock;
  telemetry: Telemetry;
  rateLimiter: RateLimiter;
  masking: MaskingEngine;
  /** The header carrying the caller's region (set by the front door), if one is configured. */
  regionHeaderName?: string;
  limits: { batchesPerMinutePerDevice: number };
  /** Lets this instance's config index see a consent answer at once. */
  onSessionWritten?: (session: DebugSession) => void;
  /** Pattern hooks and the per-user index, fed what was stored (issue 16). */
  afterStore?: AfterStore;
}

/** Runs after a batch is stored, with the stored (masked) documents; a failure fails the request, which the client retries. */
export interface AfterStore {
  onStored(batch: { productId: string; sessionId: string; device: DeviceContext; correlationId: string }, stored: StoredDoc[]): Promise<void>;
}

/** What the HTTP layer read from the request besides the body. */
export interface DeviceCall {
  /** The verified ingest token: product, session and device binding. */
  device: DeviceCredential;
  correlationId: string;
  userAgentHeader?: string | null;
  regionHeader?: string | null;
  idempotencyKey?: string | null;
  /** Scopes the Idempotency-Key: the same key on another route is another request. */
  route: string;
}

export interface IngestRequest {
  sessionId: string;
  device: DeviceContext;
  optedOut: boolean;
  items: unknown[];
  /** Single-kind routes: items may omit `kind`, and any other kind is refused. */
  forcedKind?: IngestItem['kind'];
  /**
   * `refuse_batch` (our routes): one invalid item refuses the batch with 400 naming the field, nothing stored.
   * `reject_items` (OTLP, which has partial success): invalid items are rejected one by one, the rest stored.
   */
  invalidItems?: 'refuse_batch' | 'reject_items';
  /** Defaults to MAX_ITEMS_PER_BATCH (50); OTLP allows more per request. */
  maxItems?: number;
}

export interface IngestAnswer {
  sessionId: string;
  /** Items stored (new or rewritten by a retry). */
  accepted: number;
  /** Of those, documents created by this request; a retry creates none. */
  created: number;
  /** Items of a kind or level the session does not collect, dropped. */
  filtered: number;
  /** Items dropped because the user opted out. */
  discarded: number;
  /** Items whose time is outside the accepted window, with the reason; the rest of the batch is kept. */
  rejected: ItemRejection[];
  /** Items storage refused permanently. */
  failed: Array<{ index: number; id: string; kind: IngestItem['kind']; reason: string }>;
  /** Items in which masking replaced something. */
  redacted: number;
}

export interface IngestResult {
  status: number;
  body: IngestAnswer;
  /** The answer is the remembered one for a repeated Idempotency-Key. */
  replayed: boolean;
}

const captureFlagOf: Record<IngestItem['kind'], 'logs' | 'traces' | 'breadcrumbs' | 'network'> = {
  log: 'logs',
  span: 'traces',
  breadcrumb: 'breadcrumbs',
  network: 'network',
};

const minimumLevel = { standard: 2, debug: 1, trace: 0 } as const;
const levelRank = { trace: 0, debug: 1, info: 2, warn: 3, error: 4, fatal: 5 } as const;

function isCollected(session: IngestSessionState, item: IngestItem): boolean {
  if (!session.capture[captureFlagOf[item.kind]]) return false;
  if (item.kind === 'log' || (item.kind === 'breadcrumb' && item.level)) {
    return levelRank[item.level!] >= minimumLevel[session.collectionLevel];
  }
  return true;
}

/**
 * How each item of a batch ended: exactly one per item, counted in `ingest.items_total`. A request the endpoint
 * wrapper refuses before the body is read (no product key, no valid ingest token) has no items to count: it is
 * counted per request in `http.client_error_total`.
 */
export type ItemOutcome = 'accepted' | 'duplicate' | 'filtered' | 'discarded' | 'invalid' | 'refused' | 'rate_limited' | 'failed';

/** The outcome of the items a refused batch had not settled yet. */
function outcomeOfRefusal(error: unknown): ItemOutcome {
  if (!(error instanceof AppError)) return 'failed';
  switch (error.kind) {
    case 'rate_limited':
      return 'rate_limited';
    case 'invalid_input':
      return 'invalid';
    case 'unauthenticated':
    case 'forbidden':
    case 'not_found':
    case 'conflict':
      return 'refused';
    default:
      return 'failed';
  }
}

function recordOutcomes(telemetry: Telemetry, kinds: Array<string | undefined>, outcomes: Array<ItemOutcome | undefined>, rest: ItemOutcome): void {
  // Counted per kind and outcome, in the order each pair first appears; a batch has a handful of pairs, so a
  // short list searched in place costs less per item than a map keyed by a joined string.
  const counted: Array<{ kind: string; outcome: ItemOutcome; count: number }> = [];
  for (let index = 0; index < kinds.length; index++) {
    const kind = kinds[index] ?? 'unknown';
    const outcome = outcomes[index] ?? rest;
    let entry: { kind: string; outcome: ItemOutcome; count: number } | undefined;
    for (const candidate of counted) {
      if (candidate.kind === kind && candidate.outcome === outcome) {
        entry = candidate;
        break;
      }
    }
    if (entry) entry.count++;
    else counted.push({ kind, outcome, count: 1 });
  }
  for (const { kind, outcome, count } of counted) telemetry.metric('ingest.items_total', count, { kind, outcome });
}

const itemKinds: ReadonlySet<string> = new Set<IngestItem['kind']>(['log', 'span', 'breadcrumb', 'network']);

function rawKinds(items: unknown[], forcedKind?: string): Array<string | undefined> {
  const kinds = new Array<string | undefined>(items.length);
  for (let index = 0; index < items.length; index++) {
    if (forcedKind) {
      kinds[index] = forcedKind;
      continue;
    }
    const item = items[index];
    const kind = item && typeof item === 'object' ? (item as { kind?: unknown }).kind : undefined;
    kinds[index] = typeof kind === 'string' && itemKinds.has(kind) ? kind : undefined;
  }
  return kinds;
}

/** Why a session refuses batches now, or undefined when it collects. Expiry is compared with the clock on every call. */
function refusal(session: IngestSessionState, productId: string, now: Date): AppError | undefined {
  if (session.productId !== productId) return new AppError('not_found', `Session ${session.id} not found`);
  if (isTerminal(session.status) || Date.parse(session.expiresAt) <= now.getTime()) {
    return new AppError('conflict', `Session ${session.id} has ended; stop sending and poll the config`);
  }
  if (session.status !== 'active') return new AppError('conflict', `Session ${session.id} is ${session.status}; send nothing until it is active`);
  if (session.consent.required && session.consent.status !== 'granted') {
    return new AppError('forbidden', `The user has not consented to session ${session.id} (consent ${session.consent.status}); record consent first`);
  }
  return undefined;
}

/**
 * The session must exist in the token's product, be collecting and have consent. A cached state may only
 * accept: before refusing on a cached copy the state is read again, so a change made on another instance
 * (resumed, extended, consent granted) is never refused on stale information.
 */
async function collectingSession(
  deps: Pick<IngestServiceDependencies, 'sessionState' | 'clock'>,
  productId: string,
  sessionId: string,
): Promise<IngestSessionState> {
  let found = await deps.sessionState.get(sessionId);
  if (found?.cached && refusal(found.state, productId, deps.clock.now())) found = await deps.sessionState.get(sessionId, { fresh: true });
  if (!found) throw new AppError('not_found', `Session ${sessionId} not found`);
  const refused = refusal(found.state, productId, deps.clock.now());
  if (refused) throw refused;
  return found.state;
}

function scopedIdempotencyKey(device: DeviceCredential, call: DeviceCall, key: string): string {
  // One-shot hash: no Hash object per batch (about a third of createHash's cost), the same digest.
  return hash('sha256', [device.pid, device.dev, device.sid, call.route, key].join('\n'), 'hex');
}

function emptyAnswer(sessionId: string): IngestAnswer {
  return { sessionId, accepted: 0, created: 0, filtered: 0, discarded: 0, rejected: [], failed: [], redacted: 0 };
}

export async function ingest(deps: IngestServiceDependencies, call: DeviceCall, request: IngestRequest): Promise<IngestResult> {
  const kinds = rawKinds(request.items, request.forcedKind);
  const outcomes: Array<ItemOutcome | undefined> = [];
  let rest: ItemOutcome = 'failed';
  try {
    return await ingestBatch(deps, call, request, outcomes);
  } catch (error) {
    rest = outcomeOfRefusal(error);
    throw error;
  } finally {
    recordOutcomes(deps.telemetry, kinds, outcomes, rest);
  }
}

/** Settles `outcomes` (by item index) for every item it decides; a throw settles the rest by the error's kind. */
async function ingestBatch(
  deps: IngestServiceDependencies,
  call: DeviceCall,
  request: IngestRequest,
  outcomes: Array<ItemOutcome | undefined>,
): Promise<IngestResult> {
  // Checked here rather than in the envelope schema, so the refused items are counted too.
  const maxItems = request.maxItems ?? MAX_ITEMS_PER_BATCH;
  if (request.items.length > maxItems) {
    throw new AppError('invalid_input', `At most ${maxItems} items per batch; nothing was stored`, {
      issues: [{ field: 'items', message: `at most ${maxItems} items` }],
    });
  }
  const device = call.device;
  requireSessionOf(device, request.sessionId, request.device);
  takeDeviceBudget(deps, device);

  const now = deps.clock.now();
  const idempotencyKey = call.idempotencyKey ? scopedIdempotencyKey(device, call, call.idempotencyKey) : undefined;
  if (idempotencyKey) {
    const remembered = await deps.idempotency.get(idempotencyKey);
    // The container's TTL deletes records after a day; the age check makes that exact where TTL lags.
    if (remembered && now.getTime() - Date.parse(remembered.createdAt) < IDEMPOTENCY_WINDOW_IN_MS) {
      outcomes.push(...request.items.map((): ItemOutcome => 'duplicate'));
      return { status: remembered.status, body: remembered.body as IngestAnswer, replayed: true };
    }
  }

  let answer = emptyAnswer(request.sessionId);
  if (request.optedOut) {
    answer.discarded = request.items.length;
    outcomes.push(...request.items.map((): ItemOutcome => 'discarded'));
  } else {
    answer = await store(deps, call, request, outcomes);
  }
  const result: IngestResult = { status: 202, body: answer, replayed: false };
  if (idempotencyKey) await deps.idempotency.remember({ key: idempotencyKey, status: result.status, body: answer, createdAt: now.toISOString() });
  return result;
}

/**
 * Validates, filters, masks and stores the batch; settles `outcomes` (by item index) for every item once it has
 * all gone through. A throw (the whole batch refused, storage or a later step failing) settles nothing here: the
 * caller settles every item by the error.
 */
async function store(
  deps: IngestServiceDependencies,
  call: DeviceCall,
  request: IngestRequest,
  outcomes: Array<ItemOutcome | undefined>,
): Promise<IngestAnswer> {
  const productId = call.device.pid;
  const session = await collectingSession(deps, productId, request.sessionId);
  const parsed = parseItems(request.items, request.forcedKind);
  if (parsed.invalid.length > 0 && request.invalidItems !== 'reject_items') {
    throw new AppError('invalid_input', `Invalid items; nothing was stored: ${parsed.issues.map((issue) => `${issue.field}: ${issue.message}`).join('; ')}`, {
      issues: parsed.issues,
    });
  }
  const answer = emptyAnswer(request.sessionId);
  const settled: Array<ItemOutcome | undefined> = new Array(request.items.length);
  for (const invalid of parsed.invalid) {
    answer.rejected.push({ index: invalid.index, id: invalid.id, kind: invalid.kind, reason: 'invalid', detail: invalid.message });
    settled[invalid.index] = 'invalid';
  }

  const now = deps.clock.now();
  // The items to store, and their indexes in the request, side by side.
  const kept: IngestItem[] = [];
  const keptIndexes: number[] = [];
  for (const { index, item } of parsed.entries) {
    const reason = timeWindowRejection(item, now);
    if (reason) {
      answer.rejected.push({ index, id: itemIdOf(item), kind: item.kind, reason });
      settled[index] = 'invalid';
    } else if (!isCollected(session, item)) {
      answer.filtered++;
      settled[index] = 'filtered';
    } else {
      kept.push(item);
      keptIndexes.push(index);
    }
  }
  answer.rejected.sort((left, right) => left.index - right.index);
  if (answer.rejected.length === request.items.length && request.invalidItems !== 'reject_items') {
    throw new AppError(
      'invalid_input',
      `Every item's time is outside the accepted window (at most ${MAX_ITEM_AGE_IN_MS / 86_400_000} days old, ${MAX_ITEM_AHEAD_IN_MS / 60_000} minutes ahead); nothing was stored`,
      {
        issues: answer.rejected.map((rejection) => ({
          field: `items.${rejection.index}.${rejection.kind === 'span' ? 'startTime' : 'timestamp'}`,
          message: rejection.reason === 'too_old' ? 'too old' : 'too far in the future',
        })),
      },
    );
  }
  if (kept.length === 0) return settle(outcomes, settled, answer);

  const engine = deps.masking;
  const device = maskDevice(enrichDevice(request.device, call.userAgentHeader, call.regionHeader), engine);
  const context = { productId, sessionId: request.sessionId, receivedAt: now.toISOString(), device: device.device, deviceRedaction: device.redaction };
  const docs: StoredDoc[] = new Array(kept.length);
  const logDocs: LogDoc[] = [];
  const spanDocs: SpanDoc[] = [];
  for (let position = 0; position < kept.length; position++) {
    const doc = toDocument(kept[position]!, context, engine);
    docs[position] = doc;
    if (doc.docType === 'span') spanDocs.push(doc);
    else logDocs.push(doc);
  }
  const key = { productId, sessionId: request.sessionId };
  // Storage down or busy throws: the client is told to retry (503), and the unsettled items count as failed.
  const [logOutcome, spanOutcome] = await Promise.all([
    logDocs.length ? deps.telemetryStore.upsertLogs(key, logDocs) : Promise.resolve({ written: 0, created: [], failed: [] }),
    spanDocs.length ? deps.telemetryStore.upsertSpans(key, spanDocs) : Promise.resolve({ written: 0, created: [], failed: [] }),
  ]);
  const createdIds = new Set(logOutcome.created);
  for (const id of spanOutcome.created) createdIds.add(id);
  const failedReasons =
    logOutcome.failed.length + spanOutcome.failed.length === 0
      ? undefined
      : new Map([...logOutcome.failed, ...spanOutcome.failed].map((failure) => [failure.id, failure.reason]));
  const created: StoredDoc[] = [];
  const stored: StoredDoc[] = [];
  for (let position = 0; position < docs.length; position++) {
    const doc = docs[position]!;
    const index = keptIndexes[position]!;
    const failure = failedReasons?.get(doc.id);
    if (failure) {
      const item = kept[position]!;
      answer.failed.push({ index, id: itemIdOf(item), kind: item.kind, reason: failure });
      settled[index] = 'failed';
      continue;
    }
    answer.accepted++;
    settled[index] = 'accepted';
    stored.push(doc);
    if ((doc.redaction.count ?? doc.redaction.fieldsRedacted.length) > 0) answer.redacted++;
    // Several items of one batch may share an id: only the first is the created one.
    if (createdIds.delete(doc.id)) created.push(doc);
  }
  answer.created = created.length;

  await addToStats(deps, request.sessionId, created);
  await announceFatal(deps, call, stored);
  await deps.afterStore?.onStored({ productId, sessionId: request.sessionId, device: request.device, correlationId: call.correlationId }, stored);
  return settle(outcomes, settled, answer);
}

function settle(outcomes: Array<ItemOutcome | undefined>, settled: Array<ItemOutcome | undefined>, answer: IngestAnswer): IngestAnswer {
  for (let index = 0; index < settled.length; index++) {
    if (settled[index] !== undefined) outcomes[index] = settled[index];
  }
  return answer;
}

/**
 * Counted from created documents only, so a retried batch (whose upserts replace) adds nothing. The writer
 * may sum increments and store them later; if a write fails after the documents were stored the counters
 * stay low: counts never run high.
 */
async function addToStats(deps: IngestServiceDependencies, sessionId: string, created: StoredDoc[]): Promise<void> {
  if (created.length === 0) return;
  await deps.stats.add(sessionId, statsDelta(created));
}

/**
 * Every stored fatal log is announced, under an id derived from its document: a retried batch (after an outbox
 * failure answered 503) announces the same events again, and the outbox and subscribers keep one of each.
 */
async function announceFatal(deps: IngestServiceDependencies, call: DeviceCall, stored: StoredDoc[]): Promise<void> {
  const fatal = stored.filter((doc): doc is Extract<LogDoc, { docType: 'log' }> => doc.docType === 'log' && doc.level === 'fatal');
  if (fatal.length === 0) return;
  const time = deps.clock.now();
  const events = fatal.map((doc) =>
    newEvent('diagnostics.ingest.fatal', {
      id: stableEventId('fatal', doc.sessionId, doc.id),
      productId: call.device.pid,
      sessionId: doc.sessionId,
      correlationId: doc.correlationId ?? call.correlationId,
      time,
      // Already masked; still only what a responder needs to find the entry.
      payload: {
        logId: doc.id,
        itemId: doc.itemId,
        timestamp: doc.timestamp,
        module: doc.module,
        message: doc.message.slice(0, 500),
        errorType: doc.error?.type,
        // Groups repeats into one alert and one ticket (the alert key is built from it).
        fingerprint: errorFingerprint({ errorType: doc.error?.type, stack: doc.error?.stack, module: doc.module, message: doc.message }),
        release: doc.device?.appVersion,
      },
    }),
  );
  await deps.events.publish(events);
}

export interface ConsentAnswer {
  sessionId: string;
  consent: DebugSession['consent'];
}

/** The device records its user's answer; read-modify-write with If-Match, retried on a concurrent change. */
/** Ingest batches and consent answers share one budget per device and one per session. */
function takeDeviceBudget(deps: IngestServiceDependencies, device: DeviceCredential): void {
  const limit = deps.limits.batchesPerMinutePerDevice;
  // A session's own budget bounds it whatever device ids its clients make up (a token binds to the id a poll named).
  const buckets = [
    { key: `ingest:${device.pid}:${device.dev}`, limit, what: `${limit} batches per minute per device` },
    {
      key: `ingest-session:${device.pid}:${device.sid}`,
      limit: limit * SESSION_BUDGET_DEVICES,
      what: `${limit * SESSION_BUDGET_DEVICES} batches per minute per session`,
    },
  ];
  for (const bucket of buckets) {
    const decision = deps.rateLimiter.take(bucket.key, { limit: bucket.limit, windowInMs: 60_000 });
    if (!decision.allowed) throw new AppError('rate_limited', `At most ${bucket.what}`, { retryAfterSeconds: decision.retryAfterSeconds });
  }
}

/**
 * The device records its user's answer; read-modify-write with If-Match, retried on a concurrent change. It counts
 * in the device's budget, writes nothing when the answer is the one stored (so a device cannot churn the session's
 * ETag under an admin's edit), and is refused where the session asks for no consent.
 */
export async function recordConsent(
  deps: IngestServiceDependencies,
  call: DeviceCall,
  sessionId: string,
  device: DeviceContext,
  granted: boolean,
): Promise<ConsentAnswer> {
  requireSessionOf(call.device, sessionId, device);
  const claims = call.device;
  takeDeviceBudget(deps, claims);
  for (let attempt = 1; ; attempt++) {
    const found = await deps.sessions.get(sessionId);
    if (!found || found.session.productId !== claims.pid) throw new AppError('not_found', `Session ${sessionId} not found`);
    const session = found.session;
    if (isTerminal(session.status)) throw new AppError('conflict', `Session ${sessionId} has ended`);
    if (!session.consent.required) throw new AppError('conflict', `Session ${sessionId} asks for no consent (userConsent: ${session.userConsent})`);
    if (session.consent.status === (granted ? 'granted' : 'denied')) return { sessionId, consent: session.consent };
    const now = deps.clock.now().toISOString();
    const next: DebugSession = {
      ...session,
      consent: { required: session.consent.required, status: granted ? 'granted' : 'denied', decidedAt: now },
      updatedAt: now,
    };
    try {
      const stored = await deps.sessions.replace(next, found.etag);
      deps.onSessionWritten?.(stored.session);
      await deps.audit.record({
        id: `au_${createHash('sha256').update(`${sessionId}\n${now}\n${granted}`).digest('hex').slice(0, 32)}`,
        productId: claims.pid,
        at: now,
        actor: { kind: 'device', id: claims.dev },
        action: granted ? 'session.consent_granted' : 'session.consent_denied',
        sessionId,
        correlationId: call.correlationId,
      });
      return { sessionId, consent: stored.session.consent };
    } catch (error) {
      if (error instanceof AppError && error.kind === 'precondition_failed' && attempt < CONSENT_WRITE_ATTEMPTS) continue;
      throw error;
    }
  }
}
