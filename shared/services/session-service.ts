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
import type { AuditLog } from '../ports/audit-log';
import type { Clock } from '../ports/clock';
import { newEvent, type EventPublisher, type EventType } from '../ports/event-publisher';
import type { RateLimiter } from '../ports/rate-limiter';
import type { Page, SessionStore } from '../ports/session-store';
import type { Telemetry } from '../ports/telemetry';

export interface SessionServiceDependencies {
  sessions: SessionStore;
  audit: AuditLog;
  events: EventPublisher;
  clock: Clock;
  telemetry: Telemetry;
  rateLimiter: RateLimiter;
  limits: { sessionCreatesPerHour: number };
  /** Called after every write so this instance's config index sees it at once. */
  onSessionWritten?: (session: DebugSession) => void;
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

function targetOf(session: DebugSession): Record<string, string> {
  const target: Record<string, string> = {};
  for (const field of targetFields) {
    const value = session[field];
    if (value !== undefined) target[field] = value;
  }
  return target;
}

function sessionSummary(session: DebugSession): Record<string, unknown> {
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

async function recordAndAnnounce(
  deps: SessionServiceDependencies,
  call: CallContext,
  session: DebugSession,
  action: string,
  eventTypes: EventType[],
  details: Record<string, unknown>,
): Promise<void> {
  deps.onSessionWritten?.(session);
  const now = deps.clock.now();
  await deps.audit.record({
    id: `au_${randomUUID()}`,
    productId: session.productId,
    at: now.toISOString(),
    actor: { kind: 'user', id: call.principal.subject },
    action,
    sessionId: session.id,
    target: targetOf(session),
    details,
    correlationId: call.correlationId,
  });
  const events = eventTypes.map((type) =>
    newEvent(type, { productId: session.productId, sessionId: session.id, correlationId: call.correlationId, payload: sessionSummary(session), time: now }),
  );
  try {
    await deps.events.publish(events);
  } catch {
    // The session write stands; the count makes the gap visible until the outbox closes it.
    for (const event of events) deps.telemetry.metric('event.publish_failure_total', 1, { type: event.type });
  }
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
  const session = newSession(input, call.principal.subject, deps.clock.now());
  const stored = await deps.sessions.create(session);
  const eventTypes: EventType[] = ['diagnostics.session.created'];
  if (session.status === 'active') eventTypes.push('diagnostics.session.started');
  deps.telemetry.event('session.created', { productId: session.productId, collectionLevel: session.collectionLevel });
  await recordAndAnnounce(deps, call, stored.session, 'session.created', eventTypes, { configuration: sessionSummary(session) });
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
  const stored = await deps.sessions.replace(result.session, ifMatch ?? current.etag);
  const eventTypes: EventType[] = [];
  if (result.statusChangedTo) {
    deps.telemetry.metric('session.transition_total', 1, { to: result.statusChangedTo });
    const statusEvent = statusEvents[result.statusChangedTo];
    if (statusEvent) eventTypes.push(statusEvent);
  }
  if (!eventTypes.includes('diagnostics.session.updated')) eventTypes.push('diagnostics.session.updated');
  await recordAndAnnounce(deps, call, stored.session, action, eventTypes, details);
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
