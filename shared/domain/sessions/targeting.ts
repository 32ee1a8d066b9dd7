// Which session targets a polling device: an in-memory index of live sessions keyed by target,
// so a config poll is a hash check, at most a few map look-ups, and never a storage query.
import { z } from 'zod';
import { HashCounts } from '../hashing/hash-counts';
import { randomHashSeed, seededStringHash } from '../hashing/string-hash';
import {
  captureFlagsSchema,
  debugSessionSchema,
  isTerminal,
  sessionTriggerSchema,
  targetFields,
  type CaptureFlags,
  type ConsentState,
  type DebugSession,
  type SessionTrigger,
} from './session';

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

type SessionTargets = Pick<DebugSession, (typeof targetFields)[number]>;

/**
 * What the index keeps of a live session: what a poll answers and ingest checks on every batch, and nothing else. A
 * session as storage hands it over (tags, reason, stats, who made it, the trigger's signal) weighs about a kilobyte
 * of heap, and an instance holds every live session of every product; storage projects these fields for the index.
 */
export const indexedSessionSchema = debugSessionSchema
  .pick({
    id: true,
    productId: true,
    status: true,
    collectionLevel: true,
    capture: true,
    consent: true,
    createdAt: true,
    updatedAt: true,
    expiresAt: true,
    endedAt: true,
    targetUserId: true,
    targetAnonymousId: true,
    targetDeviceId: true,
    targetSessionId: true,
  })
  .extend({
    /** Only what a device is told of it: a crash opened the session. */
    trigger: sessionTriggerSchema.pick({ on: true }).optional(),
  });
export type IndexedSession = z.infer<typeof indexedSessionSchema>;

/** A target value's live sessions: nearly always one, so the session itself, and a list only beside another. */
type Filed = IndexedSession | IndexedSession[];

/** A product's live sessions by the value of each kind of target. */
type TargetsOfProduct = Record<TargetKind, Map<string, Filed>>;

/** The one target a session is filed under; every other target field is checked on look-up. */
function primaryTarget(session: SessionTargets): [TargetKind, string] | undefined {
  if (session.targetDeviceId) return ['device', session.targetDeviceId];
  if (session.targetSessionId) return ['appSession', session.targetSessionId];
  if (session.targetAnonymousId) return ['anonymous', session.targetAnonymousId];
  if (session.targetUserId) return ['user', session.targetUserId];
  return undefined;
}

/** Every target set on the session must match; a user target only by a verified token. */
export function sessionTargetsPoll(session: SessionTargets & Pick<DebugSession, 'productId'>, poll: DevicePoll): boolean {
  if (session.productId !== poll.productId) return false;
  if (session.targetDeviceId !== undefined && session.targetDeviceId !== poll.deviceId) return false;
  if (session.targetSessionId !== undefined && session.targetSessionId !== poll.appSessionId) return false;
  if (session.targetAnonymousId !== undefined && session.targetAnonymousId !== poll.anonymousId) return false;
  if (session.targetUserId !== undefined && session.targetUserId !== poll.authenticatedUserId) return false;
  return true;
}

/** Active and paused sessions are handed to devices; paused ones tell the device to hold off. */
export function isServedToDevices(session: Pick<DebugSession, 'status' | 'expiresAt'>, nowInMs: number): boolean {
  return (session.status === 'active' || session.status === 'paused') && Date.parse(session.expiresAt) > nowInMs;
}

/** Ended sessions remembered, so a stale copy read after the end cannot bring one back. */
const MAX_TOMBSTONES = 10_000;
/** Distinct values of one kind shared between sessions (product ids, capture flags, ...) before its table starts over. */
const MAX_SHARED_VALUES = 10_000;

/** One copy of each equal value many sessions hold, found by a cheap key; frozen, since every session holding one sees it. */
class Shared<Key, Value> {
  private readonly values = new Map<Key, Value>();

  of(key: Key, make: () => Value): Value {
    let value = this.values.get(key);
    if (value === undefined) {
      if (this.values.size >= MAX_SHARED_VALUES) this.values.clear();
      value = make();
      this.values.set(key, value);
    }
    return value;
  }
}

