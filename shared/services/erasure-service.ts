// Per-user erasure use cases: an admin asks (202, idempotent by requestId), a worker driven by the event bus runs it
// in bounded, checkpointed steps (resolve and cancel → delete store by store → verify → certificate), and the admin
// reads its progress and certificate. The subject is never stored, logged or announced in clear.
import { AppError, isAppError } from '../errors';
import { isAdminOf, requireAdmin, type Principal } from '../domain/access/principal';
import { erasureRequestedPayloadSchema, newEvent, stableEventId, type EventEnvelope } from '../domain/events/event-envelope';
import {
  addCounts,
  advanceCursor,
  buildCertificate,
  erasableRefsSchema,
  freshRefs,
  isFinished,
  MAX_ITEMS_PER_STEP,
  MAX_PASSES,
  MAX_SESSIONS,
  newErasure,
  sessionChunk,
  settleCursor,
  totalOf,
  transition,
  chunksOf,
  type CreateErasureRequest,
  type ErasureCertificate,
  type ErasureRecord,
  type ErasureSubject,
  type RetentionFacts,
  type StoreCounts,
} from '../domain/privacy/erasure';
import {
  erasureIdOf,
  refHash,
  requestFingerprint,
  sealJson,
  sealSubject,
  subjectHashes,
  unsealJson,
  unsealSubject,
  type SubjectKeys,
} from '../domain/privacy/subject-keys';
import { isTerminal } from '../domain/sessions/session';
import type { AuditLog, AuditRecord } from '../ports/audit-log';
import type { Clock } from '../ports/clock';
import type { ErasableStore, ErasureRecordStore, ErasureTarget, SubjectSessionFinder, VersionedErasure } from '../ports/erasure';
import type { EventPublisher } from '../ports/event-publisher';
import type { Telemetry } from '../ports/telemetry';
import { cancelSession, type SessionServiceDependencies } from './session-service';

export interface ErasureServiceDependencies {
  records: ErasureRecordStore;
  finder: SubjectSessionFinder;
  /** Every store that can hold the subject's data, in the order they are emptied (erasureStoreNames). */
  stores: ErasableStore[];
  /** Running sessions are cancelled through the session use case, so its audit record and events happen. */
  sessions: SessionServiceDependencies;
  audit: AuditLog;
  /** Lossless (the outbox): the worker's next step is never lost. */
  events: EventPublisher;
  clock: Clock;
  telemetry: Telemetry;
  keys: SubjectKeys;
  retention: RetentionFacts;
  performedBy: ErasureCertificate['performedBy'];
  limits: {
    itemsPerStep: number;
    /** How long one delivery works before it hands the rest to the next message. */
    budgetInMs: number;
  };
}

export interface CallContext {
  principal: Principal;
  correlationId: string;
}

function notFound(): AppError {
  // The same answer for an unknown id and another product's: ids are not probed across products.
  return new AppError('not_found', 'Erasure not found');
}

function auditOf(
  record: ErasureRecord,
  action: string,
  actor: AuditRecord['actor'],
  at: Date,
  details: Record<string, unknown>,
  correlationId?: string,
): AuditRecord {
  return {
    id: `au_${action.replace(/\W/g, '_')}_${record.id}`,
    productId: record.productId,
    at: at.toISOString(),
    actor,
    action,
    // The hashed subject and the action only: this record outlives the data.
    target: { ...record.subject },
    details: { erasureId: record.id, requestId: record.requestId, ...details },
    correlationId,
  };
}

function stepEvent(record: ErasureRecord, audit: AuditRecord, now: Date, step: string): EventEnvelope {
  return newEvent('diagnostics.erasure.requested', {
    id: stableEventId('erasure', record.id, step),
    productId: record.productId,
    // The request's audit record rides along, so the audit subscriber writes the same record, never a new one per step.
    payload: { erasureId: record.id, actor: audit.actor, audit },
    time: now,
  });
}

function requestedAudit(record: ErasureRecord, correlationId?: string): AuditRecord {
  return auditOf(record, 'erasure.requested', { kind: 'user', id: record.requestedBy }, new Date(record.requestedAt), { range: record.range }, correlationId);
}

