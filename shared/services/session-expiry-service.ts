// Ends sessions whose time box passed: active/paused → completed (announced as expired and completed, with
// stats), pending → expired. Idempotent and safe when runs overlap: every write is If-Match on what was read.
import { AppError, isAppError } from '../errors';
import { isTerminal, type DebugSession, type SessionStatus } from '../domain/sessions/session';
import { transition } from '../domain/sessions/lifecycle';
import type { EventType } from '../domain/events/event-envelope';
import { afterSessionWrite, planSessionWrite, sessionSummary, type SessionActor, type SessionServiceDependencies } from './session-service';

export type SessionExpiryDependencies = Pick<SessionServiceDependencies, 'sessions' | 'events' | 'audit' | 'clock' | 'telemetry' | 'onSessionWritten'>;

export interface ExpiryRunResult {
  ended: number;
  /** Already ended, extended, or ended by an overlapping run between the query and the write. */
  skipped: number;
}

const expiryActor: SessionActor = { kind: 'system', id: 'session-expiry' };
const liveStatuses: SessionStatus[] = ['pending', 'active', 'paused'];
const MAX_ATTEMPTS_PER_SESSION = 3;

function expiryOf(session: DebugSession, now: Date): { next: DebugSession; eventTypes: EventType[] } {
  if (session.status === 'pending') return { next: transition(session, 'expired', now), eventTypes: ['diagnostics.session.expired'] };
  return { next: transition(session, 'completed', now), eventTypes: ['diagnostics.session.expired', 'diagnostics.session.completed'] };
}

/** Ends one session if it is still due; returns whether this call ended it. */
export async function expireSession(deps: SessionExpiryDependencies, sessionId: string): Promise<boolean> {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS_PER_SESSION; attempt++) {
    const current = await deps.sessions.get(sessionId);
    const now = deps.clock.now();
    if (!current || isTerminal(current.session.status) || Date.parse(current.session.expiresAt) > now.getTime()) return false;
    const { next, eventTypes } = expiryOf(current.session, now);
    const planned = planSessionWrite(now, expiryActor, undefined, next, 'session.expired', eventTypes, {
      from: current.session.status,
      to: next.status,
      expiresAt: current.session.expiresAt,
      stats: sessionSummary(next).stats,
    });
    try {
      const stored = await deps.events.publishWithWrite(planned.events, { sessionId }, (eventIds) => deps.sessions.replace(next, current.etag, { eventIds }));
      deps.telemetry.metric('session.expired_total', 1, { from: current.session.status });
      deps.telemetry.metric('session.transition_total', 1, { to: next.status });
      await afterSessionWrite(deps, stored.session, planned);
      return true;
    } catch (error) {
      // Someone wrote in between (an overlapping run, or an admin extending it): read again and decide again.
      if (isAppError(error) && error.kind === 'precondition_failed') continue;
      throw error;
    }
  }
  throw new AppError('unavailable', `Session ${sessionId} kept changing while expiring it`, { retryable: true });
}

/**
 * Pages through due sessions (continuation tokens) within a time budget; what is left is the next run's.
 * A missed run only means more due sessions in the next one.
 */
export async function expireDueSessions(deps: SessionExpiryDependencies, options: { pageSize: number; budgetInMs: number }): Promise<ExpiryRunResult> {
  const result: ExpiryRunResult = { ended: 0, skipped: 0 };
  const deadline = Date.now() + options.budgetInMs;
  let continuationToken: string | undefined;
  do {
    const page = await deps.sessions.list(
      { statuses: liveStatuses, expiresBefore: deps.clock.now().toISOString() },
      { maxItems: options.pageSize, continuationToken },
    );
    continuationToken = page.continuationToken;
    for (const session of page.items) {
      if (await expireSession(deps, session.id)) result.ended++;
      else result.skipped++;
    }
  } while (continuationToken && Date.now() < deadline);
  return result;
}
