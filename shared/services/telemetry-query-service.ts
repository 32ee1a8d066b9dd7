// Reading a session back: engineers and admins of the session's product list its logs, spans, one
// trace as a span tree, and the merged timeline; everything stays inside the session's partition. Each read is
// audited (shared/services/audit-service.ts): who read which kind of data of whose session. What is answered goes
// through the field policy first (shared/domain/access/field-policy.ts): restricted fields are withheld by role.
import { AppError } from '../errors';
import { requireReader, type Principal } from '../domain/access/principal';
import { buildSpanTree, type SpanNode } from '../domain/telemetry/span-tree';
import type { LogDoc, LogLevel, SpanDoc } from '../domain/telemetry/items';
import type { Page, SessionStore } from '../ports/session-store';
import type { SessionKey, TelemetryStore, TimelineDoc } from '../ports/telemetry-store';
import type { DebugSession } from '../domain/sessions/session';
import type { AuditLog } from '../ports/audit-log';
import type { Clock } from '../ports/clock';
import { kindOfDoc, type FieldAccessView, type FieldPolicy, type RecordKind } from '../domain/access/field-policy';
import { auditedFieldRead, type ReadAction } from './audit-service';
import { getSession } from './session-service';

export interface TelemetryQueryDependencies {
  sessions: SessionStore;
  telemetryStore: TelemetryStore;
  audit: AuditLog;
  clock: Clock;
  fieldPolicy: FieldPolicy;
}

/** A trace bigger than this is returned truncated (flagged), so one request stays bounded. */
export const MAX_TRACE_SPANS = 5000;

interface TimeRange {
  from?: string;
  to?: string;
}

interface Paging {
  pageSize: number;
  continuationToken?: string;
  order: 'newest' | 'oldest';
}

/** Stored times are UTC (`…Z`); a query given with an offset is compared in the same form. */
function utcRange(range: TimeRange): TimeRange {
  return { from: range.from && new Date(range.from).toISOString(), to: range.to && new Date(range.to).toISOString() };
}

async function readableSession(deps: TelemetryQueryDependencies, principal: Principal, sessionId: string): Promise<{ key: SessionKey; session: DebugSession }> {
  const { session } = await getSession(deps, principal, sessionId);
  // The user a session targets may see the session itself, but its data only through engineers.
  requireReader(principal, session.productId);
  return { key: { productId: session.productId, sessionId }, session };
}

const TELEMETRY_KINDS: readonly RecordKind[] = ['log', 'breadcrumb', 'network', 'span'];

/** Checks access, then reads, withholds by role and records the read. */
async function audited<T, U>(
  deps: TelemetryQueryDependencies,
  principal: Principal,
  sessionId: string,
  action: ReadAction,
  details: Record<string, unknown>,
  correlationId: string | undefined,
  read: (key: SessionKey) => Promise<T>,
  present: (value: T, view: FieldAccessView) => U,
): Promise<U> {
  const { key, session } = await readableSession(deps, principal, sessionId);
  return auditedFieldRead(deps, principal, session, { action, details, correlationId, kinds: TELEMETRY_KINDS }, () => read(key), present);
}

/** A page of stored documents as this reader may see them. */
export function pageView<T extends { docType: 'log' | 'breadcrumb' | 'network' | 'span' }>(page: Page<T>, view: FieldAccessView): Page<T> {
  return { ...page, items: page.items.map((doc) => view.apply(kindOfDoc(doc), doc)) };
}

function treeView(nodes: SpanNode[], view: FieldAccessView): SpanNode[] {
  return nodes.map((node) => ({ ...view.apply('span', node), children: treeView(node.children, view) }));
}

export interface LogListQuery extends TimeRange, Paging {
  types: Array<LogDoc['docType']>;
  levels?: LogLevel[];
  module?: string;
  text?: string;
  correlationId?: string;
}