const CAPTURE_FLAG_BITS = new Map(captureFlagsSchema.keyof().options.map((flag, bit) => [flag as string, 1 << bit]));

/**
 * The values many sessions share, each held once per index: product ids, a set of capture flags, consent not yet
 * decided and what opened the session. Keyed without serialising (a bit per capture flag), since a refresh builds an
 * entry for every changed session.
 */
class SharedValues {
  private readonly strings = new Shared<string, string>();
  private readonly captures = new Shared<number, Readonly<CaptureFlags>>();
  private readonly undecidedConsents = new Shared<string, Readonly<ConsentState>>();
  private readonly triggers = new Shared<string, Readonly<Pick<SessionTrigger, 'on'>>>();

  string(text: string): string {
    return this.strings.of(text, () => text);
  }

  capture(flags: CaptureFlags): Readonly<CaptureFlags> {
    let bits = 0;
    let count = 0;
    for (const flag in flags) {
      const bit = CAPTURE_FLAG_BITS.get(flag);
      const value = flags[flag as keyof CaptureFlags];
      // Anything but the schema's flags as booleans (an older document, say) keeps a copy of its own.
      if (bit === undefined || typeof value !== 'boolean') return Object.freeze({ ...flags });
      count++;
      if (value) bits |= bit;
    }
    if (count !== CAPTURE_FLAG_BITS.size) return Object.freeze({ ...flags });
    return this.captures.of(bits, () => Object.freeze({ ...flags }));
  }

  /** Once decided, consent carries its own time; until then it is one of a few values. */
  consent(consent: ConsentState): ConsentState {
    const { required, status, decidedAt } = consent;
    if (decidedAt !== undefined) return { required, status, decidedAt };
    return this.undecidedConsents.of(`${required}|${status}`, () => Object.freeze({ required, status }));
  }

  trigger(trigger: Pick<SessionTrigger, 'on'> | undefined): Readonly<Pick<SessionTrigger, 'on'>> | undefined {
    if (trigger === undefined) return undefined;
    const on = trigger.on;
    return this.triggers.of(on, () => Object.freeze({ on }));
  }
}

export class SessionTargetIndex {
  private readonly sessionsById = new Map<string, IndexedSession>();
  /**
   * Live sessions by product, kind of target and value: a poll looks the id up as it came, under a product id it holds
   * already, where one key of all three would be a new string per poll, flattened and hashed each time.
   */
  private readonly sessionsByTarget = new Map<string, TargetsOfProduct>();
  private readonly endedAt = new Map<string, string>();
  private readonly shared = new SharedValues();
  /**
   * The hash of every kind and value `sessionsByTarget` files a session under, whatever the product: nearly every poll
   * names targets no session aims at, and this answers so without a miss in a map of every live target (~1 µs at a
   * million, which made the idle poll grow with the index). A held hash sends the poll on to the maps.
   */
  private readonly targetHashes = new HashCounts();
  /** One seed per kind, so a value filed under one kind does not pass the check for another. */
  private readonly kindSeeds: Record<TargetKind, number> = {
    user: randomHashSeed(),
    anonymous: randomHashSeed(),
    device: randomHashSeed(),
    appSession: randomHashSeed(),
  };

  get size(): number {
    return this.sessionsById.size;
  }

  /** A session the index holds (live and targeted); undefined for ended, untargeted or unknown ones. */
  get(sessionId: string): IndexedSession | undefined {
    return this.sessionsById.get(sessionId);
  }

  /** The index has seen this session end (as long as it remembers, MAX_TOMBSTONES). */
  hasEnded(sessionId: string): boolean {
    return this.endedAt.has(sessionId);
  }

