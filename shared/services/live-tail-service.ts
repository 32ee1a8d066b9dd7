// Live tail: one Server-Sent Events stream per engineer watching a session. Each stream polls the session's
// partition from its own cursor about once a second (any instance serves any stream, nothing is fanned out in
// memory), sends at most one message a second of at most `maxItemsPerMessage` items (a `dropped` event for the
// rest), closes itself before Azure's 230 s HTTP limit with a `retry:` hint, and ends with `end` when the session does.
// Items go out through the field policy; opening a stream is audited once, naming the restricted fields it may show.
import { ReadableStream } from 'node:stream/web';
import { AppError } from '../errors';
import { requireReader, type Principal } from '../domain/access/principal';
import { FieldAccessView, kindOfDoc, type FieldPolicy, type RecordKind } from '../domain/access/field-policy';
import type { AuditLog } from '../ports/audit-log';
import { readAuditRecord } from './audit-service';
import { isTerminal } from '../domain/sessions/session';
import {
  compareCursors,
  cursorAtEndOfSecond,
  cursorOf,
  decodeCursor,
  encodeCursor,
  lastCompleteSecond,
  matchesTailFilter,
  sseComment,
  sseEvent,
  sseRetry,
  type TailCursor,
  type TailFilter,
} from '../domain/telemetry/tail';
import type { Clock } from '../ports/clock';
import type { SessionStateReader } from '../ports/session-state-reader';
import type { SessionStore } from '../ports/session-store';
import type { TailReader } from '../ports/tail-reader';
import type { Telemetry } from '../ports/telemetry';
import type { SessionKey } from '../ports/telemetry-store';
import { getSession } from './session-service';

const MAX_REMEMBERED_IDS = 20_000;

/** No caching or transformation on the way (`x-accel-buffering` keeps nginx-style proxies from buffering). */
export const SSE_HEADERS: Record<string, string> = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  'x-accel-buffering': 'no',
};

export interface LiveTailLimits {
  pollIntervalInMs: number;
  maxItemsPerMessage: number;
  /** The stream closes itself after this long (Azure cuts HTTP responses at 230 s). */
  maxStreamInMs: number;
  heartbeatInMs: number;
  /** How long after a second ends its commits are taken as complete (see lastCompleteSecond). */
  settleInMs: number;
  /** How long after the session ends the stream keeps reading items accepted just before. */
  endGraceInMs: number;
  /** The reconnect delay suggested to clients when the stream closes itself. */
  retryInMs: number;
  maxStreamsPerCaller: number;
  maxStreamsPerProduct: number;
}

export interface LiveTailDependencies {
  sessions: SessionStore;
  /** The per-instance view of session status ingest uses: checking for the end costs no storage read per poll. */
  sessionState: SessionStateReader;
  reader: TailReader;
  audit: AuditLog;
  fieldPolicy: FieldPolicy;
  clock: Clock;
  /**
   * The clock storage stamps commit times (`_ts`) with: the cursor and the settle window are in its time. The same
   * wall clock in production; apart from `clock` where a test moves the app's time but not the storage's.
   */
  storageClock: Clock;
  telemetry: Telemetry;
  streams: OpenStreams;
  limits: LiveTailLimits;
}

/** The open streams of this instance, counted per caller and per product for the concurrency caps. */
export class OpenStreams {
  private readonly counts = new Map<string, number>();

  tryOpen(keys: string[], limits: number[]): boolean {
    if (keys.some((key, index) => (this.counts.get(key) ?? 0) >= limits[index]!)) return false;
    for (const key of keys) this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    return true;
  }

  close(keys: string[]): void {
    for (const key of keys) {
      const left = (this.counts.get(key) ?? 1) - 1;
      if (left <= 0) this.counts.delete(key);
      else this.counts.set(key, left);
    }
  }

  get size(): number {
    let total = 0;
    for (const [key, count] of this.counts) if (key.startsWith('product:')) total += count;
    return total;
  }
}

export interface TailRequest {
  filter: TailFilter;
  /** The SSE `Last-Event-ID` header: resume after it. */
  lastEventId?: string | null;
}

