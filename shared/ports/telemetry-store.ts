// Storage of a session's logs, breadcrumbs, network captures and spans. Writes are bulk upserts by
// document id, so a retried batch never duplicates; reads stay inside the session's partition.
import type { LogDoc, LogLevel, SpanDoc } from '../domain/telemetry/items';
import type { Page } from './session-store';

export interface SessionKey {
  productId: string;
  sessionId: string;
}

/** Time order of a list, or none at all. */
export type ReadOrder = 'newest' | 'oldest' | 'unordered';

export interface LogQuery {
  docTypes?: Array<LogDoc['docType']>;
  levels?: LogLevel[];
  module?: string;
  /** Case-sensitive substring of the (masked) message. */
  textContains?: string;
  from?: string;
  to?: string;
  correlationId?: string;
  /** `unordered`: storage order, the cheapest full read (reports and exports sort for themselves). */
  order: ReadOrder;
}

export interface SpanQuery {
  traceId?: string;
  from?: string;
  to?: string;
  /** `unordered`: storage order, the cheapest full read (reports and exports sort for themselves). */
  order: ReadOrder;
}

export interface TimelineQuery {
  from?: string;
  to?: string;
  order: 'newest' | 'oldest';
}

export interface PageRequest {
  maxItems: number;
  continuationToken?: string;
}

export interface UpsertOutcome {
  /** Documents written (created or replaced with the same content on a retry). */
  written: number;
  /**
   * Ids of the documents this call created (storage answered 201, not 200): a retried or concurrent
   * duplicate of the same item replaces instead, so counting these counts each item once.
   */
  created: string[];
  /** Documents refused by storage with a permanent error, by id. */
  failed: Array<{ id: string; reason: string }>;
}

/** One entry of a session's timeline: any stored document, in time order. */
export type TimelineDoc = LogDoc | SpanDoc;

export interface TelemetryStore {
  upsertLogs(session: SessionKey, docs: LogDoc[]): Promise<UpsertOutcome>;
  upsertSpans(session: SessionKey, docs: SpanDoc[]): Promise<UpsertOutcome>;
  listLogs(session: SessionKey, query: LogQuery, page: PageRequest): Promise<Page<LogDoc>>;
  listSpans(session: SessionKey, query: SpanQuery, page: PageRequest): Promise<Page<SpanDoc>>;
  /** Logs, breadcrumbs, network captures and spans merged by time (spans by start time). */
  listTimeline(session: SessionKey, query: TimelineQuery, page: PageRequest): Promise<Page<TimelineDoc>>;
}

/** The time a document sorts by on a timeline. */
export function timeOf(doc: TimelineDoc): string {
  return doc.docType === 'span' ? doc.startTime : doc.timestamp;
}
