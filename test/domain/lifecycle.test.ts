// The session state machine and updates, table-driven and pure.
import { describe, expect, it } from 'vitest';
import { AppError } from '../../shared/errors';
import { applyUpdate, canTransition, transition } from '../../shared/domain/sessions/lifecycle';
import { createSessionRequestSchema, newSession, sessionStatuses, type SessionStatus } from '../../shared/domain/sessions/session';

const now = new Date('2026-11-22T10:00:00.000Z');
const later = new Date('2026-11-22T10:05:00.000Z');

function session(status: SessionStatus = 'active') {
  const created = newSession(
    createSessionRequestSchema.parse({ productId: 'demo', targetDeviceId: 'device-1', startImmediately: status !== 'pending' }),
    'admin-1',
    now,
  );
  return { ...created, status };
}

const legal: Array<[SessionStatus, SessionStatus]> = [
  ['pending', 'active'],
  ['pending', 'cancelled'],
  ['pending', 'expired'],
  ['active', 'paused'],
  ['active', 'completed'],
  ['active', 'cancelled'],
  ['paused', 'active'],
  ['paused', 'completed'],
  ['paused', 'cancelled'],
];

describe('session lifecycle', () => {
  it.each(sessionStatuses.flatMap((from) => sessionStatuses.map((to) => [from, to] as const)))('%s -> %s is allowed only if listed', (from, to) => {
    const expected = legal.some(([legalFrom, legalTo]) => legalFrom === from && legalTo === to);
    expect(canTransition(from, to)).toBe(expected);
  });

  it('refuses an illegal transition with a conflict naming the status field', () => {
    let caught: unknown;
    try {
      transition(session('completed'), 'active', later);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(AppError);
    expect((caught as AppError).kind).toBe('conflict');
    expect((caught as AppError).issues[0]!.field).toBe('status');
  });

  it('stamps the times that go with each status', () => {
    const pending = session('pending');
    expect(pending.startedAt).toBeUndefined();
    const started = transition(pending, 'active', later);
    expect(started.startedAt).toBe(later.toISOString());
    const paused = transition(started, 'paused', later);
    expect(paused.pausedAt).toBe(later.toISOString());
    const resumed = transition(paused, 'active', new Date('2026-11-22T10:06:00.000Z'));
    expect(resumed.startedAt).toBe(later.toISOString());
    expect(resumed.pausedAt).toBeUndefined();
    expect(transition(resumed, 'completed', later).endedAt).toBe(later.toISOString());
  });

  it('derives expiry from creation and duration, and extends it', () => {
    const created = session();
    expect(created.expiresAt).toBe('2026-11-22T11:00:00.000Z');
    const { session: extended, statusChangedTo } = applyUpdate(created, { extendMinutes: 30 }, later);
    expect(extended.expiresAt).toBe('2026-11-22T11:30:00.000Z');
    expect(extended.maxDurationMinutes).toBe(90);
    expect(statusChangedTo).toBeUndefined();
  });

  it('caps the total duration at 1440 minutes', () => {
    expect(() => applyUpdate(session(), { extendMinutes: 1400 }, later)).toThrow(/at most 1440/);
  });

  it('merges capture flags and refuses changes to an ended session', () => {
    const { session: changed } = applyUpdate(session(), { capture: { screenshots: true } }, later);
    expect(changed.capture.screenshots).toBe(true);
    expect(changed.capture.logs).toBe(true);
    expect(() => applyUpdate(session('cancelled'), { capture: { network: true } }, later)).toThrow(AppError);
  });

  it('asks for consent only when the session prompts the user', () => {
    const prompt = newSession(createSessionRequestSchema.parse({ productId: 'demo', targetUserId: 'u1', userConsent: 'prompt' }), 'a', now);
    const preConsented = newSession(createSessionRequestSchema.parse({ productId: 'demo', targetUserId: 'u1', userConsent: 'pre_consent' }), 'a', now);
    expect(prompt.consent).toEqual({ required: true, status: 'pending' });
    expect(preConsented.consent).toEqual({ required: false, status: 'not_required' });
  });
});
