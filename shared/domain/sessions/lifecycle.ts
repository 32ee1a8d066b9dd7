// The session state machine and the pure application of an update request to a session.
import { AppError } from '../../errors';
import { addMinutes, MAX_DURATION_MINUTES, type DebugSession, type SessionStatus, type UpdateSessionRequest } from './session';

const allowedTransitions: Record<SessionStatus, readonly SessionStatus[]> = {
  pending: ['active', 'cancelled', 'expired'],
  active: ['paused', 'completed', 'cancelled'],
  paused: ['active', 'completed', 'cancelled'],
  completed: [],
  cancelled: [],
  expired: [],
};

export function canTransition(from: SessionStatus, to: SessionStatus): boolean {
  return allowedTransitions[from].includes(to);
}

/** Sets the timestamps that go with entering a status. */
export function transition(session: DebugSession, to: SessionStatus, now: Date): DebugSession {
  if (!canTransition(session.status, to)) {
    throw new AppError('conflict', `A ${session.status} session cannot become ${to}`, {
      issues: [{ field: 'status', message: `allowed from ${session.status}: ${allowedTransitions[session.status].join(', ') || 'none'}` }],
    });
  }
  const at = now.toISOString();
  const next: DebugSession = { ...session, status: to, updatedAt: at };
  if (to === 'active') {
    next.startedAt = session.startedAt ?? at;
    next.pausedAt = undefined;
  }
  if (to === 'paused') next.pausedAt = at;
  if (to === 'completed' || to === 'cancelled' || to === 'expired') next.endedAt = at;
  return next;
}

export interface SessionChange {
  session: DebugSession;
  /** The status transition made, if any, so the caller can emit the matching event. */
  statusChangedTo?: SessionStatus;
}

export function applyUpdate(session: DebugSession, update: UpdateSessionRequest, now: Date): SessionChange {
  let next = session;
  let statusChangedTo: SessionStatus | undefined;
  if (update.status !== undefined && update.status !== session.status) {
    next = transition(next, update.status, now);
    statusChangedTo = update.status;
  }
  const otherChanges = update.extendMinutes !== undefined || update.capture || update.collectionLevel || update.reason !== undefined;
  if (otherChanges && (next.status === 'completed' || next.status === 'cancelled' || next.status === 'expired')) {
    throw new AppError('conflict', `A ${next.status} session cannot be changed`);
  }
  if (update.extendMinutes !== undefined) {
    const totalMinutes = next.maxDurationMinutes + update.extendMinutes;
    if (totalMinutes > MAX_DURATION_MINUTES) {
      throw new AppError('invalid_input', `A session lasts at most ${MAX_DURATION_MINUTES} minutes in all`, {
        issues: [{ field: 'extendMinutes', message: `at most ${MAX_DURATION_MINUTES - next.maxDurationMinutes} more minutes` }],
      });
    }
    next = { ...next, maxDurationMinutes: totalMinutes, expiresAt: addMinutes(next.expiresAt, update.extendMinutes) };
  }
  if (update.capture) next = { ...next, capture: { ...next.capture, ...update.capture } };
  if (update.collectionLevel) next = { ...next, collectionLevel: update.collectionLevel };
  if (update.reason !== undefined) next = { ...next, reason: update.reason };
  return { session: { ...next, updatedAt: now.toISOString() }, statusChangedTo };
}