/** POST /erasures: 202 with the erasure; the same (product, requestId) answers the same one, another body a 409. */
export async function requestErasure(
  deps: ErasureServiceDependencies,
  call: CallContext,
  input: CreateErasureRequest,
): Promise<{ erasure: ErasureRecord; created: boolean }> {
  requireAdmin(call.principal, input.productId);
  const id = erasureIdOf(deps.keys, input.productId, input.requestId);
  const fingerprint = requestFingerprint(deps.keys, input);
  const same = (found: VersionedErasure) => {
    if (found.erasure.requestFingerprint !== fingerprint) {
      throw new AppError('conflict', `requestId ${input.requestId} was already used for another erasure request of this product`, {
        issues: [{ field: 'requestId', message: 'already used with another body' }],
      });
    }
    return { erasure: found.erasure, created: false };
  };
  const existing = await deps.records.get(id);
  if (existing) return same(existing);

  const now = deps.clock.now();
  const record = newErasure({
    id,
    request: input,
    requestFingerprint: fingerprint,
    subject: subjectHashes(deps.keys, input.productId, input),
    sealedSubject: sealSubject(deps.keys, id, { userId: input.userId, anonymousId: input.anonymousId, deviceId: input.deviceId }),
    requestedBy: call.principal.subject,
    now,
  });
  let created: VersionedErasure;
  try {
    created = await deps.records.create(record);
  } catch (error) {
    if (!isAppError(error) || error.kind !== 'conflict') throw error;
    const raced = await deps.records.get(id);
    if (!raced) throw error;
    return same(raced);
  }
  const audit = requestedAudit(created.erasure, call.correlationId);
  await deps.audit.record(audit);
  // If the bus is down the outbox holds the event and its drain sends it; the resume timer is the last resort.
  await deps.events.publish([stepEvent(created.erasure, audit, now, 'start')]);
  deps.telemetry.event('erasure.requested', { productId: record.productId, erasureId: record.id });
  return { erasure: created.erasure, created: true };
}

export async function getErasure(deps: Pick<ErasureServiceDependencies, 'records'>, principal: Principal, id: string): Promise<ErasureRecord> {
  const found = await deps.records.get(id);
  if (!found || !isAdminOf(principal, found.erasure.productId)) throw notFound();
  return found.erasure;
}

export async function getCertificate(deps: Pick<ErasureServiceDependencies, 'records'>, principal: Principal, id: string): Promise<ErasureCertificate> {
  const erasure = await getErasure(deps, principal, id);
  if (erasure.state === 'failed') throw new AppError('conflict', 'The erasure failed; it has no certificate (see its remaining counts)');
  if (erasure.state !== 'completed' || !erasure.certificate)
    throw new AppError('conflict', `The erasure is ${erasure.state}; its certificate exists once it is completed`);
  return erasure.certificate;
}

/** The admin who asked: the worker acts (cancels) on their behalf, within the product they were admin of. */
function requesterOf(record: ErasureRecord): Principal {
  return { subject: record.requestedBy, roles: new Set(['admin']), products: new Set([record.productId]) };
}

function targetOf(record: ErasureRecord, subject: ErasureSubject, chunk: number, scope: 'sessions' | 'subject'): ErasureTarget {
  return {
    productId: record.productId,
    subject,
    hashes: record.subject,
    sessionIds: scope === 'sessions' ? sessionChunk(record.sessionIds ?? [], chunk) : [],
    range: record.range,
  };
}

/** Resolves the subject's sessions once, and cancels those still running (their audit records and events fire). */
async function resolve(deps: ErasureServiceDependencies, record: ErasureRecord, subject: ErasureSubject): Promise<ErasureRecord> {
  const now = deps.clock.now();
  const found = await deps.finder.find(
    record.productId,
    subject,
    { from: record.range.from, to: record.range.to, createdBefore: record.requestedAt },
    MAX_SESSIONS,
  );
  if (found.length > MAX_SESSIONS) {
    return { ...transition(record, 'failed', now), failure: `The subject has more than ${MAX_SESSIONS} sessions; ask again with a narrower from/to range` };
  }
  let cancelled = 0;
  for (const { sessionId } of found) {
    const stored = await deps.sessions.sessions.get(sessionId);
    if (!stored || isTerminal(stored.session.status)) continue;
    await cancelSession(deps.sessions, { principal: requesterOf(record), correlationId: `erasure:${record.id}` }, sessionId, undefined);
    cancelled++;
  }
  const sessionIds = found.map((session) => session.sessionId).sort();
  return transition({ ...record, sessionIds, cancelled }, 'deleting', now);
}

