// Reads everything a session collected, for reports and exports: the kinds are independent queries within
// the session's partition, so they run in parallel; each one pages with continuation tokens up to a cap.
import type { LogDoc, SpanDoc } from '../domain/telemetry/items';
import type { Page } from '../ports/session-store';
import type { LogQuery, SessionKey, TelemetryStore } from '../ports/telemetry-store';

export interface SessionItems {
  logs: LogDoc[];
  spans: SpanDoc[];
  /** Streams cut at their cap, e.g. `logs (warn, error, fatal): first 100000`. */
  truncated: string[];
}

async function readAll<T>(readPage: (continuationToken?: string) => Promise<Page<T>>, max: number): Promise<{ items: T[]; complete: boolean }> {
  const items: T[] = [];
  let token: string | undefined;
  do {
    const page = await readPage(token);
    for (const item of page.items) items.push(item);
    token = page.continuationToken;
  } while (token !== undefined && items.length < max);
  return { items: items.slice(0, max), complete: token === undefined && items.length <= max };
}

/** Log streams that partition the session's log container: no item is in two of them. */
const logStreams: Array<{ label: string; query: Omit<LogQuery, 'order'> }> = [
  { label: 'logs (trace, debug)', query: { docTypes: ['log'], levels: ['trace', 'debug'] } },
  { label: 'logs (info)', query: { docTypes: ['log'], levels: ['info'] } },
  { label: 'logs (warn, error, fatal)', query: { docTypes: ['log'], levels: ['warn', 'error', 'fatal'] } },
  { label: 'breadcrumbs', query: { docTypes: ['breadcrumb'] } },
  { label: 'network', query: { docTypes: ['network'] } },
];

export async function readSessionItems(store: TelemetryStore, session: SessionKey, limits: { maxLogs: number; maxSpans: number; pageSize: number }): Promise<SessionItems> {
  const [spans, ...logs] = await Promise.all([
    readAll((continuationToken) => store.listSpans(session, { order: 'oldest' }, { maxItems: limits.pageSize, continuationToken }), limits.maxSpans),
    ...logStreams.map((stream) =>
      readAll((continuationToken) => store.listLogs(session, { ...stream.query, order: 'oldest' }, { maxItems: limits.pageSize, continuationToken }), limits.maxLogs),
    ),
  ]);
  const truncated: string[] = [];
  if (!spans!.complete) truncated.push(`spans: first ${limits.maxSpans}`);
  logs.forEach((stream, index) => {
    if (!stream.complete) truncated.push(`${logStreams[index]!.label}: first ${limits.maxLogs}`);
  });
  return { logs: logs.flatMap((stream) => stream.items), spans: spans!.items, truncated };
}
