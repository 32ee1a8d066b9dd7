// Live tail, the pure part: the order every stream reads a session in, its resumable cursor (the SSE id),
// which stored seconds are complete, and the Server-Sent Events wire format.
import { z } from 'zod';
import type { LogDoc, LogLevel, SpanDoc } from './items';

export const tailItemTypes = ['log', 'breadcrumb', 'network', 'span'] as const;
export type TailItemType = (typeof tailItemTypes)[number];
export const tailItemTypeSchema = z.enum(tailItemTypes);

/** What a stream is filtered by; absent means all. */
export interface TailFilter {
  levels?: LogLevel[];
  types?: TailItemType[];
  /** Case-sensitive substring of the masked message (logs, breadcrumbs), span name or network URL. */
  text?: string;
}

export type TailDoc = LogDoc | SpanDoc;

/**
 * A stored item with the commit time storage gave it (`_ts`, Unix seconds). Storage assigns `_ts` when the
 * write commits, in commit order within a partition, so a later commit never carries an earlier second:
 * unlike `receivedAt` (taken before the write), it cannot arrive late.
 */
export interface TailEntry {
  doc: TailDoc;
  commitSecond: number;
}

/**
 * The position after one item in the total order (commit second, receivedAt, item time, id). Within one second
 * the order is the batch's arrival and the items' own times, so a batch streams in the order it was sent.
 */
export interface TailCursor {
  commitSecond: number;
  receivedAt: string;
  time: string;
  id: string;
}

export function itemTimeOf(doc: TailDoc): string {
  return doc.docType === 'span' ? doc.startTime : doc.timestamp;
}

export function cursorOf(entry: TailEntry): TailCursor {
  return { commitSecond: entry.commitSecond, receivedAt: entry.doc.receivedAt, time: itemTimeOf(entry.doc), id: entry.doc.id };
}

function compareText(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}

export function compareCursors(left: TailCursor, right: TailCursor): number {
  return (
    left.commitSecond - right.commitSecond ||
    compareText(left.receivedAt, right.receivedAt) ||
    compareText(left.time, right.time) ||
    compareText(left.id, right.id)
  );
}

/**
 * The cursor before every item committed after `second`: the start of a stream opened without Last-Event-ID.
 * Empty strings sort before any stored value, so every item of later seconds comes after it.
 */
export function cursorAtEndOfSecond(second: number): TailCursor {
  return { commitSecond: second, receivedAt: '\uffff', time: '', id: '' };
}

const CURSOR_PREFIX = 'tc1.';
const cursorSchema = z.tuple([z.number().int().nonnegative(), z.string().max(64), z.string().max(64), z.string().max(200)]);

/** Opaque to clients: `tc1.` + base64url of the JSON tuple. */
export function encodeCursor(cursor: TailCursor): string {
  return CURSOR_PREFIX + Buffer.from(JSON.stringify([cursor.commitSecond, cursor.receivedAt, cursor.time, cursor.id])).toString('base64url');
}

/** Undefined for anything this code did not make (the caller answers 400 naming Last-Event-ID). */
export function decodeCursor(text: string): TailCursor | undefined {
  if (!text.startsWith(CURSOR_PREFIX) || text.length > 512) return undefined;
  try {
    const parsed = cursorSchema.safeParse(JSON.parse(Buffer.from(text.slice(CURSOR_PREFIX.length), 'base64url').toString('utf8')));
    if (!parsed.success) return undefined;
    const [commitSecond, receivedAt, time, id] = parsed.data;
    return { commitSecond, receivedAt, time, id };
  } catch {
    return undefined;
  }
}

/**
 * The last commit second that is complete: nothing more can commit with it. A second is complete once the
 * clock is past its end by `settleInMs`, which covers clock skew between this instance and storage and the
 * time a commit takes to become visible to a query. Streaming only complete seconds is what makes the cursor
 * exact: a resumed stream can neither miss an item that committed late in a second nor repeat one.
 */
export function lastCompleteSecond(nowInMs: number, settleInMs: number): number {
  return Math.floor((nowInMs - settleInMs) / 1000) - 1;
}

/** Whether an entry passes a filter, for what storage's query did not already decide. */
export function matchesTailFilter(doc: TailDoc, filter: TailFilter): boolean {
  const type: TailItemType = doc.docType;
  if (filter.types?.length && !filter.types.includes(type)) return false;
  if (filter.levels?.length) {
    const level = doc.docType === 'log' || doc.docType === 'breadcrumb' ? doc.level : undefined;
    if (!level || !filter.levels.includes(level)) return false;
  }
  if (filter.text !== undefined) {
    const text = doc.docType === 'span' ? doc.name : doc.docType === 'network' ? doc.url : doc.message;
    if (!text.includes(filter.text)) return false;
  }
  return true;
}

/** One SSE event: each data line prefixed, so a value holding newlines cannot break the framing. */
export function sseEvent(fields: { event?: string; id?: string; data: unknown }): string {
  let text = '';
  if (fields.event) text += `event: ${fields.event}\n`;
  if (fields.id) text += `id: ${fields.id}\n`;
  const data = typeof fields.data === 'string' ? fields.data : JSON.stringify(fields.data);
  for (const line of data.split('\n')) text += `data: ${line}\n`;
  return `${text}\n`;
}

/** A comment line: proxies see traffic, EventSource clients ignore it. */
export function sseComment(text: string): string {
  return `: ${text.replace(/[\r\n]+/g, ' ')}\n\n`;
}

export function sseRetry(milliseconds: number): string {
  return `retry: ${Math.max(0, Math.round(milliseconds))}\n\n`;
}
