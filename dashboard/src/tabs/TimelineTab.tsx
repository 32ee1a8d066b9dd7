// Timeline: a strip of what happened when (errors, failing requests, screenshots, breadcrumbs, session start and
// end) over the merged, paged timeline table; an entry jumps to its log, request or span in its own tab.
import { api } from '../api';
import type { ScreenshotView, Session, TimelineDoc } from '../api/types';
import { Empty, ErrorState, Loading } from '../components/states';
import { usePaged } from '../components/paged';
import { duration, isLive, time } from '../format';
import { navigate } from '../router';
import type { TabProps } from '../pages/SessionDetail';
import { statusClassOf } from './NetworkTab';

export type MarkKind = 'error' | 'network' | 'screenshot' | 'breadcrumb' | 'span' | 'edge';

export interface TimelineEntry {
  key: string;
  at: string;
  kind: MarkKind;
  /** Shown on the strip: errors, failing requests, screenshots, breadcrumbs and the edges. */
  onStrip: boolean;
  summary: string;
  /** Where a click goes (a tab with the item chosen). */
  href?: string;
}

export function timelineEntry(doc: TimelineDoc, sessionId: string): TimelineEntry {
  const base = `/sessions/${sessionId}`;
  switch (doc.docType) {
    case 'log': {
      const failed = doc.level === 'error' || doc.level === 'fatal';
      return {
        key: doc.id,
        at: doc.timestamp,
        kind: failed ? 'error' : 'span',
        onStrip: failed,
        summary: `${doc.level}: ${doc.message}`,
        href: `${base}?tab=logs&item=${encodeURIComponent(doc.itemId)}`,
      };
    }
    case 'network': {
      const failing = statusClassOf(doc) === 'failed' || (doc.status ?? 0) >= 400;
      return {
        key: doc.id,
        at: doc.timestamp,
        kind: 'network',
        onStrip: failing,
        summary: `${doc.method} ${doc.url} → ${doc.error ? 'failed' : (doc.status ?? '?')} (${duration(doc.durationMs)})`,
        href: `${base}?tab=network&item=${encodeURIComponent(doc.itemId)}`,
      };
    }
    case 'breadcrumb':
      return { key: doc.id, at: doc.timestamp, kind: 'breadcrumb', onStrip: true, summary: `${doc.category}: ${doc.message}` };
    case 'span':
      return {
        key: doc.id,
        at: doc.startTime,
        kind: 'span',
        onStrip: doc.status.code === 'error',
        summary: `span ${doc.name} (${duration(doc.durationMs)})${doc.status.code === 'error' ? ' failed' : ''}`,
        href: `${base}?tab=traces&trace=${doc.traceId}&span=${doc.spanId}`,
      };
  }
}

export function stripEntries(session: Session, docs: TimelineDoc[], screenshots: ScreenshotView[]): TimelineEntry[] {
  const entries = docs.map((doc) => timelineEntry(doc, session.id)).filter((entry) => entry.onStrip);
  for (const shot of screenshots)
    entries.push({
      key: shot.id,
      at: shot.capturedAt,
      kind: 'screenshot',
      onStrip: true,
      summary: `screenshot (${shot.trigger})`,
      href: `/sessions/${session.id}?tab=screenshots`,
    });
  entries.push({ key: 'start', at: session.startedAt ?? session.createdAt, kind: 'edge', onStrip: true, summary: 'session started' });
  if (session.endedAt) entries.push({ key: 'end', at: session.endedAt, kind: 'edge', onStrip: true, summary: `session ${session.status}` });
  return entries;
}

/** One lane per kind, so marks at the same moment do not hide each other; the edges span the strip. */
const lanes: Record<MarkKind, number> = { error: 0, span: 1, network: 2, screenshot: 3, breadcrumb: 4, edge: -1 };

const kindLabels: Record<MarkKind, string> = {
  error: 'errors',
  network: 'failing requests',
  screenshot: 'screenshots',
  breadcrumb: 'breadcrumbs',
  span: 'failed spans',
  edge: 'session start and end',
};

/** The strip runs from the first entry to the last, or to now while the session is live. */
export function Strip({ entries, until }: { entries: TimelineEntry[]; until?: number }) {
  if (entries.length === 0) return null;
  const times = entries.map((entry) => Date.parse(entry.at));
  const first = Math.min(...times);
  const span = Math.max(1, Math.max(...times, until ?? 0) - first);
  return (
    <>
      <div class="legend" aria-hidden="true">
        {(Object.keys(kindLabels) as MarkKind[]).map((kind) => (
          <span>
            <span class={`strip-key mark-${kind}`} /> {kindLabels[kind]}
          </span>
        ))}
      </div>
      <div class="strip" role="group" aria-label="What happened when">
        {entries.map((entry) => (
          <button
            type="button"
            class={`mark-${entry.kind}`}
            style={{
              left: `calc(${((Date.parse(entry.at) - first) / span) * 100}% - 4px)`,
              top: lanes[entry.kind] < 0 ? '2px' : `${3 + lanes[entry.kind] * 8}px`,
              height: lanes[entry.kind] < 0 ? '40px' : '7px',
            }}
            title={`${time(entry.at)} ${entry.summary}`}
            aria-label={`${time(entry.at)} ${entry.summary}`}
            onClick={() => entry.href && navigate(entry.href)}
          />
        ))}
      </div>
    </>
  );
}

export function TimelineTab({ session, liveVersion }: TabProps) {
  const timeline = usePaged(
    (continuationToken, signal) => api.timeline(session.id, { order: 'oldest', pageSize: 100, continuationToken }, signal),
    session.id,
    liveVersion,
  );
  const screenshots = usePaged(
    (continuationToken, signal) => api.listScreenshots(session.id, { pageSize: 100, continuationToken }, signal),
    `${session.id}-shots`,
    liveVersion,
  );
  const docs = timeline.items ?? [];
  const shots = (screenshots.items ?? []).filter((shot) => shot.status === 'confirmed');
  return (
    <div>
      <Strip entries={stripEntries(session, docs, shots)} until={isLive(session.status) ? Date.now() : undefined} />
      {timeline.error ? <ErrorState error={timeline.error} retry={timeline.reload} /> : null}
      {!timeline.items && !timeline.error ? <Loading label="Loading the timeline…" /> : null}
      {timeline.items && docs.length === 0 ? <Empty>Nothing received yet. New items appear here while the session is active.</Empty> : null}
      {docs.length > 0 ? (
        <div class="table-wrap">
          <table class="table timeline">
            <caption class="visually-hidden">Everything the session received, oldest first</caption>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Kind</th>
                <th scope="col">What</th>
              </tr>
            </thead>
            <tbody>
              {docs.map((doc) => {
                const entry = timelineEntry(doc, session.id);
                return (
                  <tr key={doc.id}>
                    <td>{time(entry.at)}</td>
                    <td>{doc.docType}</td>
                    <td class={entry.kind === 'error' || (entry.onStrip && entry.kind !== 'breadcrumb') ? 'status-error' : ''}>
                      {entry.href ? <a href={entry.href}>{entry.summary}</a> : entry.summary}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}
      {timeline.hasMore ? (
        <button type="button" onClick={timeline.loadMore} disabled={timeline.loading}>
          Load more
        </button>
      ) : null}
    </div>
  );
}
