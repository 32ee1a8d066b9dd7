// Grouping by user: every session that targeted or observed a user, and one merged, paged timeline across them
// ("replay a user's journey"). Session creation and ingest keep a per-user index, so reading a user's sessions
// is one single-partition query, never a scan of all sessions.
import { requireReader, type Principal } from '../domain/access/principal';
import { FieldAccessView, kindOfDoc, type FieldPolicy } from '../domain/access/field-policy';
import type { AuditLog } from '../ports/audit-log';
import { readAuditRecord } from './audit-service';
import type { DebugSession } from '../domain/sessions/session';
import { decodeTimelineCursor, encodeTimelineCursor, mergeTimelinePage, type SourceBatch } from '../domain/telemetry/timeline';
import type { Clock } from '../ports/clock';
import type { Page, SessionStore } from '../ports/session-store';
import { timeOf, type TelemetryStore, type TimelineDoc } from '../ports/telemetry-store';
import { userKeyOf, type UserSessionEntry, type UserSessionIndex } from '../ports/user-session-index';
import type { AfterStore } from './ingest-service';

/** The timeline merges this many of the user's most recent sessions; the answer says when there were more. */
export const MAX_TIMELINE_SESSIONS = 20;

export interface UserGroupingDependencies {
  index: UserSessionIndex;
  sessions: SessionStore;
  telemetryStore: TelemetryStore;
  audit: AuditLog;
  fieldPolicy: FieldPolicy;
  clock: Clock;
}

function entryOf(
  deps: Pick<UserGroupingDependencies, 'clock'>,
  session: Pick<DebugSession, 'id' | 'productId' | 'createdAt'>,
  userId: string,
  relation: UserSessionEntry['relation'],
): UserSessionEntry {
  return {
    id: session.id,
    userKey: userKeyOf(session.productId, userId),
    productId: session.productId,
    userId,
    sessionId: session.id,
    relation,
    sessionCreatedAt: session.createdAt,
    indexedAt: deps.clock.now().toISOString(),
  };
}

/**
 * Written before the session itself: an entry whose session was never stored is skipped when read (and expires
 * with the container's TTL), while a stored session is never missing from its user's index.
 */
export async function indexTargetedSession(deps: Pick<UserGroupingDependencies, 'index' | 'clock'>, session: DebugSession): Promise<void> {
  if (session.targetUserId === undefined) return;
  await deps.index.upsert(entryOf(deps, session, session.targetUserId, 'target'));
}

/** Files a session under the user its device reports (`device.userId`), once per session and user per instance. */
export class UserObserver implements AfterStore {
  private readonly seen = new Set<string>();

  constructor(private readonly deps: Pick<UserGroupingDependencies, 'index' | 'sessions' | 'clock'>) {}

  async onStored(batch: { productId: string; sessionId: string; device: { userId?: string } }): Promise<void> {
    const userId = batch.device.userId;
    if (userId === undefined) return;
    const key = `${batch.sessionId}\n${userId}`;
    if (this.seen.has(key)) return;
    const found = await this.deps.sessions.get(batch.sessionId);
    if (!found) return;
    await this.deps.index.createIfAbsent(entryOf(this.deps, found.session, userId, 'observed'));
    if (this.seen.size >= 100_000) this.seen.clear();
    this.seen.add(key);
  }
}

export interface UserSessionSummary {
  relation: UserSessionEntry['relation'];
  session: DebugSession;
}

export async function listUserSessions(
  deps: UserGroupingDependencies,
  principal: Principal,
  userId: string,
  query: { productId: string; pageSize: number; continuationToken?: string },
): Promise<Page<UserSessionSummary>> {
  requireReader(principal, query.productId);
  const page = await deps.index.list(query.productId, userId, { maxItems: query.pageSize, continuationToken: query.continuationToken });
  const found = await Promise.all(page.items.map(async (entry) => ({ entry, stored: await deps.sessions.get(entry.sessionId) })));
  return {
    // An entry whose session was never written (or belongs elsewhere) is not shown.
    items: found.flatMap(({ entry, stored }) =>
      stored && stored.session.productId === query.productId ? [{ relation: entry.relation, session: stored.session }] : [],
    ),
    continuationToken: page.continuationToken,
  };
}

