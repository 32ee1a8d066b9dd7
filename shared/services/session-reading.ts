// Reads everything a session collected, for reports and exports: logs and spans live in two containers and
// are read in parallel, each paging with continuation tokens up to a cap.
import type { LogDoc, SpanDoc } from '../domain/telemetry/items';
import type { Page } from '../ports/session-store';
import type { SessionKey, TelemetryStore } from '../ports/telemetry-store';

export interface SessionItems {
  logs: LogDoc[];
  spans: SpanDoc[];
  /** Streams cut at their cap, e.g. `logs: first 100000`. */
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

/**
 * Two queries in parallel, one per container, each in large pages. Splitting the logs further (by kind or
 * level) would add parallelism on real Cosmos, but every query costs a scan of the partition there and of the
 * whole container on the embedded emulator, where each page re-runs the query: few unordered queries with big
 * pages are what is fast on both (the builders sort; see docs/screenshots-reports-export.md).
 */
export async function readSessionItems(
  store: TelemetryStore,
  session: SessionKey,
  limits: { maxLogs: number; maxSpans: number; pageSize: number },
): Promise<SessionItems> {
  const [logs, spans] = await Promise.all([
    readAll((continuationToken) => store.listLogs(session, { order: 'unordered' }, { maxItems: limits.pageSize, continuationToken }), limits.maxLogs),
    readAll((continuationToken) => store.listSpans(session, { order: 'unordered' }, { maxItems: limits.pageSize, continuationToken }), limits.maxSpans),
  ]);
  const truncated: string[] = [];
  if (!logs.complete) truncated.push(`logs: first ${limits.maxLogs}`);
  if (!spans.complete) truncated.push(`spans: first ${limits.maxSpans}`);
  return { logs: logs.items, spans: spans.items, truncated };
}
