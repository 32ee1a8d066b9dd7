// A session's telemetry in Cosmos: logs, breadcrumbs and network captures in `debug_logs`, spans in
// `debug_traces`, both partitioned by `${productId}:${sessionId}`. Writes are bulk upserts (not
// transactional batch), reads are single-partition queries with single-field ORDER BY.
import type { Container, JSONObject, OperationInput, SqlParameter } from '@azure/cosmos';
import { AppError } from '../../errors';
import { sessionPartitionKey, type LogDoc, type SpanDoc } from '../../domain/telemetry/items';
import { decodeTimelineCursor, encodeTimelineCursor, mergeTimelinePage, type SourceBatch } from '../../domain/telemetry/timeline';
import type { Page } from '../../ports/session-store';
import {
  timeOf,
  type LogQuery,
  type PageRequest,
  type ReadOrder,
  type SessionKey,
  type SpanQuery,
  type TelemetryStore,
  type TimelineDoc,
  type TimelineQuery,
  type UpsertOutcome,
} from '../../ports/telemetry-store';
import { decodeContinuation, encodeContinuation, toAppError } from './cosmos-errors';

/** The SDK's bulk call takes at most this many operations. */
const BULK_CHUNK = 100;
const TRANSIENT_ATTEMPTS = 3;

function isTransient(statusCode: number): boolean {
  return statusCode === 408 || statusCode === 429 || statusCode === 449 || statusCode >= 500;
}

/**
 * Documents are built only by ingest from validated items, so reads are not re-validated: masking may
 * lengthen a value past the wire limit (a label longer than what it replaced), which must not fail a read.
 */
function stripSystem<T>(resource: Record<string, unknown>): T {
  const { _rid, _self, _etag, _attachments, _ts, ...rest } = resource;
  return rest as T;
}

/** An unordered read skips the sort: the cheapest way to read a whole session. */
function orderBy(field: string, order: ReadOrder): string {
  return order === 'unordered' ? '' : ` ORDER BY c.${field} ${order === 'oldest' ? 'ASC' : 'DESC'}`;
}

interface Condition {
  clauses: string[];
  parameters: SqlParameter[];
}

function sessionCondition(session: SessionKey): Condition {
  return { clauses: ['c.sessionId = @sessionId'], parameters: [{ name: '@sessionId', value: session.sessionId }] };
}

function addTimeRange(condition: Condition, field: string, from?: string, to?: string): void {
  if (from) {
    condition.clauses.push(`c.${field} >= @from`);
    condition.parameters.push({ name: '@from', value: from });
  }
  if (to) {
    condition.clauses.push(`c.${field} < @to`);
    condition.parameters.push({ name: '@to', value: to });
  }
}

export class CosmosTelemetryStore implements TelemetryStore {
  constructor(
    private readonly logs: Container,
    private readonly traces: Container,
  ) {}

  upsertLogs(session: SessionKey, docs: LogDoc[]): Promise<UpsertOutcome> {
    return this.upsert(this.logs, session, docs);
  }

  upsertSpans(session: SessionKey, docs: SpanDoc[]): Promise<UpsertOutcome> {
    return this.upsert(this.traces, session, docs);
  }

  async listLogs(session: SessionKey, query: LogQuery, page: PageRequest): Promise<Page<LogDoc>> {
    const condition = sessionCondition(session);
    if (query.docTypes?.length) {
      condition.clauses.push('ARRAY_CONTAINS(@docTypes, c.docType)');
      condition.parameters.push({ name: '@docTypes', value: query.docTypes });
    }
    if (query.levels?.length) {
      condition.clauses.push('ARRAY_CONTAINS(@levels, c.level)');
      condition.parameters.push({ name: '@levels', value: query.levels });
    }
    if (query.module !== undefined) {
      condition.clauses.push('c.module = @module');
      condition.parameters.push({ name: '@module', value: query.module });
    }
    if (query.textContains !== undefined) {
      condition.clauses.push('CONTAINS(c.message, @text)');
      condition.parameters.push({ name: '@text', value: query.textContains });
    }
    if (query.correlationId !== undefined) {
      condition.clauses.push('c.correlationId = @correlationId');
      condition.parameters.push({ name: '@correlationId', value: query.correlationId });
    }
    addTimeRange(condition, 'timestamp', query.from, query.to);
    const page_ = await this.queryPage(this.logs, session, condition, 'timestamp', query.order, page, 'Log list');
    return { items: page_.items.map((resource) => stripSystem<LogDoc>(resource)), continuationToken: page_.continuationToken };
  }

  async listSpans(session: SessionKey, query: SpanQuery, page: PageRequest): Promise<Page<SpanDoc>> {
    const condition = sessionCondition(session);
    if (query.traceId !== undefined) {
      condition.clauses.push('c.traceId = @traceId');
      condition.parameters.push({ name: '@traceId', value: query.traceId });
    }
    addTimeRange(condition, 'startTime', query.from, query.to);
    const page_ = await this.queryPage(this.traces, session, condition, 'startTime', query.order, page, 'Span list');
    return { items: page_.items.map((resource) => stripSystem<SpanDoc>(resource)), continuationToken: page_.continuationToken };
  }