export interface UserTimelineQuery {
  productId: string;
  order: 'newest' | 'oldest';
  from?: string;
  to?: string;
  pageSize: number;
  continuationToken?: string;
}

export interface UserTimelinePage extends Page<TimelineDoc> {
  /** The sessions merged (newest first), and whether the user had more than MAX_TIMELINE_SESSIONS. */
  sessionIds: string[];
  moreSessions: boolean;
}

async function recentSessions(deps: UserGroupingDependencies, productId: string, userId: string): Promise<{ ids: string[]; more: boolean }> {
  const ids: string[] = [];
  let continuationToken: string | undefined;
  do {
    const page = await deps.index.list(productId, userId, { maxItems: MAX_TIMELINE_SESSIONS + 1 - ids.length, continuationToken });
    for (const entry of page.items) if (!ids.includes(entry.sessionId)) ids.push(entry.sessionId);
    continuationToken = page.continuationToken;
  } while (continuationToken && ids.length <= MAX_TIMELINE_SESSIONS);
  return { ids: ids.slice(0, MAX_TIMELINE_SESSIONS), more: ids.length > MAX_TIMELINE_SESSIONS || continuationToken !== undefined };
}

/** Each session's timeline from the cursor on, merged by time with the same keyset cursor as one session's. */
export async function userTimeline(deps: UserGroupingDependencies, principal: Principal, userId: string, query: UserTimelineQuery): Promise<UserTimelinePage> {
  requireReader(principal, query.productId);
  const cursor = query.continuationToken === undefined ? undefined : decodeTimelineCursor(query.continuationToken, query.order);
  const { ids, more } = await recentSessions(deps, query.productId, userId);
  const utc = (time: string | undefined) => time && new Date(time).toISOString();
  let from = utc(query.from);
  let to = utc(query.to);
  if (cursor && query.order === 'oldest' && (!from || cursor.time > from)) from = cursor.time;
  // `to` is exclusive and the cursor's time must be read again (its unseen ties), so one millisecond past it.
  if (cursor && query.order === 'newest') {
    const through = new Date(Date.parse(cursor.time) + 1).toISOString();
    if (!to || through < to) to = through;
  }
  const wanted = query.pageSize + (cursor?.seen.length ?? 0);
  const sources = await Promise.all(
    ids.map(async (sessionId): Promise<SourceBatch<{ id: string; time: string; doc: TimelineDoc }>> => {
      const page = await deps.telemetryStore.listTimeline({ productId: query.productId, sessionId }, { order: query.order, from, to }, { maxItems: wanted });
      return { entries: page.items.map((doc) => ({ id: `${sessionId}/${doc.id}`, time: timeOf(doc), doc })), more: page.continuationToken !== undefined };
    }),
  );
  const merged = mergeTimelinePage(sources, cursor, query.order, query.pageSize);
  // One view (and one audit record) per session the page holds items of: the trail is queried by session.
  const views = new Map<string, FieldAccessView>();
  const items = merged.entries.map(({ doc }) => {
    let view = views.get(doc.sessionId);
    if (!view) views.set(doc.sessionId, (view = new FieldAccessView(deps.fieldPolicy, principal.roles)));
    return view.apply(kindOfDoc(doc), doc);
  });
  await Promise.all(
    [...views].map(([sessionId, view]) =>
      deps.audit.record(
        readAuditRecord(
          deps,
          principal,
          { id: sessionId, productId: query.productId, target: { userId } },
          'user_timeline.read',
          {},
          undefined,
          view.summary(),
        ),
      ),
    ),
  );
  return {
    items,
    continuationToken: merged.next ? encodeTimelineCursor(merged.next) : undefined,
    sessionIds: ids,
    moreSessions: more,
  };
}
