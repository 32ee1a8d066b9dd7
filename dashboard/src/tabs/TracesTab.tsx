// Traces: the session's traces (from its spans, newest first), then one trace's waterfall with its filters in
// the URL (?tab=traces&trace=<id>&errors=1&name=db&depth=3&span=<id>).
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import type { SpanDoc, TraceTree } from '../api/types';
import { Empty, ErrorState, Loading } from '../components/states';
import { usePaged } from '../components/paged';
import { Waterfall } from '../components/Waterfall';
import { duration, time } from '../format';
import { query, setQuery } from '../router';
import type { TabProps } from '../pages/SessionDetail';
import { DebouncedInput } from './LogsTab';

export interface TraceSummary {
  traceId: string;
  name: string;
  spans: number;
  errors: number;
  startTime: string;
  durationMs: number;
}

/** Groups spans by trace: the root's name (else the earliest span's), counts, and the extent in time. */
export function summarizeTraces(spans: SpanDoc[]): TraceSummary[] {
  const byTrace = new Map<string, SpanDoc[]>();
  for (const span of spans) byTrace.set(span.traceId, [...(byTrace.get(span.traceId) ?? []), span]);
  return [...byTrace.entries()]
    .map(([traceId, members]) => {
      const root = members.find((span) => !span.parentSpanId) ?? [...members].sort((a, b) => a.startTime.localeCompare(b.startTime))[0]!;
      const startTime = members.reduce((earliest, span) => (span.startTime < earliest ? span.startTime : earliest), root.startTime);
      const endTime = members.reduce((latest, span) => (span.endTime > latest ? span.endTime : latest), root.endTime);
      return {
        traceId,
        name: root.name,
        spans: members.length,
        errors: members.filter((span) => span.status.code === 'error').length,
        startTime,
        durationMs: Date.parse(endTime) - Date.parse(startTime),
      };
    })
    .sort((a, b) => b.startTime.localeCompare(a.startTime));
}

function TraceView({ sessionId, traceId }: { sessionId: string; traceId: string }) {
  const params = query.value;
  const [tree, setTree] = useState<TraceTree>();
  const [error, setError] = useState<unknown>();
  const errorsOnly = params.get('errors') === '1';
  const name = params.get('name') ?? '';
  const depth = params.get('depth') ?? '';
  useEffect(() => {
    const controller = new AbortController();
    setTree(undefined);
    api.getTrace(sessionId, traceId, controller.signal).then(setTree, (failure) => (failure as Error).name !== 'AbortError' && setError(failure));
    return () => controller.abort();
  }, [sessionId, traceId]);
  return (
    <div>
      <p>
        <a href={`?tab=traces`}>← All traces</a> · trace <span class="mono">{traceId}</span>
      </p>
      <div class="filters">
        <label>
          <input type="checkbox" name="errors" checked={errorsOnly} onChange={(event) => setQuery({ errors: event.currentTarget.checked ? '1' : undefined })} />{' '}
          Errors only
        </label>
        <DebouncedInput name="name" label="Span name contains" value={name} placeholder="db" />
        <label class="field">
          <span>Collapse below depth</span>
          <select name="depth" value={depth} onChange={(event) => setQuery({ depth: event.currentTarget.value })}>
            <option value="">show all</option>
            {[1, 2, 3, 4, 5, 8].map((value) => (
              <option value={String(value)}>{value}</option>
            ))}
          </select>
        </label>
      </div>
      {error ? <ErrorState error={error} /> : null}
      {!tree && !error ? <Loading label="Loading the trace…" /> : null}
      {tree ? (
        <Waterfall
          tree={tree}
          errorsOnly={errorsOnly}
          name={name}
          maxDepth={depth ? Number(depth) : undefined}
          selectedSpanId={params.get('span') ?? undefined}
          onSelect={(spanId) => setQuery({ span: spanId })}
        />
      ) : null}
    </div>
  );
}

export function TracesTab({ session, liveVersion }: TabProps) {
  const traceId = query.value.get('trace');
  const spans = usePaged(
    (continuationToken, signal) => api.listSpans(session.id, { order: 'newest', pageSize: 100, continuationToken }, signal),
    session.id,
    liveVersion,
  );
  if (traceId) return <TraceView sessionId={session.id} traceId={traceId} />;
  const traces = summarizeTraces(spans.items ?? []);
  return (
    <div>
      {spans.error ? <ErrorState error={spans.error} retry={spans.reload} /> : null}
      {!spans.items && !spans.error ? <Loading label="Loading traces…" /> : null}
      {spans.items && traces.length === 0 ? <Empty>No traces yet.</Empty> : null}
      {traces.length > 0 ? (
        <div class="table-wrap">
          <table class="table traces">
            <caption class="visually-hidden">Traces, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Started</th>
                <th scope="col">Trace</th>
                <th scope="col" class="number">
                  Spans
                </th>
                <th scope="col" class="number">
                  Errors
                </th>
                <th scope="col" class="number">
                  Duration
                </th>
              </tr>
            </thead>
            <tbody>
              {traces.map((trace) => (
                <tr key={trace.traceId}>
                  <td>{time(trace.startTime)}</td>
                  <td>
                    <a href={`?tab=traces&trace=${trace.traceId}`}>{trace.name}</a> <span class="muted mono">{trace.traceId.slice(0, 8)}</span>
                  </td>
                  <td class="number">{trace.spans}</td>
                  <td class={`number ${trace.errors ? 'status-error' : ''}`}>{trace.errors}</td>
                  <td class="number">{duration(trace.durationMs)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {spans.hasMore ? (
        <button type="button" onClick={spans.loadMore} disabled={spans.loading}>
          Load more spans
        </button>
      ) : null}
    </div>
  );
}
