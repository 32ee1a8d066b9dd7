// Which session targets a polling device: an in-memory index of live sessions keyed by target,
// so a config poll is a few map look-ups and never a storage query.
import { z } from 'zod';
import { isTerminal, type DebugSession } from './session';

export const configPollQuerySchema = z
  .object({
    userId: z.string().max(128).optional(),
    anonymousId: z.string().max(128).optional(),
    deviceId: z.string().max(128).optional(),
    appSessionId: z.string().max(128).optional(),
    platform: z.string().max(64).optional(),
    appVersion: z.string().max(64).optional(),
  })
  .refine((query) => query.deviceId || query.anonymousId || query.appSessionId || query.userId, {
    message: 'give at least one of deviceId, anonymousId, appSessionId, userId',
    path: ['deviceId'],
  });
export type ConfigPollQuery = z.infer<typeof configPollQuerySchema>;

export interface DevicePoll extends ConfigPollQuery {
  productId: string;
  /** Subject of a verified bearer token, if the poll carried one: the only way to match a user target. */
  authenticatedUserId?: string;
}

type TargetKind = 'user' | 'anonymous' | 'device' | 'appSession';

/** A product's live sessions by the value of each kind of target (session ids per value). */
type TargetsOfProduct = Record<TargetKind, Map<string, Set<string>>>;

/** The one target a session is filed under; every other target field is checked on look-up. */
function primaryTarget(session: DebugSession): [TargetKind, string] | undefined {
  if (session.targetDeviceId) return ['device', session.targetDeviceId];
  if (session.targetSessionId) return ['appSession', session.targetSessionId];
  if (session.targetAnonymousId) return ['anonymous', session.targetAnonymousId];
  if (session.targetUserId) return ['user', session.targetUserId];
  return undefined;
}

/** Every target set on the session must match; a user target only by a verified token. */
export function sessionTargetsPoll(session: DebugSession, poll: DevicePoll): boolean {
  if (session.productId !== poll.productId) return false;
  if (session.targetDeviceId !== undefined && session.targetDeviceId !== poll.deviceId) return false;
  if (session.targetSessionId !== undefined && session.targetSessionId !== poll.appSessionId) return false;
  if (session.targetAnonymousId !== undefined && session.targetAnonymousId !== poll.anonymousId) return false;
  if (session.targetUserId !== undefined && session.targetUserId !== poll.authenticatedUserId) return false;
  return true;
}

/** Active and paused sessions are handed to devices; paused ones tell the device to hold off. */
export function isServedToDevices(session: DebugSession, nowInMs: number): boolean {
  return (session.status === 'active' || session.status === 'paused') && Date.parse(session.expiresAt) > nowInMs;
}

/** Ended sessions remembered, so a stale copy read after the end cannot bring one back. */
const MAX_TOMBSTONES = 10_000;

export class SessionTargetIndex {
  private readonly sessionsById = new Map<string, DebugSession>();
  /**
   * Session ids by product, kind of target and value: a poll looks the id up as it came, under a product id it holds
   * already, where one key of all three would be a new string per poll, flattened and hashed each time.
   */
  private readonly idsByTarget = new Map<string, TargetsOfProduct>();
  private readonly endedAt = new Map<string, string>();

  get size(): number {
    return this.sessionsById.size;
  }

  /** A session the index holds (live and targeted); undefined for ended, untargeted or unknown ones. */
  get(sessionId: string): DebugSession | undefined {
    return this.sessionsById.get(sessionId);
  }

  /** The index has seen this session end (as long as it remembers, MAX_TOMBSTONES). */
  hasEnded(sessionId: string): boolean {
    return this.endedAt.has(sessionId);
  }

