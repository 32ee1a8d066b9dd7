// Storage of a session's logs, breadcrumbs, network captures and spans. Writes are bulk upserts by
// document id, so a retried batch never duplicates; reads stay inside the session's partition.
import type { LogDoc, LogLevel, SpanDoc } from '../domain/telemetry/items';
import type { Page } from './session-store';

export interface SessionKey {
  productId: string;
  sessionId: string;
}

export interface LogQuery {
  docTypes?: Array<LogDoc['docType']>;
  levels?: LogLevel[];
  module?: string;
  /** Case-sensitive substring of the (masked) message. */
  textContains?: string;
  from?: string;
  to?: string;
  correlationId?: string;
  order: 'newest' | 'oldest';
}

export interface SpanQuery {
  traceId?: string;
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
  /** Documents refused by storage with a permanent error, by id. */
  failed: Array<{ id: string; reason: string }>;
}

export interface TelemetryStore {
  upsertLogs(session: SessionKey, docs: LogDoc[]): Promise<UpsertOutcome>;
  upsertSpans(session: SessionKey, docs: SpanDoc[]): Promise<UpsertOutcome>;
  listLogs(session: SessionKey, query: LogQuery, page: PageRequest): Promise<Page<LogDoc>>;
  listSpans(session: SessionKey, query: SpanQuery, page: PageRequest): Promise<Page<SpanDoc>>;
}