/** Authorizes, takes a slot under the caps and returns the SSE body; the stream releases its slot when it ends. */
export async function openLiveTail(
  deps: LiveTailDependencies,
  principal: Principal,
  sessionId: string,
  request: TailRequest,
): Promise<ReadableStream<Uint8Array>> {
  const { session } = await getSession(deps, principal, sessionId);
  requireReader(principal, session.productId);
  let start: TailCursor | undefined;
  if (request.lastEventId) {
    start = decodeCursor(request.lastEventId.trim());
    if (!start)
      throw new AppError('invalid_input', 'Last-Event-ID is not an id this stream sent', { issues: [{ field: 'Last-Event-ID', message: 'unknown cursor' }] });
  }
  const keys = [`caller:${principal.subject}`, `product:${session.productId}`];
  if (!deps.streams.tryOpen(keys, [deps.limits.maxStreamsPerCaller, deps.limits.maxStreamsPerProduct])) {
    deps.telemetry.metric('tail.refused_total', 1, {});
    throw new AppError(
      'rate_limited',
      `At most ${deps.limits.maxStreamsPerCaller} live tails per caller and ${deps.limits.maxStreamsPerProduct} per product at once`,
      {
        retryAfterSeconds: Math.ceil(deps.limits.pollIntervalInMs / 1000) * 10,
      },
    );
  }
  const view = new FieldAccessView(deps.fieldPolicy, principal.roles);
  try {
    // A stream cannot know its items in advance: the record names the restricted fields it may show.
    const revealable = view.revealable(TAIL_KINDS);
    const access = { sensitive: revealable.length > 0, fieldsRead: revealable, fieldsWithheld: view.withheldRules(TAIL_KINDS) };
    await deps.audit.record(readAuditRecord(deps, principal, session, 'tail.read', {}, undefined, access));
  } catch (error) {
    deps.streams.close(keys);
    throw error;
  }
  const key = { productId: session.productId, sessionId };
  const cursor = start ?? cursorAtEndOfSecond(lastCompleteSecond(deps.storageClock.now().getTime(), deps.limits.settleInMs));
  return tailStream(deps, key, request, cursor, view, () => deps.streams.close(keys));
}

const TAIL_KINDS: readonly RecordKind[] = ['log', 'breadcrumb', 'network', 'span'];

function delay(milliseconds: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, milliseconds);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

interface Tick {
  text: string;
  /** The session ended and everything it stored was sent. */
  ended: boolean;
}

