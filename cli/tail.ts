// `diagnostics tail <sessionId>`: follows a session's live tail (Server-Sent Events), resuming with
// Last-Event-ID after a dropped connection or the server's own time limit, until the session ends.
import { createParser, type EventSourceMessage } from 'eventsource-parser';

export interface TailOptions {
  /** The API base, e.g. http://127.0.0.1:7071/api */
  baseUrl: string;
  token: string;
  sessionId: string;
  levels?: string[];
  types?: string[];
  text?: string;
  /** Resume after this id (what the last run printed last). */
  lastEventId?: string;
  onItem(item: TailedItem, id: string): void;
  onDropped?(dropped: { count: number; from: string; through: string }): void;
  /** Connection trouble the loop recovers from (shown on stderr). */
  onNotice?(text: string): void;
  signal?: AbortSignal;
  /** Gives up after this many failed connection attempts in a row. */
  maxFailures?: number;
  fetch?: typeof fetch;
}

export interface TailedItem {
  docType: 'log' | 'breadcrumb' | 'network' | 'span';
  itemId: string;
  timestamp?: string;
  startTime?: string;
  level?: string;
  message?: string;
  module?: string;
  category?: string;
  method?: string;
  url?: string;
  status?: number | { code: string };
  name?: string;
  durationMs?: number;
}

export type TailOutcome = { ended: true; status: string } | { ended: false; reason: string };

/** Errors a retry cannot fix: the token, the session id or the filters are wrong. */
class PermanentTailError extends Error {}

function sleep(milliseconds: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, milliseconds);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

function tailUrl(options: TailOptions): string {
  const url = new URL(`${options.baseUrl.replace(/\/+$/, '')}/diagnostics/sessions/${encodeURIComponent(options.sessionId)}/tail`);
  if (options.levels?.length) url.searchParams.set('level', options.levels.join(','));
  if (options.types?.length) url.searchParams.set('type', options.types.join(','));
  if (options.text) url.searchParams.set('text', options.text);
  return url.href;
}

/** Follows the stream across reconnects; resolves when the session ends, the signal aborts or retries run out. */
export async function followTail(options: TailOptions): Promise<TailOutcome> {
  const doFetch = options.fetch ?? fetch;
  let lastEventId = options.lastEventId;
  let retryInMs = 1000;
  let failures = 0;
  const maxFailures = options.maxFailures ?? 10;
  while (!options.signal?.aborted) {
    let ended: { status: string } | undefined;
    try {
      const response = await doFetch(tailUrl(options), {
        headers: { authorization: `Bearer ${options.token}`, accept: 'text/event-stream', ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
        signal: options.signal,
      });
      if (response.status === 429 || response.status >= 500) {
        const waitSeconds = Number(response.headers.get('retry-after')) || 5;
        await response.body?.cancel();
        throw new Error(`the server answered ${response.status}; retrying in ${waitSeconds} s`, { cause: waitSeconds * 1000 });
      }
      if (!response.ok || !response.body) {
        const problem = (await response.json().catch(() => ({}))) as { detail?: string; title?: string };
        throw new PermanentTailError(`the server answered ${response.status}: ${problem.detail ?? problem.title ?? response.statusText}`);
      }
      failures = 0;
      const parser = createParser({
        onEvent(message: EventSourceMessage) {
          if (message.id) lastEventId = message.id;
          if (message.event === 'item') options.onItem(JSON.parse(message.data) as TailedItem, message.id ?? '');
          else if (message.event === 'dropped') options.onDropped?.(JSON.parse(message.data));
          else if (message.event === 'end') ended = JSON.parse(message.data) as { status: string };
          else if (message.event === 'error') options.onNotice?.(`the stream stopped: ${(JSON.parse(message.data) as { title?: string }).title ?? 'error'}`);
        },
        onRetry(milliseconds: number) {
          retryInMs = milliseconds;
        },
      });
      const decoder = new TextDecoder();
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        parser.feed(decoder.decode(chunk, { stream: true }));
        if (ended) break;
      }
      if (ended) return { ended: true, status: ended.status };
      // The server closed at its time limit: reconnect after its hint, from the last id.
      await sleep(retryInMs, options.signal);
    } catch (error) {
      if (options.signal?.aborted) break;
      if (error instanceof PermanentTailError) return { ended: false, reason: error.message };
      if (ended) return { ended: true, status: (ended as { status: string }).status };
      failures++;
      if (failures >= maxFailures) return { ended: false, reason: `gave up after ${failures} failed attempts: ${(error as Error).message}` };
      const wait = typeof (error as Error).cause === 'number' ? ((error as Error).cause as number) : Math.min(30_000, retryInMs * 2 ** (failures - 1));
      options.onNotice?.(`connection lost (${(error as Error).message}); resuming in ${Math.round(wait / 100) / 10} s`);
      await sleep(wait, options.signal);
    }
  }
  return { ended: false, reason: 'stopped' };
}

const colours: Record<string, string> = { fatal: '\x1b[1;35m', error: '\x1b[31m', warn: '\x1b[33m', info: '\x1b[32m', debug: '\x1b[36m', trace: '\x1b[90m' };
const RESET = '\x1b[0m';

/** One line per item: time, level (coloured on a terminal), kind and the masked text. */
export function formatItem(item: TailedItem, colour: boolean): string {
  const time = item.timestamp ?? item.startTime ?? '';
  let level = item.level ?? (item.docType === 'span' ? 'span' : item.docType === 'network' ? 'net' : 'info');
  if (item.docType === 'network' && typeof item.status === 'number' && item.status >= 500) level = 'error';
  let text: string;
  if (item.docType === 'network')
    text = `${item.method ?? ''} ${item.url ?? ''} ${typeof item.status === 'number' ? item.status : '-'} ${item.durationMs ?? ''}ms`;
  else if (item.docType === 'span')
    text = `${item.name ?? ''} ${item.durationMs ?? ''}ms${typeof item.status === 'object' && item.status.code === 'error' ? ' (error)' : ''}`;
  else if (item.docType === 'breadcrumb') text = `[${item.category ?? ''}] ${item.message ?? ''}`;
  else text = `${item.module ? `${item.module}: ` : ''}${item.message ?? ''}`;
  const label = level.toUpperCase().padEnd(5);
  const painted = colour && colours[level] ? `${colours[level]}${label}${RESET}` : label;
  return `${time} ${painted} ${item.docType.padEnd(10)} ${text}`;
}
