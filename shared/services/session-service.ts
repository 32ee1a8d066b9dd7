// Session use cases: authorize, apply pure domain rules, persist with optimistic concurrency, audit and announce.
import { randomUUID } from 'node:crypto';
import { AppError } from '../errors';
import { canViewSession, readableProducts, requireAdmin, type Principal } from '../domain/access/principal';
import { applyUpdate, transition } from '../domain/sessions/lifecycle';
import {
  newSession,
  targetFields,
  type CreateSessionRequest,
  type DebugSession,
  type SessionStatus,
  type UpdateSessionRequest,
  type VersionedSession,
} from '../domain/sessions/session';
import type { AuditLog, AuditRecord } from '../ports/audit-log';
import type { Clock } from '../ports/clock';
import type { GuardedEventPublisher } from '../ports/event-outbox';
import { newEvent, type EventEnvelope, type EventType } from '../domain/events/event-envelope';
import type { RateLimiter } from '../ports/rate-limiter';
import type { Page, SessionStore } from '../ports/session-store';
import type { Telemetry } from '../ports/telemetry';

export interface SessionServiceDependencies {
  sessions: SessionStore;
  audit: AuditLog;
  /** Lossless: events go to the outbox before the session write (shared/services/event-relay.ts). */
  events: GuardedEventPublisher;
  clock: Clock;
  telemetry: Telemetry;
  rateLimiter: RateLimiter;
  limits: { sessionCreatesPerHour: number };
  /** Called after every write so this instance's config index sees it at once. */
  onSessionWritten?: (session: DebugSession) => void;
}

function userActor(call: CallContext): SessionActor {
  return { kind: 'user', id: call.principal.subject };
}

export interface CallContext {
  principal: Principal;
  correlationId: string;
}

const statusEvents: Partial<Record<SessionStatus, EventType>> = {
  active: 'diagnostics.session.started',
  paused: 'diagnostics.session.updated',
  completed: 'diagnostics.session.completed',
  cancelled: 'diagnostics.session.cancelled',
  expired: 'diagnostics.session.expired',
};

export function targetOf(session: DebugSession): Record<string, string> {
  const target: Record<string, string> = {};
  for (const field of targetFields) {
    const value = session[field];
    if (value !== undefined) target[field] = value;
  }
  return target;
}

export function sessionSummary(session: DebugSession): Record<string, unknown> {
  return {
    status: session.status,
    collectionLevel: session.collectionLevel,
    capture: session.capture,
    userConsent: session.userConsent,
    expiresAt: session.expiresAt,
    createdBy: session.createdBy,
    target: targetOf(session),
    stats: session.stats,
  };
}

export interface SessionActor {
  kind: 'user' | 'system';
  id: string;
}

interface PlannedWrite {
  audit: AuditRecord;
  events: EventEnvelope[];
}

/**
 * The audit record and the events of one session write, built before the write: the events go to the outbox
 * first, and each carries the audit record, so the audit subscriber can upsert the same record (same id)
 * should the synchronous audit write below fail.
 */
export function planSessionWrite(
  now: Date,
  actor: SessionActor,
  correlationId: string | undefined,
  session: DebugSession,
  action: string,
  eventTypes: EventType[],
  details: Record<string, unknown>,
): PlannedWrite {
  const audit: AuditRecord = {
    id: `au_${randomUUID()}`,
    productId: session.productId,
    at: now.toISOString(),
    actor,
    action,
    sessionId: session.id,
    target: targetOf(session),
    details,
    correlationId,
  };
  const events = eventTypes.map((type) =>
    newEvent(type, {
      productId: session.productId,
      sessionId: session.id,
      correlationId,
      payload: { ...sessionSummary(session), actor, audit },
      time: now,
    }),
  );
  return { audit, events };
}

/** After the write: this instance's config index sees it at once, and the audit trail has it before we answer. */
export async function afterSessionWrite(deps: Pick<SessionServiceDependencies, 'audit' | 'onSessionWritten'>, session: DebugSession, planned: PlannedWrite): Promise<void> {
  deps.onSessionWritten?.(session);
  await deps.audit.record(planned.audit);
}