function tailStream(
  deps: LiveTailDependencies,
  key: SessionKey,
  request: TailRequest,
  start: TailCursor,
  view: FieldAccessView,
  release: () => void,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  // Aborted when the client goes away (the host cancels the body stream) or the stream ends by itself.
  const stop = new AbortController();
  const limits = deps.limits;
  let cursor = start;
  /**
   * Document ids this connection sent. A retried batch rewrites its documents (same ids), which gives them a new
   * commit time: they would come round again. Within a connection they are sent once; clients key items by `id`.
   */
  const sentIds = new Set<string>();
  /**
   * When the session ended (its own end time, or when this stream first saw it gone); the stream drains for
   * endGraceInMs after it. Taken from the session, so a stream resumed after the end does not start the grace anew
   * (with a stream time limit shorter than the grace, `end` would then never come).
   */
  let endedAt: number | undefined;
  let endStatus = 'completed';

  async function sessionEnded(now: number): Promise<boolean> {
    if (endedAt !== undefined) return true;
    const found = await deps.sessionState.get(key.sessionId);
    const state = found?.state;
    if (!state || isTerminal(state.status) || Date.parse(state.expiresAt) <= now) {
      const endTime = state ? (state.endedAt ?? (isTerminal(state.status) ? undefined : state.expiresAt)) : undefined;
      endedAt = endTime ? Math.min(Date.parse(endTime), now) : now;
      endStatus = !state ? 'deleted' : isTerminal(state.status) ? state.status : 'expired';
      return true;
    }
    return false;
  }

  async function tick(): Promise<Tick> {
    const now = deps.clock.now().getTime();
    const storageNow = deps.storageClock.now().getTime();
    const ended = await sessionEnded(now);
    const through = lastCompleteSecond(storageNow, limits.settleInMs);
    let text = '';
    if (through >= cursor.commitSecond) {
      const read = await deps.reader.read(key, {
        fromSecond: cursor.commitSecond,
        throughSecond: through,
        filter: request.filter,
        atLeast: limits.maxItemsPerMessage + 1,
      });
      // The first second read overlaps what was sent before: entries up to the cursor are dropped here.
      const fresh = read.entries.filter(
        (entry) => compareCursors(cursorOf(entry), cursor) > 0 && matchesTailFilter(entry.doc, request.filter) && !sentIds.has(entry.doc.id),
      );
      const sent = fresh.slice(0, limits.maxItemsPerMessage);
      for (const entry of sent) {
        text += sseEvent({ event: 'item', id: encodeCursor(cursorOf(entry)), data: view.apply(kindOfDoc(entry.doc), entry.doc) });
        if (sentIds.size >= MAX_REMEMBERED_IDS) sentIds.delete(sentIds.values().next().value!);
        sentIds.add(entry.doc.id);
      }
      const last = sent[sent.length - 1];
      if (fresh.length > sent.length) {
        // Skip ahead to the newest complete second, so the stream stays live; the client can page the gap.
        const skipped =
          fresh.length - sent.length + (await deps.reader.count(key, { afterSecond: read.coveredThrough, throughSecond: through, filter: request.filter }));
        const after = cursorAtEndOfSecond(through);
        text += sseEvent({
          event: 'dropped',
          id: encodeCursor(after),
          data: {
            count: skipped,
            from: encodeCursor(last ? cursorOf(last) : cursor),
            through: encodeCursor(after),
            fromReceivedAt: fresh[sent.length]!.doc.receivedAt,
          },
        });
        deps.telemetry.metric('tail.items_dropped_total', skipped, {});
        cursor = after;
      } else {
        // Every second through `coveredThrough` was read whole: none of it needs reading again.
        cursor = cursorAtEndOfSecond(read.coveredThrough);
        if (last && compareCursors(cursorOf(last), cursor) > 0) cursor = cursorOf(last);
      }
      if (sent.length) deps.telemetry.metric('tail.items_sent_total', sent.length, {});
    }
    // The end in storage time: as long before storageNow as it is before now on the app's clock.
    const drained = ended && through >= Math.floor((storageNow - (now - endedAt!) + limits.endGraceInMs) / 1000);
    if (drained) text += sseEvent({ event: 'end', data: { sessionId: key.sessionId, status: endStatus } });
    return { text, ended: drained };
  }

  let finished = false;
  let cancelled = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    stop.abort();
    release();
  };

  return new ReadableStream<Uint8Array>({
    async start(controller) {
      const openedAt = Date.now();
      let lastWriteAt = openedAt;
      const write = (text: string) => {
        if (stop.signal.aborted || text === '') return;
        controller.enqueue(encoder.encode(text));
        lastWriteAt = Date.now();
      };
      // Written at once, so clients and proxies see the response start before the first poll.
      write(sseRetry(limits.retryInMs) + sseComment('live tail open'));
      void (async () => {
        try {
          while (!stop.signal.aborted) {
            const result = await tick();
            write(result.text);
            if (result.ended) break;
            if (Date.now() - openedAt >= limits.maxStreamInMs) {
              // Well before the platform's limit: the client reconnects after the hint, with Last-Event-ID.
              write(sseRetry(limits.retryInMs) + sseComment('stream time limit reached; reconnect with Last-Event-ID'));
              break;
            }
            if (Date.now() - lastWriteAt >= limits.heartbeatInMs) write(sseComment('heartbeat'));
            await delay(limits.pollIntervalInMs, stop.signal);
          }
        } catch (error) {
          // Storage failed mid-stream: say so and close; the client resumes from its last id.
          const kind = error instanceof AppError ? error.kind : 'internal';
          deps.telemetry.metric('tail.stream_failure_total', 1, { kind });
          write(sseEvent({ event: 'error', data: { title: 'The live tail stopped; reconnect with Last-Event-ID', kind } }) + sseRetry(limits.retryInMs * 2));
        } finally {
          finish();
          if (!cancelled) {
            try {
              controller.close();
            } catch {
              // Already cancelled by the reader.
            }
          }
        }
      })();
    },
    cancel() {
      // The client went away: stop polling at once and give the slot back.
      cancelled = true;
      finish();
    },
  });
}