  /** Keeps only sessions a device could be handed; a newer update replaces an older one. */
  apply(session: DebugSession): void {
    const known = this.sessionsById.get(session.id);
    if (known && known.updatedAt > session.updatedAt) return;
    const ended = this.endedAt.get(session.id);
    if (ended !== undefined && ended >= session.updatedAt) return;
    this.remove(session.id);
    if (isTerminal(session.status)) {
      this.endedAt.set(session.id, session.updatedAt);
      // Maps iterate in insertion order: the first key is the oldest tombstone.
      if (this.endedAt.size > MAX_TOMBSTONES) this.endedAt.delete(this.endedAt.keys().next().value!);
      return;
    }
    const target = primaryTarget(session);
    if (!target) return;
    const [kind, value] = target;
    this.sessionsById.set(session.id, session);
    let targets = this.idsByTarget.get(session.productId);
    if (!targets) {
      targets = { user: new Map(), anonymous: new Map(), device: new Map(), appSession: new Map() };
      this.idsByTarget.set(session.productId, targets);
    }
    let ids = targets[kind].get(value);
    if (!ids) targets[kind].set(value, (ids = new Set()));
    ids.add(session.id);
  }

  remove(sessionId: string): void {
    const known = this.sessionsById.get(sessionId);
    if (!known) return;
    this.sessionsById.delete(sessionId);
    const target = primaryTarget(known);
    if (!target) return;
    const [kind, value] = target;
    const targets = this.idsByTarget.get(known.productId);
    const ids = targets?.[kind].get(value);
    ids?.delete(sessionId);
    if (ids?.size === 0) targets![kind].delete(value);
  }

  /** The newest live session targeting the poll, preferring active over paused. */
  find(poll: DevicePoll, now: Date): DebugSession | undefined {
    return this.findAt(poll, now.getTime());
  }

  /** `find` at a time in epoch milliseconds: the poll reads the clock without making a Date. */
  findAt(poll: DevicePoll, nowInMs: number): DebugSession | undefined {
    // Each target the poll names, without building a list of them on every poll.
    let best = this.bestFor(poll, nowInMs, 'device', poll.deviceId, undefined);
    best = this.bestFor(poll, nowInMs, 'appSession', poll.appSessionId, best);
    best = this.bestFor(poll, nowInMs, 'anonymous', poll.anonymousId, best);
    return this.bestFor(poll, nowInMs, 'user', poll.authenticatedUserId, best);
  }

  /** `best`, or a session filed under this target that serves the poll and ranks higher. */
  private bestFor(poll: DevicePoll, nowInMs: number, kind: TargetKind, value: string | undefined, best: DebugSession | undefined): DebugSession | undefined {
    if (value === undefined) return best;
    const ids = this.idsByTarget.get(poll.productId)?.[kind].get(value);
    if (ids === undefined) return best;
    for (const id of ids) {
      const session = this.sessionsById.get(id);
      if (!session || !isServedToDevices(session, nowInMs) || !sessionTargetsPoll(session, poll)) continue;
      if (!best || rank(session) > rank(best)) best = session;
    }
    return best;
  }
}

function rank(session: DebugSession): number {
  return (session.status === 'active' ? 1e15 : 0) + Date.parse(session.createdAt);
}

export type BindingKind = 'device' | 'appSession' | 'anonymous' | 'user';

/** Which identity an ingest token binds to: the most specific one the device gave. */
export function deviceBindingKind(poll: DevicePoll): BindingKind {
  if (poll.deviceId) return 'device';
  if (poll.appSessionId) return 'appSession';
  if (poll.anonymousId) return 'anonymous';
  return 'user';
}

/** The value of that identity (`deviceBindingKind`), as the device sent it. */
export function deviceBindingValue(poll: DevicePoll, kind: BindingKind): string {
  switch (kind) {
    case 'device':
      return poll.deviceId!;
    case 'appSession':
      return poll.appSessionId!;
    case 'anonymous':
      return poll.anonymousId!;
    case 'user':
      return `${poll.authenticatedUserId ?? poll.userId}`;
  }
}

/** The identity an ingest token binds to, as `kind:value`. */
export function deviceBinding(poll: DevicePoll): string {
  const kind = deviceBindingKind(poll);
  return `${kind}:${deviceBindingValue(poll, kind)}`;
}