export async function createSession(deps: SessionServiceDependencies, call: CallContext, input: CreateSessionRequest): Promise<VersionedSession> {
  requireAdmin(call.principal, input.productId);
  const decision = deps.rateLimiter.take(`session-create:${call.principal.subject}`, {
    limit: deps.limits.sessionCreatesPerHour,
    windowInMs: 3_600_000,
  });
  if (!decision.allowed) {
    throw new AppError('rate_limited', `At most ${deps.limits.sessionCreatesPerHour} sessions may be created per hour`, {
      retryAfterSeconds: decision.retryAfterSeconds,
    });
  }
  const now = deps.clock.now();
  const session = newSession(input, call.principal.subject, now);
  const eventTypes: EventType[] = ['diagnostics.session.created'];
  if (session.status === 'active') eventTypes.push('diagnostics.session.started');
  const planned = planSessionWrite(now, userActor(call), call.correlationId, session, 'session.created', eventTypes, { configuration: sessionSummary(session) });
  const stored = await deps.events.publishWithWrite(planned.events, { sessionId: session.id }, (eventIds) => deps.sessions.create(session, { eventIds }));
  deps.telemetry.event('session.created', { productId: session.productId, collectionLevel: session.collectionLevel });
  await afterSessionWrite(deps, stored.session, planned);
  return stored;
}

/** Not found and not allowed look the same to a caller outside the product, so ids do not leak. */
export async function getSession(deps: Pick<SessionServiceDependencies, 'sessions'>, principal: Principal, sessionId: string): Promise<VersionedSession> {
  const found = await deps.sessions.get(sessionId);
  if (!found || !canViewSession(principal, found.session)) throw new AppError('not_found', `Session ${sessionId} not found`);
  return found;
}

export interface ListSessionsQuery {
  status?: SessionStatus[];
  productId?: string;
  from?: string;
  to?: string;
  pageSize: number;
  continuationToken?: string;
}

export async function listSessions(deps: Pick<SessionServiceDependencies, 'sessions'>, principal: Principal, query: ListSessionsQuery): Promise<Page<DebugSession>> {
  let productIds = readableProducts(principal);
  if (query.productId !== undefined) {
    if (!productIds.includes(query.productId)) throw new AppError('forbidden', `No access to product ${query.productId}`);
    productIds = [query.productId];
  }
  // A caller with no reader role sees only sessions that target them.
  const targetUserId = productIds.length === 0 ? principal.subject : undefined;
  return deps.sessions.list(
    { productIds: targetUserId ? undefined : productIds, statuses: query.status, createdFrom: query.from, createdTo: query.to, targetUserId },
    { maxItems: query.pageSize, continuationToken: query.continuationToken },
  );
}

async function writeChange(
  deps: SessionServiceDependencies,
  call: CallContext,
  sessionId: string,
  ifMatch: string | undefined,
  change: (session: DebugSession) => { session: DebugSession; statusChangedTo?: SessionStatus },
  action: string,
  details: Record<string, unknown>,
): Promise<VersionedSession> {
  const current = await getSession(deps, call.principal, sessionId);
  requireAdmin(call.principal, current.session.productId);
  if (ifMatch !== undefined && ifMatch !== '*' && ifMatch !== current.etag) {
    throw new AppError('precondition_failed', 'The session changed since you read it; read it again and retry with its new ETag');
  }
  const result = change(current.session);
  const eventTypes: EventType[] = [];
  if (result.statusChangedTo) {
    const statusEvent = statusEvents[result.statusChangedTo];
    if (statusEvent) eventTypes.push(statusEvent);
  }
  if (!eventTypes.includes('diagnostics.session.updated')) eventTypes.push('diagnostics.session.updated');
  const planned = planSessionWrite(deps.clock.now(), userActor(call), call.correlationId, result.session, action, eventTypes, details);
  const stored = await deps.events.publishWithWrite(planned.events, { sessionId }, (eventIds) =>
    deps.sessions.replace(result.session, ifMatch ?? current.etag, { eventIds }),
  );
  if (result.statusChangedTo) deps.telemetry.metric('session.transition_total', 1, { to: result.statusChangedTo });
  await afterSessionWrite(deps, stored.session, planned);
  return stored;
}

export function updateSession(deps: SessionServiceDependencies, call: CallContext, sessionId: string, update: UpdateSessionRequest, ifMatch: string | undefined): Promise<VersionedSession> {
  return writeChange(deps, call, sessionId, ifMatch, (session) => applyUpdate(session, update, deps.clock.now()), 'session.updated', { change: update });
}

/** Soft delete: the session stays readable as cancelled. Cancelling a cancelled session is a no-op. */
export async function cancelSession(deps: SessionServiceDependencies, call: CallContext, sessionId: string, ifMatch: string | undefined): Promise<VersionedSession> {
  const current = await getSession(deps, call.principal, sessionId);
  requireAdmin(call.principal, current.session.productId);
  if (current.session.status === 'cancelled') return current;
  return writeChange(deps, call, sessionId, ifMatch, (session) => ({ session: transition(session, 'cancelled', deps.clock.now()), statusChangedTo: 'cancelled' }), 'session.cancelled', {});
}