/** One bounded unit of deletion: erase what was listed (persisted first), or list the next batch, or move on. */
async function deleteStep(deps: ErasureServiceDependencies, record: ErasureRecord, subject: ErasureSubject): Promise<ErasureRecord> {
  const now = deps.clock.now();
  const sessionCount = record.sessionIds?.length ?? 0;
  if (record.pending) {
    const { pending } = record;
    const store = deps.stores.find((candidate) => candidate.name === pending.store);
    if (!store) throw new AppError('internal', `No erasable store named ${pending.store}`, { retryable: false });
    const refs = erasableRefsSchema.parse(unsealJson(deps.keys, record.id, pending.sealedRefs));
    // Idempotent: what a crashed delivery already deleted is simply gone now, and counted once, here.
    await store.erase(targetOf(record, subject, record.cursor.chunk, store.scope), refs);
    const erased = pending.count;
    deps.telemetry.metric('erasure.items_erased_total', erased, { store: store.name });
    const { pending: _done, ...rest } = record;
    void _done;
    return {
      ...rest,
      deleted: addCounts(record.deleted, store.name, erased),
      lastErased: { ...record.lastErased, [store.name]: refs.map((entry) => refHash(deps.keys, record.id, entry.ref)) },
      updatedAt: now.toISOString(),
    };
  }
  const cursor = settleCursor(deps.stores, sessionCount, record.cursor);
  if (!cursor) return transition(record, 'verifying', now);
  const store = deps.stores[cursor.store]!;
  const listed = await store.list(targetOf(record, subject, cursor.chunk, store.scope), deps.limits.itemsPerStep);
  const refs = freshRefs(listed, record.lastErased[store.name], (ref) => refHash(deps.keys, record.id, ref));
  if (refs.length === 0) {
    const next = advanceCursor(deps.stores, sessionCount, cursor);
    return next ? { ...record, cursor: next, updatedAt: now.toISOString() } : transition({ ...record, cursor }, 'verifying', now);
  }
  const pending = { store: store.name, count: refs.reduce((sum, ref) => sum + ref.count, 0), sealedRefs: sealJson(deps.keys, record.id, refs) };
  return { ...record, cursor, pending, updatedAt: now.toISOString() };
}

/** Counts what is left everywhere: nothing → the certificate; something → another pass, or a loud failure. */
async function verifyStep(deps: ErasureServiceDependencies, record: ErasureRecord, subject: ErasureSubject): Promise<ErasureRecord> {
  const sessionCount = record.sessionIds?.length ?? 0;
  let remaining: StoreCounts = {};
  for (const store of deps.stores) {
    for (let chunk = 0; chunk < chunksOf(store.scope, sessionCount); chunk++) {
      const left = await store.count(targetOf(record, subject, chunk, store.scope));
      if (left > 0) remaining = addCounts(remaining, store.name, left);
    }
  }
  const now = deps.clock.now();
  const left = totalOf(remaining);
  const system: AuditRecord['actor'] = { kind: 'system', id: `erasure:${deps.performedBy.instance}` };
  if (left === 0) {
    const certificate = buildCertificate(record, { performedBy: deps.performedBy, finishedAt: now, remaining, retention: deps.retention });
    await deps.audit.record(
      auditOf(record, 'erasure.completed', system, now, { deleted: certificate.deleted, sessions: certificate.sessions, passes: record.pass }),
    );
    deps.telemetry.event('erasure.completed', { productId: record.productId, erasureId: record.id, deleted: String(totalOf(record.deleted)) });
    return { ...transition(record, 'completed', now), remaining, certificate };
  }
  if (record.pass < MAX_PASSES) return { ...transition(record, 'deleting', now), remaining };
  const stores = Object.keys(remaining).join('+');
  await deps.audit.record(auditOf(record, 'erasure.failed', system, now, { remaining, passes: record.pass }));
  deps.telemetry.event('erasure.failed', { productId: record.productId, erasureId: record.id, remaining: String(left), stores });
  deps.telemetry.exception(new Error(`Erasure ${record.id} failed: ${left} items remain after ${record.pass} passes (${stores})`), { operation: 'erasure' });
  return { ...transition(record, 'failed', now), remaining, failure: `${left} items remained after ${record.pass} passes` };
}

