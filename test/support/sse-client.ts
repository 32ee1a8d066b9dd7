// Reads one Server-Sent Events connection of the live tail through fetch, the way a browser's EventSource would:
// events with ids, comments, retry hints; the caller decides when to drop the connection.
import { createParser, type EventSourceMessage } from 'eventsource-parser';

export interface SseConnection {
  status: number;
  headers: Headers;
  events: EventSourceMessage[];
  comments: string[];
  retry?: number;
  /** The server closed the stream (rather than the test aborting it). */
  closedByServer: boolean;
  /** The body of a non-200 answer. */
  problem?: any;
}

export interface SseOptions {
  headers?: Record<string, string>;
  /** Abort (drop the connection) once this returns true, checked after every event. */
  until?: (events: EventSourceMessage[]) => boolean;
  /** Abort after this long whatever happened. */
  timeoutInMs?: number;
  /**
   * Called once the server answered 200 and the stream began: a tail fixes its starting point before it answers,
   * so what is sent after this is on the stream (no guessing how long opening takes on a loaded machine).
   */
  onOpen?: () => void;
}

export async function readSse(url: string, options: SseOptions = {}): Promise<SseConnection> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), options.timeoutInMs ?? 20_000);
  const connection: SseConnection = { status: 0, headers: new Headers(), events: [], comments: [], closedByServer: false };
  try {
    const response = await fetch(url, { headers: { accept: 'text/event-stream', ...options.headers }, signal: abort.signal });
    connection.status = response.status;
    connection.headers = response.headers;
    if (response.status !== 200 || !response.body) {
      connection.problem = await response.json().catch(() => undefined);
      return connection;
    }
    options.onOpen?.();
    let stop = false;
    const parser = createParser({
      onEvent(message) {
        connection.events.push(message);
        if (options.until?.(connection.events)) stop = true;
      },
      onComment(comment) {
        connection.comments.push(comment.trim());
      },
      onRetry(milliseconds) {
        connection.retry = milliseconds;
      },
    });
    const decoder = new TextDecoder();
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      parser.feed(decoder.decode(chunk, { stream: true }));
      if (stop) {
        abort.abort();
        return connection;
      }
    }
    connection.closedByServer = true;
    return connection;
  } catch (error) {
    if (abort.signal.aborted) return connection;
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** A connection being read, and a promise settled once it is open (or once it failed to open). */
export function openSse(url: string, options: Omit<SseOptions, 'onOpen'> = {}): { opened: Promise<void>; connection: Promise<SseConnection> } {
  let markOpen: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => (markOpen = resolve));
  const connection = readSse(url, { ...options, onOpen: markOpen }).finally(markOpen);
  return { opened, connection };
}

export function itemsOf(events: EventSourceMessage[]): Array<{ id: string; doc: any }> {
  return events.filter((event) => event.event === 'item').map((event) => ({ id: event.id!, doc: JSON.parse(event.data) }));
}
