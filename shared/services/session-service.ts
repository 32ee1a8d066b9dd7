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
  type SessionTrigger,
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
import { sessionViewFor, type TargetedUserView } from '../domain/sessions/session-view';

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
  /** Runs before a new session is written (the per-user index, issue 16); a failure fails the create. */
  beforeCreate?: (session: DebugSession) => Promise<void>;
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
    ...(session.trigger ? { trigger: session.trigger } : {}),
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
export async function afterSessionWrite(
  deps: Pick<SessionServiceDependencies, 'audit' | 'onSessionWritten'>,
  session: DebugSession,
  planned: PlannedWrite,
): Promise<void> {
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
  const planned = planSessionWrite(now, userActor(call), call.correlationId, session, 'session.created', eventTypes, {
    configuration: sessionSummary(session),
  });
  await deps.beforeCreate?.(session);
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
  /** Exactly a session id or one of its target ids. */
  target?: string;
  pageSize: number;
  continuationToken?: string;
}

export async function listSessions(
  deps: Pick<SessionServiceDependencies, 'sessions'>,
  principal: Principal,
  query: ListSessionsQuery,
): Promise<Page<DebugSession | TargetedUserView>> {
  let productIds = readableProducts(principal);
  if (query.productId !== undefined) {
    if (!productIds.includes(query.productId)) throw new AppError('forbidden', `No access to product ${query.productId}`);
    productIds = [query.productId];
  }
  // A caller with no reader role sees only sessions that target them.
  const targetUserId = productIds.length === 0 ? principal.subject : undefined;
  const page = await deps.sessions.list(
    {
      productIds: targetUserId ? undefined : productIds,
      statuses: query.status,
      createdFrom: query.from,
      createdTo: query.to,
      targetUserId,
      target: query.target,
    },
    { maxItems: query.pageSize, continuationToken: query.continuationToken },
  );
  return { ...page, items: page.items.map((session) => sessionViewFor(principal, session)) };
}

/** Read-modify-write attempts for a caller that named no version (no If-Match, or `*`) before a concurrent writer wins. */
const UNCONDITIONAL_WRITE_ATTEMPTS = 10;

/**
 * If-Match is optional: with an ETag the change applies to exactly that version (412 otherwise); without one, or
 * with `*`, it applies to whatever version is current, re-read and retried when another write lands in between,
 * so a caller that sent no precondition never fails one.
 */
async function writeChange(
  deps: SessionServiceDependencies,
  call: CallContext,
  sessionId: string,
  ifMatch: string | undefined,
  change: (session: DebugSession) => { session: DebugSession; statusChangedTo?: SessionStatus },
  action: string,
  details: Record<string, unknown>,
): Promise<VersionedSession> {
  const conditional = ifMatch !== undefined && ifMatch !== '*';
  for (let attempt = 1; ; attempt++) {
    try {
      return await writeChangeOnce(deps, call, sessionId, conditional ? ifMatch : undefined, change, action, details);
    } catch (error) {
      const lostRace = error instanceof AppError && error.kind === 'precondition_failed';
      if (!lostRace || conditional) throw error;
      if (attempt >= UNCONDITIONAL_WRITE_ATTEMPTS) {
        throw new AppError('unavailable', 'The session is being changed by others right now; retry shortly', { retryAfterSeconds: 1, cause: error });
      }
      // Jittered, so writers that collided do not collide again in step.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
    }
  }
}

async function writeChangeOnce(
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
  if (ifMatch !== undefined && ifMatch !== current.etag) {
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
    deps.sessions.replace(result.session, current.etag, { eventIds }),
  );
  if (result.statusChangedTo) deps.telemetry.metric('session.transition_total', 1, { to: result.statusChangedTo });
  await afterSessionWrite(deps, stored.session, planned);
  return stored;
}

export function updateSession(
  deps: SessionServiceDependencies,
  call: CallContext,
  sessionId: string,
  update: UpdateSessionRequest,
  ifMatch: string | undefined,
): Promise<VersionedSession> {
  return writeChange(deps, call, sessionId, ifMatch, (session) => applyUpdate(session, update, deps.clock.now()), 'session.updated', { change: update });
}

/** Soft delete: the session stays readable as cancelled. Cancelling a cancelled session is a no-op. */
export async function cancelSession(
  deps: SessionServiceDependencies,
  call: CallContext,
  sessionId: string,
  ifMatch: string | undefined,
): Promise<VersionedSession> {
  const current = await getSession(deps, call.principal, sessionId);
  requireAdmin(call.principal, current.session.productId);
  if (current.session.status === 'cancelled') return current;
  return writeChange(
    deps,
    call,
    sessionId,
    ifMatch,
    (session) => ({ session: transition(session, 'cancelled', deps.clock.now()), statusChangedTo: 'cancelled' }),
    'session.cancelled',
    {},
  );
}

/**
 * A session a trigger rule opens (issue 17): the same write, audit and events as one an admin opens, by the
 * system actor, recording the rule and the signal, and announcing `diagnostics.session.auto_created` too.
 * The caller enforces the caps; consent follows the rule's template exactly as for a manual session.
 */
export async function createAutoSession(
  deps: SessionServiceDependencies,
  input: CreateSessionRequest,
  trigger: SessionTrigger,
  correlationId: string | undefined,
): Promise<VersionedSession> {
  const now = deps.clock.now();
  const actor: SessionActor = { kind: 'system', id: `trigger:${trigger.ruleId}` };
  const session: DebugSession = { ...newSession(input, actor.id, now), trigger };
  const eventTypes: EventType[] = ['diagnostics.session.created'];
  if (session.status === 'active') eventTypes.push('diagnostics.session.started');
  eventTypes.push('diagnostics.session.auto_created');
  const planned = planSessionWrite(now, actor, correlationId, session, 'session.auto_created', eventTypes, { configuration: sessionSummary(session), trigger });
  const stored = await deps.events.publishWithWrite(planned.events, { sessionId: session.id }, (eventIds) => deps.sessions.create(session, { eventIds }));
  deps.telemetry.event('session.auto_created', { productId: session.productId, on: trigger.on });
  await afterSessionWrite(deps, stored.session, planned);
  return stored;
}
