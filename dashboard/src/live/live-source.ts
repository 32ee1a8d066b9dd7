// Where live updates of an active session come from, behind one small interface: the live tail
// (tail-source.ts) and, where the tail cannot be had, polling the timeline with `from=` (here).
import type { ApiClient } from '../api/client';
import type { TimelineDoc } from '../api/types';

export interface LiveSource {
  /** Calls `onItems` with items that arrived since the last call; returns the function that stops it. */
  start(onItems: (items: TimelineDoc[]) => void, onError?: (error: unknown) => void): () => void;
}

export const POLL_INTERVAL_MS = 3000;

function timeOf(doc: TimelineDoc): string {
  return doc.docType === 'span' ? doc.startTime : doc.timestamp;
}

/**
 * Polls `GET …/timeline?order=oldest&from=<last time seen>`. `from` is inclusive, so the ids already seen at the
 * last time are remembered and skipped. Items whose device clock puts them before the cursor are not reported
 * (a tab's own refresh still shows them).
 */
export function pollingLiveSource(api: Pick<ApiClient, 'timeline'>, sessionId: string, intervalInMs = POLL_INTERVAL_MS): LiveSource {
  return {
    start(onItems, onError) {
      let stopped = false;
      let cursor: string | undefined;
      let seenAtCursor = new Set<string>();
      let timer: ReturnType<typeof setTimeout> | undefined;

      const advance = (items: TimelineDoc[]) => {
        const fresh: TimelineDoc[] = [];
        for (const item of items) {
          const at = timeOf(item);
          if (cursor !== undefined && at === cursor && seenAtCursor.has(item.id)) continue;
          if (cursor === undefined || at > cursor) {
            cursor = at;
            seenAtCursor = new Set();
          }
          seenAtCursor.add(item.id);
          fresh.push(item);
        }
        return fresh;
      };

      const tick = async () => {
        try {
          if (cursor === undefined) {
            // The baseline: the newest item now; only what comes after it is news.
            const newest = await api.timeline(sessionId, { order: 'newest', pageSize: 20 });
            cursor = newest.items[0] ? timeOf(newest.items[0]) : new Date(0).toISOString();
            seenAtCursor = new Set(newest.items.filter((item) => timeOf(item) === cursor).map((item) => item.id));
          } else if (typeof document === 'undefined' || document.visibilityState === 'visible') {
            const fresh: TimelineDoc[] = [];
            let continuationToken: string | undefined;
            do {
              const page = await api.timeline(sessionId, { order: 'oldest', from: cursor, pageSize: 100, continuationToken });
              fresh.push(...advance(page.items));
              continuationToken = page.continuationToken;
            } while (continuationToken && !stopped && fresh.length < 1000);
            if (fresh.length && !stopped) onItems(fresh);
          }
        } catch (error) {
          onError?.(error);
        }
        if (!stopped) timer = setTimeout(() => void tick(), intervalInMs);
      };
      void tick();
      return () => {
        stopped = true;
        clearTimeout(timer);
      };
    },
  };
}
