// Keyset paging over two time-ordered sources (logs container, traces container) merged into one
// timeline: the cursor is the last time returned plus the ids already returned at exactly that time,
// so ties are neither repeated nor skipped, with only single-field ORDER BY (no composite index, no OFFSET).
import { AppError } from '../../errors';

export interface TimelineCursor {
  order: 'newest' | 'oldest';
  /** The time of the last entry returned. */
  time: string;
  /** Ids already returned whose time equals `time`. */
  seen: string[];
}

const MAX_SEEN = 1000;

export function encodeTimelineCursor(cursor: TimelineCursor): string {
  return `tl1.${Buffer.from(JSON.stringify({ o: cursor.order, t: cursor.time, s: cursor.seen })).toString('base64url')}`;
}

export function decodeTimelineCursor(token: string, order: 'newest' | 'oldest'): TimelineCursor {
  const invalid = () =>
    new AppError('invalid_input', 'continuationToken is not one this service issued for this order', {
      issues: [{ field: 'continuationToken', message: 'unknown token' }],
    });
  if (!token.startsWith('tl1.')) throw invalid();
  try {
    const parsed = JSON.parse(Buffer.from(token.slice(4), 'base64url').toString('utf8')) as { o?: unknown; t?: unknown; s?: unknown };
    if (parsed.o !== order || typeof parsed.t !== 'string' || !Array.isArray(parsed.s) || !parsed.s.every((id) => typeof id === 'string')) throw invalid();
    return { order, time: parsed.t, seen: (parsed.s as string[]).slice(0, MAX_SEEN) };
  } catch {
    throw invalid();
  }
}

export interface TimedEntry {
  id: string;
  time: string;
}

/** Whether `left` comes before `right` in the requested order (ties broken by id, for a stable page). */
function compare(left: TimedEntry, right: TimedEntry, order: 'newest' | 'oldest'): number {
  const byTime = left.time < right.time ? -1 : left.time > right.time ? 1 : 0;
  const byId = left.id < right.id ? -1 : left.id > right.id ? 1 : 0;
  return (order === 'oldest' ? byTime : -byTime) || byId;
}

export interface SourceBatch<T extends TimedEntry> {
  entries: T[];
  /** The source has entries beyond those fetched. */
  more: boolean;
}

/**
 * Merges what each source returned from the cursor on (inclusive of the cursor's time), drops the ids
 * already seen, and returns one page and the cursor after it (undefined when nothing is left).
 */
export function mergeTimelinePage<T extends TimedEntry>(
  sources: Array<SourceBatch<T>>,
  cursor: TimelineCursor | undefined,
  order: 'newest' | 'oldest',
  pageSize: number,
): { entries: T[]; next: TimelineCursor | undefined } {
  const seen = new Set(cursor?.seen ?? []);
  const candidates = sources
    .flatMap((source) => source.entries)
    .filter((entry) => !(cursor && entry.time === cursor.time && seen.has(entry.id)))
    .sort((left, right) => compare(left, right, order));
  // A source that stopped early may hold entries that sort before another source's later ones: only
  // entries up to the earliest "last fetched" time of a source with more are certainly in order.
  let horizon: string | undefined;
  for (const source of sources) {
    const last = source.entries[source.entries.length - 1];
    if (!source.more || !last) continue;
    if (horizon === undefined || (order === 'oldest' ? last.time < horizon : last.time > horizon)) horizon = last.time;
  }
  const safe = horizon === undefined ? candidates : candidates.filter((entry) => (order === 'oldest' ? entry.time <= horizon! : entry.time >= horizon!));
  const entries = safe.slice(0, pageSize);
  const anyMore = candidates.length > entries.length || sources.some((source) => source.more);
  const last = entries[entries.length - 1];
  if (!anyMore || !last) return { entries, next: undefined };
  const seenAtLast = entries.filter((entry) => entry.time === last.time).map((entry) => entry.id);
  const carried = cursor && cursor.time === last.time ? cursor.seen : [];
  return { entries, next: { order, time: last.time, seen: [...new Set([...carried, ...seenAtLast])].slice(0, MAX_SEEN) } };
}
