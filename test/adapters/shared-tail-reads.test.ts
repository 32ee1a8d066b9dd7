// Shared tail reads: streams asking for the same settled seconds of a session with the same filter within the share
// window get one storage read between them; anything else (another session, filter, range, or a read that failed)
// goes to storage.
import { describe, expect, it } from 'vitest';
import { SharedTailReads } from '../../shared/adapters/caching/shared-tail-reads';
import { InMemoryTelemetry } from '../../shared/adapters/memory/in-memory-telemetry';
import type { TailRead, TailReader, TailReadResult } from '../../shared/ports/tail-reader';
import type { SessionKey } from '../../shared/ports/telemetry-store';

/** Storage as the tail sees it: counts the reads that reach it; `failNext` makes the next one fail. */
class CountingReader implements TailReader {
  reads: Array<{ session: SessionKey; request: TailRead }> = [];
  failNext = false;
  async read(session: SessionKey, request: TailRead): Promise<TailReadResult> {
    this.reads.push({ session, request });
    await new Promise((resolve) => setTimeout(resolve, 5));
    if (this.failNext) {
      this.failNext = false;
      throw new Error('storage unavailable');
    }
    return { entries: [], coveredThrough: request.throughSecond };
  }
  async count(): Promise<number> {
    return 0;
  }
}

function setUp(options = { shareForMs: 1_000, maxEntries: 100 }) {
  let now = 1_000_000;
  const storage = new CountingReader();
  const telemetry = new InMemoryTelemetry();
  const reads = new SharedTailReads(storage, { now: () => new Date(now) }, telemetry, options);
  return { storage, reads, telemetry, advance: (milliseconds: number) => (now += milliseconds) };
}

const session: SessionKey = { productId: 'demo', sessionId: 'ds_1' };
const request: TailRead = { fromSecond: 100, throughSecond: 105, filter: {}, atLeast: 501 };

describe('SharedTailReads', () => {
  it('answers concurrent and later identical reads from one storage read within the window', async () => {
    const { storage, reads, telemetry, advance } = setUp();
    const answers = await Promise.all(Array.from({ length: 10 }, () => reads.read(session, { ...request, filter: {} })));
    advance(999);
    answers.push(await reads.read(session, request));
    expect(storage.reads).toHaveLength(1);
    expect(new Set(answers).size).toBe(1);
    expect(telemetry.total('tail.reads_total', { shared: 'true' })).toBe(10);
    expect(telemetry.total('tail.reads_total', { shared: 'false' })).toBe(1);
    advance(1);
    await reads.read(session, request);
    expect(storage.reads).toHaveLength(2);
  });

  it('reads storage for another session, range or filter', async () => {
    const { storage, reads } = setUp();
    await reads.read(session, request);
    await reads.read({ ...session, sessionId: 'ds_2' }, request);
    await reads.read(session, { ...request, throughSecond: 106 });
    await reads.read(session, { ...request, fromSecond: 101 });
    await reads.read(session, { ...request, filter: { levels: ['error'] } });
    await reads.read(session, { ...request, filter: { text: 'checkout' } });
    await reads.read(session, { ...request, filter: { types: ['network'] } });
    await reads.read(session, { ...request, filter: { levels: ['error'] } });
    expect(storage.reads).toHaveLength(7);
  });

  it('does not share a failed read: the next stream asks storage again', async () => {
    const { storage, reads } = setUp();
    storage.failNext = true;
    await expect(reads.read(session, request)).rejects.toThrow('storage unavailable');
    await expect(reads.read(session, request)).resolves.toMatchObject({ coveredThrough: 105 });
    expect(storage.reads).toHaveLength(2);
  });

  it('keeps at most maxEntries answers, the oldest leaving first', async () => {
    const { storage, reads } = setUp({ shareForMs: 60_000, maxEntries: 3 });
    for (const through of [101, 102, 103, 104]) await reads.read(session, { ...request, throughSecond: through });
    await reads.read(session, { ...request, throughSecond: 104 });
    await reads.read(session, { ...request, throughSecond: 101 });
    expect(storage.reads.map((read) => read.request.throughSecond)).toEqual([101, 102, 103, 104, 101]);
  });
});