export async function listSessionLogs(
  deps: TelemetryQueryDependencies,
  principal: Principal,
  sessionId: string,
  query: LogListQuery,
  correlationId?: string,
): Promise<Page<LogDoc>> {
  return audited(
    deps,
    principal,
    sessionId,
    'logs.read',
    { types: query.types },
    correlationId,
    (key) =>
      deps.telemetryStore.listLogs(
        key,
        {
          docTypes: query.types,
          levels: query.levels,
          module: query.module,
          textContains: query.text,
          correlationId: query.correlationId,
          order: query.order,
          ...utcRange(query),
        },
        { maxItems: query.pageSize, continuationToken: query.continuationToken },
      ),
    pageView,
  );
}

export interface SpanListQuery extends TimeRange, Paging {
  traceId?: string;
}

export async function listSessionSpans(
  deps: TelemetryQueryDependencies,
  principal: Principal,
  sessionId: string,
  query: SpanListQuery,
  correlationId?: string,
): Promise<Page<SpanDoc>> {
  return audited(
    deps,
    principal,
    sessionId,
    'spans.read',
    {},
    correlationId,
    (key) =>
      deps.telemetryStore.listSpans(
        key,
        { traceId: query.traceId, order: query.order, ...utcRange(query) },
        { maxItems: query.pageSize, continuationToken: query.continuationToken },
      ),
    pageView,
  );
}

export interface TraceTree {
  traceId: string;
  spanCount: number;
  truncated: boolean;
  startTime: string;
  endTime: string;
  durationMs: number;
  roots: SpanNode[];
}

export async function getTraceTree(
  deps: TelemetryQueryDependencies,
  principal: Principal,
  sessionId: string,
  traceId: string,
  correlationId?: string,
): Promise<TraceTree> {
  return audited(
    deps,
    principal,
    sessionId,
    'trace.read',
    { traceId },
    correlationId,
    (key) => readTraceTree(deps, key, sessionId, traceId),
    (tree, view) => ({
      ...tree,
      roots: treeView(tree.roots, view),
    }),
  );
}

async function readTraceTree(deps: TelemetryQueryDependencies, key: SessionKey, sessionId: string, traceId: string): Promise<TraceTree> {
  const spans: SpanDoc[] = [];
  let continuationToken: string | undefined;
  do {
    const page = await deps.telemetryStore.listSpans(key, { traceId, order: 'oldest' }, { maxItems: 500, continuationToken });
    spans.push(...page.items);
    continuationToken = page.continuationToken;
  } while (continuationToken && spans.length < MAX_TRACE_SPANS);
  if (spans.length === 0) throw new AppError('not_found', `Trace ${traceId} not found in session ${sessionId}`);
  const kept = spans.slice(0, MAX_TRACE_SPANS);
  const startTime = kept.reduce((earliest, span) => (span.startTime < earliest ? span.startTime : earliest), kept[0]!.startTime);
  const endTime = kept.reduce((latest, span) => (span.endTime > latest ? span.endTime : latest), kept[0]!.endTime);
  return {
    traceId,
    spanCount: kept.length,
    truncated: spans.length > MAX_TRACE_SPANS || continuationToken !== undefined,
    startTime,
    endTime,
    durationMs: Date.parse(endTime) - Date.parse(startTime),
    roots: buildSpanTree(kept),
  };
}

export async function listSessionTimeline(
  deps: TelemetryQueryDependencies,
  principal: Principal,
  sessionId: string,
  query: TimeRange & Paging,
  correlationId?: string,
): Promise<Page<TimelineDoc>> {
  return audited(
    deps,
    principal,
    sessionId,
    'timeline.read',
    {},
    correlationId,
    (key) =>
      deps.telemetryStore.listTimeline(
        key,
        { order: query.order, ...utcRange(query) },
        { maxItems: query.pageSize, continuationToken: query.continuationToken },
      ),
    pageView,
  );
}
