// Display helpers: times, durations, sizes and session targets, the same way on every page.
import type { Session } from './api/types';

export function time(iso: string | undefined): string {
  if (!iso) return '–';
  const date = new Date(iso);
  return `${date.toLocaleDateString(undefined, { month: 'short', day: 'numeric' })} ${date.toLocaleTimeString(undefined, { hour12: false })}`;
}

export function duration(milliseconds: number): string {
  if (!Number.isFinite(milliseconds)) return '–';
  if (milliseconds < 1000) return `${Math.round(milliseconds)} ms`;
  const seconds = Math.round(milliseconds / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export function bytes(count: number | undefined): string {
  if (count === undefined) return '–';
  if (count < 1024) return `${count} B`;
  if (count < 1024 * 1024) return `${(count / 1024).toFixed(1)} KB`;
  return `${(count / 1024 / 1024).toFixed(1)} MB`;
}

export function target(session: Pick<Session, 'targetUserId' | 'targetDeviceId' | 'targetAnonymousId' | 'targetSessionId'>): { kind: string; value: string } {
  if (session.targetUserId) return { kind: 'user', value: session.targetUserId };
  if (session.targetDeviceId) return { kind: 'device', value: session.targetDeviceId };
  if (session.targetAnonymousId) return { kind: 'anonymous', value: session.targetAnonymousId };
  return { kind: 'app session', value: session.targetSessionId ?? '' };
}

export function isLive(status: Session['status']): boolean {
  return status === 'active' || status === 'paused' || status === 'pending';
}

/** Time left for a live session, how long it ran for an ended one. */
export function timeLeftOrDuration(session: Session, now: number): string {
  if (isLive(session.status)) {
    const left = Date.parse(session.expiresAt) - now;
    return left > 0 ? `${duration(left)} left` : 'expiring';
  }
  const start = Date.parse(session.startedAt ?? session.createdAt);
  const end = Date.parse(session.endedAt ?? session.updatedAt);
  return `ran ${duration(end - start)}`;
}

export function saveFile(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.download = fileName;
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
