// Live updates from the session's live tail (GET …/sessions/{id}/tail, Server-Sent Events): each stored, masked
// item as it commits, instead of polling the timeline. The stream closes itself every ~200 s and says how soon to
// come back; the source reconnects with the last event id, so nothing is missed or repeated. When the tail cannot
// be had (429 over the caps, a proxy that buffers, an old API) it hands over to the polling source.
import { createParser } from 'eventsource-parser';
import type { ApiClient } from '../api/client';
import type { TimelineDoc } from '../api/types';
import type { LiveSource } from './live-source';

/** The server's own hint (`retry:`) wins; this is only the first value. */
const DEFAULT_RETRY_MS = 1000;
/** A stream that ends before sending anything (not even its opening comment) this many times in a row is not working: poll instead. */
const MAX_EMPTY_STREAMS = 3;

export function tailLiveSource(api: Pick<ApiClient, 'openTail'>, sessionId: string, fallback: LiveSource): LiveSource {
  return {
    start(onItems, onError) {
      const controller = new AbortController();
      let stopFallback: (() => void) | undefined;
      let lastEventId: string | undefined;
      let retryInMs = DEFAULT_RETRY_MS;
      let emptyStreams = 0;

      /** Reads one stream to its end; true when the session ended (no reconnect). */
      const readStream = async (): Promise<{ ended: boolean; events: number }> => {
        const response = await api.openTail(sessionId, lastEventId, controller.signal);
        if (!response.body || !(response.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
          throw new Error('the live tail did not answer with an event stream');
        }
        let ended = false;
        let events = 0;
        let batch: TimelineDoc[] = [];
        const parser = createParser({
          onEvent(event) {
            events += 1;
            if (event.id) lastEventId = event.id;
            if (event.event === 'item') batch.push(JSON.parse(event.data) as TimelineDoc);
            // Items skipped to keep the stream live: the tabs reload their first page, which shows them.
            else if (event.event === 'dropped') onItems([]);
            else if (event.event === 'end') ended = true;
          },
          onRetry(ms) {
            retryInMs = ms;
          },
          // The opening comment and heartbeats: the stream is alive even when nothing happens.
          onComment() {
            events += 1;
          },
        });
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { done, value } = await reader.read();
          // Closed by the server (its time limit, or a proxy): the caller reconnects with the last event id.
          if (done) break;
          parser.feed(value);
          // One report per chunk the network delivered, however many items it held.
          if (batch.length) {
            const items = batch;
            batch = [];
            onItems(items);
          }
          if (ended) {
            await reader.cancel().catch(() => undefined);
            break;
          }
        }
        return { ended, events };
      };

      const run = async () => {
        while (!controller.signal.aborted) {
          try {
            const { ended, events } = await readStream();
            if (ended) return;
            emptyStreams = events === 0 ? emptyStreams + 1 : 0;
            if (emptyStreams >= MAX_EMPTY_STREAMS) throw new Error('the live tail keeps closing without events');
          } catch (error) {
            if (controller.signal.aborted) return;
            onError?.(error);
            stopFallback = fallback.start(onItems, onError);
            return;
          }
          await new Promise((resolve) => setTimeout(resolve, retryInMs));
        }
      };
      void run();
      return () => {
        controller.abort();
        stopFallback?.();
      };
    },
  };
}
