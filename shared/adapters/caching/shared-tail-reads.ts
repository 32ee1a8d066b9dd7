// Live tail streams of one session share their storage reads on an instance. Streams at the live edge of a session
// ask for the same settled seconds with the same filter once a second each, so a hundred engineers watching one
// session were a hundred identical queries a second; here they are one. A read covers settled seconds only (their
// commits are complete), so its answer stays right for whoever asks for the same seconds a moment later. Answers are
// shared, never copied: the tail service only reads them (its field view copies on write).
import type { TailFilter } from '../../domain/telemetry/tail';
import type { Clock } from '../../ports/clock';
import type { TailRead, TailReader, TailReadResult } from '../../ports/tail-reader';
import type { Telemetry } from '../../ports/telemetry';
import type { SessionKey } from '../../ports/telemetry-store';

export interface SharedTailReadOptions {
  /** How long an answer is handed to streams asking for the same read (about one poll interval: then the edge moves on). */
  shareForMs: number;
  /** Bounds memory: answers hold up to a message's worth of documents each. */
  maxEntries: number;
}

interface Entry {
  answer: Promise<TailReadResult>;
  expiresAtMs: number;
}

function filterKey(filter: TailFilter): string {
  return `${filter.levels?.join(',') ?? ''}|${filter.types?.join(',') ?? ''}|${filter.text ?? ''}`;
}

export class SharedTailReads implements TailReader {
  /** In insertion order, which is expiry order (every entry lives `shareForMs`). */
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly inner: TailReader,
    private readonly clock: Clock,
    private readonly telemetry: Telemetry,
    private readonly options: SharedTailReadOptions,
  ) {}

  read(session: SessionKey, request: TailRead): Promise<TailReadResult> {
    const now = this.clock.now().getTime();
    this.dropExpired(now);
    const key = [session.productId, session.sessionId, request.fromSecond, request.throughSecond, request.atLeast, filterKey(request.filter)].join('\u0000');
    const shared = this.entries.get(key);
    if (shared) {
      this.telemetry.metric('tail.reads_total', 1, { shared: 'true' });
      return shared.answer;
    }
    this.telemetry.metric('tail.reads_total', 1, { shared: 'false' });
    const answer = this.inner.read(session, request);
    if (this.entries.size >= this.options.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { answer, expiresAtMs: now + this.options.shareForMs });
    // A failed read is not shared: the next stream to ask tries storage again.
    answer.catch(() => {
      if (this.entries.get(key)?.answer === answer) this.entries.delete(key);
    });
    return answer;
  }

  count(session: SessionKey, request: { afterSecond: number; throughSecond: number; filter: TailFilter }): Promise<number> {
    return this.inner.count(session, request);
  }

  private dropExpired(now: number): void {
    for (const [key, entry] of this.entries) {
      if (entry.expiresAtMs > now) break;
      this.entries.delete(key);
    }
  }
}