  async listTimeline(session: SessionKey, query: TimelineQuery, page: PageRequest): Promise<Page<TimelineDoc>> {
    const cursor = page.continuationToken === undefined ? undefined : decodeTimelineCursor(page.continuationToken, query.order);
    const wanted = page.maxItems + (cursor?.seen.length ?? 0);
    const fetchSource = async (
      container: Container,
      field: 'timestamp' | 'startTime',
    ): Promise<SourceBatch<{ id: string; time: string; doc: TimelineDoc }>> => {
      const condition = sessionCondition(session);
      addTimeRange(condition, field, query.from, query.to);
      if (cursor) {
        condition.clauses.push(`c.${field} ${query.order === 'oldest' ? '>=' : '<='} @cursorTime`);
        condition.parameters.push({ name: '@cursorTime', value: cursor.time });
      }
      const { items, more } = await this.queryAtLeast(container, session, condition, field, query.order, wanted);
      return {
        entries: items.map((resource) => {
          const doc = stripSystem<TimelineDoc>(resource);
          return { id: doc.id, time: timeOf(doc), doc };
        }),
        more,
      };
    };
    const sources = await Promise.all([fetchSource(this.logs, 'timestamp'), fetchSource(this.traces, 'startTime')]);
    const merged = mergeTimelinePage(sources, cursor, query.order, page.maxItems);
    return { items: merged.entries.map((entry) => entry.doc), continuationToken: merged.next ? encodeTimelineCursor(merged.next) : undefined };
  }

  private async upsert(container: Container, session: SessionKey, docs: Array<LogDoc | SpanDoc>): Promise<UpsertOutcome> {
    const outcome: UpsertOutcome = { written: 0, created: [], failed: [] };
    const partitionKey = sessionPartitionKey(session.productId, session.sessionId);
    for (const doc of docs) {
      if (doc.pk !== partitionKey) throw new AppError('internal', 'A document was addressed to another session', { retryable: false });
    }
    for (let start = 0; start < docs.length; start += BULK_CHUNK) {
      let pending = docs.slice(start, start + BULK_CHUNK);
      for (let attempt = 1; pending.length > 0; attempt++) {
        const operations: OperationInput[] = pending.map((doc) => ({ operationType: 'Upsert', partitionKey, resourceBody: doc as unknown as JSONObject }));
        let responses;
        try {
          responses = await container.items.bulk(operations, { continueOnError: true });
        } catch (error) {
          throw toAppError(error, 'Telemetry batch');
        }
        const retry: typeof pending = [];
        pending.forEach((doc, index) => {
          const statusCode = responses[index]?.statusCode ?? 500;
          if (statusCode === 200 || statusCode === 201) {
            outcome.written++;
            if (statusCode === 201) outcome.created.push(doc.id);
          } else if (isTransient(statusCode)) {
            retry.push(doc);
          } else {
            outcome.failed.push({ id: doc.id, reason: `storage answered ${statusCode}` });
          }
        });
        if (retry.length > 0 && attempt >= TRANSIENT_ATTEMPTS) {
          // The whole batch is idempotent by id: the client's retry rewrites what did get stored.
          throw new AppError('unavailable', 'Storage is busy; retry the batch shortly', { retryAfterSeconds: 1 });
        }
        if (retry.length > 0) await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
        pending = retry;
      }
    }
    return outcome;
  }

  private async queryPage(
    container: Container,
    session: SessionKey,
    condition: Condition,
    orderField: string,
    order: ReadOrder,
    page: PageRequest,
    what: string,
  ): Promise<Page<Record<string, unknown>>> {
    try {
      const response = await container.items
        .query<Record<string, unknown>>(
          { query: `SELECT * FROM c WHERE ${condition.clauses.join(' AND ')}${orderBy(orderField, order)}`, parameters: condition.parameters },
          {
            partitionKey: sessionPartitionKey(session.productId, session.sessionId),
            maxItemCount: page.maxItems,
            continuationToken: decodeContinuation(page.continuationToken),
          },
        )
        .fetchNext();
      return { items: response.resources, continuationToken: encodeContinuation(response.continuationToken) };
    } catch (error) {
      if (error instanceof AppError) throw error;
      throw toAppError(error, what);
    }
  }

  /** Reads pages until `wanted` items are in hand or the query is exhausted. */
  private async queryAtLeast(
    container: Container,
    session: SessionKey,
    condition: Condition,
    orderField: string,
    order: 'newest' | 'oldest',
    wanted: number,
  ): Promise<{ items: Array<Record<string, unknown>>; more: boolean }> {
    try {
      const iterator = container.items.query<Record<string, unknown>>(
        { query: `SELECT * FROM c WHERE ${condition.clauses.join(' AND ')}${orderBy(orderField, order)}`, parameters: condition.parameters },
        { partitionKey: sessionPartitionKey(session.productId, session.sessionId), maxItemCount: wanted },
      );
      const items: Array<Record<string, unknown>> = [];
      while (items.length < wanted && iterator.hasMoreResults()) {
        const response = await iterator.fetchNext();
        items.push(...response.resources);
      }
      // Fewer than wanted means the query ran dry; an SDK continuation after the last page is not "more".
      return { items: items.slice(0, wanted), more: items.length >= wanted && (items.length > wanted || iterator.hasMoreResults()) };
    } catch (error) {
      throw toAppError(error, 'Timeline');
    }
  }
}