  /** Keeps only sessions a device could be handed; a newer update replaces an older one. */
  apply(session: IndexedSession): void {
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
    const indexed = this.indexed(session);
    this.sessionsById.set(indexed.id, indexed);
    let targets = this.sessionsByTarget.get(indexed.productId);
    if (!targets) {
      targets = { user: new Map(), anonymous: new Map(), device: new Map(), appSession: new Map() };
      this.sessionsByTarget.set(indexed.productId, targets);
    }
    const filed = targets[kind].get(value);
    if (filed === undefined) this.targetHashes.add(this.targetHash(kind, value));
    targets[kind].set(value, filed === undefined ? indexed : Array.isArray(filed) ? [...filed, indexed] : [filed, indexed]);
  }

  remove(sessionId: string): void {
    const known = this.sessionsById.get(sessionId);
    if (!known) return;
    this.sessionsById.delete(sessionId);
    const target = primaryTarget(known);
    if (!target) return;
    const [kind, value] = target;
    const byValue = this.sessionsByTarget.get(known.productId)?.[kind];
    const filed = byValue?.get(value);
    if (filed === undefined) return;
    const rest = Array.isArray(filed) ? filed.filter((session) => session.id !== sessionId) : filed.id === sessionId ? [] : [filed];
    if (rest.length === 0) {
      byValue!.delete(value);
      this.targetHashes.remove(this.targetHash(kind, value));
    } else byValue!.set(value, rest.length === 1 ? rest[0]! : rest);
  }

  /** The newest live session targeting the poll, preferring active over paused. */
  find(poll: DevicePoll, now: Date): IndexedSession | undefined {
    return this.findAt(poll, now.getTime());
  }

  /** `find` at a time in epoch milliseconds: the poll reads the clock without making a Date. */
  findAt(poll: DevicePoll, nowInMs: number): IndexedSession | undefined {
    // Each target the poll names, without building a list of them on every poll.
    let best = this.bestFor(poll, nowInMs, 'device', poll.deviceId, undefined);
    best = this.bestFor(poll, nowInMs, 'appSession', poll.appSessionId, best);
    best = this.bestFor(poll, nowInMs, 'anonymous', poll.anonymousId, best);
    return this.bestFor(poll, nowInMs, 'user', poll.authenticatedUserId, best);
  }

  /** `best`, or a session filed under this target that serves the poll and ranks higher. */
  private bestFor(
    poll: DevicePoll,
    nowInMs: number,
    kind: TargetKind,
    value: string | undefined,
    best: IndexedSession | undefined,
  ): IndexedSession | undefined {
    if (value === undefined || !this.targetHashes.has(this.targetHash(kind, value))) return best;
    const filed = this.sessionsByTarget.get(poll.productId)?.[kind].get(value);
    if (filed === undefined) return best;
    if (!Array.isArray(filed)) return better(filed, poll, nowInMs, best);
    for (const session of filed) best = better(session, poll, nowInMs, best);
    return best;
  }

  private targetHash(kind: TargetKind, value: string): number {
    return seededStringHash(value, this.kindSeeds[kind]);
  }

  /**
   * The fields the index keeps, each session with the same keys in the same order (one shape), the values many
   * sessions share held once.
   */
  private indexed(session: IndexedSession): IndexedSession {
    const shared = this.shared;
    return {
      id: session.id,
      productId: shared.string(session.productId),
      status: session.status,
      collectionLevel: session.collectionLevel,
      capture: shared.capture(session.capture),
      consent: shared.consent(session.consent),
      createdAt: session.createdAt,
      updatedAt: session.updatedAt,
      expiresAt: session.expiresAt,
      endedAt: session.endedAt,
      targetUserId: session.targetUserId,
      targetAnonymousId: session.targetAnonymousId,
      targetDeviceId: session.targetDeviceId,
      targetSessionId: session.targetSessionId,
      trigger: shared.trigger(session.trigger),
    };
  }
}

/** `session` when it serves the poll and ranks above `best`; otherwise `best`. */
function better(session: IndexedSession, poll: DevicePoll, nowInMs: number, best: IndexedSession | undefined): IndexedSession | undefined {
  if (!isServedToDevices(session, nowInMs) || !sessionTargetsPoll(session, poll)) return best;
  return !best || rank(session) > rank(best) ? session : best;
}

function rank(session: Pick<DebugSession, 'status' | 'createdAt'>): number {
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