async function step(deps: ErasureServiceDependencies, record: ErasureRecord): Promise<ErasureRecord> {
  if (!record.sealedSubject) return { ...transition(record, 'failed', deps.clock.now()), failure: 'The subject is no longer available to the worker' };
  const subject = unsealSubject(deps.keys, record.id, record.sealedSubject);
  switch (record.state) {
    case 'pending':
      return resolve(deps, record, subject);
    case 'deleting':
      return deleteStep(deps, record, subject);
    case 'verifying':
      return verifyStep(deps, record, subject);
    default:
      return record;
  }
}

export type RunOutcome = 'finished' | 'continued' | 'missing';

/**
 * Runs an erasure from wherever its record stands, one checkpointed step at a time (each persisted with If-Match),
 * until it is finished or the time budget is spent; then the rest is handed to the next message. A crash anywhere
 * leaves a record the next delivery (or the resume timer) continues from, and no count is lost or doubled.
 */
export async function runErasure(deps: ErasureServiceDependencies, erasureId: string): Promise<RunOutcome> {
  const deadline = Date.now() + deps.limits.budgetInMs;
  let current = await deps.records.get(erasureId);
  for (;;) {
    if (!current) return 'missing';
    if (isFinished(current.erasure.state)) return 'finished';
    if (Date.now() >= deadline) {
      const { erasure } = current;
      const audit = requestedAudit(erasure);
      await deps.events.publish([
        stepEvent(erasure, audit, deps.clock.now(), `${erasure.pass}:${erasure.cursor.store}:${erasure.cursor.chunk}:${erasure.updatedAt}`),
      ]);
      return 'continued';
    }
    const state = current.erasure.state;
    const next = await step(deps, current.erasure);
    try {
      current = await deps.records.replace(next, current.etag);
      deps.telemetry.metric('erasure.step_total', 1, { state, outcome: 'done' });
    } catch (error) {
      // Another delivery of the same erasure moved it on: read it again and go on from there.
      if (!isAppError(error) || error.kind !== 'precondition_failed') throw error;
      deps.telemetry.metric('erasure.step_total', 1, { state, outcome: 'conflict' });
      current = await deps.records.get(erasureId);
    }
  }
}

/** The resume timer: erasures whose worker stopped (a message dead-lettered, a lost event) get their next message. */
export async function resumeStalledErasures(deps: ErasureServiceDependencies, options: { stalledAfterInMs: number; maxItems: number }): Promise<number> {
  const now = deps.clock.now();
  const stalled = await deps.records.listStalled(new Date(now.getTime() - options.stalledAfterInMs).toISOString(), options.maxItems);
  if (stalled.length === 0) return 0;
  // A new event id per run: the ledger and the bus's duplicate detection would drop a repeat of an earlier resume.
  await deps.events.publish(stalled.map((erasure) => stepEvent(erasure, requestedAudit(erasure), now, `resume:${erasure.updatedAt}:${now.toISOString()}`)));
  return stalled.length;
}

/** The `erasures` subscriber: the event names the erasure; everything else is read from its record. */
export async function handleErasureEvent(deps: ErasureServiceDependencies, event: EventEnvelope): Promise<void> {
  const payload = erasureRequestedPayloadSchema.safeParse(event.payload);
  if (!payload.success) throw new AppError('invalid_input', 'An erasure event without an erasureId', { retryable: false });
  await runErasure(deps, payload.data.erasureId);
}

export const ERASURE_DEFAULT_LIMITS = { itemsPerStep: MAX_ITEMS_PER_STEP, budgetInMs: 4 * 60_000 } as const;
